"""The home page's meetings sections: invitations, records of decisions sent to the reader, and
what is overdue for them (reviews past their date and actions past due).

Only meetings and plans about a child whose full record the reader may still open are listed
("ended means ended everywhere"): for a practitioner, one they are actively involved with; the
central team sees every one. Three queries (what is overdue is one), at most :data:`LIMIT` rows
each.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from audit.models import Action, AuditEvent
from children.models import Involvement
from lisa import compiled
from lisa.models import Role, User
from meetings.models import (
    Meeting,
    MeetingStatus,
    PlanAction,
    RecordRecipient,
    SupportPlan,
)
from meetings.record import RECORD

LIMIT = 20


def _children_seen(user: User, path: str) -> Q:
    if user.is_central_team:
        return Q()
    mine = (
        Involvement.objects.active()
        .filter(practitioner_id=user.pk, child__archived_at__isnull=True)
        .values("child_id")
    )
    return Q(**{f"{path}__in": mine})


def _invitations(user: User):
    return (
        Meeting.objects.current()
        .filter(
            invitees__practitioner=user,
            status=MeetingStatus.ARRANGED,
            date__gte=timezone.localdate(),
            pk__in=Meeting.objects.filter(_children_seen(user, "children")).values("pk"),
        )
        .only("id", "kind", "date", "start_time")  # what the list shows
        .order_by("date", "start_time", "pk")[:LIMIT]
    )


def _records_received(user: User):
    opened = AuditEvent.objects.filter(
        user_id=user.pk,
        action=Action.VIEW,
        object_type=RECORD,
        object_id=Cast(OuterRef("record_id"), CharField()),
    )
    return (
        RecordRecipient.objects.filter(user=user)
        .filter(
            record__meeting__in=Meeting.objects.filter(_children_seen(user, "children")).values(
                "pk"
            )
        )
        .annotate(opened=Exists(opened))
        .select_related("record", "record__meeting")
        # What the list shows: not the record's content, nor the meeting's.
        .only("record__version", "record__meeting__kind", "record__meeting__date", "user_id")
        .order_by("-record__sent_at", "-pk")[:LIMIT]
    )


def _overdue(user: User):
    """What is overdue, reviews and actions together: only each one's id and date are shown."""
    mine = Q(lead=user) | Q(meetings__chair=user)
    visible_plans = SupportPlan.objects.filter(_children_seen(user, "children")).values("pk")
    reviews = (
        SupportPlan.objects.review_overdue()
        .filter(pk__in=SupportPlan.objects.filter(mine).values("pk"))
        .filter(pk__in=visible_plans)
        .annotate(kind=Value("review"), due=F("next_review_on"))
        .order_by("next_review_on", "pk")
        .values_list("kind", "pk", "due")[:LIMIT]
    )
    actions = (
        PlanAction.objects.overdue()
        .filter(Q(owner=user) | Q(plan__in=SupportPlan.objects.filter(mine).values("pk")))
        .filter(plan__in=visible_plans)
        .annotate(kind=Value("action"), due=F("due_on"))
        .order_by("due_on", "pk")
        .values_list("kind", "pk", "due")[:LIMIT]
    )
    return reviews.union(actions, all=True)


def home_sections(user: User) -> dict:
    """The sections, each one query whose SQL is worked out once per process for each shape of
    the reader's roles (:mod:`lisa.compiled`)."""
    if not user.has_role(Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM):
        return {}
    invitations = compiled.rows("home_invitations", _invitations, user=user)
    records = compiled.rows("home_records", _records_received, user=user)
    overdue = compiled.rows("home_overdue", _overdue, user=user)
    overdue = sorted(overdue, key=lambda row: (row[2], row[1]))
    return {
        "meeting_invitations": invitations,
        "records_received": records,
        "reviews_overdue": [
            {"pk": pk, "next_review_on": due} for kind, pk, due in overdue if kind == "review"
        ],
        "actions_overdue": [
            {"pk": pk, "due_on": due} for kind, pk, due in overdue if kind == "action"
        ],
    }
