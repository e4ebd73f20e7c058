"""Managing users: designated officers for their own agency only, the central team for all."""

from __future__ import annotations

import pytest
from django.core import mail

from audit.models import Action, AuditEvent
from lisa.models import Role, User

pytestmark = pytest.mark.django_db

NEW_USER = {
    "first_name": "Chloe",
    "last_name": "Baker",
    "username": "chloe.baker",
    "email": "chloe.baker@example.org",
    "job_title": "School nurse",
    "phone": "020 3049 7777",
    "roles": ["practitioner"],
}


class TestAccess:
    @pytest.mark.parametrize("path", ["/users/", "/users/new/"])
    def test_anonymous_is_sent_to_sign_in(self, client, path, personas):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")

    @pytest.mark.parametrize("who", ["amara", "daniel", "sam", "alex"])
    def test_people_without_a_managing_role_are_refused_and_it_is_audited(
        self, client_for, personas, who
    ):
        client = client_for(personas[who])
        response = client.get("/users/")
        assert response.status_code == 403
        assert "You do not have access to this page" in response.content.decode()
        event = AuditEvent.objects.get(action=Action.DENIED, user=personas[who])
        assert event.path == "/users/"

    def test_designated_officer_sees_only_their_own_agency(self, client_for, personas):
        response = client_for(personas["priya"]).get("/users/")
        page = response.content.decode()
        # "Signed in as Priya Shah" is on every page: look at the rows of the list itself.
        listed = {person.username for person in response.context["page"].object_list}
        assert listed == {
            person.username
            for person in personas.values()
            if person.agency_id == personas["priya"].agency_id
        }
        assert {"amara.okafor", "priya.shah"} <= listed
        for who in ("amara", "priya"):
            assert f'href="/users/{personas[who].pk}/">{personas[who]}</a>' in page
        for who in ("daniel", "morgan"):
            assert f'href="/users/{personas[who].pk}/"' not in page
            assert personas[who].username not in page

    def test_designated_officer_cannot_open_another_agencys_user(self, client_for, personas):
        client = client_for(personas["priya"])
        daniel = personas["daniel"]
        for path in (
            f"/users/{daniel.pk}/",
            f"/users/{daniel.pk}/edit/",
            f"/users/{daniel.pk}/training/",
        ):
            assert client.get(path).status_code == 404
        response = client.post(f"/users/{daniel.pk}/deactivate/", {"reason": "x"})
        assert response.status_code == 404
        daniel.refresh_from_db()
        assert daniel.is_active
        assert (
            AuditEvent.objects.filter(action=Action.DENIED, object_id=str(daniel.pk)).count() == 4
        )

    def test_central_team_sees_everyone(self, client_for, personas):
        page = client_for(personas["morgan"]).get("/users/").content.decode()
        for name in ("Amara", "Daniel", "Sam", "Jordan"):
            assert name in page

    def test_user_list_queries_are_bounded(
        self, client_for, personas, agencies, django_assert_max_num_queries
    ):
        from tests.conftest import make_user

        for n in range(60):
            make_user(f"extra.user{n}", agencies["school"], [Role.PRACTITIONER])
        client = client_for(personas["morgan"])
        with django_assert_max_num_queries(12):
            response = client.get("/users/?page=2")
        assert response.status_code == 200


