"""Journey 3: from the teacher's level-3 concern, a Family Support Meeting is arranged (the
health visitor and the parent invited), attendance recorded (the parent sends apologies), the
lead professional appointed and a plan agreed with two actions, one linked to a directory
service. The record of decisions is sent: the health visitor and the co-ordinator open it, the
chair sees that they have, and prints it. A review meeting marks one action done and adds one;
a closing meeting closes the plan, outcomes met, and with it the concern."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import Action, AuditEvent
from children.models import ParentalResponsibility
from concerns.models import ConcernOutcome, ConcernStatus
from directory.models import Organisation
from meetings import actions
from meetings.models import (
    ActionStatus,
    Attendance,
    ClosureReason,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OwnerKind,
    PlanStatus,
    RecordOfDecisions,
)
from meetings.record import RECORD
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern
from tests.directory.conftest import make_service
from tests.e2e.conftest import follow, sign_in, sign_out, submit, visit
from tests.meetings.conftest import add_action, arrange, as_request, hold, send, start_plan

pytestmark = pytest.mark.e2e


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def banner(page):
    return page.locator(".govuk-notification-banner")


def heading(page):
    return page.get_by_role("heading", level=1)


@pytest.fixture
def family(personas):
    """Ottoline, her mother, the teacher's level-3 concern asking for a Family Support Meeting,
    the health visitor working with her, and a parenting course in the directory."""
    amara, daniel = personas["amara"], personas["daniel"]
    child = make_child(forenames="Ottoline", surname="Brackenbury")
    mother = ParentalResponsibility.objects.create(
        child=child, name="Henrietta Brackenbury", relationship="mother", phone="07700 900123"
    )
    involve(daniel, child, role="Class teacher")
    involve(amara, child)
    concern = make_concern(
        child,
        daniel,
        level=3,
        date=timezone.localdate(),
        what_was_seen="Attendance down to 82%; often arrives without breakfast",
        outcome=ConcernOutcome.MEETING_REQUESTED,
    )
    course = make_service(
        Organisation.objects.create(name="Deptford Family Support Network"),
        "Calmer Mornings Parenting Course",
        description="Six weekly sessions on routines for parents of primary-school children.",
    )
    return {"child": child, "mother": mother, "concern": concern, "course": course}


def test_a_meeting_is_arranged_recorded_and_its_record_of_decisions_read(page, personas, family):
    amara, daniel, morgan = personas["amara"], personas["daniel"], personas["morgan"]
    child, mother, concern, course = (
        family["child"],
        family["mother"],
        family["concern"],
        family["course"],
    )
    today = timezone.localdate()

    # 1. The teacher arranges the meeting his concern asked for; he chairs it by default.
    sign_in(page, daniel.username)
    visit(page, f"/concerns/{concern.pk}/")
    follow(page, page.get_by_role("button", name="Arrange a Family Support Meeting"))
    expect(heading(page)).to_have_text("Arrange a Family Support Meeting")
    expect(page.get_by_label("Who will chair the meeting?")).to_have_value(str(daniel.pk))
    concerns_answered = page.get_by_role("group", name="Which concerns does the meeting answer?")
    expect(concerns_answered.get_by_role("checkbox")).to_be_checked()
    fill_date(page, "Date of the meeting", today)
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End time").fill("10:30")
    page.get_by_label("Venue", exact=True).fill("Family room, Cedar Rise Primary School")
    page.get_by_label("Joining details").fill("Sign in at the school office")
    page.get_by_role("checkbox", name="Amara Okafor, Health Visiting").check()
    page.get_by_role("checkbox", name="Henrietta Brackenbury (mother of Ottoline)").check()
    page.get_by_label("If the young person is not invited, why not?").fill(
        "Her views were gathered in school beforehand"
    )
    fill_date(page, "Date the purpose and process were discussed with the parent or carer", today)
    page.get_by_label("Discussed by").fill("Daniel Price")
    page.get_by_label(
        "The parent or carer has been told that information will be shared at the meeting"
    ).check()
    submit(page, page.get_by_role("button", name="Arrange the meeting"))
    expect(banner(page)).to_contain_text(
        "The meeting has been arranged and the practitioners told."
    )
    expect(heading(page)).to_have_text(f"Initial meeting on {long_date(today)} Arranged")
    details = page.get_by_test_id("meeting")
    expect(details).to_contain_text("09:30 to 10:30")
    expect(details).to_contain_text("In person: Sign in at the school office")
    expect(details).to_contain_text("Daniel Price, Cedar Rise Primary")
    invitees = page.get_by_test_id("invitees")
    expect(invitees).to_contain_text("Amara Okafor, Health Visiting")
    expect(invitees).to_contain_text("Henrietta Brackenbury")
    expect(page.get_by_test_id("concerns")).to_contain_text("Ottoline: Level 3")
    meeting = Meeting.objects.get()
    assert meeting.kind == MeetingKind.INITIAL and meeting.chair == daniel
    assert list(meeting.concerns.all()) == [concern]
    assert {i.practitioner_id for i in meeting.invitees.filter(practitioner__isnull=False)} == {
        daniel.pk,
        amara.pk,
    }
    assert meeting.invitees.get(parent__isnull=False).parent == mother

    # 2. Attendance: both practitioners came; the mother sent her apologies.
    follow(page, page.get_by_role("button", name="Record attendance"))
    expect(heading(page)).to_have_text("Attendance")
    page.get_by_role("group", name="Daniel Price, Cedar Rise Primary").get_by_label(
        "Attended"
    ).check()
    page.get_by_role("group", name="Amara Okafor, Health Visiting").get_by_label("Attended").check()
    page.get_by_role("group", name="Henrietta Brackenbury").get_by_label("Sent apologies").check()
    submit(page, page.get_by_role("button", name="Save attendance"))
    expect(banner(page)).to_contain_text("Attendance has been saved.")
    expect(invitees.get_by_role("row", name="Henrietta Brackenbury")).to_contain_text(
        "Sent apologies"
    )
    expect(invitees.get_by_text("Attended")).to_have_count(2)
    assert meeting.invitees.get(parent=mother).attendance == Attendance.APOLOGIES
    assert meeting.invitees.filter(attendance=Attendance.ATTENDED).count() == 2

    # 3. The meeting is recorded; the next review is suggested six weeks ahead.
    follow(page, page.get_by_role("button", name="Record the meeting"))
    expect(heading(page)).to_have_text("Record the meeting")
    review = page.get_by_role("group", name="Date of the next review")
    suggested = today + dt.timedelta(weeks=6)
    expect(review.get_by_label("Day")).to_have_value(str(suggested.day))
    expect(review.get_by_label("Month")).to_have_value(str(suggested.month))
    expect(review.get_by_label("Year")).to_have_value(str(suggested.year))
    page.get_by_label("The family's strengths").fill("A loving, close family")
    page.get_by_label("Summary of the discussion").fill(
        "Attendance has dropped since September; mornings are hard."
    )
    page.get_by_label("The family's own views").fill("Mum wants help with mornings")
    page.get_by_label("Decisions").fill("Breakfast club place\nMum to join a parenting course")
    submit(page, page.get_by_role("button", name="Save the record of the meeting"))
    expect(banner(page)).to_contain_text("The record of the meeting has been saved.")
    expect(heading(page)).to_have_text(f"Initial meeting on {long_date(today)} Held")
    expect(page.get_by_test_id("decisions").get_by_role("listitem")).to_have_text(
        ["Breakfast club place", "Mum to join a parenting course"]
    )
    expect(details).to_contain_text(f"Next review{long_date(suggested)}")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.next_review_on == suggested

    # The health visitor, who attended, is appointed lead professional.
    follow(page, page.get_by_role("button", name="Appoint the lead professional"))
    lead_choices = page.get_by_role("group", name="Lead professional")
    expect(lead_choices.get_by_role("radio")).to_have_count(2)  # not the mother
    lead_choices.get_by_label("Amara Okafor, Health Visiting").check()
    page.get_by_label("The family's view on the choice").fill("Mum knows Amara well")
    submit(page, page.get_by_role("button", name="Appoint the lead professional"))
    expect(banner(page)).to_contain_text("The lead professional has been appointed.")
    expect(page.get_by_test_id("lead")).to_contain_text(
        "Amara Okafor, Health Visiting for Ottoline"
    )
    expect(page.get_by_test_id("lead")).to_contain_text("The family's view: Mum knows Amara well")
    assert child.involvements.get(practitioner=amara).lead_professional

    # A plan is agreed with its first outcome, then two actions.
    follow(page, page.get_by_role("button", name="Agree a support plan"))
    page.get_by_label("Headline outcome").select_option(label="Getting a good education")
    page.get_by_label("Outcome sought").fill("Ottoline is at school on time every day")
    submit(page, page.get_by_role("button", name="Start the plan"))
    expect(banner(page)).to_contain_text("The support plan has been started.")
    expect(heading(page)).to_have_text("Support plan Open")
    expect(page.get_by_test_id("plan")).to_contain_text("Amara Okafor, Health Visiting")
    expect(page.get_by_test_id("outcomes")).to_have_text(
        "Getting a good education: Ottoline is at school on time every day"
    )
    meeting.refresh_from_db()
    plan = meeting.plan
    assert plan.lead == amara and plan.status == PlanStatus.OPEN

    follow(page, page.get_by_role("button", name="Add an action"))
    page.get_by_label("What will be done").fill("Breakfast club place from Monday")
    page.get_by_label("For which outcome").select_option(
        label="Ottoline is at school on time every day"
    )
    expect(page.get_by_role("checkbox", name="Ottoline Brackenbury")).to_be_checked()
    page.get_by_role("radio", name="A LISA practitioner").check()
    page.get_by_label("The practitioner").select_option(label="Daniel Price, Cedar Rise Primary")
    fill_date(page, "By when", today + dt.timedelta(days=7))
    submit(page, page.get_by_role("button", name="Add the action"))
    expect(banner(page)).to_contain_text("The action has been added.")

    follow(page, page.get_by_role("button", name="Add an action"))
    page.get_by_label("What will be done").fill("Join the parenting course")
    page.get_by_role("radio", name="A parent or carer").check()
    page.get_by_label("The parent or carer").select_option(
        label="Henrietta Brackenbury (mother of Ottoline)"
    )
    page.get_by_label("Service Directory service").select_option(
        label="Calmer Mornings Parenting Course (Deptford Family Support Network)"
    )
    fill_date(page, "By when", today + dt.timedelta(days=28))
    submit(page, page.get_by_role("button", name="Add the action"))
    plan_actions = page.get_by_test_id("actions")
    expect(plan_actions.get_by_role("row")).to_have_count(3)
    expect(plan_actions.get_by_role("row", name="Breakfast club place")).to_contain_text(
        "Daniel Price, Cedar Rise Primary"
    )
    course_row = plan_actions.get_by_role("row", name="Join the parenting course")
    expect(course_row).to_contain_text("Henrietta Brackenbury")
    expect(course_row.get_by_role("link", name="Calmer Mornings Parenting Course")).to_have_count(1)
    breakfast, parenting = plan.actions.order_by("pk")
    assert breakfast.owner == daniel and breakfast.outcome.plan == plan
    assert parenting.owner_kind == OwnerKind.PARENT and parenting.owner_parent == mother
    assert parenting.service == course

    # 4. The chair sends the record of decisions to the practitioners and the co-ordinator.
    follow(page, page.get_by_test_id("meetings").get_by_role("link"))
    follow(page, page.get_by_role("button", name="Send the record of decisions"))
    expect(heading(page)).to_have_text("Send the record of decisions")
    expect(page.get_by_test_id("recipients").get_by_role("listitem")).to_have_text(
        [
            "Morgan Ellis, LISA Central Team",
            "Amara Okafor, Health Visiting",
            "Daniel Price, Cedar Rise Primary",
        ]
    )
    submit(page, page.get_by_role("button", name="Send the record of decisions"))
    expect(banner(page)).to_contain_text(
        "The record of decisions (version 1) has been sent to 3 people."
    )
    expect(page.get_by_test_id("opened-1")).to_contain_text("Who has opened it (3 not yet)")
    expect(page.get_by_role("button", name="Send the record of decisions")).to_have_count(0)
    sent = RecordOfDecisions.objects.get()
    assert sent.meeting == meeting and sent.version == 1 and sent.sent_by == daniel
    assert set(sent.recipients.values_list("user_id", flat=True)) == {
        amara.pk,
        daniel.pk,
        morgan.pk,
    }
    sign_out(page)

    # The health visitor finds it on her home page, marked new, and opens it.
    record_link = f"Initial meeting on {long_date(today)}, version 1"
    for reader in (amara, morgan):
        sign_in(page, reader.username)
        received = page.get_by_test_id("records-received")
        expect(received.get_by_role("listitem").filter(has_text=record_link)).to_contain_text("New")
        follow(page, received.get_by_role("link", name=record_link))
        expect(heading(page)).to_have_text("Record of decisions Version 1")
        expect(page.get_by_test_id("sent-by")).to_contain_text(
            "by Daniel Price, Cedar Rise Primary"
        )
        expect(page.get_by_test_id("sent-decisions")).to_contain_text("Breakfast club place")
        expect(page.get_by_test_id("sent-actions")).to_contain_text(
            "Join the parenting course (Calmer Mornings Parenting Course)"
        )
        assert AuditEvent.objects.filter(
            user_id=reader.pk, action=Action.VIEW, object_type=RECORD, object_id=str(sent.pk)
        ).exists()
        sign_out(page)

    # The chair sees who has opened it, then prints it.
    sign_in(page, daniel.username)
    visit(page, f"/meetings/{meeting.pk}/")
    opened = page.get_by_test_id("opened-1")
    expect(opened).to_contain_text("Who has opened it (1 not yet)")
    for name in ("Amara Okafor, Health Visiting", "Morgan Ellis, LISA Central Team"):
        row = opened.get_by_role("row", name=name)
        expect(row).to_contain_text(long_date(today))
        expect(row).not_to_contain_text("Not yet opened")
    expect(opened.get_by_role("row", name="Daniel Price, Cedar Rise Primary")).to_contain_text(
        "Not yet opened"
    )
    follow(page, page.get_by_role("link", name="Read version 1"))
    print_link = page.get_by_role("link", name="Print this version (PDF)")
    with page.expect_download() as download:
        print_link.click()
    assert download.value.suggested_filename == f"record-of-decisions-{meeting.pk}-v1.pdf"
    printed = page.request.get(print_link.get_attribute("href"))
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.body().startswith(b"%PDF-")
    assert AuditEvent.objects.filter(
        user_id=daniel.pk, action=Action.PRINT, object_type=RECORD, object_id=str(sent.pk)
    ).exists()


@pytest.fixture
def initial_meeting(personas, family):
    """The initial meeting as the first journey leaves it: held, the health visitor lead, the
    plan's two actions agreed and the record of decisions sent."""
    amara, daniel = personas["amara"], personas["daniel"]
    child, mother = family["child"], family["mother"]
    meeting = arrange(
        daniel,
        child,
        practitioners=[amara],
        parents=[mother],
        concerns=[family["concern"]],
        start_time=dt.time(9, 30),
        end_time=dt.time(10, 30),
    )
    held = hold(meeting, daniel, attended=[daniel, amara], decisions=("Breakfast club place",))
    actions.appoint_lead(
        request=as_request(daniel),
        by=daniel,
        meeting=held,
        version=Meeting.objects.get(pk=held.pk).version,
        practitioner=amara,
    )
    plan = start_plan(
        held, daniel, outcomes=[("education", "Ottoline is at school on time every day")]
    )
    add_action(plan, daniel, daniel, what="Breakfast club place from Monday")
    add_action(
        plan,
        daniel,
        None,
        what="Join the parenting course",
        owner=actions.Owner(kind=OwnerKind.PARENT, parent=mother),
        service=family["course"],
        due_on=timezone.localdate() + dt.timedelta(days=28),
    )
    send(held, daniel)
    return {"meeting": Meeting.objects.get(pk=held.pk), "plan": plan}


