"""Forms for arranging and recording Family Support Meetings and for the support plan.

Forms carry what was typed; meetings/actions.py decides what is allowed. A refused save comes
back beside the field (:func:`lisa.forms.apply_errors`), with nothing typed lost.
"""

from __future__ import annotations

from crispy_forms_gds.layout import HTML, Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError

from lisa.fields import DateField
from lisa.forms import helper
from meetings.models import (
    ActionStatus,
    Attendance,
    ClosureReason,
    HeadlineOutcome,
    Joining,
    MeetingKind,
    OwnerKind,
)

TIME_HELP = "Use the 24-hour clock, for example 14:30"


class TimeField(forms.TimeField):
    def __init__(self, **kwargs):
        label = str(kwargs.get("label", "Time"))
        super().__init__(
            input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
            help_text=TIME_HELP,
            error_messages={
                "required": f"Enter the {label.lower()}",
                "invalid": f"Enter the {label.lower()} as hours and minutes, like 14:30",
            },
            **kwargs,
        )


def _text(label: str, max_length: int, rows: int = 0, **kwargs):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=kwargs.pop("required", False),
        widget=widget,
        **kwargs,
    )


class ArrangeForm(forms.Form):
    """A new meeting: who it is about, when and where, who chairs it and who is invited."""

    children = forms.MultipleChoiceField(
        label="Which children will the meeting discuss?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the children the meeting is about"},
    )
    kind = forms.ChoiceField(
        label="Kind of meeting",
        choices=MeetingKind.choices,
        widget=forms.RadioSelect,
        initial=MeetingKind.INITIAL,
        error_messages={"required": "Choose the kind of meeting"},
    )
    plan = forms.ChoiceField(
        label="Which support plan is the meeting about?",
        required=False,
        help_text="A review or closing meeting is about the family's support plan.",
    )
    date = DateField(label="Date of the meeting", help_text="For example, 27 3 2026")
    start_time = TimeField(label="Start time")
    end_time = TimeField(label="End time")
    venue = _text("Venue", 300, help_text="The address or room, or choose a place below")
    location = forms.ChoiceField(label="Or a place from the Service Directory", required=False)
    joining = forms.ChoiceField(
        label="How will people join?",
        choices=Joining.choices,
        widget=forms.RadioSelect,
        initial=Joining.IN_PERSON,
        error_messages={"required": "Choose how people will join"},
    )
    joining_details = _text(
        "Joining details", 300, help_text="Optional. For example the number to call"
    )
    chair = forms.ChoiceField(
        label="Who will chair the meeting?",
        help_text="By default the practitioner who raised the concern.",
        error_messages={"required": "Choose a LISA practitioner to chair the meeting"},
    )
    practitioners = forms.MultipleChoiceField(
        label="Practitioners working with the children",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_practitioners = forms.MultipleChoiceField(
        label="Other LISA practitioners",
        required=False,
        help_text="Select everyone else to invite (hold Ctrl or Cmd to choose more than one).",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    parents = forms.MultipleChoiceField(
        label="People with parental responsibility",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    young_people = forms.MultipleChoiceField(
        label="The young person", required=False, widget=forms.CheckboxSelectMultiple
    )
    young_person_not_invited_reason = _text(
        "If the young person is not invited, why not?", 1000, rows=2
    )
    other_name = _text("Name", 200)
    other_role = _text("Role", 120)
    other_organisation = _text("Organisation", 200)
    other_contact = _text("Contact details", 300)
    concerns = forms.MultipleChoiceField(
        label="Which concerns does the meeting answer?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prepared_on = DateField(
        label="Date the purpose and process were discussed with the parent or carer",
        required=False,
        not_future=True,
        help_text="Optional. For example, 20 3 2026",
    )
    prepared_by = _text("Discussed by", 200)
    parent_told_of_sharing = forms.BooleanField(
        label="The parent or carer has been told that information will be shared at the meeting",
        required=False,
    )

    def __init__(self, *args, choices: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            self.fields[name].choices = options
        self.helper = helper(
            Field.checkboxes("children", legend_size=Size.SMALL, small=True),
            Field.radios("kind", legend_size=Size.SMALL, inline=True),
            Field.select("plan"),
            Field("date", legend_size=Size.SMALL),
            Field.text("start_time", field_width=5),
            Field.text("end_time", field_width=5),
            Field.text("venue", field_width=30),
            Field.select("location"),
            Field.radios("joining", legend_size=Size.SMALL, inline=True),
            Field.text("joining_details", field_width=30),
            Field.select("chair"),
            Fieldset(
                Field.checkboxes("practitioners", legend_size=Size.SMALL, small=True),
                Field.select("other_practitioners"),
                Field.checkboxes("parents", legend_size=Size.SMALL, small=True),
                Field.checkboxes("young_people", legend_size=Size.SMALL, small=True),
                Field.textarea("young_person_not_invited_reason"),
                legend="Who is invited",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                HTML('<p class="govuk-hint">Optional: someone without a LISA account.</p>'),
                Field.text("other_name", field_width=20),
                Field.text("other_role", field_width=20),
                Field.text("other_organisation", field_width=20),
                Field.text("other_contact", field_width=30),
                legend="Someone else",
                legend_size=Size.SMALL,
            ),
            Field.checkboxes("concerns", legend_size=Size.SMALL, small=True),
            Fieldset(
                Field("prepared_on", legend_size=Size.SMALL),
                Field.text("prepared_by", field_width=20),
                Field.checkbox("parent_told_of_sharing"),
                legend="Preparing the family",
                legend_size=Size.MEDIUM,
            ),
            submit="Arrange the meeting",
        )

    def clean(self):
        data = super().clean()
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] <= data["start_time"]
        ):
            self.add_error("end_time", "The meeting must end after it starts")
        if not (data.get("venue") or "").strip() and not data.get("location"):
            self.add_error("venue", "Enter where the meeting will be held")
        if data.get("kind") in (MeetingKind.REVIEW, MeetingKind.CLOSING) and not data.get("plan"):
            self.add_error("plan", "Choose the support plan a review or closing meeting is about")
        return data


class AttendanceForm(forms.Form):
    """Attendance for every invitee: one radio group (and "who came instead") each."""

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, invitees: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitees = invitees
        layout = []
        for invitee in invitees:
            name = f"attendance_{invitee.pk}"
            self.fields[name] = forms.ChoiceField(
                label=invitee.label,
                choices=Attendance.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=invitee.attendance or None,
            )
            self.fields[f"substitute_{invitee.pk}"] = _text(
                "If they sent someone, who came in their place?",
                200,
                initial=invitee.substitute,
            )
            layout += [
                Field.radios(name, legend_size=Size.SMALL, small=True, inline=True),
                Field.text(f"substitute_{invitee.pk}", field_width=20),
            ]
        self.helper = helper(*layout, Field("version"), submit="Save attendance")

    def attendance(self) -> dict[int, tuple[str, str]]:
        return {
            invitee.pk: (
                self.cleaned_data.get(f"attendance_{invitee.pk}") or "",
                self.cleaned_data.get(f"substitute_{invitee.pk}") or "",
            )
            for invitee in self.invitees
        }


class RecordMeetingForm(forms.Form):
    """What the meeting discussed and decided, and when it is reviewed."""

    strengths = _text("The family's strengths", 5000, rows=3)
    summary = _text(
        "Summary of the discussion",
        10000,
        rows=6,
        required=True,
        error_messages={"required": "Enter a summary of the discussion"},
    )
    family_views = _text(
        "The family's own views",
        5000,
        rows=3,
        help_text="What the parent or carer and the young person said",
    )
    decisions = _text(
        "Decisions",
        10000,
        rows=5,
        required=True,
        help_text="One decision per line.",
        error_messages={"required": "Enter at least one decision"},
    )
    next_review_on = DateField(
        label="Date of the next review",
        required=False,
        help_text="Suggested: six weeks ahead. Not needed after a closing meeting.",
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.textarea("strengths"),
            Field.textarea("summary"),
            Field.textarea("family_views"),
            Field.textarea("decisions"),
            Field("next_review_on", legend_size=Size.SMALL),
            Field("version"),
            submit="Save the record of the meeting",
        )

    def decision_list(self) -> list[str]:
        return [line for line in self.cleaned_data["decisions"].splitlines() if line.strip()]


class LeadForm(forms.Form):
    practitioner = forms.ChoiceField(
        label="Lead professional",
        widget=forms.RadioSelect,
        help_text="From the practitioners who attended, or one invited who has since accepted "
        "the role in writing.",
        error_messages={"required": "Choose a practitioner who attended the meeting"},
    )
    accepted_in_writing_on = DateField(
        label="If they did not attend: the date they accepted the role in writing",
        not_future=True,
        required=False,
    )
    family_view = _text("The family's view on the choice", 1000, rows=2)
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, choices: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = choices
        self.helper = helper(
            Field.radios("practitioner", legend_size=Size.SMALL),
            Field("accepted_in_writing_on"),
            Field.textarea("family_view"),
            Field("version"),
            submit="Appoint the lead professional",
        )


class OutcomeForm(forms.Form):
    headline = forms.ChoiceField(
        label="Headline outcome",
        choices=[("", "Choose a headline outcome"), *HeadlineOutcome.choices],
        error_messages={"required": "Choose a headline outcome"},
    )
    description = _text(
        "Outcome sought",
        1000,
        rows=2,
        required=True,
        error_messages={"required": "Describe the outcome sought"},
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, submit: str = "Add the outcome", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.select("headline"), Field.textarea("description"), Field("version"), submit=submit
        )


class ActionForm(forms.Form):
    """A new action on the plan."""

    what = _text(
        "What will be done",
        1000,
        rows=2,
        required=True,
        error_messages={"required": "Enter what will be done"},
    )
    outcome = forms.ChoiceField(label="For which outcome", required=False)
    children = forms.MultipleChoiceField(
        label="For which child or children",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose which child or children it is for"},
    )
    owner_kind = forms.ChoiceField(
        label="Who will do it",
        choices=OwnerKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say who will do this"},
    )
    owner = forms.ChoiceField(label="The practitioner", required=False)
    owner_parent = forms.ChoiceField(label="The parent or carer", required=False)
    owner_young_person = forms.ChoiceField(label="The young person", required=False)
    owner_name = _text("Or their name and role, if they have no LISA account", 200)
    agency = forms.ChoiceField(label="Agency", required=False)
    service = forms.ChoiceField(label="Service Directory service", required=False)
    due_on = DateField(label="By when", help_text="For example, 27 3 2026")
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, choices: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            self.fields[name].choices = options
        self.helper = helper(
            Field.textarea("what"),
            Field.select("outcome"),
            Field.checkboxes("children", legend_size=Size.SMALL, small=True),
            Field.radios("owner_kind", legend_size=Size.SMALL),
            Field.select("owner"),
            Field.select("owner_parent"),
            Field.select("owner_young_person"),
            Field.text("owner_name", field_width=20),
            Field.select("agency"),
            Field.select("service"),
            Field("due_on", legend_size=Size.SMALL),
            Field("version"),
            submit="Add the action",
        )


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the status"},
    )
    not_done_reason = _text("If it was not done, why not?", 1000, rows=2)
    note = _text("Progress note", 2000, rows=3, help_text="Optional. Dated and kept.")
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.radios("status", legend_size=Size.SMALL),
            Field.textarea("not_done_reason"),
            Field.textarea("note"),
            Field("version"),
            submit="Save",
        )

    def clean(self):
        data = super().clean()
        if data.get("status") == ActionStatus.NOT_DONE and not data.get("not_done_reason"):
            raise ValidationError({"not_done_reason": "Say why it was not done"})
        return data


class ClosePlanForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the plan closing?",
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the plan is closing"},
    )
    text = _text("Details", 1000, rows=2, help_text="Required when the reason is “Other”.")
    agreed_by = forms.ChoiceField(
        label="If there was no closing meeting: who in the LISA central team agreed?",
        required=False,
        help_text="The lead professional may close the plan without a closing meeting with the "
        "central team's agreement.",
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, central_team: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreed_by"].choices = [("", "Nobody: there was a closing meeting")] + [
            (str(user.pk), user.get_full_name()) for user in central_team
        ]
        self.helper = helper(
            Field.radios("reason", legend_size=Size.SMALL),
            Field.textarea("text"),
            Field.select("agreed_by"),
            Field("version"),
            submit="Close the plan",
        )
        self.helper.layout[-1].field_classes = "govuk-button govuk-button--warning"


class SendRecordForm(forms.Form):
    """ "Send the record of decisions": a confirmation carrying the meeting's version."""

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(Field("version"), submit="Send the record of decisions")


class CopyGivenForm(forms.Form):
    """Who was given the family copy, and when."""

    given_to = forms.CharField(
        label="Given to",
        max_length=200,
        help_text="For example, the mother, Harriet, or the young person",
        error_messages={"required": "Enter who was given a copy"},
    )
    given_on = DateField(label="Date given")
    large_print = forms.BooleanField(label="The large-print copy", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.text("given_to"),
            Field("given_on"),
            Field("large_print"),
            submit="Record the copy given",
        )
