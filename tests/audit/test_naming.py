"""The audit screens name records as people do: "the concern of 3 May 2026 about L1234567K Ivy
Smith", never "concerns.concern #42"; and say no more than their reader may see."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import Action, Alert, AlertKind, AuditEvent
from audit.naming import Names, labels
from audit.services import record
from children.models import BreakGlass, Involvement, ParentalResponsibility
from concerns.models import Category
from consent.models import Agreement, Ground, Kind, SharingDecision
from directory.models import Category as DirectoryCategory
from directory.models import Organisation
from meetings.models import LeadAppointment, Meeting, MeetingKind, PlanAction, SupportPlan
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern
from tests.directory.conftest import make_service
from tests.meetings.conftest import add_action, arrange, hold, send, start_plan
from tests.messaging.conftest import start

pytestmark = pytest.mark.django_db

MAY_3 = dt.date(2026, 5, 3)
# Midday in London on 3 May 2026 (British Summer Time).
MAY_3_NOON = dt.datetime(2026, 5, 3, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def ivy(db):
    return make_child(
        forenames="Ivy", surname="Smith", address_line_1="12 Quiet Lane", postcode="SE4 2AB"
    )


def what(viewer, obj=None, *, object_type="", object_id="", child=None, **event) -> str:
    """The label ``viewer`` reads for one event about ``obj`` (the event need not be stored)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    event.setdefault("action", Action.VIEW)
    found = AuditEvent(
        object_type=object_type,
        object_id=object_id,
        child_id=getattr(child, "pk", child),
        **event,
    )
    return labels([found], viewer)[0]


def agreement(child, by, kind=Kind.PARENT_CARER, **fields) -> Agreement:
    parent = None
    if kind == Kind.PARENT_CARER:
        parent = ParentalResponsibility.objects.create(
            child=child, name="Rose Smith", relationship="Mother"
        )
    else:
        fields.update(sufficient_understanding=True, understanding_assessed_by="A. Okafor")
    return Agreement.objects.create(
        child=child,
        kind=kind,
        decision="agree",
        parent=parent,
        professional=by,
        agency=by.agency,
        signed_on=MAY_3,
        created_by=by,
        **fields,
    )


def held_meeting(child, amara, **fields) -> Meeting:
    """A meeting about ``child`` that Amara chaired on 3 May 2026."""
    if not Involvement.objects.active().filter(child=child, practitioner=amara).exists():
        involve(amara, child)
    meeting = hold(arrange(amara, child, **fields), amara, attended=[amara])
    Meeting.objects.filter(pk=meeting.pk).update(date=MAY_3)
    return Meeting.objects.get(pk=meeting.pk)


