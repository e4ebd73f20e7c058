"""Forms for signing in, accounts and agencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.http import HttpResponse
from django.shortcuts import redirect

from audit.models import Action, Outcome
from audit.services import record
from lisa.actions import ConcurrentEditError, grantable_roles
from lisa.fields import DateField
from lisa.models import Agency, AgencyType, User
from lisa.versioning import show_conflict

phone_validator = RegexValidator(
    r"^[0-9 +()-]{6,30}$", "Enter a phone number, like 020 8314 6000 or 07700 900 982"
)
username_validator = RegexValidator(
    r"^[A-Za-z0-9.@_+-]{3,150}$",
    "A username may use letters, numbers and . @ _ + - only, 3 to 150 characters",
)


def apply_errors(form, error: ValidationError, *, renamed: dict[str, str] | None = None) -> None:
    """Show an action's ValidationError beside the form's fields (or above the form when it
    names no field), so nothing typed is lost. ``renamed`` maps a model field to the form
    field that shows it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            field = (renamed or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def submit(request, form, change: Callable[[dict], Any], *, done, to) -> HttpResponse | None:
    """The one way a view saves a posted ``form`` through an action: if the form is valid, run
    ``change(cleaned_data)``. Saved: say ``done`` and redirect to ``to`` (either may be a
    function of what the action returned). Refused: the errors go beside the fields, or a
    concurrent edit is shown above them with the newer version carried (``form.conflict`` is
    the record as the other person saved it); None is returned and the view shows the form
    again with everything typed."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = change(form.cleaned_data)
    except ConcurrentEditError as error:
        show_conflict(form, error.current)
        form.conflict = error.current
    except ValidationError as error:
        apply_errors(form, error)
    else:
        messages.success(request, done(result) if callable(done) else done)
        return redirect(to(result) if callable(to) else to)
    return None


def helper(*fields, submit: str = "Continue") -> FormHelper:
    h = FormHelper()
    h.form_tag = False  # templates write the <form> and its CSRF token
    h.layout = Layout(*fields, Submit("submit", submit))
    return h


class SignInForm(AuthenticationForm):
    """Only trained, active users sign in, and each refusal says why."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case sensitive "
        "except the username.",
        "inactive": "This account has been deactivated. Ask your agency's designated officer "
        "if you need it again.",
        "untrained": "You cannot sign in until your LISA training has been recorded. Ask your "
        "agency's designated officer to record your training date.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Over-long input is refused by the form before it reaches authentication.
        for name, limit in (("username", 150), ("password", 256)):
            self.fields[name].max_length = limit
            self.fields[name].validators.append(MaxLengthValidator(limit))
        self.fields["username"].widget.attrs.update(autocomplete="username", spellcheck="false")
        # No autofocus: the first Tab must reach the skip link, as on every other page.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")
        self.helper = helper(
            Field.text("username", field_width=20),
            Field.text("password", field_width=20),
            submit="Sign in",
        )

    def confirm_login_allowed(self, user):
        reason = None
        if not user.is_active:
            reason = "inactive"
        elif user.training_date is None:
            reason = "untrained"
        if reason:
            record(
                self.request,
                Action.SIGN_IN_FAILED,
                outcome=Outcome.DENIED,
                object_type="lisa.user",
                object_id=user.pk,
                detail={"username": user.username, "reason": reason},
            )
            raise ValidationError(self.error_messages[reason], code=reason)


class UserForm(forms.Form):
    """A user's details, as a designated officer or the central team enters them."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    username = forms.CharField(
        max_length=150,
        validators=[username_validator],
        help_text="What the person types to sign in, for example j.smith",
    )
    email = forms.EmailField(
        max_length=254,
        label="Work email address",
        help_text="We send a link to choose a password here. Use a secure work address.",
    )
    job_title = forms.CharField(max_length=120, required=False, label="Job title or role")
    phone = forms.CharField(
        max_length=30, required=False, validators=[phone_validator], label="Work phone number"
    )
    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(is_active=True))
    roles = forms.MultipleChoiceField(
        choices=(), help_text="Select all that apply.", widget=forms.CheckboxSelectMultiple
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, by: User, editing: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = grantable_roles(by)
        if editing is not None:
            # The sign-in name never changes: the audit trail refers to it.
            del self.fields["username"]
        if not by.is_central_team:
            self.fields["agency"].queryset = Agency.objects.filter(pk=by.agency_id)
            self.fields["agency"].initial = by.agency_id
        fields = [
            Field.text("first_name", field_width=20),
            Field.text("last_name", field_width=20),
        ]
        if "username" in self.fields:
            fields.append(Field.text("username", field_width=20))
        fields += [
            Field.text("email", field_width=30),
            Field.text("job_title", field_width=30),
            Field.text("phone", field_width=20),
            Field.select("agency"),
            Field.checkboxes("roles", legend_size=Size.SMALL),
            Field("version"),
        ]
        self.helper = helper(*fields, submit="Save")

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("That username is already taken. Choose another.")
        return username


class TrainingForm(forms.Form):
    training_date = DateField(
        label="Date LISA training was completed",
        not_future=True,
        help_text="For example, 27 3 2026",
    )
    lead_professional_trained_on = DateField(
        label="Date lead professional training was completed (if done)",
        not_future=True,
        required=False,
    )
    chair_trained_on = DateField(
        label="Date training in chairing meetings was completed (if done)",
        not_future=True,
        required=False,
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(
            Field("training_date"),
            Field("lead_professional_trained_on"),
            Field("chair_trained_on"),
            Field("version"),
            submit="Record training",
        )


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is this account being deactivated?",
        help_text="For example: left the agency on 31 October.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(Field.textarea("reason"), submit="Deactivate account")
        self.helper.layout[-1].field_classes = "govuk-button govuk-button--warning"


class AgencyForm(forms.Form):
    name = forms.CharField(max_length=200)
    agency_type = forms.ChoiceField(label="Type of agency", choices=AgencyType.choices)
    sensitive_service = forms.BooleanField(
        required=False,
        label="This is a sensitive service (sexual health, mental health or substance misuse)",
    )
    phone = forms.CharField(
        max_length=30, required=False, validators=[phone_validator], label="Phone number"
    )
    email = forms.EmailField(required=False, label="Email address")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: Agency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.helper = helper(
            Field.text("name", field_width=30),
            Field.select("agency_type"),
            Field.checkbox("sensitive_service"),
            Field.text("phone", field_width=20),
            Field.text("email", field_width=30),
            Field.checkbox("is_active"),
            Field("version"),
            submit="Save agency",
        )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Agency.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("There is already an agency with that name.")
        return name


class ReasonForm(forms.Form):
    """The one reason form: ending an involvement, marking anything entered in error, a
    withdrawal… With ``version``, it carries the record's version token."""

    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        label: str,
        submit: str,
        required: bool = True,
        warning=False,
        version: str | None = None,
        help_text: str = "",
        required_message: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].required = required
        self.fields["reason"].help_text = help_text
        if required_message:
            self.fields["reason"].error_messages["required"] = required_message
        fields = [Field.textarea("reason")]
        if version is None:
            del self.fields["version"]
        else:
            self.initial.setdefault("version", version)
            fields.append(Field("version"))
        self.helper = helper(*fields, submit=submit)
        if warning:
            self.helper.layout[-1].field_classes = "govuk-button govuk-button--warning"
