"""The legitimate-relationship model: who sees the index card, the full record, the shielded
address and sensitive involvements, and who may edit and merge."""

from __future__ import annotations

import pytest

from audit.models import Action, AuditEvent, Outcome
from tests.children.conftest import involve, make_child

pytestmark = pytest.mark.django_db

# persona -> (index card, full record, edit, merge) for a child amara is involved with.
MATRIX_INVOLVED_AMARA = {
    "amara": (200, 200, 200, 403),  # involved practitioner
    "priya": (200, 200, 200, 403),  # designated officer of amara's agency
    "daniel": (200, 403, 403, 403),  # practitioner of another agency, not involved
    "helen": (200, 403, 403, 403),  # designated officer of another agency
    "morgan": (200, 200, 200, 200),  # central team
    "sam": (403, 403, 403, 403),  # directory editor: no child data
    "alex": (403, 403, 403, 403),  # system administrator: no routine access
}


def _paths(child):
    return (
        f"/children/{child.pk}/",
        f"/children/{child.pk}/record/",
        f"/children/{child.pk}/edit/",
        f"/children/{child.pk}/merge/",
    )


@pytest.mark.parametrize("who", sorted(MATRIX_INVOLVED_AMARA))
def test_permission_matrix_for_an_involved_child(client_for, personas, child, who):
    involve(personas["amara"], child)
    client = client_for(personas[who])
    got = tuple(client.get(path).status_code for path in _paths(child))
    assert got == MATRIX_INVOLVED_AMARA[who]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("amara", (200, 403, 403, 403)),
        ("priya", (200, 403, 403, 403)),
        ("daniel", (200, 403, 403, 403)),
        ("morgan", (200, 200, 200, 200)),
        ("sam", (403, 403, 403, 403)),
        ("alex", (403, 403, 403, 403)),
    ],
)
def test_permission_matrix_for_a_child_nobody_works_with(
    client_for, personas, child, who, expected
):
    client = client_for(personas[who])
    assert tuple(client.get(path).status_code for path in _paths(child)) == expected


def test_a_missing_child_is_404_and_audited(client_for, amara):
    response = client_for(amara).get("/children/999999/")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.object_id == "999999" and event.outcome == Outcome.DENIED


def test_anonymous_people_are_sent_to_sign_in(client, child):
    for path in _paths(child):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_every_allowed_view_is_audited_once_with_the_child(client_for, amara, child):
    involve(amara, child)
    client = client_for(amara)
    before = AuditEvent.objects.count()
    client.get(f"/children/{child.pk}/record/")
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == 1
    assert events[0].action == Action.VIEW and events[0].child_id == child.pk


def test_refusal_of_the_full_record_is_audited_and_offers_break_glass(client_for, daniel, child):
    response = client_for(daniel).get(f"/children/{child.pk}/record/")
    assert response.status_code == 403
    page = response.content.decode()
    assert f"/children/{child.pk}/break-glass/" in page
    event = AuditEvent.objects.get(action=Action.DENIED, user=daniel)
    assert event.child_id == child.pk


def test_directory_editors_are_not_offered_break_glass(client_for, sam, child):
    response = client_for(sam).get(f"/children/{child.pk}/record/")
    assert response.status_code == 403
    assert "break-glass" not in response.content.decode()


class TestShieldedAddress:
    def test_hidden_from_practitioners_not_involved(self, client_for, daniel, shielded_child):
        page = client_for(daniel).get(f"/children/{shielded_child.pk}/").content.decode()
        assert "Hidden Mews" not in page and "SE4 1AA" not in page
        assert "Shielded" in page

    def test_hidden_from_the_designated_officer_of_an_involved_agency(
        self, client_for, amara, priya, shielded_child
    ):
        involve(amara, shielded_child)
        page = client_for(priya).get(f"/children/{shielded_child.pk}/record/").content.decode()
        assert "Hidden Mews" not in page

    def test_shown_to_involved_practitioners(self, client_for, amara, shielded_child):
        involve(amara, shielded_child)
        page = client_for(amara).get(f"/children/{shielded_child.pk}/").content.decode()
        assert "7 Hidden Mews" in page and "SE4 1AA" in page

    def test_shown_to_the_central_team(self, client_for, morgan, shielded_child):
        page = client_for(morgan).get(f"/children/{shielded_child.pk}/").content.decode()
        assert "7 Hidden Mews" in page

    def test_an_unshielded_address_is_on_the_card(self, client_for, daniel, child):
        page = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        assert child.address_line_1 in page