class TestChildren:
    def test_a_child_is_named_by_reference_and_name_never_by_id_or_address(self, morgan, ivy):
        label = what(morgan, ivy, child=ivy)
        assert label == f"{ivy.lisa_ref} Ivy Smith"
        assert "Quiet Lane" not in label and "SE4" not in label

    def test_a_child_no_longer_on_lisa(self, morgan):
        assert what(morgan, object_type="children.child", object_id="999999") == "a child's record"
        names = Names([AuditEvent(action=Action.VIEW, child_id=999999)], morgan)
        assert names.child(999999) == "a child no longer on LISA"

    def test_lists_and_searches(self, morgan, ivy):
        other = make_child()
        shown = {"view": "home page", "shown": [ivy.lisa_ref, other.lisa_ref]}
        assert what(morgan, object_type="children.child", detail=shown) == (
            "a list of 2 children (home page)"
        )
        search = {"q": "Smith", "shown": [ivy.lisa_ref]}
        assert what(morgan, object_type="children.child", action=Action.SEARCH, detail=search) == (
            "a list of 1 child (search results)"
        )
        assert what(morgan, object_type="children.child", action=Action.SEARCH, detail={}) == (
            "a search of children's records"
        )

    def test_the_part_of_a_childs_record_a_page_showed(self, morgan, amara, ivy):
        def seen(**detail):
            return what(morgan, ivy, child=ivy, detail=detail)

        ref = f"{ivy.lisa_ref} Ivy Smith"
        assert seen(view="card") == f"the index card of {ref}"
        assert seen(view="full", basis="central_team") == f"the full record of {ref}"
        assert seen(view="log concern form") == f"{ref} (log concern form)"
        assert what(
            morgan, ivy, child=ivy, action=Action.PRINT, detail={"printed": "chronology"}
        ) == (f"the chronology of {ref}")
        meeting = held_meeting(ivy, amara)
        assert seen(view="meeting", meeting=meeting.pk) == (
            "the initial Family Support Meeting of 3 May 2026"
        )
        signed = agreement(ivy, amara)
        assert seen(view="withdraw agreement form", agreement=signed.pk) == (
            f"the parent/carer agreement of 3 May 2026 for {ref} (withdraw agreement form)"
        )
        # A record since gone, or one the reader may not know of, leaves the child's page.
        assert seen(view="meeting", meeting=424242) == f"{ref} (meeting)"

    def test_involvement_parental_responsibility_and_break_glass(self, morgan, amara, daniel, ivy):
        involvement = involve(amara, ivy)
        assert what(morgan, involvement, child=ivy) == (
            f"the involvement of A. Okafor (Health Visiting) with {ivy.lisa_ref} Ivy Smith"
        )
        mother = ParentalResponsibility.objects.create(
            child=ivy, name="Rose Smith", relationship="Mother"
        )
        label = what(morgan, mother, child=ivy)
        assert label == f"the mother with parental responsibility for {ivy.lisa_ref} Ivy Smith"
        assert "Rose" not in label
        grant = BreakGlass.objects.create(
            child=ivy,
            user=daniel,
            category="safeguarding",
            reason="Disclosed harm",
            created_at=MAY_3_NOON,
            expires_at=MAY_3_NOON + dt.timedelta(hours=24),
        )
        assert what(morgan, grant, child=ivy) == (
            f"the break-glass access to {ivy.lisa_ref} Ivy Smith by D. Price on 3 May 2026"
        )