def arrange_about_the_plan(page, kind: str, *, invite: str) -> Meeting:
    """On the arrange form: a meeting of ``kind`` about the family's plan, today."""
    page.get_by_role("radio", name=kind).check()
    page.get_by_label("Which support plan is the meeting about?").select_option(index=1)
    fill_date(page, "Date of the meeting", timezone.localdate())
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End time").fill("10:15")
    page.get_by_label("Venue", exact=True).fill("Family room, Cedar Rise Primary School")
    page.get_by_role("checkbox", name=invite).check()
    page.get_by_label("If the young person is not invited, why not?").fill(
        "Her views were gathered in school beforehand"
    )
    submit(page, page.get_by_role("button", name="Arrange the meeting"))
    expect(banner(page)).to_contain_text(
        "The meeting has been arranged and the practitioners told."
    )
    expect(heading(page)).to_have_text(f"{kind} on {long_date(timezone.localdate())} Arranged")
    return Meeting.objects.filter(kind__in=[MeetingKind.REVIEW, MeetingKind.CLOSING]).latest("pk")


def hold_in_the_browser(page, *, summary: str, decision: str) -> None:
    """Attendance (everyone invited came) and the record of the meeting, from its page."""
    follow(page, page.get_by_role("button", name="Record attendance"))
    for group in page.get_by_role("group").filter(has=page.get_by_label("Attended")).all():
        group.get_by_label("Attended").check()
    submit(page, page.get_by_role("button", name="Save attendance"))
    expect(banner(page)).to_contain_text("Attendance has been saved.")
    follow(page, page.get_by_role("button", name="Record the meeting"))
    page.get_by_label("Summary of the discussion").fill(summary)
    page.get_by_label("Decisions").fill(decision)
    submit(page, page.get_by_role("button", name="Save the record of the meeting"))
    expect(banner(page)).to_contain_text("The record of the meeting has been saved.")
    expect(page.get_by_test_id("decisions")).to_have_text(decision)


