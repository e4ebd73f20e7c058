"""Family Support Meetings: arranging, recording, the lead professional, the support plan, the
record of decisions (PDF) and the calendar file.

Every view opens its meeting, plan or action through meetings/access.py (the one access policy,
for each child discussed, with the views audited) and asks it who may change what. Children's
addresses never appear on these pages.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from children.access import access_for, audit_view, child_for_user, owned_record_for_user
from children.models import Child, ParentalResponsibility
from concerns.models import Concern, ConcernOutcome
from consent.rules import consent_position
from directory.models import Location, Service
from lisa.access import deny, role_required
from lisa.forms import submit
from lisa.models import CHILD_ROLES as CHILD_ROLE_SET
from lisa.models import Agency, Role, User
from lisa.pdf import pdf_response, render_pdf
from meetings import actions, rules
from meetings import calendar as meeting_calendar
from meetings.access import (
    action_for_user,
    archived_plans_excluded,
    audit_each,
    may_appoint_lead,
    may_change_meeting,
    may_change_plan,
    may_update_action,
    meeting_for_user,
    plan_for_user,
    read_only_reason,
    runs_meeting,
)
from meetings.forms import (
    ActionForm,
    ActionUpdateForm,
    ArrangeForm,
    AttendanceForm,
    ClosePlanForm,
    LeadForm,
    OutcomeForm,
    RecordMeetingForm,
)
from meetings.models import (
    Attendance,
    Invitee,
    InviteeKind,
    LeadAppointment,
    Meeting,
    MeetingKind,
    OwnerKind,
    PlanAction,
    SupportPlan,
)
from meetings.record import circulation, for_reader, plan_changes, snapshot

CHILD_ROLES = tuple(sorted(CHILD_ROLE_SET))
PRACTITIONERS = (Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM)
WITHHELD_VENUE = "Ask the chair for the venue"


def _refuse(request: HttpRequest, record_obj, reason: str, child=None):
    deny(
        request,
        reason,
        object_type=record_obj._meta.label_lower,
        object_id=record_obj.pk,
        child=child.pk if child is not None else None,
    )


def _practitioner_label(user: User) -> str:
    agency = user.agency.name if user.agency_id else ""
    return ", ".join(part for part in (user.get_full_name(), agency, user.job_title) if part)


TRAINING = {
    "chair": ("chair_trained_on", "no training in chairing meetings recorded"),
    "lead": ("lead_professional_trained_on", "no lead professional training recorded"),
}


def _untrained(user: User, role: str) -> str:
    """ "LISA warns — does not block — when the chair or the proposed lead has no recorded
    training for that role": the words added to their name where they are chosen."""
    field, words = TRAINING[role]
    return "" if getattr(user, field) else f" ({words})"


def _active_practitioners():
    return (
        User.objects.filter(
            is_active=True,
            agency__isnull=False,
            training_date__isnull=False,
            roles__overlap=[Role.PRACTITIONER, Role.DESIGNATED_OFFICER],
        )
        .select_related("agency")
        .order_by("last_name", "first_name", "pk")
    )


def venue_for(meeting: Meeting, children: list[Child]) -> str:
    """Where the meeting is, as this reader may see it: a venue that is a shielded household's
    address (typed as the venue) is withheld from readers who may not see that address."""
    text = meeting.venue_text
    lowered = text.lower().replace(" ", "")
    for child in children:
        if meeting.accesses[child.pk].address:
            continue
        for part in (child.postcode, child.address_line_1):
            if part and part.lower().replace(" ", "") in lowered:
                return WITHHELD_VENUE
    return text


# --- arranging --------------------------------------------------------------------------------


def _household(request: HttpRequest, child: Child) -> list[Child]:
    """The child and the siblings the person may arrange a meeting about (those whose record
    they may change)."""
    access = access_for(request, child)
    others = [s for s in access.siblings if access_for(request, s).edit]
    return [child, *others]


