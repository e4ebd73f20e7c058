"""Forms for recording agreements, withdrawals, copies, scans and decisions to share."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Size
from django import forms

from consent.models import Decision, Ground, Kind, RequestOutcome, WithdrawalHow
from lisa.fields import DateField
from lisa.forms import helper

YES_NO = [("yes", "Yes"), ("no", "No")]


class AgreementForm(forms.Form):
    """A signed agreement or refusal. Which fields show depends on the kind of form."""

    parent = forms.ChoiceField(
        label="Who signed?",
        widget=forms.RadioSelect,
        help_text="A person with parental responsibility for this child",
        error_messages={"required": "Select the person with parental responsibility who signed"},
    )
    decision = forms.ChoiceField(
        choices=Decision.choices,
        widget=forms.RadioSelect,
        label="What did they decide?",
        error_messages={"required": "Select whether they agree or do not agree"},
    )
    signed_on = DateField(
        label="Date signatures obtained", not_future=True, help_text="For example, 3 5 2026"
    )
    sufficient_understanding = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Does the young person have sufficient understanding to consent?",
        error_messages={
            "required": "Select whether the young person has sufficient understanding to consent"
        },
    )
    understanding_assessed_by = forms.CharField(
        max_length=200,
        label="Who assessed their understanding?",
        help_text="Name and role",
        error_messages={"required": "Enter who assessed the young person's understanding"},
    )
    capacity_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="How was their capacity to consent assessed? (needed for a child under 8)",
    )
    copy_to_child = forms.BooleanField(
        required=False, label="A copy was given to the child or young person"
    )
    copy_to_child_on = DateField(
        label="Date the copy was given to the child or young person",
        not_future=True,
        required=False,
    )
    copy_to_coordinator = forms.BooleanField(
        required=False, label="A copy was sent to the LISA co-ordinator"
    )
    copy_to_coordinator_on = DateField(
        label="Date the copy was sent to the LISA co-ordinator", not_future=True, required=False
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Notes (optional)"
    )

    def __init__(self, *args, kind: str, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        layout = []
        if kind == Kind.PARENT_CARER:
            self.fields["parent"].choices = [(str(p.pk), str(p)) for p in parents]
            for name in ("sufficient_understanding", "understanding_assessed_by", "capacity_note"):
                del self.fields[name]
            layout.append(Field.radios("parent", legend_size=Size.SMALL))
        else:
            del self.fields["parent"]
        layout += [
            Field.radios("decision", legend_size=Size.SMALL),
            Field("signed_on", legend_size=Size.SMALL),
        ]
        if kind == Kind.YOUNG_PERSON:
            layout += [
                Field.radios("sufficient_understanding", legend_size=Size.SMALL, inline=True),
                Field.text("understanding_assessed_by"),
                Field.textarea("capacity_note"),
            ]
        layout += [
            Field.checkbox("copy_to_child"),
            Field("copy_to_child_on", legend_size=Size.SMALL),
            Field.checkbox("copy_to_coordinator"),
            Field("copy_to_coordinator_on", legend_size=Size.SMALL),
            Field.textarea("notes"),
        ]
        self.helper = helper(*layout, submit="Record the agreement")

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        if "sufficient_understanding" in data:
            data["sufficient_understanding"] = {"yes": True, "no": False}.get(
                data["sufficient_understanding"]
            )
        return data


class CopiesForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)
    copy_to_child = AgreementForm.base_fields["copy_to_child"]
    copy_to_child_on = AgreementForm.base_fields["copy_to_child_on"]
    copy_to_coordinator = AgreementForm.base_fields["copy_to_coordinator"]
    copy_to_coordinator_on = AgreementForm.base_fields["copy_to_coordinator_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field("version"),
            Field.checkbox("copy_to_child"),
            Field("copy_to_child_on", legend_size=Size.SMALL),
            Field.checkbox("copy_to_coordinator"),
            Field("copy_to_coordinator_on", legend_size=Size.SMALL),
            submit="Save the copies",
        )


class WithdrawalForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)
    withdrawn_on = DateField(label="Date the agreement was withdrawn", not_future=True)
    withdrawn_by = forms.CharField(
        max_length=200,
        label="Who withdrew it?",
        error_messages={"required": "Enter who withdrew the agreement"},
    )
    how = forms.ChoiceField(
        choices=WithdrawalHow.choices,
        widget=forms.RadioSelect,
        label="How was it withdrawn?",
        error_messages={"required": "Select how the agreement was withdrawn"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field("version"),
            Field("withdrawn_on", legend_size=Size.SMALL),
            Field.text("withdrawn_by"),
            Field.radios("how", legend_size=Size.SMALL),
            submit="Record the withdrawal",
        )


class ScanForm(forms.Form):
    scan = forms.FileField(
        label="Scanned signed form",
        help_text="A PDF, JPEG or PNG file smaller than 10 MB",
        required=False,
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan"].widget.attrs["accept"] = "application/pdf,image/jpeg,image/png"
        self.helper = helper(Field("scan"), Field("version"), submit="Attach the scan")


class SharingDecisionForm(forms.Form):
    ground = forms.ChoiceField(
        choices=Ground.choices,
        widget=forms.RadioSelect,
        label="On what ground is information shared without consent?",
        error_messages={"required": "Select the ground for sharing without consent"},
    )
    what_shared = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What information is shared?",
        error_messages={"required": "Enter what is shared"},
    )
    shared_with = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Who is it shared with?",
        error_messages={"required": "Enter who it is shared with"},
    )
    decided_by = forms.CharField(
        max_length=200,
        label="Who decided?",
        help_text="Name and role",
        error_messages={"required": "Enter who decided"},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why?",
        error_messages={"required": "Enter why"},
    )
    decided_on = DateField(label="When was it decided?", not_future=True)
    refusal = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        label="Which refusal does this decision follow? (optional)",
    )

    def __init__(self, *args, refusals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refusal"].choices = [("", "None")] + [
            (str(a.pk), f"{a.get_kind_display()}, {a.signed_on.day} {a.signed_on:%B %Y}")
            for a in refusals
        ]
        layout = [
            Field.radios("ground", legend_size=Size.SMALL),
            Field.textarea("what_shared"),
            Field.textarea("shared_with"),
            Field.text("decided_by"),
            Field.textarea("reason"),
            Field("decided_on", legend_size=Size.SMALL),
        ]
        if refusals:
            layout.append(Field.radios("refusal", legend_size=Size.SMALL))
        else:
            del self.fields["refusal"]
        self.helper = helper(*layout, submit="Record the decision")


class InformationRequestForm(forms.Form):
    requested_by = forms.CharField(
        max_length=200,
        label="Who asked?",
        help_text="The agency or authority, and the person",
        error_messages={"required": "Enter who asked"},
    )
    received_on = DateField(label="When was the request received?", not_future=True)
    what_requested = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        label="What did they ask for?",
        error_messages={"required": "Enter what was asked for"},
    )
    outcome = forms.ChoiceField(
        choices=RequestOutcome.choices,
        widget=forms.RadioSelect,
        label="Was the information shared?",
        help_text="Sharing is a duty unless it would be more detrimental to the child than not "
        "sharing (Children Act 2004, section 16LA).",
        error_messages={"required": "Select whether the information was shared"},
    )
    what_shared = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        label="If shared: what was shared?",
    )
    shared_with = forms.CharField(
        max_length=200, required=False, label="If shared: who was it shared with?"
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        label="Why?",
        help_text="If not shared: how sharing would be more detrimental to the child than not "
        "sharing.",
        error_messages={"required": "Enter why"},
    )
    decided_by = forms.CharField(
        max_length=200,
        label="Who decided?",
        help_text="Name and role",
        error_messages={"required": "Enter who decided"},
    )
    decided_on = DateField(label="When was it decided?", not_future=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.text("requested_by"),
            Field("received_on", legend_size=Size.SMALL),
            Field.textarea("what_requested"),
            Field.radios("outcome", legend_size=Size.SMALL),
            Field.textarea("what_shared"),
            Field.text("shared_with"),
            Field.textarea("reason"),
            Field.text("decided_by"),
            Field("decided_on", legend_size=Size.SMALL),
            submit="Record the request and decision",
        )
