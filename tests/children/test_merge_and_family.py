"""Merging two records of one child, families, and the record page's query count."""

from __future__ import annotations

import pytest

from audit.models import Action, Alert, AlertKind, AuditEvent
from children.models import Child, Family, Involvement, ParentalResponsibility
from lisa.models import Role
from tests.children.conftest import involve, make_child
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


class TestMerge:
    def test_the_central_team_merges_two_records_of_one_child(
        self, client_for, amara, daniel, morgan, child
    ):
        duplicate = make_child(forenames="Ottilie", surname="Brackenbury", nhs_number="9434765919")
        involve(amara, child)
        involve(daniel, duplicate, role="Class teacher")
        involve(amara, duplicate)  # amara on both: one involvement remains open
        ParentalResponsibility.objects.create(child=duplicate, name="Augusta", relationship="aunt")
        Alert.objects.create(kind=AlertKind.SELF_CLAIM, child=duplicate, user=daniel, reason="r")
        client = client_for(morgan)
        response = client.post(
            f"/children/{child.pk}/merge/",
            {"lisa_ref": duplicate.lisa_ref, "reason": "Same child, two spellings"},
        )
        page = response.content.decode()
        assert response.status_code == 200 and "Duplicate to merge" in page
        assert Child.objects.get(pk=duplicate.pk).merged_into is None
        response = client.post(
            f"/children/{child.pk}/merge/",
            {
                "lisa_ref": duplicate.lisa_ref,
                "reason": "Same child, two spellings",
                "confirm": "merge",
            },
        )
        assert response.status_code == 302
        duplicate.refresh_from_db()
        child.refresh_from_db()
        assert duplicate.merged_into == child and duplicate.status == "archived"
        assert child.nhs_number == "9434765919"
        assert "Ottilie Brackenbury" in child.other_names
        assert Involvement.objects.filter(child=duplicate).count() == 0
        assert Involvement.objects.active().filter(child=child, practitioner=daniel).exists()
        assert Involvement.objects.active().filter(child=child, practitioner=amara).count() == 1
        assert ParentalResponsibility.objects.get(name="Augusta").child == child
        assert Alert.objects.get().child == child
        # In both histories.
        for record_id in (child.pk, duplicate.pk):
            event = AuditEvent.objects.get(action=Action.MERGE, child_id=record_id)
            assert event.detail["kept"] == child.lisa_ref
            assert event.detail["merged"] == duplicate.lisa_ref
        # The other reference still resolves to the kept record.
        response = client.get(f"/children/ref/{duplicate.lisa_ref}/", follow=True)
        assert response.context["child"] == child
        response = client.get(f"/children/{duplicate.pk}/record/", follow=True)
        assert response.context["child"] == child
        assert duplicate.lisa_ref in response.content.decode()
        # Daniel's access now comes from the kept record.
        assert client_for(daniel).get(f"/children/{child.pk}/record/").status_code == 200

    @pytest.mark.parametrize("who", ["amara", "priya", "daniel", "sam", "alex"])
    def test_only_the_central_team_merges(self, client_for, personas, who, child):
        involve(personas["amara"], child)
        duplicate = make_child(forenames="Ottilie", surname="Brackenbury")
        response = client_for(personas[who]).post(
            f"/children/{child.pk}/merge/",
            {"lisa_ref": duplicate.lisa_ref, "reason": "x", "confirm": "merge"},
        )
        assert response.status_code == 403
        duplicate.refresh_from_db()
        assert duplicate.merged_into is None

    def test_a_record_cannot_be_merged_into_itself(self, client_for, morgan, child):
        response = client_for(morgan).post(
            f"/children/{child.pk}/merge/",
            {"lisa_ref": child.lisa_ref, "reason": "x", "confirm": "merge"},
        )
        assert "not this record" in response.content.decode()


class TestFamily:
    def test_linking_a_sibling_shows_their_practitioners(self, client_for, amara, helen, child):
        sibling = make_child(forenames="Barnaby", surname="Brackenbury")
        involve(helen, sibling, role="Head teacher")
        involve(amara, child)
        involve(amara, sibling)  # linking changes both records: both need the right to change
        client = client_for(amara)
        response = client.post(f"/children/{child.pk}/family/", {"lisa_ref": sibling.lisa_ref})
        assert response.status_code == 302
        child.refresh_from_db()
        sibling.refresh_from_db()
        assert child.family_id and child.family_id == sibling.family_id
        page = client.get(f"/children/{child.pk}/").content.decode()
        assert "Barnaby" in page and "Helen Wright" in page
        # Linking a third child into either household joins them all.
        third = make_child(forenames="Clementine", surname="Brackenbury")
        involve(amara, third)
        client.post(f"/children/{child.pk}/family/", {"lisa_ref": third.lisa_ref})
        assert Family.objects.get().children.count() == 3

    def test_a_bad_reference_is_refused_beside_the_field(self, client_for, amara, child):
        involve(amara, child)
        response = client_for(amara).post(f"/children/{child.pk}/family/", {"lisa_ref": "L12"})
        assert "Enter a LISA reference" in response.content.decode()

    def test_leaving_a_family(self, client_for, amara, child):
        family = Family.objects.create()
        child.family = family
        child.save()
        make_child(forenames="Barnaby", family=family)
        involve(amara, child)
        response = client_for(amara).post(
            f"/children/{child.pk}/family/leave/", {"reason": "Moved to her father's"}
        )
        assert response.status_code == 302
        child.refresh_from_db()
        assert child.family is None


