"""Two-step verification: a code from an authenticator app after the password.

A person with a confirmed device must enter a code before anything else; where the council
requires it (LISA_REQUIRE_SECOND_FACTOR, on in production) a person without one must set one up
first. The middleware sends them here; these views are the only ones they may use meanwhile.
"""

from __future__ import annotations

import base64
import io

from crispy_forms_gds.layout import Field
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image
from django_otp.util import random_hex

from audit.models import Action, Outcome
from audit.services import record
from lisa.access import signed_in
from lisa.forms import helper

SESSION_HAS_DEVICE = "lisa_has_second_factor"
SESSION_NEW_KEY = "lisa_new_second_factor_key"
SESSION_WRONG_PASSWORDS = "lisa_second_factor_wrong_passwords"
MAX_WRONG_PASSWORDS = 3


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 numbers the app shows for LISA, for example 123456",
        max_length=10,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            autocomplete="one-time-code", inputmode="numeric", spellcheck="false"
        )
        self.helper = helper(Field.text("code", field_width=5), submit="Continue")

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("Enter the 6 numbers from your authenticator app")
        return code


class ReplaceDeviceForm(CodeForm):
    """Moving to a new phone: the new app's code, and the password again, so that a session
    left open on someone's computer is not enough to take their second factor over."""

    password = forms.CharField(
        label="Your LISA password",
        help_text="To check it is you before the old phone stops working",
        max_length=256,
        strip=False,
        error_messages={"required": "Enter your LISA password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = helper(
            Field.text("code", field_width=5),
            Field.text("password", field_width=20),
            submit="Continue",
        )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            self.wrong_password = True
            raise forms.ValidationError("That is not your password. Enter your LISA password.")
        return password


@receiver(user_logged_in)
def _remember_device_at_sign_in(sender, request, user, **kwargs):
    # Known from the start of the session, so later requests need no query for it.
    if request is not None:
        request.session[SESSION_HAS_DEVICE] = TOTPDevice.objects.filter(
            user=user, confirmed=True
        ).exists()


def has_device(request: HttpRequest) -> bool:
    """Whether the signed-in person has a confirmed device (kept in the session)."""
    if SESSION_HAS_DEVICE not in request.session:
        request.session[SESSION_HAS_DEVICE] = TOTPDevice.objects.filter(
            user=request.user, confirmed=True
        ).exists()
    return request.session[SESSION_HAS_DEVICE]


def second_step_due(request: HttpRequest) -> bool:
    """Whether a person who has just given the right password still has a code to enter (or
    an app to set up) before they are signed in: the password alone is not a sign-in then."""
    return has_device(request) or settings.LISA_REQUIRE_SECOND_FACTOR


def pending_step(request: HttpRequest) -> str | None:
    """The URL a signed-in person must visit before anything else, if any."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if has_device(request):
        return reverse("second-factor")
    if settings.LISA_REQUIRE_SECOND_FACTOR:
        return reverse("second-factor-setup")
    return None


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


@signed_in
def verify(request: HttpRequest) -> HttpResponse:
    """Any signed-in person with a device: enter today's code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", "Too many wrong codes. Wait a minute, then try again.")
        elif device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            record(request, Action.SIGN_IN, obj=request.user, detail={"second_factor": "passed"})
            return redirect(_next_url(request))
        else:
            form.add_error("code", "That code is not right. Check the app and try again.")
        record(
            request,
            Action.SIGN_IN_FAILED,
            outcome=Outcome.DENIED,
            obj=request.user,
            detail={"reason": "wrong second-factor code"},
        )
    return render(request, "lisa/second_factor.html", {"form": form, "next": _next_url(request)})


@signed_in
def setup(request: HttpRequest) -> HttpResponse:
    """Any signed-in person without a device, or one who has passed their current device's
    check: set up (or move to a new phone) their authenticator app. A password alone never
    replaces a device, and moving to a new phone asks for the password again as well."""
    replacing = has_device(request)
    if replacing and not request.user.is_verified():
        return redirect_to_login(_next_url(request), reverse("second-factor"))
    # Where a second step is required, the password alone was not a sign-in: this is.
    completes_sign_in = settings.LISA_REQUIRE_SECOND_FACTOR and not request.user.is_verified()
    # The new key waits in the session until a code proves the app has it: a GET writes nothing.
    key = request.session.get(SESSION_NEW_KEY) or random_hex(20)
    request.session[SESSION_NEW_KEY] = key
    device = TOTPDevice(user=request.user, name="LISA", key=key, confirmed=True)
    data = request.POST or None
    form = ReplaceDeviceForm(data, user=request.user) if replacing else CodeForm(data)
    if request.method == "POST" and not form.is_valid() and getattr(form, "wrong_password", 0):
        record(
            request,
            Action.DENIED,
            outcome=Outcome.DENIED,
            obj=request.user,
            detail={"reason": "wrong password when moving two-step verification"},
        )
        # Not a way round the sign-in lockout: a few wrong passwords end the session.
        wrong = request.session.get(SESSION_WRONG_PASSWORDS, 0) + 1
        request.session[SESSION_WRONG_PASSWORDS] = wrong
        if wrong >= MAX_WRONG_PASSWORDS:
            request.lisa_sign_out_reason = "wrong password when moving two-step verification"
            logout(request)
            messages.error(request, "You have been signed out. Sign in again to carry on.")
            return redirect("sign-in")
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=request.user).delete()
                device.save()
            del request.session[SESSION_NEW_KEY]
            request.session[SESSION_HAS_DEVICE] = True
            otp_login(request, device)
            change = "moved to a new phone" if replacing else "set up"
            record(request, Action.UPDATE, obj=request.user, detail={"second_factor": change})
            if completes_sign_in:
                record(
                    request, Action.SIGN_IN, obj=request.user, detail={"second_factor": "set up"}
                )
            messages.success(request, "Two-step verification is set up.")
            return redirect(_next_url(request))
        form.add_error("code", "That code is not right. Check the app shows LISA and try again.")
    buffer = io.BytesIO()
    write_qrcode_image(device.config_url, buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration: it is embedded in the page
    # For typing into the app by hand: the key in base32, in groups of four.
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "lisa/second_factor_setup.html",
        {
            "form": form,
            "qr_svg": svg,
            "secret": grouped,
            "next": _next_url(request),
            "replacing": replacing,
        },
    )
