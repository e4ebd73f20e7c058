"""Opening a meeting, a plan or an action: the helpers every meetings view goes through.

A meeting or plan is about one or more children of a household. "Access as the rest of the full
record": it opens to whoever may see the full record of *any* child discussed (the one access
policy, :class:`lisa.policy.ChildAccess`, answers for each), and every child shown on the page
is audited under their own record. The chair, the lead professional and the central team change
it; an action's owner updates their own action; others read. While a child of it is archived
nobody changes it (:func:`read_only_reason`).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest

from audit.services import record
from children.access import access_for, audit_view, note_break_glass
from children.models import Child
from lisa.access import deny
from lisa.models import User
from lisa.policy import ChildAccess
from meetings.models import Meeting, PlanAction, SupportPlan

REFUSAL = (
    "Only practitioners involved with a child discussed, their agency's designated officer and "
    "the central team may open this."
)
_CHILDREN = Prefetch("children", queryset=Child.objects.select_related("family").order_by("pk"))


def _open(request: HttpRequest, record, what: str, *, audit: bool):
    """Attach ``accesses`` (one access object per child discussed, made once per request) and
    ``access`` (the first that opens the full record) to ``record``, or refuse."""
    children = list(record.children.all())
    accesses = {child.pk: access_for(request, child) for child in children}
    readable = [child for child in children if accesses[child.pk].full]
    label = record._meta.label_lower
    if not readable:
        deny(
            request,
            REFUSAL,
            object_type=label,
            object_id=record.pk,
            child=children[0].pk if children else None,
        )
    record.children_list = children
    record.accesses = accesses
    record.access = accesses[readable[0].pk]
    for child in readable:
        grant = accesses[child.pk].grant
        if grant is not None:
            note_break_glass(request, child, grant)
    if audit and request.method in ("GET", "HEAD"):
        for child in children:
            audit_view(request, child, what, **{label.split(".")[1]: record.pk})
    return record


def meeting_for_user(request: HttpRequest, pk: int, *, audit: bool = True) -> Meeting:
    """The meeting ``pk`` if the person may see the full record of a child discussed; 404 when
    there is no such meeting, 403 (audited) when the person may not."""
    meeting = (
        Meeting.objects.select_related(
            "chair", "chair__agency", "location", "plan", "plan__lead", "created_by"
        )
        .prefetch_related(_CHILDREN)
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        deny(request, "no such meeting", not_found=True, object_type="meetings.meeting")
    return _open(request, meeting, "meeting", audit=audit)


def plan_for_user(request: HttpRequest, pk: int, *, audit: bool = True) -> SupportPlan:
    """The support plan ``pk``, on the same terms as a meeting."""
    plan = (
        SupportPlan.objects.select_related("lead", "lead__agency")
        .prefetch_related(_CHILDREN)
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        deny(request, "no such support plan", not_found=True, object_type="meetings.supportplan")
    return _open(request, plan, "support plan", audit=audit)


def action_for_user(request: HttpRequest, pk: int, *, audit: bool = True) -> PlanAction:
    """A plan's action, on the same terms as its plan (``action.plan`` carries the access)."""
    action = (
        PlanAction.objects.select_related(
            "owner", "owner__agency", "owner_parent", "owner_young_person", "service", "agency"
        )
        .filter(pk=pk)
        .first()
    )
    if action is None:
        deny(request, "no such action", not_found=True, object_type="meetings.planaction")
    action.plan = plan_for_user(request, action.plan_id, audit=audit)
    return action


# --- who may change what -------------------------------------------------------------------

ARCHIVED_REFUSAL = (
    "A child in this meeting or support plan has an archived record, so the meeting, the "
    "support plan, its actions and the record of decisions are read only until the central "
    "team restores that record."
)


def _lead_of_any(accesses: dict[int, ChildAccess]) -> bool:
    return any(access.is_lead for access in accesses.values())


def _accesses(user: User, children) -> dict[int, ChildAccess]:
    return {child.pk: ChildAccess(user, child) for child in children}


def _plan_children(plan: SupportPlan) -> list[Child]:
    """The plan's children: those its page loaded, or one query (kept on the plan object)."""
    if not hasattr(plan, "children_list"):
        plan.children_list = list(plan.children.all())
    return plan.children_list