class TestFullRecord:
    def test_a_concern(self, morgan, amara, ivy):
        concern = make_concern(ivy, amara, date=MAY_3)
        assert what(morgan, concern, child=ivy) == (
            f"the concern of 3 May 2026 about {ivy.lisa_ref} Ivy Smith"
        )

    def test_consent_agreements_and_a_decision_to_share(self, morgan, amara, ivy):
        parent_carer = agreement(ivy, amara)
        young_person = agreement(ivy, amara, kind=Kind.YOUNG_PERSON)
        assert what(morgan, parent_carer, child=ivy) == (
            f"the parent/carer agreement of 3 May 2026 for {ivy.lisa_ref} Ivy Smith"
        )
        assert what(morgan, young_person, child=ivy) == (
            f"the young person's agreement of 3 May 2026 for {ivy.lisa_ref} Ivy Smith"
        )
        decision = SharingDecision.objects.create(
            child=ivy,
            ground=Ground.SAFEGUARD,
            what_shared="The chronology",
            shared_with="Police",
            decided_by="A. Okafor",
            reason="Risk of harm",
            decided_on=MAY_3,
            created_by=amara,
        )
        label = what(morgan, decision, child=ivy)
        assert label == (
            f"the decision of 3 May 2026 to share without consent about {ivy.lisa_ref} Ivy Smith"
        )
        assert "Police" not in label

    def test_printed_consent_forms(self, morgan, ivy):
        assert what(
            morgan, object_type="consent.form", object_id="parent_carer", action=Action.PRINT
        ) == ("a blank parent/carer agreement form")
        assert what(
            morgan,
            object_type="consent.form",
            object_id="young_person",
            child=ivy,
            action=Action.PRINT,
        ) == (f"the young person's agreement form for {ivy.lisa_ref} Ivy Smith")

    def test_meetings_plans_actions_and_records_of_decisions(self, morgan, amara, ivy):
        meeting = held_meeting(ivy, amara)
        assert (
            what(morgan, meeting, child=ivy) == "the initial Family Support Meeting of 3 May 2026"
        )
        plan = start_plan(meeting, amara)
        SupportPlan.objects.filter(pk=plan.pk).update(created_at=MAY_3_NOON)
        assert what(morgan, plan, child=ivy) == "the support plan of 3 May 2026"
        review = held_meeting(ivy, amara, kind=MeetingKind.REVIEW, plan=plan)
        assert what(morgan, review, child=ivy) == "the review Family Support Meeting of 3 May 2026"
        action = add_action(plan, amara, amara, what="Attend the clinic")
        PlanAction.objects.filter(pk=action.pk).update(due_on=dt.date(2026, 6, 1))
        label = what(morgan, action, child=ivy)
        assert label == "the action due 1 June 2026 on the support plan of 3 May 2026"
        assert "clinic" not in label
        sent = send(meeting, amara)
        assert what(morgan, sent, child=ivy) == (
            "the record of decisions of the initial Family Support Meeting of 3 May 2026"
        )

    def test_lead_professional_appointment(self, morgan, amara, ivy):
        appointment = LeadAppointment.objects.create(
            child=ivy, practitioner=amara, agency=amara.agency, appointed_by=amara
        )
        assert what(morgan, appointment, child=ivy) == (
            f"the appointment of A. Okafor as lead professional for {ivy.lisa_ref} Ivy Smith"
        )

    def test_conversations_never_show_their_subject_or_text(self, morgan, amara, priya, ivy):
        involve(amara, ivy)
        thread = start(amara, [priya], child=ivy, subject="Bruises on arms", body="Seen at clinic")
        for obj in (thread, thread.messages.get()):
            label = what(morgan, obj, child=ivy)
            assert ivy.lisa_ref in label and "conversation" in label
            assert "Bruises" not in label and "clinic" not in label
        assert what(morgan, thread, child=ivy).startswith("the conversation of ")
        assert what(morgan, thread.messages.get(), child=ivy).startswith("a message of ")


class TestEverythingElse:
    def test_accounts_agencies_and_categories(self, morgan, amara, agencies):
        assert what(morgan, amara) == "the account of A. Okafor"
        assert what(morgan, agencies["health"]) == "the agency Health Visiting"
        neglect = Category.objects.get(name="Neglect")
        assert what(morgan, neglect) == "the concern category Neglect"

    def test_the_service_directory(self, morgan, agencies):
        organisation = Organisation.objects.create(name="Deptford Family Support Network")
        service = make_service(organisation, "Stay and Play")
        category = DirectoryCategory.objects.create(name="Parenting support")
        assert what(morgan, service) == "the directory entry for Stay and Play"
        assert what(morgan, organisation) == (
            "the directory organisation Deptford Family Support Network"
        )
        assert what(morgan, category) == "the directory category Parenting support"
        assert what(morgan, object_type="directory.service", action=Action.SEARCH) == (
            "the service directory"
        )

    def test_alerts_and_the_audit_trail(self, morgan, daniel, ivy):
        alert = Alert.objects.create(
            kind=AlertKind.BREAK_GLASS, child=ivy, user=daniel, reason="x", created_at=MAY_3_NOON
        )
        assert what(morgan, alert, child=ivy) == (
            f"the alert of 3 May 2026 (break-glass access) about {ivy.lisa_ref} Ivy Smith"
        )
        assert what(morgan, object_type="audit.alert") == "the alerts to review"
        assert what(morgan, object_type="audit.auditevent") == "the audit trail"

    def test_what_is_gone_or_unknown_is_named_without_its_id(self, morgan):
        assert what(morgan, object_type="concerns.concern", object_id="424242") == "a concern"
        assert what(morgan, object_type="meetings.meeting", object_id="424242") == (
            "a Family Support Meeting"
        )
        assert what(morgan, object_type="concerns.concernchange", object_id="7") == (
            "a concern change"
        )
        assert what(morgan, object_type="elsewhere.gadget_part", object_id="7") == "gadget part"
        # Ids are text: whatever a refused request carried is never looked up or shown.
        assert what(morgan, object_type="children.child", object_id="L12'; --") == (
            "children's records"
        )
        assert what(morgan, object_type="concerns.concern", object_id="9" * 40) == "a concern"
        assert what(morgan) == ""


