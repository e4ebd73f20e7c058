"""Forms for finding, adding and changing children, and for involvement and break glass."""

from __future__ import annotations

from crispy_forms_gds.layout import HTML, Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from children.actions import age_on
from children.models import BreakGlassCategory, ChildStatus, Gender
from children.validators import (
    compact_lisa_ref,
    compact_nhs_number,
    compact_upn,
    is_valid_lisa_ref,
    normalise_postcode,
    validate_nhs_number,
    validate_postcode,
    validate_upn,
)
from lisa.fields import DateField
from lisa.forms import ReasonForm, helper, phone_validator

__all__ = ["ReasonForm"]


class SearchForm(forms.Form):
    """One box for a name, reference, NHS number, UPN or postcode; date of birth and postcode
    narrow a name search. It is written out in templates/children/search_form.html, on the
    busiest pages."""

    q = forms.CharField(
        label="Name, LISA reference, NHS number, UPN or postcode",
        max_length=120,
        required=False,
        help_text="For example: Jon Smith, Jon Smith 4/5/2016, L1234567K, 943 476 5919 or SE13 6LH",
    )
    date_of_birth = DateField(
        label="Date of birth",
        required=False,
        not_future=True,
        help_text="Optional. For example, 27 3 2016",
    )
    postcode = forms.CharField(
        label="Postcode", max_length=10, required=False, help_text="Optional"
    )

    def date_of_birth_parts(self) -> list[dict]:
        """The date of birth's day, month and year as the written-out form shows them: each
        one's id, name, label, width, what was typed, and whether it is marked in error (when
        the date has an error: the parts left empty, or all three if none was)."""
        bound = self["date_of_birth"]
        parts = bound.subwidgets[0].data["subwidgets"]
        empty = [not part["value"] for part in parts]
        marked = empty if any(empty) else [True] * len(parts)
        return [
            {
                "id": part["attrs"]["id"],
                "name": part["name"],
                "label": label,
                "width": width,
                "value": part["value"] or "",
                "error": bool(bound.errors) and mark,
            }
            for part, label, width, mark in zip(
                parts, ("Day", "Month", "Year"), (2, 2, 4), marked, strict=True
            )
        ]

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if value:
            validate_postcode(value)
            return normalise_postcode(value)
        return ""

    def clean(self):
        data = super().clean()
        if not self.errors and not (
            data.get("q", "").strip() or data.get("date_of_birth") or data.get("postcode")
        ):
            raise ValidationError("Enter a name, reference, NHS number, UPN or postcode")
        return data