def read_only_reason(user: User, record: Meeting | SupportPlan, accesses=None) -> str:
    """Why nobody may change ``record`` now, or "".

    An archived record is one "only the central team may open (read only, to restore it or
    answer a request)" (:attr:`ChildAccess.archived`). A meeting or support plan is about every
    child in it, so while any of them is archived the meeting or plan — attendance, the record,
    the lead professional, the plan's outcomes and actions, progress notes, the record of
    decisions, marking it entered in error — is changed by nobody, the central team included,
    until that record is restored. A meeting's record of decisions carries its plan, so a
    meeting is read only when a child of its plan is archived too. ``accesses`` are the access
    objects of ``record``'s children (one per child), made here when not given."""
    if accesses is None:
        accesses = _accesses(user, record.children.all())
    if any(access.archived for access in accesses.values()):
        return ARCHIVED_REFUSAL
    if isinstance(record, Meeting) and record.plan_id:
        others = [child for child in _plan_children(record.plan) if child.pk not in accesses]
        if any(ChildAccess(user, child).archived for child in others):
            return ARCHIVED_REFUSAL
    return ""


def archived_plans_excluded(plans):
    """``plans`` (a query of support plans) without those :func:`read_only_reason` makes read
    only for an archived child: the same rule, as SQL, for the plans a meeting may review."""
    return plans.exclude(children__archived_at__isnull=False)


def may_appoint_lead(user: User, meeting: Meeting, accesses=None) -> bool:
    """Appointing the lead professional makes them involved with every child discussed
    ("named in a meeting or plan"), which needs a legitimate relationship with each of them
    (:attr:`ChildAccess.edit`), on top of the right to change the meeting."""
    accesses = accesses if accesses is not None else _accesses(user, meeting.children.all())
    return may_change_meeting(user, meeting, accesses) and all(
        access.edit for access in accesses.values()
    )


def runs_meeting(user: User, meeting: Meeting, accesses=None) -> bool:
    """ "The chair, the lead professional and the central team change the meeting and plan":
    each while they have a legitimate relationship with a child discussed (break glass lets a
    person read, not change). They also see who has opened its record of decisions, which
    stays so while the meeting is read only (:func:`may_change_meeting`)."""
    if meeting.entered_in_error or not user.is_authenticated:
        return False
    accesses = accesses if accesses is not None else _accesses(user, meeting.children.all())
    if not any(access.edit for access in accesses.values()):
        return False
    if user.is_central_team or meeting.chair_id == user.pk:
        return True
    if meeting.plan_id and meeting.plan.lead_id == user.pk:
        return True
    return _lead_of_any(accesses)


def may_change_meeting(user: User, meeting: Meeting, accesses=None) -> bool:
    """Those who run the meeting (:func:`runs_meeting`) change it, never while a child of it is
    archived (:func:`read_only_reason`)."""
    accesses = accesses if accesses is not None else _accesses(user, meeting.children.all())
    return runs_meeting(user, meeting, accesses) and not read_only_reason(user, meeting, accesses)


def may_change_plan(user: User, plan: SupportPlan, accesses=None) -> bool:
    """The plan's lead professional, the chair of one of its meetings, the lead professional
    of a child in it, or the central team — with a legitimate relationship to a child of it."""
    if plan.entered_in_error or not user.is_authenticated:
        return False
    accesses = accesses if accesses is not None else _accesses(user, plan.children.all())
    if read_only_reason(user, plan, accesses):
        return False
    if not any(access.edit for access in accesses.values()):
        return False
    if user.is_central_team or plan.lead_id == user.pk or _lead_of_any(accesses):
        return True
    # A fact loaded once per plan object and person (a page asks it for every action).
    chaired = plan.__dict__.setdefault("_chaired_by", {})
    if user.pk not in chaired:
        chaired[user.pk] = plan.meetings.filter(chair_id=user.pk, entered_in_error=False).exists()
    return chaired[user.pk]


def may_update_action(user: User, action: PlanAction, accesses=None) -> bool:
    """ "Each action owner updates their own actions between meetings; the lead and chair
    update any.\""""
    plan = action.plan
    accesses = accesses if accesses is not None else _accesses(user, plan.children.all())
    if action.entered_in_error or not plan.is_open or read_only_reason(user, plan, accesses):
        return False
    if action.owner_id == user.pk and any(access.edit for access in accesses.values()):
        return True
    return may_change_plan(user, plan, accesses)


def audit_each(request: HttpRequest, action: str, obj, children, **detail) -> None:
    """One audit event about ``obj`` under each child's own record (a meeting or plan is about
    every child discussed, and "who has seen this child?" must find it for each)."""
    for child in children:
        record(request, action, obj=obj, child=child, detail=detail)
