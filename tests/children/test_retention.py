"""Retention: records are archived at 18 (or two years after closing or moving away, if later),
removed six years after archiving, and a legal hold stops both. Driven with time_machine
across birthdays, closures, restores and holds."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import RequestFactory, override_settings
from django.utils import timezone

from audit.models import AuditEvent
from audit.naming import Names
from children import actions
from children.models import Child, ChildStatus, Involvement, LegalHold, RemovedRecord
from children.retention import Schedule, apply_retention
from children.search import search_children
from tests.children.conftest import involve, make_child
from tests.helpers import assert_audited

SCHEDULE = Schedule(archive_age=18, after_closing_years=2, after_restore_years=1,
                    remove_after_years=6)  # fmt: skip


def at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(f"{day}T09:00:00+00:00"), tick=False)


def request_by(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def refs(children) -> set[str]:
    return {child.lisa_ref for child in children}


# --- the schedule ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_record_is_archived_on_the_eighteenth_birthday_and_not_the_day_before():
    child = make_child(date_of_birth=dt.date(2008, 3, 10))
    assert SCHEDULE.archive_on(child) == (dt.date(2026, 3, 10), "turned 18")
    assert refs(SCHEDULE.due_for_archive(dt.date(2026, 3, 9))) == set()
    assert refs(SCHEDULE.due_for_archive(dt.date(2026, 3, 10))) == {child.lisa_ref}


@pytest.mark.django_db
def test_a_child_born_on_29_february_comes_of_age_on_1_march():
    child = make_child(date_of_birth=dt.date(2008, 2, 29))
    assert SCHEDULE.archive_on(child)[0] == dt.date(2026, 3, 1)
    assert child not in SCHEDULE.due_for_archive(dt.date(2026, 2, 28))
    assert child in SCHEDULE.due_for_archive(dt.date(2026, 3, 1))


@pytest.mark.django_db
def test_a_record_closed_at_17_is_kept_two_years_after_closing(amara, morgan):
    child = make_child(date_of_birth=dt.date(2009, 1, 15))
    with at("2026-06-01"):
        actions.update_child(
            request=request_by(morgan), by=morgan, child=child, version=child.version,
            changes={"status": ChildStatus.CLOSED},
        )  # fmt: skip
    child.refresh_from_db()
    day, rule = SCHEDULE.archive_on(child)
    assert day == dt.date(2028, 6, 1)
    assert rule == "2 years after the record was closed"
    assert child not in SCHEDULE.due_for_archive(dt.date(2027, 1, 15))  # the 18th birthday
    assert child not in SCHEDULE.due_for_archive(dt.date(2028, 5, 31))
    assert child in SCHEDULE.due_for_archive(dt.date(2028, 6, 1))


@pytest.mark.django_db
def test_a_record_closed_when_young_is_archived_at_18_not_earlier(morgan):
    child = make_child(date_of_birth=dt.date(2015, 5, 5))
    with at("2020-01-01"):
        actions.update_child(
            request=request_by(morgan), by=morgan, child=child, version=child.version,
            changes={"status": ChildStatus.CLOSED},
        )  # fmt: skip
    child.refresh_from_db()
    assert SCHEDULE.archive_on(child) == (dt.date(2033, 5, 5), "turned 18")


@pytest.mark.django_db
def test_moving_out_starts_the_two_year_clock(amara):
    child = make_child(date_of_birth=dt.date(2008, 11, 1))
    involve(amara, child)
    with at("2026-09-20"):
        actions.move_out(
            request=request_by(amara), by=amara, child=child, version=child.version,
            moved_on=dt.date(2026, 9, 19), authority="Kent County Council",
        )  # fmt: skip
    child.refresh_from_db()
    assert SCHEDULE.archive_on(child) == (
        dt.date(2028, 9, 20),
        "2 years after the record was moved out of the area",
    )


# --- applying it: archive -----------------------------------------------------------------------


@pytest.mark.django_db
def test_archiving_ends_involvements_and_takes_the_record_out_of_search_and_home(
    amara, daniel, morgan, client_for
):
    child = make_child(
        forenames="Zephyrine", surname="Oldfield", date_of_birth=dt.date(2008, 3, 10)
    )
    young = make_child(forenames="Zephyrine", surname="Oldfield", date_of_birth=dt.date(2012, 1, 3))
    involve(amara, child, lead_professional=True)
    with at("2026-03-10"):
        report = apply_retention(schedule=SCHEDULE)
    assert report.archived == [child.lisa_ref]
    child.refresh_from_db()
    assert child.archived_at is not None and child.archive_rule == "turned 18"
    involvement = Involvement.objects.get(child=child, practitioner=amara)
    assert involvement.ended_at is not None and involvement.end_reason == "Record archived"
    assert not involvement.lead_professional
    event = AuditEvent.objects.get(child_id=child.pk, detail__archived=True)
    assert event.detail["rule"] == "turned 18" and event.user is None

    # Out of the search (the younger child with the same name is still found) and home.
    found = search_children("Zephyrine Oldfield", user=amara)
    assert refs(match.child for match in found) == {young.lisa_ref}
    home = client_for(amara).get("/")
    assert child.lisa_ref not in home.content.decode()

    # Practitioners are refused even the index card; the central team opens it, marked.
    assert client_for(daniel).get(f"/children/{child.pk}/").status_code == 403
    assert client_for(amara).get(f"/children/{child.pk}/record/").status_code == 403
    page = client_for(morgan).get(f"/children/{child.pk}/record/")
    assert page.status_code == 200
    assert "This record was archived on 10 March 2026 (turned 18)" in page.content.decode()
    assert ">Change details<" not in page.content.decode()
    assert_audited(user=morgan, action="view", child=child)


@pytest.mark.django_db
def test_a_legal_hold_stops_archiving_until_lifted(morgan):
    child = make_child(date_of_birth=dt.date(2008, 3, 10))
    with at("2026-01-05"):
        actions.place_legal_hold(
            request=request_by(morgan), by=morgan, child=child, reason="Police investigation 4471"
        )
    with at("2026-03-10"):
        report = apply_retention(schedule=SCHEDULE)
    assert report.archived == [] and report.held == [child.lisa_ref]
    child.refresh_from_db()
    assert child.archived_at is None
    with at("2026-07-01"):
        actions.lift_legal_hold(
            request=request_by(morgan), by=morgan, child=child, reason="Investigation closed"
        )
        report = apply_retention(schedule=SCHEDULE)
    assert report.archived == [child.lisa_ref] and report.held == []
    hold = LegalHold.objects.get(child=child)
    assert hold.lift_reason == "Investigation closed" and hold.lifted_by == morgan


@pytest.mark.django_db
def test_only_one_hold_at_a_time_and_a_reason_is_needed(morgan):
    child = make_child()
    with pytest.raises(actions.ValidationError) as no_reason:
        actions.place_legal_hold(request=request_by(morgan), by=morgan, child=child, reason=" ")
    assert no_reason.value.message_dict == {"reason": ["Enter the reason"]}
    actions.place_legal_hold(request=request_by(morgan), by=morgan, child=child, reason="Court")
    with pytest.raises(actions.ValidationError) as twice:
        actions.place_legal_hold(request=request_by(morgan), by=morgan, child=child, reason="Again")
    assert "already under a legal hold" in str(twice.value)


@pytest.mark.django_db
def test_only_the_central_team_holds_or_restores(amara, priya):
    child = make_child()
    involve(amara, child)
    for user in (amara, priya):
        with pytest.raises(actions.PermissionDenied):
            actions.place_legal_hold(request=request_by(user), by=user, child=child, reason="x")


@pytest.mark.django_db
def test_a_restored_record_is_back_in_search_and_not_archived_again_for_a_year(amara, morgan):
    child = make_child(forenames="Quennell", surname="Ashdown", date_of_birth=dt.date(2008, 3, 10))
    with at("2026-03-10"):
        apply_retention(schedule=SCHEDULE)
    child.refresh_from_db()
    with pytest.raises(actions.ValidationError):
        actions.restore_record(request=request_by(morgan), by=morgan, child=child, reason="")
    with at("2026-04-01"):
        actions.restore_record(
            request=request_by(morgan), by=morgan, child=child, reason="Archived in error"
        )
    child.refresh_from_db()
    assert child.archived_at is None and child.archive_rule == ""
    found = search_children("Quennell Ashdown", user=morgan)
    assert refs(match.child for match in found) == {child.lisa_ref}
    event = AuditEvent.objects.get(child_id=child.pk, detail__restored=True)
    assert event.detail["reason"] == "Archived in error" and event.user == morgan
    with at("2027-03-31"):
        assert apply_retention(schedule=SCHEDULE).archived == []
    with at("2027-04-01"):
        assert apply_retention(schedule=SCHEDULE).archived == [child.lisa_ref]
    child.refresh_from_db()
    assert child.archive_rule == "1 year after it was restored"


@pytest.mark.django_db
def test_a_dry_run_changes_nothing_and_says_what_it_would_do(morgan):
    due = make_child(date_of_birth=dt.date(2008, 3, 10))
    held = make_child(date_of_birth=dt.date(2008, 1, 1))
    make_child(date_of_birth=dt.date(2010, 1, 1))
    actions.place_legal_hold(request=request_by(morgan), by=morgan, child=held, reason="Court")
    out = io.StringIO()
    with at("2026-03-10"):
        call_command("apply_retention", "--dry-run", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "Dry run: nothing was changed." in text
    assert f"Would archive: {due.lisa_ref}" in text
    assert f"Held back by a legal hold: {held.lisa_ref}" in text
    assert "Records would be archived: 1" in text
    assert not Child.objects.filter(archived_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(detail__archived=True).exists()


@pytest.mark.django_db
def test_the_command_reports_and_refuses_a_bad_date():
    make_child(date_of_birth=dt.date(2008, 3, 10))
    out, err = io.StringIO(), io.StringIO()
    call_command("apply_retention", "--date", "2026-03-10", stdout=out, stderr=err)
    assert "Records archived: 1" in out.getvalue()
    assert "Archiving" in err.getvalue()  # the progress, on a log: "Archiving: 1 of 1"
    with pytest.raises(CommandError, match="--date must be a date like"):
        call_command("apply_retention", "--date", "2026-02-30")


# --- applying it: removal -----------------------------------------------------------------------


def _archive(child: Child, on: str) -> None:
    with at(on):
        actions.archive_records(ids=[child.pk], schedule=SCHEDULE, today=timezone.localdate())
    child.refresh_from_db()
    assert child.archived_at is not None


@pytest.mark.django_db
def test_removal_six_years_after_archiving_leaves_only_a_tombstone(morgan):
    child = make_child(date_of_birth=dt.date(2008, 3, 10))
    _archive(child, "2026-03-10")
    actions.place_legal_hold(request=request_by(morgan), by=morgan, child=child, reason="Claim")
    with at("2032-03-10"):
        report = apply_retention(schedule=SCHEDULE)
    assert report.removed == [] and report.held == [child.lisa_ref]
    actions.lift_legal_hold(request=request_by(morgan), by=morgan, child=child, reason="Settled")
    with at("2032-03-09"):
        assert apply_retention(schedule=SCHEDULE).removed == []
    with at("2032-03-10"):
        report = apply_retention(schedule=SCHEDULE)
    assert report.removed == [child.lisa_ref]
    assert not Child.objects.filter(pk=child.pk).exists()
    tombstone = RemovedRecord.objects.get(child_id=child.pk)
    assert tombstone.lisa_ref == child.lisa_ref
    assert tombstone.archived_on == dt.date(2026, 3, 10)
    assert tombstone.rule == "removed 6 years after it was archived (turned 18)"
    # The audit trail is untouched and names the removed record.
    events = list(AuditEvent.objects.filter(child_id=child.pk))
    assert any(event.detail.get("removed") for event in events)
    assert any(event.detail.get("archived") for event in events)
    assert Names(events, morgan).child(child.pk) == f"removed record {child.lisa_ref}"


@pytest.mark.django_db(transaction=True)
def test_removal_deletes_everything_about_the_child_and_the_scan(tmp_path):
    """The permission matrix's world holds a child with data of every kind (concerns, a
    meeting, a plan, agreements with a scanned form, decisions, a transfer summary, a thread,
    a break-glass alert, a sibling): removing her leaves no row that refers to her, and her
    sister keeps her own record."""
    from tests.permission_matrix_world import build_world

    with override_settings(MEDIA_ROOT=str(tmp_path)):
        world = build_world()
        child = Child.objects.get(pk=world.ids["child"])
        sister = Child.objects.exclude(pk=child.pk).get(family_id=child.family_id)
        scans = list(Path(tmp_path).rglob("*.pdf"))
        assert scans, "the world's agreement has a scanned form"
        _archive(child, "2030-06-01")
        history = LogEntry.objects.count()
        with at("2036-06-01"):
            report = apply_retention(schedule=SCHEDULE)
    # The field history takes no copy of what was removed.
    assert LogEntry.objects.count() == history
    assert report.removed == [child.lisa_ref] and report.failed == []
    assert report.files_removed == 1
    assert not any(path.exists() for path in scans)
    for model in apps.get_models():
        for relation in model._meta.get_fields():
            if relation.is_relation and relation.concrete and relation.related_model is Child:
                rows = model.objects.filter(**{relation.name: child.pk})
                assert not rows.exists(), f"{model._meta.label}.{relation.name} still refers"
    assert Child.objects.filter(pk=sister.pk).exists()
    assert sister.concerns.exists()


@pytest.mark.django_db
def test_a_meeting_shared_with_a_sibling_keeps_the_siblings_part(amara):
    from meetings.models import Meeting
    from tests.meetings.conftest import arrange

    older = make_child(date_of_birth=dt.date(2008, 3, 10))
    younger = make_child(date_of_birth=dt.date(2013, 3, 10))
    involve(amara, older)
    involve(amara, younger)
    meeting = arrange(amara, older)
    meeting.children.add(younger)
    _archive(older, "2026-03-10")
    with at("2032-03-10"):
        assert apply_retention(schedule=SCHEDULE).removed == [older.lisa_ref]
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert list(meeting.children.all()) == [younger]


@pytest.mark.django_db
def test_removal_refused_before_the_day_or_under_a_hold(morgan):
    child = make_child(date_of_birth=dt.date(2008, 3, 10))
    _archive(child, "2026-03-10")
    with pytest.raises(actions.ValidationError, match="not due"):
        actions.remove_record(child=child, schedule=SCHEDULE, today=dt.date(2032, 3, 9))
    actions.place_legal_hold(request=request_by(morgan), by=morgan, child=child, reason="Claim")
    with pytest.raises(actions.ValidationError, match="legal hold"):
        actions.remove_record(child=child, schedule=SCHEDULE, today=dt.date(2040, 1, 1))
    assert Child.objects.filter(pk=child.pk).exists()


def test_the_schedule_comes_from_settings():
    with override_settings(LISA_RETENTION_ARCHIVE_AGE=25, LISA_RETENTION_REMOVE_AFTER_YEARS=10):
        schedule = Schedule.from_settings()
    assert (schedule.archive_age, schedule.remove_after_years) == (25, 10)
    assert settings.LISA_RETENTION_AFTER_CLOSING_YEARS == 2


@pytest.mark.django_db
def test_on_29_february_only_what_is_due_is_chosen():
    """Counting back from a 29 February: a child born on 1 March comes of age on 1 March, and a
    record archived on 1 March is removed on 1 March, so neither is due on the 29th."""
    born_28th = make_child(date_of_birth=dt.date(2010, 2, 28))
    born_1st = make_child(date_of_birth=dt.date(2010, 3, 1))
    leap_day = dt.date(2028, 2, 29)
    assert refs(SCHEDULE.due_for_archive(leap_day)) == {born_28th.lisa_ref}
    for child in (born_28th, born_1st):
        assert (SCHEDULE.archive_on(child)[0] <= leap_day) == (child in [born_28th])
    archived_28th = make_child(date_of_birth=dt.date(2003, 1, 1))
    archived_1st = make_child(date_of_birth=dt.date(2003, 1, 1))
    _archive(archived_28th, "2022-02-28")
    _archive(archived_1st, "2022-03-01")
    assert refs(SCHEDULE.due_for_removal(leap_day)) == {archived_28th.lisa_ref}
    with at("2028-02-29"):
        report = apply_retention(schedule=SCHEDULE)
    assert report.removed == [archived_28th.lisa_ref] and report.failed == []


@pytest.mark.django_db
def test_an_archived_record_stays_out_of_sight_of_practitioners_everywhere(
    amara, daniel, morgan, client_for
):
    """Its sibling's card does not list it; the central team's duplicate check finds it (so a
    young person who comes back is restored, not added twice), a practitioner's does not; it
    cannot be merged into while archived; and it regains no place in lists through a stray
    involvement."""
    from children.models import Family
    from children.search import likely_duplicates
    from lisa.policy import child_visible_q

    older = make_child(forenames="Perpetua", surname="Vanstone", date_of_birth=dt.date(2008, 3, 9),
                       nhs_number="9434765919")  # fmt: skip
    younger = make_child(forenames="Ottilie", surname="Vanstone")
    family = Family.objects.create()
    Child.objects.filter(pk__in=[older.pk, younger.pk]).update(family=family)
    involve(amara, younger)
    _archive(older, "2026-03-10")
    card = client_for(daniel).get(f"/children/{younger.pk}/").content.decode()
    assert "Ottilie" in card and "Perpetua" not in card
    assert "Perpetua" in client_for(morgan).get(f"/children/{younger.pk}/").content.decode()

    asked = {"forenames": "Perpetua", "surname": "Vanstone", "date_of_birth": older.date_of_birth,
             "nhs_number": "9434765919"}  # fmt: skip
    exact, _ = likely_duplicates(**asked, user=morgan)
    assert [child.pk for child in exact] == [older.pk]
    exact, likely = likely_duplicates(**asked, user=amara)
    assert exact == [] and likely == []

    with pytest.raises(actions.ValidationError, match="archived"):
        actions.merge_children(
            request=request_by(morgan), by=morgan, keep=older, other=younger, reason="Same child"
        )
    # An involvement that reappears on the archived record does not open it in any list.
    Involvement.objects.create(
        child=older, practitioner=amara, agency=amara.agency, role="Health visitor",
        how_began="concern",
    )  # fmt: skip
    assert not Child.objects.filter(child_visible_q(amara, field="id"), pk=older.pk).exists()
    assert Child.objects.filter(child_visible_q(amara, field="id"), pk=younger.pk).exists()


@pytest.mark.django_db
def test_a_shared_meetings_records_of_decisions_are_rewritten_without_the_removed_child(
    amara, agencies, client_for
):
    """Every version sent of a sibling's meeting loses the removed child and her mother (their
    ids, lead and actions; as invited and as an action's owner they become someone whose
    record was removed), and the sibling's practitioners still open the record and its PDF;
    a snapshot written before the removal rewrote it still reads."""
    import json

    from lisa.models import Role
    from meetings import actions as meeting_actions
    from meetings.models import Meeting, RecordOfDecisions
    from tests.conftest import make_user
    from tests.helpers import pdf_text
    from tests.meetings.conftest import add_action, arrange, as_request, hold, send, start_plan

    ivy = make_user("ivy.moss", agencies["voluntary"], [Role.PRACTITIONER], job_title="FSW")
    older = make_child(forenames="Philippa", surname="Quennell", date_of_birth=dt.date(2008, 3, 10))
    younger = make_child(forenames="Tobias", surname="Quennell", date_of_birth=dt.date(2015, 6, 1))
    involve(amara, older)
    involve(amara, younger)
    mother = older.parents.create(name="Marguerite Vantongeren", relationship="mother")
    with at("2026-02-01"):
        meeting = arrange(amara, older, practitioners=[ivy], parents=[mother])
        meeting.children.add(younger)
        held = hold(meeting, amara, attended=[amara, ivy])
        meeting_actions.appoint_lead(
            request=as_request(amara), by=amara, meeting=held,
            version=Meeting.objects.get(pk=held.pk).version, practitioner=ivy,
        )  # fmt: skip
        plan = start_plan(held, amara, outcomes=[("education", "At school every day")])
        add_action(plan, amara, ivy, what="Breakfast club place")
        add_action(
            plan, amara, None, what="Walk to school together",
            owner=meeting_actions.Owner(kind="parent", parent=mother),
        )  # fmt: skip
        first = send(held, amara)
        meeting = Meeting.objects.get(pk=held.pk)
        meeting_actions.start_correction(
            request=as_request(amara), by=amara, meeting=meeting, version=meeting.version,
            reason="The review date was wrong",
        )  # fmt: skip
        second = send(held, amara)
    before = RecordOfDecisions.objects.get(pk=first.pk).content
    assert older.pk in before["children"] and len(before["leads"]) == 2
    _archive(older, "2026-03-10")
    with at("2032-03-10"):
        assert apply_retention(schedule=SCHEDULE).removed == [older.lisa_ref]

    gone = "Someone whose record was removed"
    for sent in RecordOfDecisions.objects.filter(pk__in=[first.pk, second.pk]):
        content = sent.content
        assert content["children"] == [younger.pk]
        assert [lead["child"] for lead in content["leads"]] == [younger.pk]
        assert not any(entry["parent"] for entry in content["invitees"])
        assert [e["name"] for e in content["invitees"] if e["kind"] == "other"] == [gone]
        owners = {a["what"]: (a["owner_kind"], a["name"]) for a in content["plan"]["actions"]}
        assert owners["Walk to school together"] == ("other", gone)
        assert all(a["children"] == [younger.pk] for a in content["plan"]["actions"])
        stored = json.dumps(content)
        assert "Philippa" not in stored and "Marguerite" not in stored

    client = client_for(ivy)
    client.raise_request_exception = True
    for sent in (first, second):
        page = client.get(f"/meetings/records/{sent.pk}/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "Tobias Quennell" in body and gone in body
        assert "Philippa" not in body and "Marguerite" not in body
        pdf = client.get(f"/meetings/records/{sent.pk}/pdf/")
        assert pdf.status_code == 200
        text = pdf_text(pdf.content)
        assert "Tobias" in text and "Philippa" not in text and "Marguerite" not in text

    # A snapshot still naming the removed rows (as one sent before this rewrite) reads too.
    RecordOfDecisions.objects.filter(pk=first.pk).update(content=before)
    page = client.get(f"/meetings/records/{first.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Tobias Quennell" in body and gone in body and "Marguerite" not in body
