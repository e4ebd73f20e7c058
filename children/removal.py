"""Deleting everything LISA holds about children at the end of their retention period.

Called by :func:`children.actions.remove_record` inside its transaction. Every table that
refers to a child is emptied of the child's rows here, in an order the foreign keys allow; the
deletes go through the ORM, so a table added later that still refers to the child makes the
removal fail (and roll back) instead of leaving data behind (a test walks every relation too).
What is shared with a child who stays (a meeting or a plan for siblings) keeps the sibling's
part: only the removed child's links, invitations and actions go, and every version sent of
the meeting's record of decisions is rewritten without them.

The audit trail (``audit_auditevent``) and the field history (``auditlog_logentry``) are
append-only and not touched: see "Retention" in the README for their own period.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

log = logging.getLogger(__name__)

REMOVED_OWNER = "Someone whose record was removed"


def remove_children(children: list) -> list[Path]:
    """Delete the rows of ``children`` in every app; return the files to delete after commit."""
    from audit.models import Alert
    from children.models import (
        BreakGlass,
        Child,
        Family,
        Involvement,
        LegalHold,
        MoveOut,
        ParentalResponsibility,
        PendingImport,
        ReceivedSummary,
        SchoolChange,
        TransferSummary,
    )
    from concerns.models import Concern, ConcernChange
    from consent.models import Agreement, InformationRequest, SharingDecision
    from consent.uploads import SCAN_FOLDER
    from messaging.models import Message, Participant, Thread
    from subject_access.models import SubjectAccessRequest, WithheldItem

    ids = [child.pk for child in children]
    parents = ParentalResponsibility.objects.filter(child_id__in=ids)

    Alert.objects.filter(child_id__in=ids).delete()
    threads = Thread.objects.filter(child_id__in=ids)
    Message.objects.filter(thread__in=threads).delete()
    Participant.objects.filter(thread__in=threads).delete()
    threads.delete()

    TransferSummary.objects.filter(child_id__in=ids).delete()
    ReceivedSummary.objects.filter(child_id__in=ids).delete()
    # Requests for the child's records go with them (what was released went to the requester).
    WithheldItem.objects.filter(request__child_id__in=ids).delete()
    SubjectAccessRequest.objects.filter(child_id__in=ids).delete()
    PendingImport.objects.filter(child_id__in=ids).delete()

    _remove_meetings_and_plans(ids, parents)

    ConcernChange.objects.filter(concern__child_id__in=ids).delete()
    Concern.objects.filter(child_id__in=ids).delete()

    files = [
        Path(settings.MEDIA_ROOT) / SCAN_FOLDER / name
        for name in Agreement.objects.filter(child_id__in=ids)
        .exclude(scan_name="")
        .values_list("scan_name", flat=True)
    ]
    SharingDecision.objects.filter(child_id__in=ids).delete()
    InformationRequest.objects.filter(child_id__in=ids).delete()
    Agreement.objects.filter(child_id__in=ids).delete()

    for model in (BreakGlass, SchoolChange, MoveOut, LegalHold, Involvement):
        model.objects.filter(child_id__in=ids).delete()
    parents.delete()

    families = {child.family_id for child in children if child.family_id}
    # Merged shells point at the kept record: the shells go first.
    for child in sorted(children, key=lambda c: c.merged_into_id is None):
        Child.objects.filter(pk=child.pk).delete()
    Family.objects.filter(pk__in=families).annotate(left=Count("children")).filter(left=0).delete()
    return files


def _remove_meetings_and_plans(ids: list[int], parents) -> None:
    """A meeting or plan about the removed children only goes; one shared with a child who
    stays keeps that child's part."""
    from meetings.models import (
        CopyGiven,
        Decision,
        Invitee,
        LeadAppointment,
        Meeting,
        OwnerKind,
        PlanAction,
        PlanOutcome,
        ProgressNote,
        RecordOfDecisions,
        RecordRecipient,
        SupportPlan,
    )

    # Asked from the removed children's side: their meetings and plans, less those that also
    # cover a child who stays (NOT EXISTS on the link tables, not a scan of every meeting).
    staying_in_plan = SupportPlan.children.through.objects.filter(
        supportplan_id=OuterRef("pk")
    ).exclude(child_id__in=ids)
    plans = set(
        SupportPlan.objects.filter(
            pk__in=SupportPlan.children.through.objects.filter(child_id__in=ids).values(
                "supportplan_id"
            )
        )
        .exclude(Exists(staying_in_plan))
        .values_list("pk", flat=True)
    )
    staying_in_meeting = Meeting.children.through.objects.filter(meeting_id=OuterRef("pk")).exclude(
        child_id__in=ids
    )
    meetings = set(
        Meeting.objects.filter(
            Q(pk__in=Meeting.children.through.objects.filter(child_id__in=ids).values("meeting_id"))
            | Q(plan_id__in=plans)
        )
        .exclude(Exists(staying_in_meeting))
        .values_list("pk", flat=True)
    )
    _rewrite_shared_records(ids, parents, meetings)

    # Shared ones: the removed children's links, invitations and actions go.
    for model in (Meeting, SupportPlan, PlanAction):
        model.children.through.objects.filter(child_id__in=ids).delete()
    Invitee.objects.filter(Q(young_person_id__in=ids) | Q(parent__in=parents)).delete()
    PlanAction.objects.filter(
        Q(owner_young_person_id__in=ids) | Q(owner_parent__in=parents)
    ).exclude(plan__in=plans).update(
        owner_kind=OwnerKind.OTHER,
        owner_young_person=None,
        owner_parent=None,
        owner_name=REMOVED_OWNER,
    )
    LeadAppointment.objects.filter(Q(child_id__in=ids) | Q(meeting__in=meetings)).delete()

    # Theirs alone: everything goes.
    actions = PlanAction.objects.filter(Q(plan__in=plans) | Q(meeting__in=meetings))
    ProgressNote.objects.filter(action__in=actions).delete()
    actions.delete()
    PlanOutcome.objects.filter(Q(plan__in=plans) | Q(meeting__in=meetings)).delete()
    RecordRecipient.objects.filter(record__meeting__in=meetings).delete()
    RecordOfDecisions.objects.filter(meeting__in=meetings).delete()
    for model in (CopyGiven, Decision, Invitee):
        model.objects.filter(meeting__in=meetings).delete()
    Meeting.objects.filter(pk__in=meetings).delete()
    SupportPlan.objects.filter(pk__in=plans).delete()