class TestSensitiveInvolvement:
    @pytest.fixture
    def camhs_nurse(self, agencies):
        from lisa.models import Role
        from tests.conftest import make_user

        return make_user("grace.liu", agencies["camhs"], [Role.PRACTITIONER], phone="020 1")

    @pytest.fixture
    def camhs_colleague(self, agencies):
        from lisa.models import Role
        from tests.conftest import make_user

        return make_user("ivy.nurse", agencies["camhs"], [Role.PRACTITIONER])

    def test_hidden_from_other_agencies(self, client_for, amara, daniel, camhs_nurse, child):
        involve(amara, child)
        involve(camhs_nurse, child, role="Mental health nurse")
        for who in (daniel, amara):
            page = client_for(who).get(f"/children/{child.pk}/").content.decode()
            assert "Grace" not in page and "CAMHS" not in page
            assert "Amara" in page
        page = client_for(amara).get(f"/children/{child.pk}/record/").content.decode()
        assert "CAMHS" not in page

    def test_shown_to_the_same_service_and_the_central_team(
        self, client_for, morgan, camhs_nurse, camhs_colleague, child
    ):
        involve(camhs_nurse, child, role="Mental health nurse")
        for who in (camhs_colleague, morgan):
            page = client_for(who).get(f"/children/{child.pk}/").content.decode()
            assert "Grace" in page and "CAMHS" in page

    def test_hidden_on_siblings_too(self, client_for, daniel, camhs_nurse, child):
        from children.models import Family

        family = Family.objects.create()
        sibling = make_child(forenames="Barnaby", surname="Brackenbury", family=family)
        child.family = family
        child.save()
        involve(camhs_nurse, sibling, role="Mental health nurse")
        page = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        assert "Barnaby" in page and "Grace" not in page


class TestIndexCard:
    def test_shows_involved_practitioners_with_contact_details(
        self, client_for, amara, daniel, child
    ):
        involve(amara, child, role="Health visitor", lead_professional=True)
        page = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        for text in (
            child.lisa_ref,
            "Ottoline",
            "Brackenbury",
            "5 April 2016",
            "Female",
            "Cedar Rise Primary",
            "Amara Okafor",
            "Health Visiting",
            "Health visitor",
            "020 3049 1101",
            "amara.okafor@example.org",
            "Lead professional",
        ):
            assert text in page, text

    def test_does_not_show_the_full_record(self, client_for, amara, daniel, child):
        from children.models import ParentalResponsibility

        child.nhs_number = "9434765919"
        child.save()
        ParentalResponsibility.objects.create(
            child=child, name="Wilhelmina Brackenbury", relationship="mother"
        )
        page = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        assert "9434765919" not in page and "Wilhelmina" not in page

    def test_shows_the_practitioners_of_siblings(self, client_for, amara, daniel, helen, child):
        from children.models import Family

        family = Family.objects.create()
        child.family = family
        child.save()
        sibling = make_child(forenames="Barnaby", surname="Brackenbury", family=family)
        involve(helen, sibling, role="Head teacher")
        page = client_for(amara).get(f"/children/{child.pk}/").content.decode()
        assert "Barnaby" in page and "Helen Wright" in page and "Head teacher" in page

    def test_ended_involvements_are_not_listed(self, client_for, amara, daniel, child):
        from django.utils import timezone

        involve(amara, child, ended_at=timezone.now())
        page = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        assert "amara.okafor@example.org" not in page


