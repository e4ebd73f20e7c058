"""Invented demonstration data for this app, loaded by `manage.py load_demo`.

Two subject access requests the central team (Morgan Ellis) recorded through
subject_access/actions.py, so their audit events and reply dates are as they would be in use:

- a mother's request received ten days ago, her identity checked: open, ready for the review
  (and its preview) and the release;
- a young person's own request received five weeks ago, their identity not yet checked:
  overdue, so the home page's "Overdue" warning and the warning on the request show.

Safe to run again: once a request is recorded, nothing more is added.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone


def _request(user):
    request = RequestFactory().post("/demo/")
    request.user = user
    return request


@transaction.atomic
def load(stdout) -> None:
    from children.models import Child, ParentalResponsibility
    from lisa.models import User
    from subject_access import actions
    from subject_access.models import RequesterKind, SubjectAccessRequest

    if SubjectAccessRequest.objects.exists():
        return
    morgan = User.objects.filter(username="morgan.ellis").first()
    mother = (
        ParentalResponsibility.objects.filter(
            entered_in_error=False,
            relationship__iexact="mother",
            child__merged_into__isnull=True,
            child__archived_at__isnull=True,
            child__shielded=False,
        )
        .select_related("child")
        .order_by("child__lisa_ref")
        .first()
    )
    today = timezone.localdate()
    eldest = (
        Child.objects.filter(
            merged_into__isnull=True,
            archived_at__isnull=True,
            shielded=False,
            date_of_birth__lte=today - dt.timedelta(days=13 * 365),
        )
        .exclude(pk=getattr(mother, "child_id", None))
        .order_by("date_of_birth", "lisa_ref")
        .first()
    )
    if morgan is None or mother is None or eldest is None:
        return
    request = _request(morgan)
    actions.record_request(
        request=request,
        by=morgan,
        child=mother.child,
        values={
            "requester_name": mother.name,
            "requester_kind": RequesterKind.PARENT,
            "parent": mother,
            "relationship": "Mother",
            "received_on": today - dt.timedelta(days=10),
            "identity_checked": True,
            "identity_how": "Passport and a council tax bill seen at the Catford front desk",
        },
    )
    actions.record_request(
        request=request,
        by=morgan,
        child=eldest,
        values={
            "requester_name": f"{eldest.forenames} {eldest.surname}",
            "requester_kind": RequesterKind.CHILD,
            "parent": None,
            "relationship": {"female": "Herself", "male": "Himself"}.get(
                eldest.gender, "Themselves"
            ),
            "received_on": today - dt.timedelta(days=35),
            "identity_checked": False,
            "identity_how": "",
        },
    )
    stdout.write("Demo data: 2 subject access requests (one open, one overdue).")
