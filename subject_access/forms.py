"""Forms for recording a subject access request, extending its deadline, closing it without an
answer (withdrawn or refused) and releasing the answer."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Size
from django import forms

from lisa.fields import DateField
from lisa.forms import helper
from subject_access.models import RequesterKind

NOT_ONE_OF_THEM = ""


class RequestForm(forms.Form):
    """Who asked, in what capacity, when, and how their identity was checked. The rules that
    join the fields (a parent named when a parent asks, how the identity was checked when it
    was) are the action's, so that they are said beside the fields whichever way a request is
    recorded."""

    requester_name = forms.CharField(
        max_length=200,
        label="Who is asking?",
        help_text="Their full name",
        error_messages={"required": "Enter the name of the person asking"},
    )
    requester_kind = forms.ChoiceField(
        choices=RequesterKind.choices,
        widget=forms.RadioSelect,
        label="In what capacity are they asking?",
        error_messages={"required": "Select in what capacity they are asking"},
    )
    requester_parent = forms.ChoiceField(
        required=False,
        label="Which person with parental responsibility is asking, or is being acted for?",
        help_text="Their own contact details are then not marked as someone else's",
    )
    relationship = forms.CharField(
        max_length=200,
        label="Relationship to the child, or on whose behalf they act",
        help_text="For example: mother; the young person; solicitor acting for the father",
        error_messages={"required": "Enter their relationship to the child"},
    )
    received_on = DateField(
        label="Date the request was received", not_future=True, help_text="For example, 3 5 2026"
    )
    identity_checked = forms.BooleanField(
        required=False, label="Their identity (and any authority to act) has been checked"
    )
    identity_how = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="How was it checked?",
        help_text="For example: passport and a council tax bill seen at the front desk",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, parents=(), submit: str = "Record the request", **kwargs):
        super().__init__(*args, **kwargs)
        self.parents = {str(parent.pk): parent for parent in parents}
        self.fields["requester_parent"].choices = [(NOT_ONE_OF_THEM, "Not one of them")] + [
            (key, f"{parent.name} ({parent.relationship})") for key, parent in self.parents.items()
        ]
        self.helper = helper(
            Field.text("requester_name", field_width=30),
            Field.radios("requester_kind", legend_size=Size.SMALL),
            Field.select("requester_parent"),
            Field.text("relationship", field_width=30),
            Field("received_on"),
            Field.checkbox("identity_checked"),
            Field.textarea("identity_how"),
            Field("version"),
            submit=submit,
        )

    def clean(self):
        data = super().clean()
        data["parent"] = self.parents.get(data.get("requester_parent") or NOT_ONE_OF_THEM)
        return data


class ReleaseForm(forms.Form):
    """The reviewer ticks what is to be withheld and says why for each; the rest is released.
    The template draws the GOV.UK checkboxes, each revealing its reason."""

    withhold = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, flags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.flags = list(flags)
        self.fields["withhold"].choices = [(flag.key, flag.description) for flag in self.flags]
        self.fields["withhold"].error_messages["invalid_choice"] = (
            "The record has changed since this page was opened: look at the items again"
        )
        for flag in self.flags:
            self.fields[self.reason_name(flag.key)] = forms.CharField(
                required=False,
                max_length=500,
                label="Why is it withheld?",
                error_messages={"max_length": "Keep the reason to 500 characters or fewer"},
            )

    @staticmethod
    def reason_name(key: str) -> str:
        return f"reason_{key}"

    def clean(self):
        data = super().clean()
        withheld = {}
        for key in data.get("withhold") or []:
            reason = (data.get(self.reason_name(key)) or "").strip()
            if not reason:
                self.add_error(self.reason_name(key), "Say why this item is withheld")
            withheld[key] = reason
        data["withheld"] = withheld
        return data

    def rows(self):
        """The flags, each with its checkbox state and its reason field, for the template."""
        ticked = set(self["withhold"].value() or [])
        return [
            {
                "flag": flag,
                "n": number,
                "checked": flag.key in ticked,
                "reason": self[self.reason_name(flag.key)],
            }
            for number, flag in enumerate(self.flags, start=1)
        ]


class ExtendForm(forms.Form):
    """Why the deadline is extended, and when the person who asked was told. The rules that
    depend on the request (within the first month, once only) are the action's."""

    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is the deadline extended?",
        help_text="For example: the request is complex; it is one of several from the same person",
        error_messages={"required": "Say why the deadline is extended"},
    )
    told_on = DateField(
        label="Date the person who asked was told",
        not_future=True,
        help_text="They must be told of the extension, and why, within the first month",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.textarea("reason"),
            Field("told_on"),
            Field("version"),
            submit="Extend the deadline",
        )


class WithdrawForm(forms.Form):
    """The day the person who asked withdrew the request, and an optional note."""

    on = DateField(label="Date the request was withdrawn", not_future=True)
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="How was it withdrawn? (optional)",
        help_text="For example: by email to the central team",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field("on"),
            Field.textarea("reason"),
            Field("version"),
            submit="Record that it was withdrawn",
        )


class RefuseForm(forms.Form):
    """Why the request is refused, when the person who asked was told, and that they were told
    of their right to complain."""

    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is the request manifestly unfounded or excessive?",
        error_messages={"required": "Say why the request is refused"},
    )
    on = DateField(label="Date the person who asked was told", not_future=True)
    complaint_right_told = forms.BooleanField(
        required=False,
        label=(
            "They were told of their right to complain to the Information Commissioner's "
            "Office, and to seek to enforce their right through a court"
        ),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.textarea("reason"),
            Field("on"),
            Field.checkbox("complaint_right_told"),
            Field("version"),
            submit="Refuse the request",
        )
