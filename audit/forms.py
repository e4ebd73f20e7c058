from __future__ import annotations

from django import forms

from audit.models import Action
from lisa.models import Agency, User


def _date(label: str, example: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        help_text=f"For example, {example}",
        widget=forms.DateInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )


class AuditFilterForm(forms.Form):
    """Filters for the audit trail. Every field is optional."""

    user = forms.CharField(required=False, max_length=150, label="Username")
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.all(), required=False, empty_label="All agencies"
    )
    action = forms.ChoiceField(required=False, choices=[("", "All actions"), *Action.choices])
    child = forms.CharField(
        required=False,
        max_length=20,
        label="Child",
        help_text="LISA reference (like L1234567K) or record number",
    )
    date_from = _date("From", "1/11/2026")
    date_to = _date("To", "30/11/2026")

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        if not viewer.is_central_team:
            # Designated officers see their own agency only; the filter is fixed.
            del self.fields["agency"]
        self.fields["user"].widget.attrs["class"] = "govuk-input govuk-input--width-20"
        for name in ("agency", "action"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "govuk-select"
        self.fields["child"].widget.attrs["class"] = "govuk-input govuk-input--width-10"

    def clean_child(self) -> int | None:
        """The child's record number, from a record number or a LISA reference. A merged
        record's reference finds the events of that record itself (before the merge)."""
        from children.models import Child
        from children.validators import compact_lisa_ref

        value = (self.cleaned_data.get("child") or "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit():
            return int(value[:18])
        reference = compact_lisa_ref(value)
        child_id = Child.objects.filter(lisa_ref=reference).values_list("pk", flat=True).first()
        if child_id is None:
            raise forms.ValidationError("No child on LISA has that reference")
        return child_id

    def clean(self):
        return check_dates(self, super().clean())


def check_dates(form: forms.Form, data: dict) -> dict:
    """Dates a person meant: within the years the trail can hold, and the range the right way
    round."""
    for name in ("date_from", "date_to"):
        value = data.get(name)
        if value and not 2000 <= value.year <= 2999:
            form.add_error(name, "Enter a date between the years 2000 and 2999")
            data[name] = None
    start, end = data.get("date_from"), data.get("date_to")
    if start and end and start > end:
        form.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
    return data


class DateRangeForm(forms.Form):
    """Between which dates: both optional."""

    date_from = _date("From", "1/11/2026")
    date_to = _date("To", "30/11/2026")

    def clean(self):
        return check_dates(self, super().clean())


class AlertReviewForm(forms.Form):
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Review note",
        help_text="What you checked and what, if anything, was done.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from crispy_forms_gds.layout import Field

        from lisa.forms import helper

        self.helper = helper(Field.textarea("note"), submit="Mark as reviewed")