class TestInvolvementByTheLeadProfessional:
    def test_the_lead_professional_adds_a_practitioner(self, client_for, amara, daniel, child):
        involve(amara, child, lead_professional=True)
        client = client_for(amara)
        response = client.post(
            f"/children/{child.pk}/involvement/add/",
            {"practitioner": daniel.pk, "role": "Class teacher"},
        )
        assert response.status_code == 302
        involvement = Involvement.objects.get(child=child, practitioner=daniel)
        assert involvement.how_began == "lead_professional" and involvement.created_by == amara

    def test_adding_someone_never_makes_them_the_lead(self, client_for, morgan, daniel, child):
        """ "The involvement's lead flag follows the appointment; there is no other way to set
        it": the lead professional is appointed at a meeting."""
        client = client_for(morgan)
        assert (
            "lead_professional"
            not in client.get(f"/children/{child.pk}/involvement/add/").content.decode()
        )
        client.post(
            f"/children/{child.pk}/involvement/add/",
            {"practitioner": daniel.pk, "role": "Class teacher", "lead_professional": "on"},
        )
        involvement = Involvement.objects.get(child=child, practitioner=daniel)
        assert not involvement.lead_professional

    def test_others_may_not(self, client_for, amara, daniel, child):
        involve(amara, child)
        response = client_for(amara).post(
            f"/children/{child.pk}/involvement/add/",
            {"practitioner": daniel.pk, "role": "Class teacher"},
        )
        assert response.status_code == 403

    def test_a_mistaken_involvement_is_marked_entered_in_error_not_deleted(
        self, client_for, amara, morgan, child
    ):
        involvement = involve(amara, child)
        client = client_for(morgan)
        response = client.post(
            f"/children/{child.pk}/involvement/{involvement.pk}/entered-in-error/",
            {"reason": "Wrong child"},
        )
        assert response.status_code == 302
        involvement.refresh_from_db()
        assert involvement.entered_in_error and involvement.error_reason == "Wrong child"
        assert client_for(amara).get(f"/children/{child.pk}/record/").status_code == 403
        page = client_for(morgan).get(f"/children/{child.pk}/record/").content.decode()
        assert "Entered in error" in page and "Wrong child" in page


# What every signed-in page costs before it does anything: the session with the person and
# their agency (one query) and the unread message count in the header. A page that only reads
# runs without a request-wide transaction.
RECORD_PAGE_QUERIES = 10  # those, the child with its household and consent, the involvements,
# one INSERT for the view and the siblings shown, then a query per section (parents, transfer
# summaries received, changes, concerns, meetings)
CARD_PAGE_QUERIES = 6  # those, the child with its household, the involvements, one INSERT,
# and the count of cards opened in the last hour (none for the central team)


@pytest.fixture
def big_family(agencies, amara, priya, morgan):
    """A child with 41 practitioners across four agencies (five of them a sensitive service),
    five brothers and sisters with practitioners of their own (one shielded, one seen by the
    sensitive service), five people with parental responsibility, two records merged into it,
    concerns, a meeting, and a person reading it under break glass."""
    from django.utils import timezone

    from children import actions
    from tests.concerns.conftest import make_concern
    from tests.meetings.conftest import arrange, as_request

    family = Family.objects.create()
    child = make_child(family=family)
    involve(amara, child, lead_professional=True)
    roles = {
        "school": "Teaching assistant",
        "voluntary": "Family support worker",
        "health": "Nursery nurse",
        "camhs": "Child psychotherapist",
    }
    counts = {"school": 15, "voluntary": 15, "health": 5, "camhs": 5}
    for key, count in counts.items():
        for n in range(count):
            person = make_user(f"{key}.worker{n}", agencies[key], [Role.PRACTITIONER])
            involve(person, child, role=roles[key])
    for n in range(5):
        sibling = make_child(family=family, shielded=n == 0)
        for m in range(4):
            person = make_user(f"sib.worker{n}x{m}", agencies["voluntary"], [Role.PRACTITIONER])
            involve(person, sibling, role="Youth worker")
        if n == 1:
            therapist = make_user("sib.camhs", agencies["camhs"], [Role.PRACTITIONER])
            involve(therapist, sibling, role="Child psychotherapist")
        ParentalResponsibility.objects.create(child=child, name=f"Carer {n}", relationship="aunt")
        make_concern(child, amara)
    for _ in range(2):
        Child.objects.filter(pk=make_child().pk).update(merged_into=child, merged_at=timezone.now())
    arrange(amara, child)
    outsider = make_user("olu.outsider", agencies["voluntary"], [Role.PRACTITIONER])
    actions.break_glass(
        request=as_request(outsider),
        by=outsider,
        child=child,
        category="safeguarding",
        reason="A call from the police about the family",
    )
    bystander = make_user("nia.bystander", agencies["school"], [Role.PRACTITIONER])
    return {
        "child": child,
        "amara": amara,
        "priya": priya,
        "morgan": morgan,
        "outsider": outsider,
        "bystander": bystander,
    }


