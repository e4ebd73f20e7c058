"""The one access policy (lisa/policy.py) and the leaks it closes: household shielding,
sensitive services, ended involvements, linking, closing, audit of siblings and break glass."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from audit.models import Action, Alert, AlertKind, AuditEvent
from children import actions
from children.models import BreakGlass, Child, Family, HowBegan, Involvement
from children.models import ParentalResponsibility as Parent
from concerns import actions as concern_actions
from concerns.models import Category, ConcernOutcome
from consent.models import Agreement, Decision, Kind
from lisa.models import Agency, AgencyType, Role
from lisa.policy import ChildAccess, child_visible_q
from messaging.models import Participant, Thread
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HIDDEN_ADDRESS = "7 Hidden Mews"
HIDDEN_POSTCODE = "SE4 1AA"


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


@pytest.fixture
def household(db, shielded_child):
    """A shielded child with an unshielded brother at the same address, and their mother."""
    family = Family.objects.create()
    shielded_child.family = family
    shielded_child.save()
    brother = make_child(
        forenames="Lucian",
        surname="Windlesham",
        family=family,
        address_line_1=HIDDEN_ADDRESS,
        postcode=HIDDEN_POSTCODE,
    )
    mother = Parent.objects.create(
        child=brother, name="Cressida Windlesham", relationship="mother", address=HIDDEN_ADDRESS
    )
    return {"shielded": shielded_child, "brother": brother, "mother": mother}


@pytest.fixture
def camhs_worker(agencies):
    return make_user("grace.camhs", agencies["camhs"], [Role.PRACTITIONER])


class TestParity:
    def test_the_object_rule_and_the_sql_rule_agree(
        self, amara, priya, daniel, helen, morgan, sam, alex, child, shielded_child
    ):
        other = make_child(forenames="Ignatius")
        ended = make_child(forenames="Theodora")
        involve(amara, child)
        involve(daniel, shielded_child, role="Class teacher")
        gone = involve(daniel, ended, role="Class teacher")
        gone.ended_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        gone.save()
        BreakGlass.objects.create(
            user=helen,
            child=other,
            category="safeguarding",
            reason="Police asked",
            expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        )
        children = [child, shielded_child, other, ended]
        expected = {
            amara: {child.pk},
            priya: {child.pk},  # amara's designated officer
            daniel: {shielded_child.pk},  # not the child whose involvement ended
            helen: {shielded_child.pk, other.pk},  # daniel's officer; break glass
            morgan: {c.pk for c in children},
            sam: set(),
            alex: set(),
        }
        for person, allowed in expected.items():
            by_object = {c.pk for c in children if ChildAccess(person, c).full}
            by_sql = set(
                Child.objects.filter(pk__in=[c.pk for c in children])
                .filter(child_visible_q(person, field="id"))
                .values_list("pk", flat=True)
            )
            assert by_object == by_sql == allowed, person.username


class TestHouseholdShielding:
    def test_a_shielded_childs_siblings_and_parents_hide_the_address(
        self, client_for, amara, daniel, household
    ):
        involve(daniel, household["brother"], role="Class teacher")
        page = client_for(daniel).get(f"/children/{household['brother'].pk}/record/")
        text = page.content.decode()
        assert page.status_code == 200
        assert "Cressida Windlesham" in text  # the mother is listed…
        assert HIDDEN_ADDRESS not in text and HIDDEN_POSTCODE not in text  # …not where she lives
        assert "Shielded" in text
        card = client_for(amara).get(f"/children/{household['brother'].pk}/").content.decode()
        assert HIDDEN_ADDRESS not in card and HIDDEN_POSTCODE not in card

    def test_a_practitioner_of_the_shielded_child_and_the_central_team_see_it(
        self, client_for, amara, morgan, household
    ):
        involve(amara, household["shielded"])
        for person in (amara, morgan):
            text = client_for(person).get(f"/children/{household['brother'].pk}/").content
            assert HIDDEN_ADDRESS in text.decode(), person.username

    def test_an_officer_not_involved_gets_no_prefilled_address_and_keeps_it(
        self, client_for, amara, priya, household
    ):
        shielded = household["shielded"]
        involve(amara, shielded)
        client = client_for(priya)
        form = client.get(f"/children/{shielded.pk}/edit/").content.decode()
        assert HIDDEN_ADDRESS not in form and HIDDEN_POSTCODE not in form
        assert 'name="address_line_1"' not in form and 'name="forenames"' in form
        response = client.post(
            f"/children/{shielded.pk}/edit/",
            {
                "forenames": "Perpetua",
                "surname": "Windlesham",
                "date_of_birth_0": "5",
                "date_of_birth_1": "4",
                "date_of_birth_2": "2016",
                "gender": "female",
                "school": "Lee Manor",
                "shielded": "on",
                "status": "active",
                "version": shielded.version,
            },
        )
        assert response.status_code == 302
        shielded.refresh_from_db()
        assert shielded.school == "Lee Manor"
        assert shielded.address_line_1 == HIDDEN_ADDRESS and shielded.postcode == HIDDEN_POSTCODE
        parent_form = client.get(f"/children/{shielded.pk}/parents/new/").content.decode()
        assert 'name="address"' not in parent_form and 'name="name"' in parent_form


class TestSensitiveServices:
    def test_a_concern_by_a_sensitive_service_does_not_name_it(
        self, client_for, amara, morgan, camhs_worker, child
    ):
        involve(amara, child)
        involve(camhs_worker, child, role="Psychologist")
        concern = make_concern(child, camhs_worker, what_was_seen="Low mood in sessions")
        for url in (
            f"/concerns/{concern.pk}/",
            f"/children/{child.pk}/record/",
            f"/concerns/children/{child.pk}/chronology/",
        ):
            text = client_for(amara).get(url).content.decode()
            assert "CAMHS" not in text and "Grace" not in text, url
            assert "A practitioner of a partner agency" in text, url
            central = client_for(morgan).get(url).content.decode()
            assert "CAMHS" in central, url

    def test_finding_people_to_message_does_not_tell_who_can_see_the_child(
        self, client_for, amara, camhs_worker, child
    ):
        involve(amara, child)
        involve(camhs_worker, child, role="Psychologist")
        page = client_for(amara).get(f"/messages/new/?child={child.pk}&find=CAMHS")
        text = page.content.decode()
        # Grace may be listed (anyone can be found by agency) but never as reachable about the
        # child, which would tell that CAMHS works with her.
        assert f'value="{camhs_worker.pk}"' not in text or "cannot" in text.lower()
        response = client_for(amara).post(
            "/messages/new/",
            {
                "child": child.pk,
                "recipients": [camhs_worker.pk],
                "subject": "Ottoline",
                "body": "Can we talk?",
            },
        )
        assert not Thread.objects.filter(child=child).exists()
        assert "only practitioners involved with the child" in response.content.decode()

    def test_the_card_says_only_whether_consent_is_recorded(self, client_for, amara, daniel, child):
        involve(amara, child)
        parent = Parent.objects.create(child=child, name="Harriet Brackenbury", relationship="mum")
        Agreement.objects.create(
            child=child,
            kind=Kind.PARENT_CARER,
            decision=Decision.DO_NOT_AGREE,
            parent=parent,
            professional=amara,
            agency=amara.agency,
            signed_on=dt.date(2026, 10, 1),
            created_by=amara,
        )
        card = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        assert "Recorded: see the full record" in card
        assert "did not agree" not in card
        record = client_for(amara).get(f"/children/{child.pk}/record/").content.decode()
        assert "did not agree" in record


class TestInvolvementRules:
    def test_a_concern_without_involvement_is_reviewed_and_its_error_ends_it(
        self, amara, daniel, child
    ):
        neglect = Category.objects.get(name="Neglect")
        concern = concern_actions.log_concern(
            request=_request(daniel),
            by=daniel,
            child=child,
            date=dt.date(2026, 11, 20),
            level=2,
            categories=[neglect],
            what_was_seen="Hungry at school",
            discussed_with_parent=True,
            action_agreed="Breakfast club",
            outcome=ConcernOutcome.RESOLVED_IN_AGENCY,
        )
        alert = Alert.objects.get(kind=AlertKind.SELF_CLAIM, user=daniel, child=child)
        assert alert.detail["concern"] == concern.pk
        assert ChildAccess(daniel, child).full
        concern_actions.mark_entered_in_error(
            request=_request(daniel), by=daniel, concern=concern, reason="Wrong child"
        )
        assert not ChildAccess(daniel, child).full
        ended = Involvement.objects.get(child=child, practitioner=daniel)
        assert ended.ended_at is not None and "entered in error" in ended.end_reason
        # An involved author raises no alert.
        involve(amara, child)
        concern_actions.log_concern(
            request=_request(amara),
            by=amara,
            child=child,
            date=dt.date(2026, 11, 20),
            level=2,
            categories=[neglect],
            what_was_seen="Seen at clinic",
            discussed_with_parent=True,
            action_agreed="Follow-up",
            outcome=ConcernOutcome.RESOLVED_IN_AGENCY,
        )
        assert not Alert.objects.filter(user=amara).exists()

    def test_linking_needs_the_right_to_change_both_children(self, client_for, amara, child):
        involve(amara, child)
        stranger = make_child(forenames="Aurelio", surname="Vantongeren")
        response = client_for(amara).post(
            f"/children/{child.pk}/family/", {"lisa_ref": stranger.lisa_ref}
        )
        assert response.status_code == 200
        assert "You may only link children whose records you may both change" in (
            response.content.decode()
        )
        stranger.refresh_from_db()
        child.refresh_from_db()
        assert stranger.family_id is None and child.family_id is None

    def test_only_the_lead_or_central_team_close_the_case_and_the_others_are_told(
        self, amara, daniel, morgan, child, django_capture_on_commit_callbacks
    ):
        involve(amara, child)
        involve(daniel, child, role="Class teacher", lead_professional=True)
        with pytest.raises(Exception) as refused:
            actions.update_child(
                request=_request(amara),
                by=amara,
                child=child,
                version=child.version,
                changes={"status": "closed"},
            )
        assert "lead professional" in str(refused.value)
        assert Involvement.objects.active().filter(child=child).count() == 2
        with django_capture_on_commit_callbacks(execute=True):
            actions.update_child(
                request=_request(daniel),
                by=daniel,
                child=child,
                version=Child.objects.get(pk=child.pk).version,
                changes={"status": "closed"},
            )
        assert not Involvement.objects.active().filter(child=child).exists()
        told = [task.args_kwargs["args"] for task in DBTaskResult.objects.all()]
        assert told == [[amara.pk, "case_closed", f"/children/{child.pk}/"]]

    def test_one_lead_professional_is_held_by_the_database(self, amara, daniel, child):
        involve(amara, child, lead_professional=True)
        with (
            pytest.raises(IntegrityError, match="involvement_one_lead_professional"),
            transaction.atomic(),
        ):
            # A row written past the action (which clears the previous lead first).
            Involvement.objects.create(
                child=child,
                practitioner=daniel,
                agency=daniel.agency,
                role="Class teacher",
                how_began=HowBegan.CONCERN,
                lead_professional=True,
            )

    def test_every_way_an_involvement_begins_is_checked(self, amara, daniel, child):
        for how in (HowBegan.LEAD_PROFESSIONAL, HowBegan.MEETING, HowBegan.CONCERN):
            with pytest.raises(Exception, match="lead professional"):
                actions.add_involvement(
                    request=_request(daniel),
                    by=daniel,
                    child=child,
                    practitioner=amara,
                    role="Health visitor",
                    how_began=how,
                )
        assert not Involvement.objects.filter(child=child).exists()


class TestEndedMeansEnded:
    def test_after_an_involvement_ends_home_concerns_and_error_marking_go(
        self, client_for, daniel, child
    ):
        involvement = involve(daniel, child, role="Class teacher")
        concern = make_concern(child, daniel, what_was_seen="Bruise on the arm")
        client = client_for(daniel)
        assert "Bruise" not in client.get("/").content.decode()  # listed by date, not content
        assert child.surname in client.get("/").content.decode()
        involvement.ended_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        involvement.save()
        home = client.get("/").content.decode()
        assert f"/concerns/{concern.pk}/" not in home
        refused = client.post(f"/concerns/{concern.pk}/entered-in-error/", {"reason": "Mine"})
        assert refused.status_code == 403
        concern.refresh_from_db()
        assert not concern.entered_in_error

    def test_thread_emails_skip_participants_who_lost_access(
        self, amara, daniel, child, django_capture_on_commit_callbacks
    ):
        from tests.messaging.conftest import send, start

        involve(amara, child)
        gone = involve(daniel, child, role="Class teacher")
        with django_capture_on_commit_callbacks(execute=True):
            thread = start(amara, [daniel], child=child)
        DBTaskResult.objects.all().delete()
        gone.ended_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        gone.save()
        assert Participant.objects.filter(thread=thread, user=daniel).exists()
        with django_capture_on_commit_callbacks(execute=True):
            send(amara, thread, "Any news?")
        assert not DBTaskResult.objects.exists()


class TestAudit:
    def test_siblings_shown_are_audited_under_their_own_record(self, client_for, amara, household):
        brother, shielded = household["brother"], household["shielded"]
        client_for(amara).get(f"/children/{brother.pk}/")
        seen = AuditEvent.objects.filter(user=amara, action=Action.VIEW, child_id=shielded.pk)
        assert seen.count() == 1
        assert seen.get().detail["sibling_of"] == brother.lisa_ref

    def test_a_break_glass_print_carries_the_reason(self, client_for, daniel, child):
        BreakGlass.objects.create(
            user=daniel,
            child=child,
            category="safeguarding",
            reason="Police at the school gate",
            expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        )
        response = client_for(daniel).get(f"/concerns/children/{child.pk}/chronology/print/")
        assert response.status_code == 200
        printed = AuditEvent.objects.get(user=daniel, action=Action.PRINT, child_id=child.pk)
        assert printed.detail["break_glass"]["reason"] == "Police at the school gate"

    def test_the_home_page_lists_are_audited(self, client_for, daniel, child):
        involve(daniel, child, role="Class teacher")
        client_for(daniel).get("/")
        event = AuditEvent.objects.get(user=daniel, action=Action.VIEW, detail__view="home page")
        assert event.detail["shown"] == [child.lisa_ref]


class TestVersionTokens:
    def test_a_category_saved_over_someone_elses_change_is_refused(self, client_for, morgan):
        category = Category.objects.get(name="Neglect")
        opened = category.version
        client = client_for(morgan)
        first = client.post(
            f"/concerns/categories/{category.pk}/",
            {"name": "Neglect (physical)", "position": "3", "is_active": "on", "version": opened},
        )
        assert first.status_code == 302
        second = client.post(
            f"/concerns/categories/{category.pk}/",
            {"name": "Neglect and harm", "position": "3", "is_active": "on", "version": opened},
        )
        assert "Someone else changed this" in second.content.decode()
        assert Category.objects.get(pk=category.pk).name == "Neglect (physical)"

    def test_a_parent_marked_in_error_twice_keeps_the_first_reason(self, client_for, amara, child):
        involve(amara, child)
        parent = Parent.objects.create(child=child, name="Wrong Person", relationship="aunt")
        client = client_for(amara)
        url = f"/children/{child.pk}/parents/{parent.pk}/entered-in-error/"
        opened = parent.version
        assert client.post(url, {"reason": "Not her aunt", "version": opened}).status_code == 302
        again = client.post(url, {"reason": "Typo", "version": opened})
        assert again.status_code == 200
        parent.refresh_from_db()
        assert parent.error_reason == "Not her aunt"


def test_an_agency_flagged_sensitive_later_is_hidden_at_once(amara, daniel, child):
    clinic = Agency.objects.create(name="Brook Lewisham", agency_type=AgencyType.HEALTH)
    nurse = make_user("nell.brook", clinic, [Role.PRACTITIONER])
    involve(nurse, child, role="Nurse")
    assert [i.practitioner for i in ChildAccess(daniel, child).visible_involvements] == [nurse]
    clinic.sensitive_service = True
    clinic.save()
    assert ChildAccess(daniel, child).visible_involvements == []
    assert ChildAccess(nurse, child).visible_involvements[0].practitioner == nurse


def test_many_searches_outside_ones_children_raise_an_alert(client_for, daniel, child):
    client = client_for(daniel)
    for n in range(actions.UNUSUAL_SEARCHES_PER_HOUR):
        client.get(client.post("/children/", {"q": f"Nobody{n}"}).url)
    alert = Alert.objects.get(kind=AlertKind.UNUSUAL_VOLUME, user=daniel)
    assert alert.detail["what"] == "searches"
