"""Changes the central team makes to alerts: marking one reviewed, with a note."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import Action, Alert
from audit.services import record
from lisa.models import User


@transaction.atomic
def review_alert(*, request: HttpRequest, by: User, alert: Alert, note: str) -> Alert:
    """Mark an alert reviewed. Only the central team reviews alerts; a reviewed alert stays."""
    if not by.is_central_team:
        raise PermissionDenied("Only the central team reviews alerts.")
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.reviewed_at is not None:
        raise ValidationError({"note": "This alert has already been reviewed."})
    if not note.strip():
        raise ValidationError({"note": "Enter what you found or did"})
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.review_note = note.strip()
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={"reviewed": True, "kind": locked.kind, "note": locked.review_note},
    )
    return locked