@pytest.mark.parametrize("who", ["amara", "priya", "morgan", "outsider"])
def test_record_page_queries_are_bounded_with_many_involvements(
    client_for, big_family, who, django_assert_max_num_queries
):
    child = big_family["child"]
    client = client_for(big_family[who])
    client.get("/")  # the session's first write after signing in is not what is measured
    with django_assert_max_num_queries(RECORD_PAGE_QUERIES) as captured:
        response = client.get(f"/children/{child.pk}/record/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Teaching assistant") == 15
    # The sensitive service shows to the central team only (no consent is recorded): five
    # with the child, one with a brother.
    assert page.count("Child psychotherapist") == (6 if who == "morgan" else 0)
    assert page.count('data-testid="sibling"') == 5
    assert page.count("(merged ") == 2
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1  # the record's view and the five siblings', together
    events = AuditEvent.objects.filter(user=big_family[who], action=Action.VIEW)
    assert events.filter(child_id=child.pk, detail__view="full").count() == 1
    assert events.filter(detail__view="sibling on full record").count() == 5
    if who == "outsider":
        assert "break-glass-banner" in page
        viewed = events.get(child_id=child.pk, detail__view="full")
        assert viewed.detail["break_glass"]["reason"] == "A call from the police about the family"


@pytest.mark.parametrize("who", ["amara", "priya", "morgan", "outsider", "bystander"])
def test_card_queries_are_bounded_with_many_involvements(
    client_for, big_family, who, django_assert_max_num_queries
):
    child = big_family["child"]
    client = client_for(big_family[who])
    client.get("/")
    with django_assert_max_num_queries(CARD_PAGE_QUERIES):
        response = client.get(f"/children/{child.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Teaching assistant") == 15
    assert page.count("Child psychotherapist") == (6 if who == "morgan" else 0)
    assert page.count('data-testid="sibling"') == 5
    assert "Nothing recorded yet" in page  # the card says only whether consent is recorded
    # The full record opens to all but the bystander, who is offered it with break glass.
    primary = f'class="govuk-button" href="/children/{child.pk}/record/"'
    assert (primary in page) == (who != "bystander")


def test_every_form_page_opens_for_those_allowed(client_for, amara, daniel, morgan, child):
    involvement = involve(amara, child, lead_professional=True)
    parent = ParentalResponsibility.objects.create(child=child, name="Augusta", relationship="aunt")
    client = client_for(amara)
    for path in (
        f"/children/{child.pk}/edit/",
        f"/children/{child.pk}/family/",
        f"/children/{child.pk}/involvement/add/",
        f"/children/{child.pk}/involvement/{involvement.pk}/end/",
        f"/children/{child.pk}/involvement/{involvement.pk}/entered-in-error/",
        f"/children/{child.pk}/parents/new/",
        f"/children/{child.pk}/parents/{parent.pk}/edit/",
        f"/children/{child.pk}/parents/{parent.pk}/entered-in-error/",
        "/children/new/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert child.lisa_ref in response.content.decode() or path == "/children/new/"
    client = client_for(daniel)
    for path in (f"/children/{child.pk}/involvement/claim/", f"/children/{child.pk}/break-glass/"):
        assert client.get(path).status_code == 200, path
    client = client_for(morgan)
    assert client.get(f"/children/{child.pk}/merge/").status_code == 200
    alert = Alert.objects.create(kind=AlertKind.SELF_CLAIM, child=child, user=daniel, reason="r")
    assert client.get(f"/audit/alerts/{alert.pk}/").status_code == 200
    # Another child's involvement id under this child is not found (and the refusal audited).
    other = make_child()
    response = client.get(f"/children/{other.pk}/involvement/{involvement.pk}/end/")
    assert response.status_code == 404


def test_every_view_of_a_form_page_is_audited_once(client_for, amara, child):
    involve(amara, child, lead_professional=True)
    client = client_for(amara)
    for path in (f"/children/{child.pk}/edit/", f"/children/{child.pk}/family/"):
        before = AuditEvent.objects.count()
        client.get(path)
        events = list(AuditEvent.objects.order_by("id")[before:])
        assert [(e.action, e.child_id) for e in events] == [(Action.VIEW, child.pk)], path
