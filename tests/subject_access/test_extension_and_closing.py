"""Extending the deadline (once, while open, told within the first month) and closing a request
without an answer (withdrawn, or refused with the reason and the right to complain): the rules,
the pages, who may use them, the audit events, and refusing a save over someone else's."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Action, AuditEvent
from lisa.actions import ConcurrentEditError
from subject_access import actions
from subject_access.deadlines import reply_due_by
from subject_access.models import RequestStatus, SubjectAccessRequest
from tests.children.conftest import make_child
from tests.helpers import assert_audited
from tests.subject_access.conftest import as_request, record

pytestmark = pytest.mark.django_db

REASON = "One of four requests from the same person this month, covering six agencies"


def child_request(morgan, **overrides):
    values = {"requester_kind": "child", "relationship": "Herself", **overrides}
    return record(morgan, make_child(), **values)


def extend(by, sar, *, version=None, reason=REASON, told_on=None):
    return actions.extend_deadline(
        request=as_request(by), by=by, sar=sar, version=version or sar.version,
        reason=reason, told_on=told_on or timezone.localdate(),
    )  # fmt: skip


def close(by, sar, outcome, *, version=None, on=None, reason="", told=False):
    return actions.close(
        request=as_request(by), by=by, sar=sar, version=version or sar.version,
        outcome=outcome, on=on or timezone.localdate(), reason=reason,
        complaint_right_told=told,
    )  # fmt: skip


def as_fields(name: str, day: dt.date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# The actions


def test_extending_gives_three_months_on_a_working_day_and_is_audited(morgan):
    sar = child_request(morgan)
    first_due = sar.due_on
    extended = extend(morgan, sar, reason=f"  {REASON}  ")
    assert extended.due_on == reply_due_by(sar.received_on, 3) > first_due
    assert extended.first_due_on == first_due and extended.is_extended
    assert extended.extension_reason == REASON and extended.extended_by == morgan
    assert extended.extension_told_on == timezone.localdate()
    [event] = assert_audited(user=morgan, action=Action.UPDATE, child=sar.child_id,
                             subject_access="deadline extended")  # fmt: skip
    assert event.detail["due_on"] == extended.due_on.isoformat()
    assert event.detail["was_due_on"] == first_due.isoformat()
    assert REASON not in str(event.detail)


def test_a_change_to_the_received_date_keeps_the_extension(morgan):
    from tests.subject_access.conftest import request_values

    sar = extend(morgan, child_request(morgan))
    received = sar.received_on - dt.timedelta(days=1)
    changed = actions.update_request(
        request=as_request(morgan), by=morgan, sar=sar, version=sar.version,
        values=request_values(requester_kind="child", relationship="Herself",
                              received_on=received),
    )  # fmt: skip
    assert changed.due_on == reply_due_by(received, 3)


@pytest.mark.parametrize(
    ("received_ago", "told_ago", "reason", "field", "message"),
    [
        (3, 0, "  ", "reason", "Say why the deadline is extended"),
        (3, -1, REASON, "told_on", "must be today or in the past"),
        (3, 4, REASON, "told_on", "on or after the day the request was received"),
        (60, 1, REASON, "told_on", "within the first month"),
    ],
)
def test_what_an_extension_needs_is_said_beside_each_field(
    morgan, received_ago, told_ago, reason, field, message
):
    today = timezone.localdate()
    sar = child_request(morgan, received_on=today - dt.timedelta(days=received_ago))
    with pytest.raises(ValidationError) as excinfo:
        extend(morgan, sar, reason=reason, told_on=today - dt.timedelta(days=told_ago))
    assert message in errors_of(excinfo)[field][0]
    sar.refresh_from_db()
    assert not sar.is_extended and sar.due_on == reply_due_by(sar.received_on)


def test_told_on_the_first_deadline_itself_is_in_time(morgan):
    with time_machine.travel(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC), tick=False):
        # Received 31 January: first due on Monday 2 March (28 February is a Saturday).
        sar = child_request(morgan, received_on=dt.date(2026, 1, 31))
        with pytest.raises(ValidationError, match="on or before 2 March 2026"):
            extend(morgan, sar, told_on=dt.date(2026, 3, 3))
        extended = extend(morgan, sar, told_on=dt.date(2026, 3, 2))
    assert extended.due_on == dt.date(2026, 4, 30)


def test_a_deadline_is_extended_once_and_only_while_open(morgan):
    sar = extend(morgan, child_request(morgan))
    with pytest.raises(ValidationError, match="already been extended"):
        extend(morgan, sar)
    withdrawn = close(morgan, child_request(morgan), RequestStatus.WITHDRAWN)
    with pytest.raises(ValidationError, match="closed"):
        extend(morgan, withdrawn)


def test_withdrawn_and_refused_requests_are_recorded_and_audited(morgan):
    sar = child_request(morgan)
    withdrawn = close(morgan, sar, RequestStatus.WITHDRAWN, reason="By email")
    assert withdrawn.status == RequestStatus.WITHDRAWN and withdrawn.closed_by == morgan
    assert withdrawn.closed_on == timezone.localdate() and not withdrawn.complaint_right_told
    assert_audited(user=morgan, action=Action.UPDATE, child=sar.child_id,
                   subject_access="withdrawn")  # fmt: skip
    other = child_request(morgan)
    refused = close(morgan, other, RequestStatus.REFUSED, reason="The same request, weekly",
                    told=True)  # fmt: skip
    assert refused.status == RequestStatus.REFUSED and refused.complaint_right_told
    assert refused.closed_reason == "The same request, weekly"
    [event] = assert_audited(user=morgan, action=Action.UPDATE, child=other.child_id,
                             subject_access="refused")  # fmt: skip
    assert event.detail["closed_on"] == timezone.localdate().isoformat()
    for closed in (withdrawn, refused):
        with pytest.raises(ValidationError, match="closed"):
            close(morgan, closed, RequestStatus.REFUSED, reason="Again", told=True)
        with pytest.raises(ValidationError, match="closed"):
            actions.release(request=as_request(morgan), by=morgan, sar=closed,
                            version=closed.version, withheld={})  # fmt: skip


def test_a_refusal_needs_its_reason_its_date_and_the_right_to_complain(morgan):
    sar = child_request(morgan)
    with pytest.raises(ValidationError) as excinfo:
        close(morgan, sar, RequestStatus.REFUSED, reason=" ",
              on=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    errors = errors_of(excinfo)
    assert "Say why the request is refused" in errors["reason"][0]
    assert "must be today or in the past" in errors["on"][0]
    assert "right to complain to the ICO" in errors["complaint_right_told"][0]
    with pytest.raises(ValidationError) as excinfo:
        close(morgan, sar, RequestStatus.WITHDRAWN,
              on=sar.received_on - dt.timedelta(days=1))  # fmt: skip
    assert "on or after the day the request was received" in errors_of(excinfo)["on"][0]
    sar.refresh_from_db()
    assert sar.is_open and not AuditEvent.objects.filter(detail__subject_access="refused")


def test_a_closed_request_leaves_the_open_and_overdue_lists(morgan):
    late = child_request(morgan, received_on=timezone.localdate() - dt.timedelta(days=50))
    assert list(SubjectAccessRequest.objects.overdue()) == [late]
    close(morgan, late, RequestStatus.WITHDRAWN)
    assert not SubjectAccessRequest.objects.overdue().exists()
    assert not SubjectAccessRequest.objects.open().exists()


def test_a_stale_version_is_refused(morgan):
    sar = child_request(morgan)
    stale = sar.version
    extend(morgan, sar)
    with pytest.raises(ConcurrentEditError):
        close(morgan, sar, RequestStatus.WITHDRAWN, version=stale)
    other = child_request(morgan)
    stale = other.version
    close(morgan, other, RequestStatus.WITHDRAWN)
    with pytest.raises(ConcurrentEditError):
        extend(morgan, other, version=stale)


@pytest.mark.parametrize("who", ["amara", "priya", "alex"])
def test_only_the_central_team_extends_or_closes(personas, morgan, who):
    sar = child_request(morgan)
    with pytest.raises(PermissionDenied):
        extend(personas[who], sar)
    with pytest.raises(PermissionDenied):
        close(personas[who], sar, RequestStatus.WITHDRAWN)


# The pages


def pages(sar) -> list[str]:
    return [f"/subject-access/{sar.pk}/{name}/" for name in ("extend", "withdraw", "refuse")]


def test_anonymous_people_are_sent_to_sign_in(client, morgan):
    sar = child_request(morgan)
    for url in pages(sar):
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 302
            assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("who", ["amara", "priya", "alex"])
def test_everyone_but_the_central_team_is_refused(personas, client_for, morgan, who):
    from tests.children.conftest import involve

    child = make_child()
    involve(personas["amara"], child)
    sar = record(morgan, child, requester_kind="child", relationship="Herself")
    client = client_for(personas[who])
    today = timezone.localdate()
    for url in pages(sar):
        assert client.get(url).status_code == 403
        posted = {"reason": REASON, "complaint_right_told": "on", **as_fields("on", today),
                  **as_fields("told_on", today)}  # fmt: skip
        assert client.post(url, posted).status_code == 403
    sar.refresh_from_db()
    assert sar.is_open and not sar.is_extended
    assert AuditEvent.objects.filter(user=personas[who], action=Action.DENIED).count() == 6


def test_the_central_team_extends_the_deadline_from_the_request_page(morgan, client_for):
    client = client_for(morgan)
    sar = child_request(morgan)
    detail = client.get(f"/subject-access/{sar.pk}/").content.decode()
    assert f'href="/subject-access/{sar.pk}/extend/"' in detail
    page = client.get(f"/subject-access/{sar.pk}/extend/").content.decode()
    assert f"by {sar.first_due_on:%-d %B %Y}" in page
    assert_audited(user=morgan, action=Action.VIEW, child=sar.child_id,
                   view="subject access extension form")  # fmt: skip
    late = sar.first_due_on + dt.timedelta(days=1)
    response = client.post(f"/subject-access/{sar.pk}/extend/",
                           {"reason": "", **as_fields("told_on", late)})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert 'href="#id_reason"' in page and "Say why the deadline is extended" in page
    assert "must be today or in the past" in page
    today = timezone.localdate()
    response = client.post(f"/subject-access/{sar.pk}/extend/",
                           {"reason": REASON, **as_fields("told_on", today),
                            "version": sar.version})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/subject-access/{sar.pk}/"
    sar.refresh_from_db()
    assert sar.due_on == reply_due_by(sar.received_on, 3)
    detail = client.get(response["Location"]).content.decode()
    assert f"The reply is now due by {sar.due_on:%-d %B %Y}" in detail
    extension = detail.split('data-testid="extension"')[1].split("</div>")[0]
    assert REASON in extension and f"{today:%-d %B %Y}" in extension
    assert f'href="/subject-access/{sar.pk}/extend/"' not in detail
    again = client.get(f"/subject-access/{sar.pk}/extend/")
    assert again.status_code == 302 and again["Location"] == f"/subject-access/{sar.pk}/"


def test_a_refusal_without_the_right_to_complain_is_said_beside_the_field(morgan, client_for):
    client = client_for(morgan)
    sar = child_request(morgan)
    url = f"/subject-access/{sar.pk}/refuse/"
    today = timezone.localdate()
    page = client.post(url, {"reason": "Weekly repeats", **as_fields("on", today)})
    page = page.content.decode()
    assert "<title>Error: " in page and 'href="#id_complaint_right_told"' in page
    beside = page.split('id="div_id_complaint_right_told"')[1].split('type="checkbox"')[0]
    assert "govuk-form-group--error" in beside and "right to complain to the ICO" in beside
    assert "Weekly repeats" in page  # what was typed is kept
    response = client.post(url, {"reason": "Weekly repeats", **as_fields("on", today),
                                 "complaint_right_told": "on"})  # fmt: skip
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    closed = detail.split('data-testid="closed"')[1].split("</div>")[0]
    assert "manifestly unfounded or excessive: Weekly repeats" in closed
    assert "right to complain" in closed and "Refused" in detail
    assert "Release the answer" not in detail and "Download the answer" not in detail
    assert client.get(url).status_code == 302  # closed: back to the request
    listed = client.get("/subject-access/?status=closed").content.decode()
    assert sar.reference in listed
    assert sar.reference not in client.get("/subject-access/").content.decode()


def test_a_withdrawal_over_someone_elses_save_is_refused(morgan, client_for):
    client = client_for(morgan)
    sar = child_request(morgan)
    stale = sar.version
    extend(morgan, sar)
    today = timezone.localdate()
    response = client.post(f"/subject-access/{sar.pk}/withdraw/",
                           {**as_fields("on", today), "version": stale})  # fmt: skip
    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()
    sar.refresh_from_db()
    assert sar.is_open
    response = client.post(f"/subject-access/{sar.pk}/withdraw/",
                           {**as_fields("on", today), "version": sar.version,
                            "reason": "Phoned to withdraw"})  # fmt: skip
    assert response.status_code == 302
    sar.refresh_from_db()
    assert sar.status == RequestStatus.WITHDRAWN and sar.closed_reason == "Phoned to withdraw"
    detail = client.get(f"/subject-access/{sar.pk}/").content.decode()
    assert "Withdrawn by the person who asked" in detail


@pytest.mark.parametrize("page", ["extend", "withdraw", "refuse"])
def test_a_5000_character_reason_is_refused_beside_its_field_and_kept(morgan, client_for, page):
    client = client_for(morgan)
    sar = child_request(morgan)
    typed = "Repeated request " + "x" * 4983
    fields = {"reason": typed, **as_fields("told_on", timezone.localdate()),
              **as_fields("on", timezone.localdate()), "complaint_right_told": "on",
              "version": sar.version}  # fmt: skip
    response = client.post(f"/subject-access/{sar.pk}/{page}/", fields)
    text = response.content.decode()
    assert response.status_code == 200 and 'href="#id_reason"' in text
    beside = text.split('id="div_id_reason"')[1].split("</textarea>")[0]
    assert "govuk-form-group--error" in beside and "at most 1000 characters" in beside
    assert typed in beside  # nothing typed is lost
    sar.refresh_from_db()
    assert sar.status == RequestStatus.OPEN and sar.extended_at is None