class TestWhatTheReaderMaySee:
    def test_a_designated_officer_reads_dates_only_of_children_their_agency_works_with(
        self, priya, helen, amara, ivy
    ):
        involve(amara, ivy)
        concern = make_concern(ivy, amara, date=MAY_3)
        meeting = held_meeting(ivy, amara)
        # Priya is Health Visiting's officer, and Amara (Health Visiting) works with Ivy.
        assert what(priya, concern, child=ivy) == (
            f"the concern of 3 May 2026 about {ivy.lisa_ref} Ivy Smith"
        )
        # Helen's school does not: she reads that there is a concern, not when or what.
        assert what(helen, concern, child=ivy) == f"a concern about {ivy.lisa_ref} Ivy Smith"
        assert what(helen, meeting, child=ivy) == "a Family Support Meeting"
        assert what(helen, ivy, child=ivy, detail={"view": "meeting", "meeting": meeting.pk}) == (
            f"{ivy.lisa_ref} Ivy Smith (meeting)"
        )
        assert what(helen, agreement(ivy, amara), child=ivy) == (
            f"a consent agreement for {ivy.lisa_ref} Ivy Smith"
        )

    def test_a_sensitive_service_is_named_only_to_the_central_team_and_itself(
        self, morgan, helen, agencies, ivy
    ):
        from tests.conftest import make_user

        nurse = make_user("kit.lane", agencies["camhs"], ["practitioner", "designated_officer"])
        involvement = involve(nurse, ivy)
        assert "CAMHS" in what(morgan, involvement, child=ivy)
        assert "CAMHS" in what(nurse, involvement, child=ivy)
        hidden = what(helen, involvement, child=ivy)
        assert hidden == f"an involvement with {ivy.lisa_ref} Ivy Smith"

    def test_another_agencys_account_is_not_named_to_a_designated_officer(
        self, priya, amara, daniel
    ):
        assert what(priya, amara) == "the account of A. Okafor"
        assert what(priya, daniel) == "an account at another agency"


def test_a_page_is_named_in_one_query_per_kind_of_record(morgan, amara, daniel, ivy):
    """However many rows: one query for each kind of record on the page, one for the children."""
    involve(amara, ivy)
    meeting = held_meeting(ivy, amara)
    events = []
    for n in range(30):
        child = make_child()
        concern = make_concern(child, amara)
        events += [
            AuditEvent(action=Action.VIEW, object_type="children.child", object_id=str(child.pk)),
            AuditEvent(
                action=Action.VIEW,
                object_type="concerns.concern",
                object_id=str(concern.pk),
                child_id=child.pk,
            ),
            AuditEvent(
                action=Action.VIEW,
                object_type="meetings.meeting",
                object_id=str(meeting.pk),
                child_id=ivy.pk,
            ),
            AuditEvent(action=Action.SIGN_IN, object_type="lisa.user", object_id=str(daniel.pk)),
            AuditEvent(action=Action.VIEW, object_type="concerns.concern", object_id=str(n)),
        ]
    with CaptureQueriesContext(connection) as queries:
        names = Names(events, morgan)
    # Concerns, meetings, accounts; then the children.
    assert len(queries) == 4
    with CaptureQueriesContext(connection) as queries:
        found = [names.what(event) for event in events] + [names.child_of(e) for e in events]
    assert len(queries) == 0
    assert "the initial Family Support Meeting of 3 May 2026" in found
    assert "the account of D. Price" in found