class TestCreate:
    def test_designated_officer_adds_a_user_who_cannot_sign_in_until_trained(
        self, client, client_for, personas, django_capture_on_commit_callbacks
    ):
        priya = personas["priya"]
        officer = client_for(priya)
        with django_capture_on_commit_callbacks(execute=True):
            response = officer.post("/users/new/", {**NEW_USER, "agency": priya.agency_id})
        assert response.status_code == 302
        chloe = User.objects.get(username="chloe.baker")
        assert chloe.agency == priya.agency
        assert chloe.training_date is None
        assert not chloe.has_usable_password()
        assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(chloe.pk)).exists()
        # The email carries a link and nothing about anyone else.
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["chloe.baker@example.org"]
        assert "/set-password/" in message.body
        assert "Baker" not in message.body and "Health" not in message.body

        chloe.set_password("a-long-new-password-42")
        chloe.save()
        client.logout()
        refused = client.post(
            "/sign-in/", {"username": "chloe.baker", "password": "a-long-new-password-42"}
        )
        assert "training has been recorded" in refused.content.decode()

        officer = client_for(priya)
        response = officer.post(
            f"/users/{chloe.pk}/training/",
            {
                "training_date_0": "3",
                "training_date_1": "11",
                "training_date_2": "2026",
                "version": chloe.updated_at.isoformat(),
            },
        )
        assert response.status_code == 302
        client.logout()
        allowed = client.post(
            "/sign-in/", {"username": "chloe.baker", "password": "a-long-new-password-42"}
        )
        assert allowed.status_code == 302

    def test_designated_officer_cannot_add_to_another_agency(self, client_for, personas):
        response = client_for(personas["priya"]).post(
            "/users/new/", {**NEW_USER, "agency": personas["daniel"].agency_id}
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not User.objects.filter(username="chloe.baker").exists()

    def test_designated_officer_cannot_grant_central_team(self, client_for, personas):
        priya = personas["priya"]
        response = client_for(priya).post(
            "/users/new/", {**NEW_USER, "agency": priya.agency_id, "roles": ["central_team"]}
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not User.objects.filter(username="chloe.baker").exists()

    def test_central_team_adds_to_any_agency(self, client_for, personas):
        response = client_for(personas["morgan"]).post(
            "/users/new/", {**NEW_USER, "agency": personas["daniel"].agency_id}
        )
        assert response.status_code == 302
        assert User.objects.get(username="chloe.baker").agency == personas["daniel"].agency

    def test_bad_input_is_shown_beside_fields_and_kept(self, client_for, personas):
        priya = personas["priya"]
        response = client_for(priya).post(
            "/users/new/",
            {
                **NEW_USER,
                "agency": priya.agency_id,
                "username": "amara.OKAFOR",
                "email": "not-an-email",
                "phone": "call me",
                "roles": [],
            },
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in body
        assert "That username is already taken" in body
        assert "Enter a valid email address" in body
        assert "Enter a phone number" in body
        assert 'value="Chloe"' in body and 'value="School nurse"' in body
        assert not User.objects.filter(email="not-an-email").exists()


class TestEdit:
    def edit_data(self, user, **changes):
        data = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "job_title": user.job_title,
            "phone": user.phone,
            "agency": user.agency_id,
            "roles": user.roles,
            "version": user.updated_at.isoformat(),
        }
        data.update(changes)
        return data

    def test_edit_saves_and_records_field_history(self, client_for, personas):
        amara = personas["amara"]
        response = client_for(personas["priya"]).post(
            f"/users/{amara.pk}/edit/", self.edit_data(amara, job_title="Lead health visitor")
        )
        assert response.status_code == 302
        amara.refresh_from_db()
        assert amara.job_title == "Lead health visitor"
        from auditlog.models import LogEntry

        entry = (
            LogEntry.objects.get_for_object(amara)
            .filter(action=LogEntry.Action.UPDATE)
            .latest("timestamp")
        )
        assert entry.changes_dict["job_title"] == ["", "Lead health visitor"]
        assert entry.actor == personas["priya"]

    def test_second_of_two_concurrent_edits_is_refused(self, client_for, personas):
        amara = personas["amara"]
        stale = self.edit_data(amara)
        client = client_for(personas["priya"])
        first = client.post(f"/users/{amara.pk}/edit/", {**stale, "job_title": "First save"})
        assert first.status_code == 302
        second = client.post(f"/users/{amara.pk}/edit/", {**stale, "job_title": "Second save"})
        assert second.status_code == 200
        body = second.content.decode()
        assert "Someone else changed this user while you were editing" in body
        assert "First save" in body  # the other person's value is shown
        assert 'value="Second save"' in body  # and what this person typed is kept
        amara.refresh_from_db()
        assert amara.job_title == "First save"

    def test_training_date_in_the_future_is_refused(self, client_for, personas):
        jordan = personas["jordan"]
        response = client_for(personas["helen"]).post(
            f"/users/{jordan.pk}/training/",
            {"training_date_0": "1", "training_date_1": "1", "training_date_2": "2099"},
        )
        assert response.status_code == 200
        assert "must be today or in the past" in response.content.decode()
        jordan.refresh_from_db()
        assert jordan.training_date is None

    def test_impossible_training_date_is_refused(self, client_for, personas):
        jordan = personas["jordan"]
        response = client_for(personas["helen"]).post(
            f"/users/{jordan.pk}/training/",
            {"training_date_0": "31", "training_date_1": "2", "training_date_2": "2026"},
        )
        assert "Enter a real date" in response.content.decode()

    def test_cannot_deactivate_yourself(self, client_for, personas):
        priya = personas["priya"]
        assert client_for(priya).get(f"/users/{priya.pk}/deactivate/").status_code == 403

    def test_deactivate_and_reactivate(self, client_for, personas):
        amara = personas["amara"]
        client = client_for(personas["priya"])
        empty = client.post(f"/users/{amara.pk}/deactivate/", {"reason": ""})
        assert "This field is required" in empty.content.decode()
        client.post(f"/users/{amara.pk}/deactivate/", {"reason": "Moved to another borough"})
        amara.refresh_from_db()
        assert not amara.is_active and amara.deactivated_by == personas["priya"]
        assert AuditEvent.objects.filter(action=Action.DEACTIVATE, object_id=str(amara.pk)).exists()
        client.post(f"/users/{amara.pk}/reactivate/")
        amara.refresh_from_db()
        assert amara.is_active


class TestAgencies:
    def test_only_the_central_team_manages_agencies(self, client_for, personas):
        assert client_for(personas["priya"]).get("/agencies/").status_code == 403
        client = client_for(personas["morgan"])
        page = client.get("/agencies/").content.decode()
        assert "CAMHS" in page and "Sensitive service" in page
        response = client.post(
            "/agencies/new/",
            {"name": "Lewisham Youth Service", "agency_type": "other", "is_active": "on"},
        )
        assert response.status_code == 302
        duplicate = client.post(
            "/agencies/new/", {"name": "lewisham youth service", "agency_type": "other"}
        )
        assert "already an agency with that name" in duplicate.content.decode()


class TestPrivilegedColleagues:
    """A designated officer never manages a central-team or system-administrator account,
    even in their own agency, and never takes away roles they could not give."""

    @pytest.fixture
    def central_colleague(self, agencies):
        from tests.conftest import make_user

        return make_user("nadia.hassan", agencies["health"], [Role.PRACTITIONER, Role.CENTRAL_TEAM])

    def test_officer_cannot_open_or_change_a_central_team_colleague(
        self, client_for, personas, central_colleague
    ):
        client = client_for(personas["priya"])
        assert "Nadia" not in client.get("/users/").content.decode()
        for path in ("", "edit/", "training/", "deactivate/"):
            assert client.get(f"/users/{central_colleague.pk}/{path}").status_code == 404
        assert client.post(f"/users/{central_colleague.pk}/send-password-link/").status_code == 404
        assert client.post(f"/users/{central_colleague.pk}/reset-two-step/").status_code == 404

    def test_central_team_edit_keeps_roles_it_can_give(
        self, client_for, personas, central_colleague
    ):
        response = client_for(personas["morgan"]).post(
            f"/users/{central_colleague.pk}/edit/",
            {
                "first_name": "Nadia",
                "last_name": "Hassan",
                "email": "nadia@example.org",
                "job_title": "",
                "phone": "",
                "agency": central_colleague.agency_id,
                "roles": ["practitioner"],
                "version": central_colleague.updated_at.isoformat(),
            },
        )
        assert response.status_code == 302
        central_colleague.refresh_from_db()
        assert central_colleague.roles == ["practitioner"]

    def test_email_change_is_told_to_the_old_address(
        self, client_for, personas, django_capture_on_commit_callbacks
    ):
        amara = personas["amara"]
        client = client_for(personas["priya"])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/users/{amara.pk}/edit/",
                {
                    "first_name": amara.first_name,
                    "last_name": amara.last_name,
                    "email": "somewhere.else@example.org",
                    "job_title": "",
                    "phone": "",
                    "agency": amara.agency_id,
                    "roles": amara.roles,
                    "version": amara.updated_at.isoformat(),
                },
            )
        assert [m.to for m in mail.outbox] == [["amara.okafor@example.org"]]
        assert "changed" in mail.outbox[0].body


class TestOddInput:
    def test_odd_agency_filter_is_ignored(self, client_for, personas):
        assert client_for(personas["morgan"]).get("/users/?agency=²").status_code == 200

    @pytest.mark.parametrize(
        ("day", "month", "year"), [("99999999999999999999", "1", "2026"), ("1", "1", "0001")]
    )
    def test_absurd_dates_are_refused_not_crashed(self, client_for, personas, day, month, year):
        jordan = personas["jordan"]
        response = client_for(personas["helen"]).post(
            f"/users/{jordan.pk}/training/",
            {"training_date_0": day, "training_date_1": month, "training_date_2": year},
        )
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()

    def test_failing_mail_server_is_explained_not_crashed(self, client_for, personas, settings):
        settings.EMAIL_BACKEND = "tests.lisa.failing_mail.Backend"
        amara = personas["amara"]
        response = client_for(personas["priya"]).post(
            f"/users/{amara.pk}/send-password-link/", follow=True
        )
        assert response.status_code == 200
        assert "could not be sent" in response.content.decode()


def test_central_team_home_lists_refusals_of_every_kind(client_for, personas):
    client_for(personas["amara"]).get("/users/")  # a refusal with no username in its detail
    from django.test import Client

    anonymous = Client()
    anonymous.post("/sign-in/", {"username": "nobody.here", "password": "wrong"})
    page = client_for(personas["morgan"]).get("/").content.decode()
    assert "amara.okafor" in page
    assert "nobody.here" in page


def test_directory_editor_home_lists_their_entries(client_for, personas):
    from directory.models import Organisation, Service

    sam = personas["sam"]
    organisation = Organisation.objects.create(name="Deptford Family Support Network")
    service = Service.objects.create(
        organisation=organisation, name="Saturday Dads Group", description="A group for dads."
    )
    service.editors.add(sam)
    Service.objects.create(
        organisation=organisation, name="Someone Else's Service", description="x"
    )
    page = client_for(sam).get("/").content.decode()
    assert "Your directory entries" in page
    assert "Saturday Dads Group" in page
    assert "Someone Else" not in page
