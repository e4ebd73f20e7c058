"""The central team's home page section: the open subject access requests, overdue first."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from audit.models import Action
from audit.services import record
from subject_access.models import SubjectAccessRequest

HOME_LIMIT = 20


def home_section(request: HttpRequest) -> dict:
    """ "LISA shows the legal deadline and overdue requests on the central team's home page":
    the open requests by deadline (so the overdue ones come first), in one query, at most
    :data:`HOME_LIMIT` of them, and one audit event naming the children listed."""
    requests = list(
        SubjectAccessRequest.objects.open()
        .select_related("child")
        .only(
            "due_on",
            "received_on",
            "status",
            "child__lisa_ref",
            "child__forenames",
            "child__surname",
        )  # fmt: skip
        .order_by("due_on", "pk")[: HOME_LIMIT + 1]
    )
    shown = requests[:HOME_LIMIT]
    if shown:
        record(
            request,
            Action.VIEW,
            object_type="children.child",
            detail={
                "view": "home page: subject access requests",
                "shown": sorted({sar.child.lisa_ref for sar in shown}),
            },
        )
    today = timezone.localdate()
    return {
        "subject_access_requests": shown,
        "subject_access_more": len(requests) > HOME_LIMIT,
        "subject_access_overdue": sum(1 for sar in shown if sar.due_on < today),
    }
