"""Who may see and change which directory entry. Views fetch services only through these."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from directory.actions import can_edit_service
from directory.models import Service
from lisa.access import deny


def _services():
    return Service.objects.select_related("organisation", "last_reviewed_by").prefetch_related(
        "categories", "sessions", "locations"
    )


def service_for_editor(request: HttpRequest, pk: int) -> Service:
    """The service ``pk`` if the signed-in person may change it: one of its editors, or the
    central team. Otherwise 404, audited as a refusal."""
    service = _services().filter(pk=pk).first()
    if service is None or not can_edit_service(request.user, service):
        deny(
            request,
            "directory entry not kept by this editor",
            not_found=True,
            object_type="directory.service",
            object_id=pk,
        )
    return service


def service_for_viewer(request: HttpRequest, pk: int) -> Service:
    """A published entry (not closed for good) for any signed-in person; unpublished ones only
    for those who keep them."""
    service = _services().filter(pk=pk).first()
    if service is None:
        raise Http404("No such service.")
    visible = Service.objects.for_practitioners().filter(pk=pk).exists()
    if not visible and not can_edit_service(request.user, service):
        raise Http404("No such service.")
    return service


def public_service(pk: int) -> Service:
    """An active, published entry, or 404."""
    service = _services().public().filter(pk=pk).first()
    if service is None:
        raise Http404("No such service.")
    return service