def _rewrite_shared_records(ids: list[int], parents, removed_meetings: set[int]) -> None:
    """Every version sent of the record of decisions of a meeting that stays but named the
    removed children (in the meeting, its plan, as invited or as an action's owner) or their
    parents: rewritten without them (meetings.record.without_removed). Asked before their
    links go."""
    from meetings.models import Invitee, Meeting, PlanAction, RecordOfDecisions, SupportPlan
    from meetings.record import without_removed

    parent_ids = set(parents.values_list("pk", flat=True))
    named = (
        Q(pk__in=Meeting.children.through.objects.filter(child_id__in=ids).values("meeting_id"))
        | Q(
            pk__in=Invitee.objects.filter(
                Q(young_person_id__in=ids) | Q(parent_id__in=parent_ids)
            ).values("meeting_id")
        )
        | Q(
            plan_id__in=SupportPlan.children.through.objects.filter(child_id__in=ids).values(
                "supportplan_id"
            )
        )
        | Q(
            plan_id__in=PlanAction.objects.filter(
                Q(
                    pk__in=PlanAction.children.through.objects.filter(child_id__in=ids).values(
                        "planaction_id"
                    )
                )
                | Q(owner_young_person_id__in=ids)
                | Q(owner_parent_id__in=parent_ids)
            ).values("plan_id")
        )
    )
    records = RecordOfDecisions.objects.filter(
        meeting__in=Meeting.objects.filter(named).exclude(pk__in=removed_meetings)
    )
    children = set(ids)
    for record in records:
        content = without_removed(record.content, children=children, parents=parent_ids)
        if content != record.content:
            record.content = content
            record.save(update_fields=["content"])


def delete_files(paths: list[Path]) -> None:
    """After the removal commits: delete the stored files (a missing one is only logged)."""
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            log.warning("A file of a removed record was already gone: %s", path.name)