def _involved_practitioners(request: HttpRequest, household: list[Child]) -> list[User]:
    """Practitioners involved with the children, as the reader may see them (sensitive services
    stay hidden): offered first."""
    access = access_for(request, household[0])
    seen: dict[int, User] = {}
    for involvement in access.visible_involvements:
        seen.setdefault(involvement.practitioner_id, involvement.practitioner)
    for sibling in access.siblings:
        if sibling in household:
            for involvement in sibling.visible:
                seen.setdefault(involvement.practitioner_id, involvement.practitioner)
    return [user for user in seen.values() if user.is_active and user.is_practitioner]


def _arrange_choices(request, household, concern=None):
    involved = _involved_practitioners(request, household)
    everyone = list(_active_practitioners())
    involved_ids = {user.pk for user in involved}
    users = {str(u.pk): u for u in [*involved, *everyone]}
    groups = [
        ("Working with the children", [(str(u.pk), _practitioner_label(u)) for u in involved]),
        (
            "Other practitioners",
            [(str(u.pk), _practitioner_label(u)) for u in everyone if u.pk not in involved_ids],
        ),
    ]
    chair_groups = [
        (name, [(pk, label + _untrained(users[pk], "chair")) for pk, label in options])
        for name, options in groups
        if options
    ]
    chair_choices = [("", "Choose the chair"), *chair_groups]
    child_ids = [c.pk for c in household]
    parents = list(
        ParentalResponsibility.objects.filter(child_id__in=child_ids, entered_in_error=False)
        .select_related("child")
        .order_by("child_id", "name")
    )
    concerns = list(Concern.objects.open().filter(child_id__in=child_ids).select_related("child"))
    plans = list(
        archived_plans_excluded(SupportPlan.objects.open())
        .filter(children__in=child_ids)
        .select_related("lead__agency")
        .distinct()
        .order_by("-created_at")
    )
    access = access_for(request, household[0])
    locations = Location.objects.filter(
        service__in=Service.objects.for_practitioners()
    ).select_related("service")
    return {
        "children": [(str(c.pk), f"{c.full_name} ({c.lisa_ref})") for c in household],
        "young_people": [(str(c.pk), c.full_name) for c in household],
        "chair": chair_choices,
        "practitioners": [(str(u.pk), _practitioner_label(u)) for u in involved],
        "other_practitioners": [
            (str(u.pk), _practitioner_label(u)) for u in everyone if u.pk not in involved_ids
        ],
        "parents": [
            (str(p.pk), f"{p.name} ({p.relationship} of {p.child.forenames})") for p in parents
        ],
        "concerns": [
            (
                str(c.pk),
                f"{c.child.forenames}: {c.get_level_display()}, {c.date:%-d %B %Y}, "
                f"{c.get_outcome_display()}",
            )
            for c in concerns
        ],
        "location": [("", "None")]
        + [(str(loc.pk), f"{loc.service.name}: {loc}") for loc in locations],
        "plan": [("", "None: a plan may be agreed at the meeting")]
        + [
            (
                str(plan.pk),
                f"Support plan opened {plan.created_at:%-d %B %Y}"
                + (f", lead: {access.author(plan.lead, plan.lead.agency)}" if plan.lead else ""),
            )
            for plan in plans
        ],
    }, {"parents": parents, "concerns": concerns, "plans": plans}


