"""The pages: the central team only (anonymous people are sent to sign in, everyone else is
refused), recording a request, the review and release, the downloads, the list and the home
page; every view and download audited; query budgets that do not grow with the record."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from audit.models import Action, AuditEvent
from subject_access.models import RequestStatus, SubjectAccessRequest, WithheldItem
from tests.children.conftest import make_child
from tests.helpers import assert_audited, pdf_text
from tests.subject_access.conftest import (
    FATHER_PHONE,
    FIRST_MESSAGE,
    add_history,
    as_request,
    record,
)

pytestmark = pytest.mark.django_db


def urls(sar) -> list[str]:
    return [
        "/subject-access/",
        f"/subject-access/children/{sar.child_id}/",
        f"/subject-access/{sar.pk}/",
        f"/subject-access/{sar.pk}/edit/",
    ]


def released(scene, morgan, withheld=None):
    from subject_access import actions

    return actions.release(request=as_request(morgan), by=morgan, sar=scene.sar,
                           version=scene.sar.version, withheld=withheld or {})  # fmt: skip


def test_anonymous_people_are_sent_to_sign_in(client, morgan):
    sar = record(morgan, make_child(), requester_kind="child", relationship="Herself")
    for url in [*urls(sar), f"/subject-access/{sar.pk}/answer.pdf"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    preview = client.post(f"/subject-access/{sar.pk}/", {"preview": "1"})
    assert preview.status_code == 302 and preview["Location"].startswith("/sign-in/")
    assert not AuditEvent.objects.filter(action=Action.DOWNLOAD).exists()


@pytest.mark.parametrize("who", ["amara", "priya", "daniel", "helen", "sam", "alex"])
def test_everyone_but_the_central_team_is_refused(personas, client_for, who, morgan):
    child = make_child()
    from tests.children.conftest import involve

    involve(personas["amara"], child)  # amara works with her; priya is her officer
    sar = record(morgan, child, requester_kind="child", relationship="Herself")
    client = client_for(personas[who])
    for url in [*urls(sar), f"/subject-access/{sar.pk}/answer.json"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/subject-access/{sar.pk}/", {}).status_code == 403
    preview = client.post(f"/subject-access/{sar.pk}/", {"preview": "1"})
    assert preview.status_code == 403 and preview["Content-Type"].startswith("text/html")
    assert SubjectAccessRequest.objects.get(pk=sar.pk).status == RequestStatus.OPEN
    assert not AuditEvent.objects.filter(action=Action.DOWNLOAD).exists()
    refused = AuditEvent.objects.filter(user=personas[who], action=Action.DENIED)
    assert refused.count() == 7


def test_the_central_team_records_a_request_from_the_childs_record(scene, morgan, client_for):
    client = client_for(morgan)
    record_page = client.get(f"/children/{scene.child.pk}/record/").content.decode()
    assert f'href="/subject-access/children/{scene.child.pk}/"' in record_page
    audit_page = client.get(f"/audit/child/{scene.child.pk}/").content.decode()
    assert f'href="/subject-access/children/{scene.child.pk}/"' in audit_page
    page = client.get(f"/subject-access/children/{scene.child.pk}/").content.decode()
    assert "Record a new request" in page and "Rosalind Brackenbury (mother)" in page
    received = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        f"/subject-access/children/{scene.child.pk}/",
        {"requester_name": "Edmund Brackenbury", "requester_kind": "parent",
         "requester_parent": str(scene.father.pk), "relationship": "Father",
         "received_on_0": received.day, "received_on_1": received.month,
         "received_on_2": received.year, "identity_checked": "on",
         "identity_how": "Driving licence seen"},
    )  # fmt: skip
    sar = SubjectAccessRequest.objects.get(requester_name="Edmund Brackenbury")
    assert response.status_code == 302 and response["Location"] == f"/subject-access/{sar.pk}/"
    assert sar.requester_parent == scene.father and sar.identity_how == "Driving licence seen"
    detail = client.get(response["Location"]).content.decode()
    assert f"{sar.reference} recorded. The reply is due by" in detail
    assert sar.due_on.strftime("%-d %B %Y") in detail
    assert_audited(user=morgan, action=Action.CREATE, child=scene.child)
    assert_audited(user=morgan, action=Action.VIEW, child=scene.child,
                   view="subject access requests")  # fmt: skip
    # Now the father asks, the mother's contact details are someone else's.
    assert f'value="parent-{scene.mother.pk}-contact"' in detail
    assert f'value="parent-{scene.father.pk}-contact"' not in detail


def test_what_is_missing_is_said_beside_the_field(scene, morgan, client_for):
    client = client_for(morgan)
    url = f"/subject-access/children/{scene.child.pk}/"
    typed = {"requester_name": "Edmund Brackenbury", "requester_kind": "parent",
             "requester_parent": "", "relationship": "Father",
             "identity_checked": "on"}  # fmt: skip
    page = client.post(url, typed).content.decode()
    assert "<title>Error: " in page and "Enter date the request was received" in page
    assert 'value="Edmund Brackenbury"' in page
    day = timezone.localdate()
    when = {"received_on_0": day.day, "received_on_1": day.month, "received_on_2": day.year}
    page = client.post(url, {**typed, **when}).content.decode()
    assert "Choose which person with parental responsibility is asking" in page
    assert 'href="#id_requester_parent"' in page and "Say how their identity was checked" in page
    assert 'value="Edmund Brackenbury"' in page and 'value="Father"' in page
    assert SubjectAccessRequest.objects.filter(child=scene.child).count() == 1


def test_the_review_lists_third_party_items_and_a_tick_needs_a_reason(scene, morgan, client_for):
    client = client_for(morgan)
    url = f"/subject-access/{scene.sar.pk}/"
    page = client.get(url).content.decode()
    assert "Review before release" in page
    father = f"parent-{scene.father.pk}-contact"
    sibling = f"sibling-{scene.sibling.pk}"
    for key in (father, sibling):
        assert f'value="{key}"' in page
    assert FATHER_PHONE in page and FIRST_MESSAGE in page and "Sensitive service" in page
    # Showing the brother's details is a view of his record too.
    assert_audited(user=morgan, action=Action.VIEW, child=scene.sibling,
                   sibling_of=scene.child.lisa_ref)  # fmt: skip
    assert_audited(user=morgan, action=Action.VIEW, child=scene.child,
                   subject_access_request=scene.sar.reference)  # fmt: skip

    response = client.post(url, {"withhold": [father, sibling], f"reason_{father}": "",
                                 f"reason_{sibling}": "Her brother's own information",
                                 "version": scene.sar.version})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "Say why this item is withheld" in page
    assert f'href="#id_reason_{father}"' in page
    assert "Her brother&#x27;s own information" in page  # what was typed is kept
    assert SubjectAccessRequest.objects.get(pk=scene.sar.pk).status == RequestStatus.OPEN

    response = client.post(url, {"withhold": [father, sibling],
                                 f"reason_{father}": "The father's own details",
                                 f"reason_{sibling}": "Her brother's own information",
                                 "version": scene.sar.version})  # fmt: skip
    assert response.status_code == 302
    sar = SubjectAccessRequest.objects.get(pk=scene.sar.pk)
    assert sar.status == RequestStatus.RELEASED
    assert {w.item_key: w.reason for w in WithheldItem.objects.filter(request=sar)} == {
        father: "The father's own details", sibling: "Her brother's own information"}  # fmt: skip
    page = client.get(url).content.decode()
    assert "Download the answer as a PDF" in page and "The father&#x27;s own details" in page
    assert "Review before release" not in page


def test_a_preview_is_the_answer_as_released_now_and_releases_nothing(scene, morgan, client_for):
    client = client_for(morgan)
    url = f"/subject-access/{scene.sar.pk}/"
    assert 'name="preview"' in client.get(url).content.decode()
    father = f"parent-{scene.father.pk}-contact"
    sibling = f"sibling-{scene.sibling.pk}"
    response = client.post(url, {"preview": "1", "withhold": [father],
                                 f"reason_{father}": "The father's own details",
                                 "version": scene.sar.version})  # fmt: skip
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="draft-subject-access-')
    assert response["Cache-Control"] == "no-store, private"
    text = " ".join(pdf_text(response.content).split())
    assert "Draft for review: this answer has not been released" in text
    assert text.count("DRAFT FOR REVIEW – NOT RELEASED") >= 2  # on every page
    assert "What LISA holds about Ottoline Brackenbury" in text
    assert "withheld: The father's own details" in text and FATHER_PHONE not in text
    # Nothing released, nothing kept.
    sar = SubjectAccessRequest.objects.get(pk=scene.sar.pk)
    assert sar.status == RequestStatus.OPEN and sar.content is None and sar.released_at is None
    assert not WithheldItem.objects.exists()
    (event,) = assert_audited(user=morgan, action=Action.DOWNLOAD, child=scene.child, draft=True)
    assert event.detail["withheld"] == [father] and event.detail["format"] == "pdf"
    # The brother went out with the draft: a view of his record.
    assert_audited(user=morgan, action=Action.VIEW, child=scene.sibling,
                   view="sibling on subject access draft")  # fmt: skip
    # Withholding the brother leaves him out of the draft, and out of its audit.
    before = AuditEvent.objects.filter(child_id=scene.sibling.pk).count()
    response = client.post(url, {"preview": "1", "withhold": [father, sibling],
                                 f"reason_{father}": "The father's own details",
                                 f"reason_{sibling}": "Her brother's own information",
                                 "version": scene.sar.version})  # fmt: skip
    text = " ".join(pdf_text(response.content).split())
    assert "withheld: Her brother's own information" in text
    assert AuditEvent.objects.filter(child_id=scene.sibling.pk).count() == before


def test_a_preview_with_a_tick_and_no_reason_is_refused_beside_it(scene, morgan, client_for):
    client = client_for(morgan)
    father = f"parent-{scene.father.pk}-contact"
    sibling = f"sibling-{scene.sibling.pk}"
    response = client.post(f"/subject-access/{scene.sar.pk}/", {
        "preview": "1", "withhold": [father, sibling], f"reason_{father}": "",
        f"reason_{sibling}": "Her brother's own information",
        "version": scene.sar.version})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Say why this item is withheld" in page and f'href="#id_reason_{father}"' in page
    assert "Her brother&#x27;s own information" in page
    assert not AuditEvent.objects.filter(action=Action.DOWNLOAD).exists()


def test_downloads_are_the_released_answer_and_are_audited(scene, morgan, client_for):
    father = f"parent-{scene.father.pk}-contact"
    sar = released(scene, morgan, {father: "The father's own details"})
    client = client_for(morgan)
    response = client.get(f"/subject-access/{sar.pk}/answer.json")
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store, private"
    document = json.loads(response.content)
    assert document == sar.content and FATHER_PHONE not in response.content.decode()
    pdf = client.get(f"/subject-access/{sar.pk}/answer.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(pdf.content).split())
    assert "What LISA holds about Ottoline Brackenbury" in text
    assert "withheld: The father's own details" in text and FATHER_PHONE not in text
    downloads = AuditEvent.objects.filter(
        user=morgan, action=Action.DOWNLOAD, child_id=sar.child_id
    )
    assert sorted(e.detail["format"] for e in downloads) == ["json", "pdf"]
    assert all(e.object_type == "subject_access.subjectaccessrequest" for e in downloads)
    # The brother's details went out with it: a view of his record each time.
    assert_audited(user=morgan, action=Action.VIEW, child=scene.sibling, count=2)


def test_an_answer_not_yet_released_cannot_be_downloaded(scene, morgan, client_for):
    client = client_for(morgan)
    for name in ("answer.pdf", "answer.json"):
        assert client.get(f"/subject-access/{scene.sar.pk}/{name}").status_code == 404
    assert not AuditEvent.objects.filter(action=Action.DOWNLOAD).exists()


def test_a_release_needs_the_identity_checked(scene, morgan, client_for):
    sar = record(morgan, scene.child, parent=scene.mother, identity_checked=False,
                 identity_how="")  # fmt: skip
    client = client_for(morgan)
    page = client.get(f"/subject-access/{sar.pk}/").content.decode()
    assert "cannot be released until the identity" in page
    response = client.post(f"/subject-access/{sar.pk}/", {"version": sar.version})
    assert "identity of the person asking was checked" in response.content.decode()
    edit = f"/subject-access/{sar.pk}/edit/"
    form = client.get(edit).content.decode()
    assert 'value="Rosalind Brackenbury"' in form
    response = client.post(edit, {
        "requester_name": "Rosalind Brackenbury", "requester_kind": "parent",
        "requester_parent": str(scene.mother.pk), "relationship": "Mother",
        "received_on_0": sar.received_on.day, "received_on_1": sar.received_on.month,
        "received_on_2": sar.received_on.year, "identity_checked": "on",
        "identity_how": "Passport seen", "version": sar.version})  # fmt: skip
    assert response.status_code == 302
    sar.refresh_from_db()
    assert sar.identity_checked and sar.identity_how == "Passport seen"
    assert_audited(user=morgan, action=Action.UPDATE, child=scene.child, subject_access="changed")


def test_a_released_request_is_not_changed(scene, morgan, client_for):
    sar = released(scene, morgan)
    response = client_for(morgan).get(f"/subject-access/{sar.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/subject-access/{sar.pk}/"


def test_the_list_and_the_home_page_put_overdue_first(
    morgan, client_for, django_assert_max_num_queries
):
    today = timezone.localdate()
    late = record(morgan, make_child(forenames="Latecomer"), requester_kind="child",
                  relationship="Herself", received_on=today - dt.timedelta(days=45))  # fmt: skip
    soon = record(morgan, make_child(forenames="Soonish"), requester_kind="child",
                  relationship="Herself", received_on=today - dt.timedelta(days=20))  # fmt: skip
    for n in range(12):
        record(morgan, make_child(forenames=f"Later{n}"), requester_kind="child",
               relationship="Herself", received_on=today)  # fmt: skip
    client = client_for(morgan)
    client.get("/")
    with django_assert_max_num_queries(30):
        home = client.get("/").content.decode()
    section = home.split('data-testid="subject-access-open"')[1].split("</ul>")[0]
    assert section.index(late.reference) < section.index(soon.reference) < section.index("Later0")
    first = section.split("</li>")[0]
    assert "Overdue" in first and "Overdue" not in section.split("</li>")[1]
    assert "1 request past the legal deadline" in home
    assert late.due_on.strftime("%-d %b %Y") in first
    listed = assert_audited(user=morgan, action=Action.VIEW,
                            view="home page: subject access requests")  # fmt: skip
    assert late.child.lisa_ref in listed[-1].detail["shown"]

    with django_assert_max_num_queries(20):
        page = client.get("/subject-access/").content.decode()
    assert page.index(late.reference) < page.index(soon.reference)
    assert page.count("Overdue") == 1
    assert_audited(user=morgan, action=Action.VIEW, view="subject access requests", status="open")


def test_no_home_page_section_for_others(personas, client_for):
    page = client_for(personas["priya"]).get("/").content.decode()
    assert "subject-access" not in page


def test_the_request_page_costs_the_same_whatever_the_history(
    scene, morgan, client_for, django_assert_max_num_queries
):
    client = client_for(morgan)
    url = f"/subject-access/{scene.sar.pk}/"
    client.get(url)
    with django_assert_max_num_queries(70) as small:
        client.get(url)
    add_history(scene, 25)
    with django_assert_max_num_queries(70) as large:
        page = client.get(url).content.decode()
    assert "Message 24" in page and "0207 000 0024" in page
    assert len(large.captured_queries) <= len(small.captured_queries) + 2


def test_time_passes_and_the_request_becomes_overdue(scene, morgan, client_for):
    later = dt.datetime.combine(scene.sar.due_on + dt.timedelta(days=1), dt.time(12),
                                tzinfo=timezone.get_current_timezone())  # fmt: skip
    with time_machine.travel(later, tick=False):
        page = client_for(morgan).get(f"/subject-access/{scene.sar.pk}/").content.decode()
    due = page.split('data-testid="due-on"')[1].split("</dd>")[0]
    assert "Overdue" in due