class TestInvolvementEnds:
    def test_ending_an_involvement_takes_effect_on_the_next_request(self, client_for, amara, child):
        involvement = involve(amara, child)
        client = client_for(amara)
        assert client.get(f"/children/{child.pk}/record/").status_code == 200
        response = client.post(
            f"/children/{child.pk}/involvement/{involvement.pk}/end/", {"reason": "Case passed on"}
        )
        assert response.status_code == 302
        assert client.get(f"/children/{child.pk}/record/").status_code == 403
        involvement.refresh_from_db()
        assert involvement.ended_at is not None and involvement.ended_by == amara

    def test_moving_agency_ends_full_access(self, client_for, amara, child, agencies):
        involve(amara, child)
        client = client_for(amara)
        amara.agency = agencies["voluntary"]
        amara.save()
        assert client.get(f"/children/{child.pk}/record/").status_code == 403

    def test_someone_else_cannot_end_it(self, client_for, amara, daniel, child):
        involvement = involve(amara, child)
        response = client_for(daniel).post(
            f"/children/{child.pk}/involvement/{involvement.pk}/end/", {"reason": ""}
        )
        assert response.status_code == 403
        involvement.refresh_from_db()
        assert involvement.ended_at is None

    def test_the_designated_officer_can_end_it(self, client_for, amara, priya, child):
        involvement = involve(amara, child)
        response = client_for(priya).post(
            f"/children/{child.pk}/involvement/{involvement.pk}/end/", {"reason": "Left"}
        )
        assert response.status_code == 302
        involvement.refresh_from_db()
        assert involvement.ended_by == priya

    def test_closing_the_case_ends_involvements(self, amara, morgan, child, rf):
        from children import actions

        involvement = involve(amara, child)
        request = rf.post("/")
        request.user = morgan
        actions.update_child(
            request=request,
            by=morgan,
            child=child,
            version=child.version,
            changes={"status": "closed"},
        )
        involvement.refresh_from_db()
        assert involvement.ended_at is not None


# persona -> (sees the shielded address on the card, sees the CAMHS involvement on the card);
# amara (Health Visiting) and a CAMHS nurse are involved with the child.
VISIBILITY = {
    "amara": (True, False),  # involved, but not of the sensitive service
    "priya": (False, False),  # designated officer of an involved agency: not "involved"
    "daniel": (False, False),
    "helen": (False, False),
    "morgan": (True, True),  # central team
    "camhs_colleague": (False, True),  # same sensitive service, not involved
}


@pytest.mark.parametrize("who", sorted(VISIBILITY))
def test_visibility_matrix_for_a_shielded_child_with_a_sensitive_involvement(
    client_for, personas, agencies, shielded_child, who
):
    from lisa.models import Role
    from tests.conftest import make_user

    nurse = make_user("grace.liu", agencies["camhs"], [Role.PRACTITIONER])
    people = dict(personas)
    people["camhs_colleague"] = make_user("ivy.nurse", agencies["camhs"], [Role.PRACTITIONER])
    involve(people["amara"], shielded_child)
    involve(nurse, shielded_child, role="Mental health nurse")
    page = client_for(people[who]).get(f"/children/{shielded_child.pk}/").content.decode()
    sees_address, sees_camhs = VISIBILITY[who]
    assert ("7 Hidden Mews" in page) is sees_address
    assert ("Mental health nurse" in page) is sees_camhs
    assert "Amara Okafor" in page  # a non-sensitive involvement is on everyone's card


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("amara", (200, 200, 200, 403)),
        ("priya", (200, 200, 200, 403)),
        ("daniel", (200, 403, 403, 403)),
        ("morgan", (200, 200, 200, 200)),
        ("sam", (403, 403, 403, 403)),
    ],
)
def test_permission_matrix_for_a_shielded_child(
    client_for, personas, shielded_child, who, expected
):
    involve(personas["amara"], shielded_child)
    client = client_for(personas[who])
    assert tuple(client.get(path).status_code for path in _paths(shielded_child)) == expected


def test_the_camhs_designated_officer_has_full_access_through_camhs_involvement(
    client_for, agencies, child
):
    from lisa.models import Role
    from tests.conftest import make_user

    nurse = make_user("grace.liu", agencies["camhs"], [Role.PRACTITIONER])
    officer = make_user(
        "camhs.officer", agencies["camhs"], [Role.PRACTITIONER, Role.DESIGNATED_OFFICER]
    )
    involve(nurse, child, role="Mental health nurse")
    assert client_for(officer).get(f"/children/{child.pk}/record/").status_code == 200


def test_a_deactivated_practitioner_loses_full_access(client_for, amara, morgan, child):
    involve(amara, child)
    amara.is_active = False
    amara.save()
    from children import rules

    assert not rules.can_see_full_record(amara, child)
    page = client_for(morgan).get(f"/children/{child.pk}/").content.decode()
    assert "Amara Okafor" not in page