class ChildForm(forms.Form):
    """A child's details, for adding and changing."""

    forenames = forms.CharField(max_length=100, label="First names")
    surname = forms.CharField(max_length=100, label="Last name")
    other_names = forms.CharField(
        max_length=200,
        required=False,
        label="Other names the child is known by (optional)",
        help_text="For example a previous surname or a name used at school",
    )
    date_of_birth = DateField(
        label="Date of birth", not_future=True, help_text="For example, 27 3 2016"
    )
    gender = forms.ChoiceField(choices=Gender.choices, widget=forms.RadioSelect)
    address_line_1 = forms.CharField(
        max_length=120, required=False, label="Address line 1 (optional)"
    )
    address_line_2 = forms.CharField(
        max_length=120, required=False, label="Address line 2 (optional)"
    )
    town = forms.CharField(max_length=80, required=False, label="Town or city (optional)")
    postcode = forms.CharField(
        max_length=10,
        required=False,
        label="Postcode (optional)",
        help_text="Needed when an address is given",
    )
    nhs_number = forms.CharField(
        max_length=14,
        required=False,
        label="NHS number (optional)",
        help_text="10 digits, for example 943 476 5919",
    )
    upn = forms.CharField(
        max_length=16,
        required=False,
        label="Unique Pupil Number (optional)",
        help_text="13 characters, for example B801200005001",
    )
    school = forms.CharField(max_length=200, required=False, label="School or nursery (optional)")
    first_language = forms.CharField(
        max_length=60, required=False, label="First language (optional)"
    )
    interpreter_needed = forms.BooleanField(required=False, label="An interpreter is needed")
    shielded = forms.BooleanField(
        required=False,
        label="Shield this child's address",
        help_text="For example when the family is fleeing domestic abuse. Only the central team "
        "and the practitioners involved will see the address.",
    )
    status = forms.ChoiceField(choices=ChildStatus.choices, required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    ADDRESS_FIELDS = ("address_line_1", "address_line_2", "town", "postcode")

    def __init__(self, *args, editing: bool = False, show_address: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nhs_number"].widget.attrs.update(inputmode="numeric", spellcheck="false")
        self.fields["upn"].widget.attrs.update(spellcheck="false")
        self.fields["postcode"].widget.attrs.update(autocomplete="postal-code")
        if not editing:
            del self.fields["status"]
        if not show_address:
            # A shielded address is neither shown nor changed by someone who may not see it.
            for name in self.ADDRESS_FIELDS:
                del self.fields[name]
        layout = [
            Field.text("forenames", field_width=20),
            Field.text("surname", field_width=20),
            Field.text("other_names", field_width=30),
            Field("date_of_birth", legend_size=Size.SMALL),
            Field.radios("gender", legend_size=Size.SMALL, inline=True),
        ]
        if show_address:
            layout.append(
                Fieldset(
                    Field.text("address_line_1", field_width=30),
                    Field.text("address_line_2", field_width=30),
                    Field.text("town", field_width=20),
                    Field.text("postcode", field_width=10),
                    legend="Address",
                    legend_size=Size.SMALL,
                )
            )
        layout += [
            Field.text("nhs_number", field_width=10),
            Field.text("upn", field_width=10),
            Field.text("school", field_width=30),
            Field.text("first_language", field_width=20),
            Field.checkbox("interpreter_needed"),
            Field.checkbox("shielded"),
        ]
        if editing:
            layout.append(Field.select("status"))
        layout.append(Field("version"))
        self.helper = helper(*layout, submit="Save" if editing else "Continue")

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and age_on(born, timezone.localdate()) >= 18:
            raise ValidationError(
                "LISA is for children and young people under 18: this date of birth gives an "
                f"age of {age_on(born, timezone.localdate())}"
            )
        return born

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if value:
            validate_postcode(value)
            return normalise_postcode(value)
        return ""

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"]
        validate_nhs_number(value)
        return compact_nhs_number(value)

    def clean_upn(self):
        value = self.cleaned_data["upn"]
        validate_upn(value)
        return compact_upn(value)

    def clean(self):
        data = super().clean()
        if (
            data.get("address_line_1")
            and not data.get("postcode")
            and "postcode" not in self.errors
        ):
            self.add_error("postcode", "Enter the postcode of the address")
        return data


class InvolvementClaimForm(forms.Form):
    role = forms.CharField(
        max_length=120,
        label="Your role with the child",
        help_text="For example: class teacher, school nurse, health visitor",
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="How do you work with this child?",
        help_text="The central team reviews every claim.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.text("role", field_width=30),
            Field.textarea("reason"),
            submit="I work with this child",
        )


class AddInvolvementForm(forms.Form):
    practitioner = forms.ModelChoiceField(queryset=None, label="Practitioner")
    role = forms.CharField(max_length=120, label="Their role with the child")

    def __init__(self, *args, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners
        self.fields["practitioner"].label_from_instance = lambda u: (
            f"{u.get_full_name()} — {u.agency.name if u.agency else ''}"
        )
        self.helper = helper(
            Field.select("practitioner"),
            Field.text("role", field_width=30),
            HTML(
                '<p class="govuk-body">The lead professional is appointed at a Family Support '
                "Meeting, from those who attend.</p>"
            ),
            submit="Add practitioner",
        )


class BreakGlassForm(forms.Form):
    category = forms.ChoiceField(
        choices=BreakGlassCategory.choices,
        label="Why do you need to see this record?",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Explain the reason",
        help_text="The central team will review this. Your access lasts 24 hours and every page "
        "you open is recorded with this reason.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field.radios("category", legend_size=Size.SMALL),
            Field.textarea("reason"),
            submit="Open the record",
        )
        self.helper.layout[-1].field_classes = "govuk-button govuk-button--warning"


class ParentForm(forms.Form):
    name = forms.CharField(max_length=200, label="Full name")
    relationship = forms.CharField(
        max_length=60,
        label="Relationship to the child",
        help_text="For example: mother, father, grandmother, special guardian",
    )
    address = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Address (optional)"
    )
    phone = forms.CharField(
        max_length=30, required=False, validators=[phone_validator], label="Phone (optional)"
    )
    email = forms.EmailField(required=False, label="Email (optional)")
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, show_address: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [Field.text("name", field_width=30), Field.text("relationship", field_width=20)]
        if show_address:
            fields.append(Field.textarea("address"))
        else:
            # The household's address is shielded from this person: not shown, not changed.
            del self.fields["address"]
        self.helper = helper(
            *fields,
            Field.text("phone", field_width=20),
            Field.text("email", field_width=30),
            Field("version"),
            submit="Save",
        )


class ReferenceForm(forms.Form):
    """Another child, by LISA reference (to link a sibling or to merge)."""

    lisa_ref = forms.CharField(
        max_length=14, label="LISA reference of the other child", help_text="For example, L1234567K"
    )
    reason = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, reason_label: str = "", submit: str = "Continue", **kwargs):
        super().__init__(*args, **kwargs)
        fields = [Field.text("lisa_ref", field_width=10)]
        if reason_label:
            self.fields["reason"].label = reason_label
            self.fields["reason"].required = True
            fields.append(Field.textarea("reason"))
        else:
            del self.fields["reason"]
        self.helper = helper(*fields, submit=submit)

    def clean_lisa_ref(self):
        ref = compact_lisa_ref(self.cleaned_data["lisa_ref"])
        if not is_valid_lisa_ref(ref):
            raise ValidationError(
                "Enter a LISA reference: L, 7 or 8 digits and a letter, for example L1234567K"
            )
        return ref


class SchoolChangeForm(forms.Form):
    """ "Change of school": the new school (on LISA, or named), who joins from it, and when."""

    to_agency = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="New school",
        empty_label="Not on LISA (type its name below)",
    )
    to_school_name = forms.CharField(
        required=False,
        max_length=200,
        label="Or the name of a school not on LISA",
    )
    nominated = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Who at the new school will work with the child",
        empty_label="The school's designated officer",
        help_text="They become involved with the child on the date of the change.",
    )
    effective_on = DateField(
        label="When does the change take effect?",
        help_text="For example, 6 1 2027. Today or earlier: the change is made at once.",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, schools, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = schools
        self.fields["nominated"].queryset = staff
        self.fields["nominated"].label_from_instance = lambda u: (
            f"{u.get_full_name()} — {u.agency.name if u.agency else ''}"
        )
        self.helper = helper(
            Field.select("to_agency"),
            Field.text("to_school_name", field_width=30),
            Field.select("nominated"),
            Field("effective_on", legend_size=Size.SMALL),
            Field("version"),
            submit="Record the change of school",
        )


class MoveOutForm(forms.Form):
    """ "Moved out of the area": when, the receiving authority and how to reach it, and the new
    address if known."""

    moved_on = DateField(
        label="When did they move?", not_future=True, help_text="For example, 27 11 2026"
    )
    authority = forms.CharField(
        max_length=200,
        label="Receiving authority",
        help_text="For example, Kent County Council",
        error_messages={"required": "Enter the receiving authority"},
    )
    contact_team = forms.CharField(max_length=200, required=False, label="Team (optional)")
    contact_email = forms.EmailField(required=False, label="Team email (optional)")
    contact_phone = forms.CharField(
        max_length=30, required=False, label="Team phone (optional)", validators=[phone_validator]
    )
    address_line_1 = forms.CharField(
        max_length=120, required=False, label="New address line 1 (optional)"
    )
    address_line_2 = forms.CharField(
        max_length=120, required=False, label="New address line 2 (optional)"
    )
    town = forms.CharField(max_length=80, required=False, label="Town or city (optional)")
    postcode = forms.CharField(max_length=10, required=False, label="Postcode (optional)")
    shielded = forms.BooleanField(
        required=False,
        label="The new address must be kept hidden (shielded)",
        help_text="Only the central team and the practitioners involved will see it.",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field("moved_on", legend_size=Size.SMALL),
            Field.text("authority", field_width=30),
            Field.text("contact_team", field_width=30),
            Field.text("contact_email", field_width=30),
            Field.text("contact_phone", field_width=20),
            Fieldset(
                Field.text("address_line_1", field_width=30),
                Field.text("address_line_2", field_width=30),
                Field.text("town", field_width=20),
                Field.text("postcode", field_width=10),
                Field.checkbox("shielded"),
                legend="The new address, if known",
                legend_size=Size.SMALL,
            ),
            Field("version"),
            submit="Record the move",
        )

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if value:
            validate_postcode(value)
            return normalise_postcode(value)
        return ""

    def clean(self):
        data = super().clean()
        lines = [data.get(name) for name in ("address_line_1", "address_line_2", "town")]
        if any(lines) and not data.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter the postcode of the new address")
        return data


class TransferSummaryForm(forms.Form):
    """Who the summary is for, and the lawful basis for sharing it."""

    for_authority = forms.CharField(
        max_length=200,
        label="Who is it for?",
        help_text="The receiving authority and team",
        error_messages={"required": "Enter who the summary is for"},
    )
    basis = forms.ChoiceField(
        label="The lawful basis for sharing",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the lawful basis for sharing"},
    )

    def __init__(self, *args, agreements, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreements = {f"agreement-{a.pk}": a for a in agreements}
        self.decisions = {f"decision-{d.pk}": d for d in decisions}
        self.fields["basis"].choices = [
            (key, f"{a.get_kind_display()}, signed {a.signed_on:%-d %B %Y}")
            for key, a in self.agreements.items()
        ] + [
            (key, f"Decision to share without consent ({d.get_ground_display().lower()}), "
             f"{d.decided_on:%-d %B %Y}")
            for key, d in self.decisions.items()
        ]  # fmt: skip
        self.helper = helper(
            Field.text("for_authority", field_width=30),
            Field.radios("basis", legend_size=Size.SMALL),
            submit="Produce the transfer summary",
        )

    def clean(self):
        data = super().clean()
        key = data.get("basis") or ""
        data["agreement"] = self.agreements.get(key)
        data["decision"] = self.decisions.get(key)
        return data