def _arrange(request: HttpRequest, child: Child, concern: Concern | None = None) -> HttpResponse:
    access = access_for(request, child)
    if access.archived:
        _refuse(
            request,
            child,
            "This child's record is archived: it is read only, and no meeting can be arranged "
            "about the child until the central team restores it.",
            child,
        )
    if not access.edit:
        _refuse(request, child, "only those working with the child may arrange a meeting", child)
    household = _household(request, child)
    choices, objects = _arrange_choices(request, household, concern)
    chair = None
    if concern is not None and concern.raised_by.is_active and access.see_agency(concern.agency):
        chair = concern.raised_by
    elif request.user.is_practitioner:
        chair = request.user
    initial = {
        "children": [str(child.pk)],
        "chair": str(chair.pk) if chair else "",
        "concerns": [str(concern.pk)] if concern else [],
        "date": timezone.localdate() + dt.timedelta(days=14),
    }
    # "Arrange a review meeting" on a plan's page comes here with the plan chosen.
    reviewing = [p for p in objects["plans"] if str(p.pk) == request.GET.get("plan", "")]
    if reviewing:
        initial.update(plan=str(reviewing[0].pk), kind=MeetingKind.REVIEW)
    form = ArrangeForm(request.POST or None, choices=choices, initial=initial)

    def arrange_it(data: dict) -> Meeting:
        by_id = {str(c.pk): c for c in household}
        users = {
            str(u.pk): u
            for u in User.objects.filter(
                pk__in=[data["chair"], *data["practitioners"], *data["other_practitioners"]]
            ).select_related("agency")
        }
        parents = {str(p.pk): p for p in objects["parents"]}
        concerns = {str(c.pk): c for c in objects["concerns"]}
        plans = {str(p.pk): p for p in objects["plans"]}
        return actions.arrange_meeting(
            request=request,
            by=request.user,
            children=[by_id[pk] for pk in data["children"]],
            kind=data["kind"],
            date=data["date"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            venue=data["venue"],
            location=Location.objects.filter(pk=data["location"]).first()
            if data["location"]
            else None,
            joining=data["joining"],
            joining_details=data["joining_details"],
            chair=users.get(data["chair"]),
            concerns=[concerns[pk] for pk in data["concerns"]],
            practitioners=[
                users[pk] for pk in [*data["practitioners"], *data["other_practitioners"]]
            ],
            parents=[parents[pk] for pk in data["parents"]],
            young_people=[by_id[pk] for pk in data["young_people"]],
            young_person_not_invited_reason=data["young_person_not_invited_reason"],
            outsiders=[
                actions.Outsider(
                    name=data["other_name"],
                    role=data["other_role"],
                    organisation=data["other_organisation"],
                    contact=data["other_contact"],
                )
            ],
            prepared_on=data["prepared_on"],
            prepared_by=data["prepared_by"],
            parent_told_of_sharing=data["parent_told_of_sharing"],
            plan=plans.get(data["plan"]),
        )

    saved = submit(
        request,
        form,
        arrange_it,
        done="The meeting has been arranged and the practitioners told.",
        to=lambda meeting: reverse("meetings:detail", args=[meeting.pk]),
    )
    if saved:
        return saved
    audit_view(request, child, "arrange a meeting form")
    return render(
        request,
        "meetings/arrange.html",
        {
            "form": form,
            "child": child,
            "concern": concern,
            "title": "Arrange a Family Support Meeting",
        },
    )


@role_required(*PRACTITIONERS)
def arrange(request: HttpRequest, child_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child (or the central team, on a
    practitioner's behalf): arrange a Family Support Meeting from the child's record."""
    child = child_for_user(request, child_pk, "full", audit=False)
    return _arrange(request, child)


@role_required(*PRACTITIONERS)
def arrange_from_concern(request: HttpRequest, concern_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child: arrange the meeting a concern asked
    for ("Family Support Meeting requested"); the chair defaults to the concern's author."""
    concern = owned_record_for_user(
        request, Concern, concern_pk, "full", related=("raised_by", "agency"), audit=False
    )
    if concern.outcome != ConcernOutcome.MEETING_REQUESTED or not concern.is_open:
        messages.info(request, "This concern did not ask for a Family Support Meeting.")
        return redirect("concerns:detail", pk=concern.pk)
    return _arrange(request, concern.child, concern)


# --- a meeting --------------------------------------------------------------------------------


def _invitees(meeting: Meeting) -> list[Invitee]:
    invitees = list(
        meeting.invitees.select_related(
            "practitioner", "practitioner__agency", "parent", "young_person"
        )
    )
    order = [value for value, _ in InviteeKind.choices]
    invitees.sort(key=lambda invitee: (order.index(invitee.kind), invitee.pk))
    access = meeting.access
    for invitee in invitees:
        if invitee.kind == InviteeKind.PRACTITIONER:
            user = invitee.practitioner
            invitee.label = access.author(user, user.agency)
            invitee.detail = user.job_title if access.see_agency(user.agency) else ""
        elif invitee.kind == InviteeKind.PARENT:
            invitee.label = invitee.parent.name
            invitee.detail = f"{invitee.parent.relationship.capitalize()}"
        elif invitee.kind == InviteeKind.YOUNG_PERSON:
            invitee.label = invitee.young_person.full_name
            invitee.detail = "The young person"
        else:
            invitee.label = invitee.name
            invitee.detail = ", ".join(p for p in (invitee.role, invitee.organisation) if p)
    return invitees


def _meeting_context(request: HttpRequest, meeting: Meeting) -> dict:
    children = meeting.children_list
    for child in children:
        child.consent_position = consent_position(child)
        child.consent_missing = rules.consent_missing(child)
    appointments = list(
        LeadAppointment.objects.filter(meeting=meeting).select_related(
            "practitioner", "agency", "child"
        )
    )
    for appointment in appointments:
        appointment.label = meeting.access.author(appointment.practitioner, appointment.agency)
        appointment.untrained = appointment.practitioner.lead_professional_trained_on is None
        if meeting.access.see_agency(appointment.agency):
            user = appointment.practitioner
            appointment.contact = " · ".join(part for part in (user.phone, user.email) if part)
    concerns = list(meeting.concerns.select_related("raised_by", "agency", "child"))
    for concern in concerns:
        concern.author_label = meeting.access.author(concern.raised_by, concern.agency)
    invitees = _invitees(meeting)
    user = request.user
    runs = runs_meeting(user, meeting, meeting.accesses)
    read_only = read_only_reason(user, meeting, meeting.accesses)
    can_change = runs and not read_only
    return {
        "read_only": read_only,
        "runs_meeting": runs,
        "can_appoint_lead": can_change and may_appoint_lead(user, meeting, meeting.accesses),
        "meeting": meeting,
        "children": children,
        "child": children[0],
        "records": circulation(meeting, readers=runs) if meeting.is_held else [],
        "copies_given": list(meeting.copies_given.all()) if meeting.is_held else [],
        "family_invitees": [
            i for i in invitees if i.kind in (InviteeKind.PARENT, InviteeKind.YOUNG_PERSON)
        ],
        "venue": venue_for(meeting, children),
        "chair_label": meeting.access.author(meeting.chair, meeting.chair.agency),
        "chair_untrained": meeting.chair.chair_trained_on is None,
        "invitees": invitees,
        "decisions": list(meeting.decisions.all()),
        "concerns": concerns,
        "appointments": appointments,
        "can_change": can_change,
    }


@role_required(*CHILD_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the full record of a child discussed: the meeting, who was invited and
    came, what was decided, the lead professional, the plan and the consent position."""
    meeting = meeting_for_user(request, pk)
    return render(request, "meetings/detail.html", _meeting_context(request, meeting))


def _changing(request: HttpRequest, pk: int) -> Meeting:
    """The meeting ``pk`` for a change, or a refusal that says why (a child of it archived, or
    the person not among those who change it)."""
    meeting = meeting_for_user(request, pk, audit=False)
    reason = read_only_reason(request.user, meeting, meeting.accesses)
    if reason:
        _refuse(request, meeting, reason, meeting.children_list[0])
    if not may_change_meeting(request.user, meeting, meeting.accesses):
        _refuse(
            request,
            meeting,
            "only the chair, the lead professional and the central team may change a meeting",
            meeting.children_list[0],
        )
    return meeting


def _form_page(request, template: str, meeting: Meeting, form, what: str, **extra):
    for child in meeting.children_list:
        audit_view(request, child, what, meeting=meeting.pk)
    return render(
        request,
        template,
        {"form": form, "meeting": meeting, "child": meeting.children_list[0], **extra},
    )


@role_required(*CHILD_ROLES)
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team: attendance for every invitee."""
    meeting = _changing(request, pk)
    invitees = _invitees(meeting)
    form = AttendanceForm(
        request.POST or None, invitees=invitees, initial={"version": meeting.version}
    )
    saved = submit(
        request,
        form,
        lambda data: actions.record_attendance(
            request=request,
            by=request.user,
            meeting=meeting,
            version=data["version"],
            attendance=form.attendance(),
        ),
        done="Attendance has been saved.",
        to=reverse("meetings:detail", args=[meeting.pk]),
    )
    if saved:
        return saved
    return _form_page(
        request, "meetings/form.html", meeting, form, "attendance form", title="Attendance"
    )


@role_required(*CHILD_ROLES)
def record_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team: record what the meeting
    discussed and decided, and the next review date."""
    meeting = _changing(request, pk)
    closing = meeting.kind == MeetingKind.CLOSING
    initial = {
        "version": meeting.version,
        "summary": meeting.summary,
        "strengths": meeting.strengths,
        "family_views": meeting.family_views,
        "decisions": "\n".join(d.text for d in meeting.decisions.all()),
        "next_review_on": meeting.next_review_on
        or (None if closing else rules.suggested_review_date(meeting.date)),
    }
    form = RecordMeetingForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: actions.record_meeting(
            request=request,
            by=request.user,
            meeting=meeting,
            version=data["version"],
            summary=data["summary"],
            strengths=data["strengths"],
            family_views=data["family_views"],
            decisions=form.decision_list(),
            next_review_on=data["next_review_on"],
        ),
        done="The record of the meeting has been saved.",
        to=reverse("meetings:detail", args=[meeting.pk]),
    )
    if saved:
        return saved
    return _form_page(
        request,
        "meetings/form.html",
        meeting,
        form,
        "record the meeting form",
        title="Record the meeting",
        conflict=getattr(form, "conflict", None),
    )


@role_required(*CHILD_ROLES)
def lead(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team, working with every child
    discussed (the lead becomes involved with each): appoint the lead professional from the
    practitioners who attended."""
    meeting = _changing(request, pk)
    if not may_appoint_lead(request.user, meeting, meeting.accesses):
        _refuse(
            request,
            meeting,
            "appointing the lead professional makes them involved with every child discussed: "
            "only someone working with each of the children, or the central team, may do it",
            meeting.children_list[0],
        )
    invited = [i for i in _invitees(meeting) if i.kind == InviteeKind.PRACTITIONER]
    attended = [i for i in invited if i.attendance == Attendance.ATTENDED]
    choices = [
        (str(i.practitioner_id), i.label + _untrained(i.practitioner, "lead")) for i in attended
    ] + [
        (str(i.practitioner_id), f"{i.label} (did not attend: only if they accepted in writing)")
        for i in invited
        if i not in attended
    ]
    form = LeadForm(request.POST or None, choices=choices, initial={"version": meeting.version})
    saved = submit(
        request,
        form,
        lambda data: actions.appoint_lead(
            request=request,
            by=request.user,
            meeting=meeting,
            version=data["version"],
            practitioner=User.objects.filter(pk=data["practitioner"]).first(),
            family_view=data["family_view"],
            accepted_in_writing_on=data["accepted_in_writing_on"],
        ),
        done="The lead professional has been appointed.",
        to=reverse("meetings:detail", args=[meeting.pk]),
    )
    if saved:
        return saved
    intro = (
        ""
        if attended
        else "Record attendance first: the lead is chosen from those who came (or an invited "
        "practitioner who has since accepted the role in writing)."
    )
    return _form_page(
        request,
        "meetings/form.html",
        meeting,
        form,
        "lead professional form",
        title="Appoint the lead professional",
        intro=intro,
    )


@role_required(*CHILD_ROLES)
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team: agree a support plan at the
    meeting, starting with an outcome sought."""
    meeting = _changing(request, pk)
    if meeting.plan_id:
        return redirect("meetings:plan", pk=meeting.plan_id)
    form = OutcomeForm(
        request.POST or None, submit="Start the plan", initial={"version": meeting.version}
    )
    saved = submit(
        request,
        form,
        lambda data: actions.create_plan(
            request=request,
            by=request.user,
            meeting=meeting,
            version=data["version"],
            outcomes=[(data["headline"], data["description"])],
        ),
        done="The support plan has been started.",
        to=lambda plan: reverse("meetings:plan", args=[plan.pk]),
    )
    if saved:
        return saved
    return _form_page(
        request,
        "meetings/form.html",
        meeting,
        form,
        "start a plan form",
        title="Agree a support plan",
        intro="Start with an outcome sought; add more outcomes and the actions on the plan's page.",
    )


@role_required(*CHILD_ROLES)
def print_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the meeting: the record of decisions as an A4 PDF. Audited as a
    print for every child discussed."""
    meeting = meeting_for_user(request, pk, audit=False)
    venue = venue_for(meeting, meeting.children_list)
    context = {
        "record": for_reader(snapshot(meeting, venue=venue), meeting),
        "printed_at": timezone.now(),
        "printed_by": request.user,
    }
    audit_each(request, Action.PRINT, meeting, meeting.children_list, printed="meeting")
    pdf = render_pdf("meetings/record_pdf.html", context, request=request)
    return pdf_response(pdf, f"record-of-decisions-{meeting.pk}.pdf")


@role_required(*CHILD_ROLES)
def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the meeting: an .ics calendar file with the time, the venue and a
    link, never the child's name. Audited as a download."""
    meeting = meeting_for_user(request, pk, audit=False)
    link = settings.LISA_SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    body = meeting_calendar.ics(meeting, venue=venue_for(meeting, meeting.children_list), link=link)
    audit_each(request, Action.DOWNLOAD, meeting, meeting.children_list, downloaded="meeting")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    response["Cache-Control"] = "no-store, private"
    return response


# --- the support plan -------------------------------------------------------------------------


def _plan_actions(plan, access) -> list[PlanAction]:
    """The plan's actions, each with ``who``: its owner as the reader may see them."""
    found = list(
        plan.actions.filter(entered_in_error=False)
        .select_related(
            "owner",
            "owner__agency",
            "owner_parent",
            "owner_young_person",
            "agency",
            "service",
            "outcome",
        )
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("pk")), "notes")
    )
    for action in found:
        action.who = (
            access.author(action.owner, action.owner.agency)
            if action.owner_id
            else (action.owner_label)
        )
        if action.agency_id and not access.see_agency(action.agency):
            action.agency = None
    return found


@role_required(*CHILD_ROLES)
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the full record of a child in the plan: the outcomes sought, the
    actions with their owners and status, and the meetings that made it."""
    support_plan = plan_for_user(request, pk)
    plan_actions = _plan_actions(support_plan, support_plan.access)
    user = request.user
    for action in plan_actions:
        action.plan = support_plan
        action.may_update = may_update_action(user, action, support_plan.accesses)
    meetings = list(support_plan.meetings.filter(entered_in_error=False).order_by("date", "pk"))
    changes = plan_changes(support_plan, [m for m in meetings if m.is_held])
    lead_label = (
        support_plan.access.author(support_plan.lead, support_plan.lead.agency)
        if support_plan.lead_id
        else ""
    )
    return render(
        request,
        "meetings/plan.html",
        {
            "plan": support_plan,
            "children": support_plan.children_list,
            "child": support_plan.children_list[0],
            "outcomes": list(support_plan.outcomes.all()),
            "actions": plan_actions,
            "meetings": meetings,
            "changes": changes,
            "lead_label": lead_label,
            "can_change": may_change_plan(user, support_plan, support_plan.accesses),
            "read_only": read_only_reason(user, support_plan, support_plan.accesses),
        },
    )


def _changing_plan(request: HttpRequest, pk: int):
    """The plan ``pk`` for a change, or a refusal that says why."""
    support_plan = plan_for_user(request, pk, audit=False)
    reason = read_only_reason(request.user, support_plan, support_plan.accesses)
    if reason:
        _refuse(request, support_plan, reason, support_plan.children_list[0])
    if not may_change_plan(request.user, support_plan, support_plan.accesses):
        _refuse(
            request,
            support_plan,
            "only the lead professional, the chair and the central team may change the plan",
            support_plan.children_list[0],
        )
    return support_plan


def _plan_form_page(request, support_plan, form, what: str, title: str, **extra):
    for child in support_plan.children_list:
        audit_view(request, child, what, supportplan=support_plan.pk)
    return render(
        request,
        "meetings/plan_form.html",
        {
            "form": form,
            "plan": support_plan,
            "child": support_plan.children_list[0],
            "title": title,
            **extra,
        },
    )


def _latest_meeting(support_plan) -> Meeting | None:
    return support_plan.meetings.filter(entered_in_error=False).order_by("-date", "-pk").first()


@role_required(*CHILD_ROLES)
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead professional, the chair and the central team: add an outcome sought."""
    support_plan = _changing_plan(request, pk)
    form = OutcomeForm(request.POST or None, initial={"version": support_plan.version})
    saved = submit(
        request,
        form,
        lambda data: actions.add_outcome(
            request=request,
            by=request.user,
            plan=support_plan,
            version=data["version"],
            headline=data["headline"],
            description=data["description"],
            meeting=_latest_meeting(support_plan),
        ),
        done="The outcome has been added.",
        to=reverse("meetings:plan", args=[support_plan.pk]),
    )
    if saved:
        return saved
    return _plan_form_page(request, support_plan, form, "add an outcome form", "Add an outcome")


def _action_choices(support_plan) -> tuple[dict, dict]:
    children = support_plan.children_list
    invited = User.objects.filter(
        meeting_invitations__meeting__plan=support_plan, is_active=True
    ).distinct()
    practitioners = list(invited.select_related("agency").order_by("last_name", "first_name"))
    parents = list(
        ParentalResponsibility.objects.filter(
            child__in=children, entered_in_error=False
        ).select_related("child")
    )
    services = list(
        Service.objects.for_practitioners()
        .select_related("organisation")
        .order_by("name")
        .only("pk", "name", "organisation__name")
    )
    outcomes = list(support_plan.outcomes.all())
    access = support_plan.access
    choices = {
        "outcome": [("", "None")] + [(str(o.pk), o.description) for o in outcomes],
        "children": [(str(c.pk), c.full_name) for c in children],
        "owner": [("", "Choose the practitioner")]
        + [(str(u.pk), access.author(u, u.agency)) for u in practitioners],
        "owner_parent": [("", "Choose the parent or carer")]
        + [(str(p.pk), f"{p.name} ({p.relationship} of {p.child.forenames})") for p in parents],
        "owner_young_person": [("", "Choose the young person")]
        + [(str(c.pk), c.full_name) for c in children],
        "agency": [("", "None")]
        + [(str(a.pk), a.name) for a in Agency.objects.filter(is_active=True).order_by("name")],
        "service": [("", "None")]
        + [(str(s.pk), f"{s.name} ({s.organisation.name})") for s in services],
    }
    objects = {
        "outcome": {str(o.pk): o for o in outcomes},
        "children": {str(c.pk): c for c in children},
        "owner": {str(u.pk): u for u in practitioners},
        "owner_parent": {str(p.pk): p for p in parents},
        "owner_young_person": {str(c.pk): c for c in children},
    }
    return choices, objects


@role_required(*CHILD_ROLES)
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead professional, the chair and the central team: add an action to the plan."""
    support_plan = _changing_plan(request, pk)
    choices, objects = _action_choices(support_plan)
    form = ActionForm(
        request.POST or None,
        choices=choices,
        initial={
            "version": support_plan.version,
            "children": [str(c.pk) for c in support_plan.children_list],
        },
    )

    def add(data: dict) -> PlanAction:
        kind = data["owner_kind"]
        owner = actions.Owner(
            kind=kind,
            practitioner=objects["owner"].get(data["owner"])
            if kind == OwnerKind.PRACTITIONER
            else None,
            parent=objects["owner_parent"].get(data["owner_parent"]),
            young_person=objects["owner_young_person"].get(data["owner_young_person"]),
            name=data["owner_name"],
        )
        return actions.add_action(
            request=request,
            by=request.user,
            plan=support_plan,
            version=data["version"],
            what=data["what"],
            outcome=objects["outcome"].get(data["outcome"]),
            children=[objects["children"][pk] for pk in data["children"]],
            owner=owner,
            agency=Agency.objects.filter(pk=data["agency"]).first() if data["agency"] else None,
            service=Service.objects.filter(pk=data["service"]).first() if data["service"] else None,
            due_on=data["due_on"],
            meeting=_latest_meeting(support_plan),
        )

    saved = submit(
        request,
        form,
        add,
        done="The action has been added.",
        to=reverse("meetings:plan", args=[support_plan.pk]),
    )
    if saved:
        return saved
    return _plan_form_page(request, support_plan, form, "add an action form", "Add an action")


@role_required(*CHILD_ROLES)
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead professional or chair after a closing meeting, or the central team: close the
    plan with a reason."""
    support_plan = _changing_plan(request, pk)
    central_team = list(
        User.objects.filter(is_active=True, roles__contains=[Role.CENTRAL_TEAM]).order_by(
            "last_name", "first_name"
        )
    )
    form = ClosePlanForm(
        request.POST or None,
        central_team=central_team,
        initial={"version": support_plan.version},
    )
    saved = submit(
        request,
        form,
        lambda data: actions.close_plan(
            request=request,
            by=request.user,
            plan=support_plan,
            version=data["version"],
            reason=data["reason"],
            text=data["text"],
            agreed_by=next((u for u in central_team if str(u.pk) == data["agreed_by"]), None),
        ),
        done="The support plan has been closed.",
        to=reverse("meetings:plan", args=[support_plan.pk]),
    )
    if saved:
        return saved
    return _plan_form_page(request, support_plan, form, "close the plan form", "Close the plan")


@role_required(*CHILD_ROLES)
def action(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the plan: an action and its progress notes. Its owner, the lead
    professional, the chair and the central team update it."""
    plan_action = action_for_user(request, pk, audit=request.method != "POST")
    support_plan = plan_action.plan
    may_update = may_update_action(request.user, plan_action, support_plan.accesses)
    read_only = read_only_reason(request.user, support_plan, support_plan.accesses)
    if request.method == "POST" and not may_update:
        _refuse(
            request,
            plan_action,
            read_only
            or "only the action's owner, the lead professional and the chair may update it",
            support_plan.children_list[0],
        )
    form = None
    if may_update:
        form = ActionUpdateForm(
            request.POST or None,
            initial={
                "version": plan_action.version,
                "status": plan_action.status,
                "not_done_reason": plan_action.not_done_reason,
            },
        )
        saved = submit(
            request,
            form,
            lambda data: actions.update_action(
                request=request,
                by=request.user,
                action=plan_action,
                version=data["version"],
                status=data["status"],
                not_done_reason=data["not_done_reason"],
                note=data["note"],
            ),
            done="The action has been updated.",
            to=reverse("meetings:plan", args=[support_plan.pk]),
        )
        if saved:
            return saved
        if request.method == "POST":
            for child in support_plan.children_list:
                audit_view(request, child, "action form", planaction=plan_action.pk)
    notes = list(plan_action.notes.select_related("by", "by__agency"))
    for note in notes:
        note.by_label = support_plan.access.author(note.by, note.by.agency)
    return render(
        request,
        "meetings/action.html",
        {
            "action": plan_action,
            "plan": support_plan,
            "child": support_plan.children_list[0],
            "notes": notes,
            "form": form,
            "read_only": read_only,
            "owner_label": plan_action.owner_label
            if not plan_action.owner_id
            else support_plan.access.author(plan_action.owner, plan_action.owner.agency),
        },
    )
