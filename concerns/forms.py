"""Forms for logging a concern, moving it through the flowchart and reading the chronology."""

from __future__ import annotations

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Size
from django import forms
from django.core.exceptions import ValidationError

from concerns.chronology import KINDS
from concerns.models import (
    LEVEL_DESCRIPTIONS,
    OUTCOME_DESCRIPTIONS,
    Category,
    ConcernOutcome,
    Level,
)
from lisa.fields import DateField
from lisa.forms import helper

YES_NO = [("yes", "Yes"), ("no", "No")]


def level_choices() -> list[Choice]:
    return [Choice(level.value, level.label, hint=LEVEL_DESCRIPTIONS[level]) for level in Level]


def outcome_choices(only: list[str] | None = None) -> list[Choice]:
    return [
        Choice(outcome.value, outcome.label, hint=OUTCOME_DESCRIPTIONS[outcome])
        for outcome in ConcernOutcome
        if only is None or outcome.value in only
    ]


class ConcernForm(forms.Form):
    """A new concern, as the flowchart asks for it."""

    date = DateField(
        label="When was the concern seen?", not_future=True, help_text="For example, 27 3 2026"
    )
    level = forms.TypedChoiceField(
        label="Level of need",
        coerce=int,
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level of need"},
    )
    categories = forms.ModelMultipleChoiceField(
        label="What is the concern about?",
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one category"},
    )
    what_was_seen = forms.CharField(
        label="What was seen or heard",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what was seen or heard"},
    )
    discussed_with_parent = forms.TypedChoiceField(
        label="Was the concern discussed with the parent or carer?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the concern was discussed with the parent or carer"
        },
    )
    not_discussed_reason = forms.CharField(
        label="If not, why not?",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, discussing it would put the child at greater risk.",
    )
    action_agreed = forms.CharField(
        label="Action agreed",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the action agreed"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    role = forms.CharField(
        label="Your role with the child",
        max_length=120,
        help_text="You will be listed as working with the child, with your contact details. "
        "For example: health visitor",
        error_messages={"required": "Enter your role with the child"},
    )

    def __init__(self, *args, involved: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = level_choices()
        self.fields["outcome"].choices = outcome_choices()
        self.fields["categories"].queryset = Category.objects.filter(is_active=True)
        layout = [
            Field("date", legend_size=Size.SMALL),
            Field.radios("level", legend_size=Size.SMALL),
            Field.checkboxes("categories", legend_size=Size.SMALL, small=True),
            Field.textarea("what_was_seen"),
            Field.radios("discussed_with_parent", legend_size=Size.SMALL, inline=True),
            Field.textarea("not_discussed_reason"),
            Field.textarea("action_agreed"),
            Field.radios("outcome", legend_size=Size.SMALL),
        ]
        if involved:
            del self.fields["role"]
        else:
            layout.append(Field.text("role", field_width=30))
        self.helper = helper(*layout, submit="Log the concern")

    def clean(self):
        data = super().clean()
        if (
            data.get("discussed_with_parent") is False
            and not data.get("not_discussed_reason", "").strip()
        ):
            self.add_error(
                "not_discussed_reason",
                "Say why the concern was not discussed with the parent or carer",
            )
        if (
            data.get("level") == Level.ACUTE
            and data.get("outcome")
            and data["outcome"]
            not in (
                ConcernOutcome.SOCIAL_CARE,
                ConcernOutcome.CHILD_PROTECTION,
            )
        ):
            self.add_error(
                "outcome",
                "A level 4 (acute) concern must record the referral to Social Care & Health: "
                "choose “Referred to Social Care & Health” or “Child protection referral”",
            )
        return data


class ChangeConcernForm(forms.Form):
    """What happened next: a new outcome, a new level, or reopening a closed concern."""

    outcome = forms.ChoiceField(
        label="What happens now?",
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happens now"},
    )
    level = forms.TypedChoiceField(
        label="Level of need",
        coerce=int,
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level of need"},
    )
    note = forms.CharField(
        label="Note",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. For example, who you spoke to and what was decided.",
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, allowed: list[str], reopening: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcome_choices(allowed)
        self.fields["level"].choices = level_choices()
        submit = "Reopen the concern" if reopening else "Save"
        self.helper = helper(
            Field.radios("outcome", legend_size=Size.SMALL),
            Field.radios("level", legend_size=Size.SMALL),
            Field.textarea("note"),
            Field("version"),
            submit=submit,
        )


class CloseConcernForm(forms.Form):
    note = forms.CharField(
        label="Why can the concern be closed?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the concern can be closed"},
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(Field.textarea("note"), Field("version"), submit="Close the concern")


class ChronologyFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Show", required=False, choices=())
    start = DateField(label="From", required=False, help_text="For example, 1 9 2026")
    end = DateField(label="To", required=False, help_text="For example, 30 11 2026")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything")] + [
            (key, label) for key, label in KINDS.items()
        ]
        self.helper = helper(
            Field.select("kind"),
            Field("start", legend_size=Size.SMALL),
            Field("end", legend_size=Size.SMALL),
            submit="Filter",
        )
        # A GET form: no CSRF token, which would otherwise end up in the address.
        self.helper.form_method = "get"

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("The ‘from’ date must be before the ‘to’ date")
        return data


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=80, error_messages={"required": "Enter a name"})
    position = forms.IntegerField(
        label="Position in the list",
        min_value=0,
        max_value=999,
        required=False,
        help_text="Lower numbers come first",
    )
    is_active = forms.BooleanField(
        label="Offered when logging a concern",
        required=False,
        initial=True,
        help_text="Untick to retire the category. Concerns that have it keep it.",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.text("name", field_width=20),
            Field.text("position", field_width=4),
            Field.checkbox("is_active"),
            Field("version"),
            submit="Save",
        )
