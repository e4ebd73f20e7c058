"""The central team's view of support plans across LISA: reviews past their date, actions past
due (by agency) and drifting plans ("open more than 12 months or with three or more reviews")."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.services import record_views
from children.models import Child
from lisa.access import role_required
from lisa.models import Role
from meetings.models import DRIFT_AFTER_DAYS, DRIFT_REVIEWS, PlanAction, SupportPlan

LIMIT = 200
_CHILDREN = Prefetch("children", queryset=Child.objects.order_by("pk"))


@role_required(Role.CENTRAL_TEAM)
def oversight(request: HttpRequest) -> HttpResponse:
    """The central team only: plans needing attention. Every child listed is audited under
    their own record. Six queries, whatever the numbers."""
    reviews = list(
        SupportPlan.objects.review_overdue()
        .select_related("lead__agency")
        .prefetch_related(_CHILDREN)
        .order_by("next_review_on", "pk")[:LIMIT]
    )
    drifting = list(
        SupportPlan.objects.drifting()
        .select_related("lead__agency")
        .prefetch_related(_CHILDREN)
        .order_by("created_at", "pk")[:LIMIT]
    )
    overdue = PlanAction.objects.overdue()
    by_agency = list(
        overdue.annotate(
            label=Coalesce("owner__agency__name", "agency__name", Value("The family or others"))
        )
        .values("label")
        .annotate(count=Count("pk"))
        .order_by("-count", "label")
    )
    actions = list(
        overdue.select_related(
            "owner__agency", "owner_parent", "owner_young_person", "agency", "plan"
        ).order_by("due_on", "pk")[:LIMIT]
    )
    shown = {child for plan in (*reviews, *drifting) for child in plan.children.all()}
    record_views(request, sorted(shown, key=lambda c: c.pk), {"view": "plans oversight"})
    return render(
        request,
        "meetings/oversight.html",
        {
            "reviews": reviews,
            "drifting": drifting,
            "by_agency": by_agency,
            "actions": actions,
            "drift_months": DRIFT_AFTER_DAYS // 30,
            "drift_reviews": DRIFT_REVIEWS,
        },
    )