class TestScreens:
    def test_the_events_page_names_records_and_children(self, client_for, morgan, amara, ivy):
        concern = make_concern(ivy, amara, date=MAY_3)
        record(None, Action.VIEW, user=amara, obj=concern, child=ivy)
        page = client_for(morgan).get(f"/audit/?child={ivy.lisa_ref}").content.decode()
        assert f"the concern of 3 May 2026 about {ivy.lisa_ref} Ivy Smith" in page
        assert f'href="/audit/child/{ivy.pk}/"' in page  # the Child column: who else saw her?
        assert "concerns.concern" not in page and f"#{concern.pk}" not in page

    def test_a_designated_officer_is_not_offered_the_central_teams_page(
        self, client_for, priya, amara, ivy
    ):
        record(None, Action.VIEW, user=amara, obj=ivy, child=ivy)
        page = client_for(priya).get(f"/audit/?child={ivy.lisa_ref}").content.decode()
        assert f"{ivy.lisa_ref} Ivy Smith" in page
        assert "/audit/child/" not in page

    def test_the_csv_keeps_its_columns_and_adds_what(self, client_for, morgan, amara, ivy):
        concern = make_concern(ivy, amara, date=MAY_3)
        record(None, Action.VIEW, user=amara, obj=concern, child=ivy)
        response = client_for(morgan).get(f"/audit/export.csv?child={ivy.lisa_ref}")
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        (row,) = [row for row in rows if row["object_type"] == "concerns.concern"]
        assert row["object_id"] == str(concern.pk) and row["child_id"] == str(ivy.pk)
        assert row["what"] == f"the concern of 3 May 2026 about {ivy.lisa_ref} Ivy Smith"

    def test_the_events_page_stays_bounded_with_many_kinds_of_record(
        self, client_for, morgan, amara, daniel, ivy, django_assert_max_num_queries
    ):
        involve(amara, ivy)
        meeting = held_meeting(ivy, amara)
        thread = start(amara, [morgan], child=ivy)
        for _ in range(12):
            child = make_child()
            concern = make_concern(child, amara)
            record(None, Action.VIEW, user=amara, obj=child, child=child)
            record(None, Action.VIEW, user=amara, obj=concern, child=child)
            record(None, Action.PRINT, user=amara, obj=meeting, child=ivy)
            record(None, Action.VIEW, user=amara, obj=thread, child=ivy)
            record(None, Action.UPDATE, user=morgan, obj=daniel)
        client = client_for(morgan)
        # Thirteen as for a page of one kind of record (test_audit), and one more for each of
        # the other kinds here: concerns, meetings, conversations.
        with django_assert_max_num_queries(16):
            response = client.get("/audit/")
        page = response.content.decode()
        assert "the initial Family Support Meeting of 3 May 2026" in page
        assert "the account of D. Price" in page
        assert "Next" in page


def test_times_in_labels_are_uk_dates(morgan, daniel, ivy):
    """Just after midnight in London on 4 May is still 3 May in UTC: the label says 4 May."""
    late = dt.datetime(2026, 5, 3, 23, 30, tzinfo=dt.UTC)
    alert = Alert.objects.create(kind=AlertKind.SELF_CLAIM, child=ivy, user=daniel, reason="x")
    Alert.objects.filter(pk=alert.pk).update(created_at=late)
    assert timezone.localtime(late).date() == dt.date(2026, 5, 4)
    assert what(morgan, alert, child=ivy).startswith("the alert of 4 May 2026")


def test_retention_and_transfer_records_are_named(morgan, daniel, ivy):
    from children.models import LegalHold, ReceivedSummary

    ivy_named = f"{ivy.lisa_ref} Ivy Smith"
    hold = LegalHold.objects.create(child=ivy, reason="Claim", set_by=morgan, set_at=MAY_3_NOON)
    assert what(morgan, hold, child=ivy) == f"the legal hold of 3 May 2026 about {ivy_named}"
    received = ReceivedSummary.objects.create(
        child=ivy, from_authority="Medway Council", content={}, imported_by=morgan
    )
    assert what(morgan, received, child=ivy) == (
        f"the summary received from Medway Council about {ivy_named}"
    )
    # Who sent it is part of the full record: a practitioner not involved is not told.
    assert what(daniel, received, child=ivy) == f"a transfer summary received about {ivy_named}"
