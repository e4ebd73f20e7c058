"""Change of school: the page on which an involved practitioner, a school's designated officer
or the central team records that the child is moving school, now or from a later date."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from children import actions
from children.access import access_for, audit_view, child_for_user
from children.forms import SchoolChangeForm
from children.models import SchoolChange, SchoolChangeStatus
from lisa.access import deny, role_required
from lisa.forms import submit
from lisa.models import CHILD_ROLES, Agency, AgencyType, Role, User


def _done(change: SchoolChange) -> str:
    if change.status == SchoolChangeStatus.APPLIED:
        return f"The child's school is now {change.new_school}."
    return (
        f"The move to {change.new_school} is recorded: it takes effect on "
        f"{change.effective_on:%-d %B %Y}."
    )


@role_required(*sorted(CHILD_ROLES))
def change_school(request: HttpRequest, pk: int) -> HttpResponse:
    """Involved practitioners, the old or new school's designated officer, and the central
    team (children.access: ``change_school``)."""
    child = child_for_user(request, pk, "card", audit=False)
    if not access_for(request, child).change_school:
        deny(
            request,
            "only those involved, a school's designated officer or the central team may "
            "change the child's school",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    schools = Agency.objects.filter(agency_type=AgencyType.EDUCATION, is_active=True).order_by(
        "name"
    )
    staff = (
        User.objects.filter(
            is_active=True,
            training_date__isnull=False,
            agency__agency_type=AgencyType.EDUCATION,
            roles__overlap=[Role.PRACTITIONER, Role.DESIGNATED_OFFICER],
        )
        .select_related("agency")
        .order_by("agency__name", "last_name", "first_name")
    )
    form = SchoolChangeForm(
        request.POST or None,
        initial={"version": child.version},
        schools=schools,
        staff=staff,
    )
    saved = submit(
        request,
        form,
        lambda data: actions.change_school(
            request=request,
            by=request.user,
            child=child,
            version=data.get("version") or child.version,
            to_agency=data.get("to_agency"),
            to_school_name=data.get("to_school_name", ""),
            nominated=data.get("nominated"),
            effective_on=data["effective_on"],
        ),
        done=_done,
        to=f"/children/{child.pk}/",
    )
    if saved is not None:
        return saved
    waiting = SchoolChange.objects.filter(
        child=child, status=SchoolChangeStatus.SCHEDULED
    ).select_related("to_agency")
    audit_view(request, child, "change of school form")
    return render(
        request,
        "children/change_school.html",
        {"form": form, "child": child, "waiting": list(waiting)},
    )
