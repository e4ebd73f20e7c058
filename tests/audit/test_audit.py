"""The audit trail: append-only in the database, searchable and exportable by the right people."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from audit.models import Action, AuditEvent, Outcome
from audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(amara):
    return record(None, Action.VIEW, user=amara, object_type="children.child", object_id=7, child=7)


class TestAppendOnly:
    def test_update_is_refused_by_the_database(self, event):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action=Action.SEARCH)
        event.refresh_from_db()
        assert event.action == Action.VIEW

    def test_delete_is_refused_by_the_database(self, event):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_truncate_is_refused_by_the_database(self, event):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_raw_sql_update_is_refused_too(self, event):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE audit_auditevent SET username = 'someone-else'")


def test_an_event_records_who_what_and_where(client_for, amara):
    client = client_for(amara)
    client.get("/users/", HTTP_USER_AGENT="Firefox/140")
    denied = AuditEvent.objects.get(action=Action.DENIED)
    assert denied.user == amara
    assert denied.username == "amara.okafor"
    assert denied.role == "practitioner"
    assert denied.agency == amara.agency
    assert denied.outcome == Outcome.DENIED
    assert denied.user_agent == "Firefox/140"
    assert denied.path == "/users/"
    assert denied.ip_address == "127.0.0.1"
    assert denied.request_id


def test_one_insert_per_audited_request(client_for, morgan):
    client = client_for(morgan)
    before = AuditEvent.objects.count()
    client.get("/audit/?action=sign_in")
    assert AuditEvent.objects.count() == before + 1


class TestScreens:
    def test_anonymous_and_practitioners_cannot_see_the_trail(self, client, client_for, personas):
        assert client.get("/audit/").status_code == 302
        assert client.get("/audit/export.csv").status_code == 302
        for who in ("amara", "sam", "alex"):
            c = client_for(personas[who])
            assert c.get("/audit/").status_code == 403
            assert c.get("/audit/export.csv").status_code == 403

    def test_central_team_filters_by_user_action_child_and_dates(self, client_for, personas, event):
        client = client_for(personas["morgan"])
        page = client.get("/audit/?user=amara.okafor&action=view&child=7").content.decode()
        # Record 7 is not (or no longer) on LISA: named as such, never by its model and id.
        assert "a child no longer on LISA" in page
        assert "children.child" not in page
        assert "1 event," in page
        none = client.get("/audit/?user=amara.okafor&child=8").content.decode()
        assert "No events match" in none
        dated = client.get("/audit/?date_from=01/01/2020&date_to=02/01/2020").content.decode()
        assert "No events match" in dated

    def test_bad_filters_are_explained_beside_the_field(self, client_for, personas):
        client = client_for(personas["morgan"])
        body = client.get(
            "/audit/?date_from=31/12/2026&date_to=01/01/2026&child=abc"
        ).content.decode()
        assert "There is a problem" in body
        assert "must be the same as or after" in body
        assert "No child on LISA has that reference" in body

    def test_designated_officer_sees_only_their_agencys_events(self, client_for, personas):
        client_for(personas["daniel"])  # a sign-in at the school
        client_for(personas["amara"])  # a sign-in at health visiting
        page = client_for(personas["priya"]).get("/audit/?action=sign_in").content.decode()
        assert "amara.okafor" in page
        assert "daniel.price" not in page

    def test_csv_export_has_the_filtered_rows_and_is_itself_audited(
        self, client_for, personas, event
    ):
        client = client_for(personas["morgan"])
        response = client.get("/audit/export.csv?child=7")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert len(rows) == 1
        assert rows[0]["username"] == "amara.okafor"
        assert rows[0]["action"] == "view"
        assert rows[0]["child_id"] == "7"
        assert rows[0]["at_utc"].endswith("+00:00")
        export = AuditEvent.objects.get(action=Action.EXPORT)
        assert export.user == personas["morgan"]
        assert export.detail == {"child": "7"}

    def test_designated_officer_export_is_limited_to_their_agency(self, client_for, personas):
        client_for(personas["daniel"])
        response = client_for(personas["priya"]).get("/audit/export.csv")
        body = b"".join(response.streaming_content).decode()
        assert "daniel.price" not in body
        assert "priya.shah" in body

    def test_event_list_queries_are_bounded(
        self, client_for, personas, django_assert_max_num_queries
    ):
        amara = personas["amara"]
        for n in range(120):
            record(None, Action.VIEW, user=amara, object_type="children.child", object_id=n)
        client = client_for(personas["morgan"])
        # Ten for the page, one for the hash chain's status shown to the central team, and to
        # name the rows: one for the children, one for the tombstones of those no longer on
        # LISA (these invented ones), one for the accounts (Morgan's own sign-in).
        with django_assert_max_num_queries(14):
            response = client.get("/audit/")
        assert response.status_code == 200
        assert "Next" in response.content.decode()


def test_csv_cells_cannot_be_run_as_spreadsheet_formulas(client, client_for, personas):
    client.post(
        "/sign-in/",
        {"username": "=cmd|' /C calc'!A0", "password": "x"},
        HTTP_USER_AGENT='=HYPERLINK("http://evil.example","x")',
    )
    response = client_for(personas["morgan"]).get("/audit/export.csv?action=sign_in_failed")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows, "the failed sign-in should be exported"
    row = rows[0]
    assert row["user_agent"].startswith("'=HYPERLINK")
    assert json.loads(row["detail"])["username"] == "=cmd|' /C calc'!A0"  # JSON, kept exact


def test_absurd_dates_in_the_filter_are_explained(client_for, personas):
    body = client_for(personas["morgan"]).get("/audit/?date_to=31/12/9999").content.decode()
    assert "between the years 2000 and 2999" in body


def test_field_history_is_append_only_too(amara):
    from auditlog.models import LogEntry

    amara.job_title = "Changed"
    amara.save()
    entry = LogEntry.objects.get_for_object(amara).latest("timestamp")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(changes="{}")
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_trail_is_searched_by_lisa_reference(client_for, personas):
    from children.models import Child

    child = Child.objects.create(
        forenames="Kemi", surname="Rowe", date_of_birth="2019-05-04", gender="female"
    )
    record(None, Action.VIEW, user=personas["amara"], object_type="children.child", child=child)
    client = client_for(personas["morgan"])
    page = client.get(f"/audit/?child={child.lisa_ref.lower()}").content.decode()
    assert "1 event," in page
    assert "amara.okafor" in page


@pytest.mark.django_db(transaction=True)
def test_events_written_together_are_one_insert_and_one_alone_needs_no_transaction(amara):
    """Outside a transaction (a reading page), one event is one INSERT on its own; several are
    one INSERT too, within a transaction of its own."""
    from django.test.utils import CaptureQueriesContext

    from audit.services import record_many

    with CaptureQueriesContext(connection) as alone:
        (event,) = record_many(None, Action.VIEW, [{"detail": {"view": "one"}, "user": amara}])
    assert [query["sql"].split()[0] for query in alone.captured_queries] == ["INSERT"]
    assert event.pk is not None
    with CaptureQueriesContext(connection) as together:
        events = record_many(
            None, Action.VIEW, [{"detail": {"view": n}, "user": amara} for n in ("a", "b", "c")]
        )
    inserts = [query for query in together.captured_queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and all(event.pk for event in events)
    assert AuditEvent.objects.filter(user=amara, action=Action.VIEW).count() == 4


@pytest.mark.django_db
def test_every_action_is_labelled_as_django_labels_it_on_the_home_page(client_for, amara):
    for action in Action:
        assert AuditEvent(action=action).action_label == action.label
    AuditEvent.objects.create(user=amara, action=Action.BREAK_GLASS)
    AuditEvent.objects.create(user=amara, action=Action.DENIED, outcome=Outcome.DENIED)
    body = client_for(amara).get("/").content.decode()
    activity = body.split("Your recent activity")[1].split("</ul>")[0]
    assert ": Refused (refused)</li>" in activity
    assert ": Broke glass</li>" in activity