def test_a_review_meeting_updates_the_plan_and_a_closing_meeting_closes_it(
    page, personas, family, initial_meeting
):
    daniel = personas["daniel"]
    child, concern = family["child"], family["concern"]
    plan = initial_meeting["plan"]
    today = timezone.localdate()

    # 5. The review meeting: arranged about the plan, held, one action done and one added.
    sign_in(page, daniel.username)
    visit(page, f"/meetings/plans/{plan.pk}/")
    follow(page, page.get_by_role("button", name="Arrange a review meeting"))
    expect(page.get_by_role("radio", name="Review meeting")).to_be_checked()
    review = arrange_about_the_plan(page, "Review meeting", invite="Amara Okafor, Health Visiting")
    assert review.plan_id == plan.pk
    expect(page.get_by_role("button", name="Agree a support plan")).to_have_count(0)
    hold_in_the_browser(
        page,
        summary="Ottoline has been on time every day since the breakfast club began.",
        decision="The breakfast club is working; add a weekly check-in",
    )
    follow(page, page.get_by_role("link", name="The support plan"))
    expect(page.get_by_test_id("meetings").get_by_role("link")).to_have_text(
        [f"Initial meeting on {long_date(today)}", f"Review meeting on {long_date(today)}"]
    )
    follow(page, page.get_by_role("link", name="Breakfast club place from Monday", exact=True))
    expect(heading(page)).to_have_text("Breakfast club place from Monday")
    page.get_by_role("radio", name="Done", exact=True).check()
    page.get_by_label("Progress note").fill("Attending every day; on time since it began")
    submit(page, page.get_by_role("button", name="Save"))
    expect(banner(page)).to_contain_text("The action has been updated.")
    plan_actions = page.get_by_test_id("actions")
    expect(plan_actions.get_by_role("row", name="Breakfast club place")).to_contain_text("Done")
    follow(page, page.get_by_role("button", name="Add an action"))
    page.get_by_label("What will be done").fill("Weekly check-in with Ottoline")
    page.get_by_role("radio", name="A LISA practitioner").check()
    page.get_by_label("The practitioner").select_option(label="Daniel Price, Cedar Rise Primary")
    fill_date(page, "By when", today + dt.timedelta(days=14))
    submit(page, page.get_by_role("button", name="Add the action"))
    expect(plan_actions.get_by_role("row")).to_have_count(4)
    breakfast = plan.actions.get(what="Breakfast club place from Monday")
    assert breakfast.status == ActionStatus.DONE
    assert plan.actions.get(what="Weekly check-in with Ottoline").meeting == review

    # Its record of decisions is sent; the plan shows what the review changed.
    visit(page, f"/meetings/{review.pk}/")
    follow(page, page.get_by_role("button", name="Send the record of decisions"))
    submit(page, page.get_by_role("button", name="Send the record of decisions"))
    expect(banner(page)).to_contain_text("The record of decisions (version 1) has been sent")
    follow(page, page.get_by_role("link", name="The support plan"))
    changed = page.get_by_test_id(f"changes-{review.pk}")
    expect(changed).to_contain_text("Breakfast club place from Monday: not started → done")
    expect(changed).to_contain_text("Added: Weekly check-in with Ottoline")

    # 6. The closing meeting: no next review; the plan is closed, outcomes met.
    visit(page, f"/children/{child.pk}/record/")
    follow(page, page.get_by_role("button", name="Arrange a Family Support Meeting"))
    closing = arrange_about_the_plan(
        page, "Closing meeting", invite="Amara Okafor, Health Visiting"
    )
    assert closing.plan_id == plan.pk
    follow(page, page.get_by_role("button", name="Record the meeting"))
    expect(
        page.get_by_role("group", name="Date of the next review").get_by_label("Day")
    ).to_have_value("")
    visit(page, f"/meetings/{closing.pk}/")
    hold_in_the_browser(
        page,
        summary="Ottoline is at school on time every day; mornings are calmer at home.",
        decision="Support through the plan can end",
    )
    closing.refresh_from_db()
    assert closing.status == MeetingStatus.HELD and closing.next_review_on is None
    follow(page, page.get_by_role("link", name="The support plan"))
    follow(page, page.get_by_role("button", name="Close the plan"))
    expect(heading(page)).to_have_text("Close the plan")
    page.get_by_role("radio", name="Outcomes met").check()
    submit(page, page.get_by_role("button", name="Close the plan"))
    expect(banner(page)).to_contain_text("The support plan has been closed.")
    expect(heading(page)).to_have_text("Support plan Closed")
    expect(page.get_by_test_id("plan")).to_contain_text(f"{long_date(today)}: Outcomes met")
    expect(page.get_by_role("button", name="Add an action")).to_have_count(0)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED and plan.closure_reason == ClosureReason.OUTCOMES_MET
    assert plan.closed_by == daniel
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED
