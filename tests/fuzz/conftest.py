"""Fuzzing every form and query string: the demonstration data, the people who use each page,
and the tally printed at the end ("fuzz: N inputs, M server errors").

The demonstration data (``load_demo``) is loaded once per module inside a transaction that is
rolled back when the module ends, so the rest of the suite never sees it. Every input is sent
inside a savepoint that is rolled back straight after, so each example meets the same world.

``LISA_FUZZ_EXAMPLES`` sets how many inputs hypothesis generates for each form or query string
(20 by default, about three minutes in all; ``make fuzz`` sets 150, over 10,000
inputs in all).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

EXAMPLES = int(os.environ.get("LISA_FUZZ_EXAMPLES", "20"))


@dataclass
class Tally:
    inputs: int = 0
    # (method, path, the fields given junk, the error and where it was raised)
    server_errors: list[tuple[str, str, str, str]] = field(default_factory=list)


TALLY = Tally()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not TALLY.inputs:
        return
    terminalreporter.write_sep("-", "fuzzing")
    # One line per distinct failure (hypothesis replays and shrinks each one many times).
    distinct: dict[str, tuple[int, str]] = {}
    for method, path, inputs, error in TALLY.server_errors:
        count, example = distinct.get(f"{method} {path}: {error}", (0, inputs))
        distinct[f"{method} {path}: {error}"] = (count + 1, example)
    for key, (count, example) in sorted(distinct.items()):
        terminalreporter.write_line(f"    {key} ({count}x), e.g. {example}")
    terminalreporter.write_line(
        f"fuzz: {TALLY.inputs} inputs, {len(TALLY.server_errors)} server errors",
        red=bool(TALLY.server_errors),
        bold=True,
    )


@dataclass
class World:
    """The people and records the fuzzed pages are about."""

    people: dict
    kwargs: dict  # URL parameters, by URL name


def _build_world() -> World:
    from audit.models import Alert, AlertKind
    from children.demo import ARCHIVED_REF
    from children.models import Child, Involvement
    from concerns.models import Category as ConcernCategory
    from concerns.models import Concern
    from consent.models import Agreement, SharingDecision
    from directory.models import Category, Location, Organisation, Service
    from lisa.models import Agency, User
    from messaging.models import Message

    call_command("load_demo", stdout=io.StringIO())
    people = {
        name: User.objects.get(username=username)
        for name, username in {
            "amara": "amara.okafor",
            "priya": "priya.shah",
            "morgan": "morgan.ellis",
            "sam": "sam.taylor",
            "daniel": "daniel.price",  # a practitioner not involved with the child
        }.items()
    }
    amara = people["amara"]
    # A demo child Amara works with, who has a refusal and a decision to share without consent.
    sharing = SharingDecision.objects.filter(
        created_by=amara, child__involvements__practitioner=amara
    ).first()
    child = sharing.child
    involvement = Involvement.objects.filter(child=child, practitioner=amara).first()
    agreement = Agreement.objects.filter(child=child).first()
    parent = child.parents.first()
    concern = (
        Concern.objects.filter(child=child).first()
        or Concern.objects.filter(raised_by=amara).first()
    )
    message = Message.objects.filter(author=amara).select_related("thread").first()
    alert = Alert.objects.create(
        kind=AlertKind.BREAK_GLASS, child=child, user=amara, reason="Fuzzing the alert queue"
    )
    service = Service.objects.filter(editors=people["sam"]).first()
    location = Location.objects.filter(service__is_published=True).first()
    # Someone the managers may change who is not signing in as a persona.
    other = (
        User.objects.filter(is_active=True)
        .exclude(pk__in=[person.pk for person in people.values()])
        .order_by("pk")
        .first()
    )
    token = default_token_generator.make_token(other)
    from children.actions import produce_transfer_summary
    from tests.meetings.conftest import as_request

    summary = produce_transfer_summary(
        request=as_request(amara),
        by=amara,
        child=child,
        for_authority="Kent County Council",
        decision=sharing,
    )
    # The summary comes back: imported into the record, and uploaded again (Amara's, waiting).
    from children.actions import hold_import, import_transfer_summary

    received = import_transfer_summary(
        request=as_request(amara),
        by=amara,
        pending=hold_import(
            request=as_request(amara), by=amara, document=summary.content, from_authority="Kent"
        ),
        into=child,
    )
    pending = hold_import(
        request=as_request(amara), by=amara, document=summary.content, from_authority="Kent"
    )
    kwargs = {
        "set-password": {"uidb64": urlsafe_base64_encode(force_bytes(other.pk)), "token": token},
        "children:by-ref": {"ref": child.lisa_ref},
        # Only an archived record can be restored: the demo's.
        "children:restore": {"pk": Child.objects.get(lisa_ref=ARCHIVED_REF).pk},
        "children:transfer-summary-json": {"pk": child.pk, "item_pk": summary.pk},
        "children:transfer-summary-pdf": {"pk": child.pk, "item_pk": summary.pk},
        "children:import-review": {"token": pending.token},
        "children:import-new": {"token": pending.token},
        "children:import-into": {"token": pending.token, "pk": child.pk},
        "children:received-summary": {"pk": child.pk, "item_pk": received.pk},
        "children:end-involvement": {"pk": child.pk, "item_pk": involvement.pk},
        "children:involvement-error": {"pk": child.pk, "item_pk": involvement.pk},
        "children:edit-parent": {"pk": child.pk, "item_pk": parent.pk},
        "children:parent-error": {"pk": child.pk, "item_pk": parent.pk},
        "consent:record-agreement": {"pk": child.pk, "kind": "parent-carer"},
        "consent:print-form": {"pk": child.pk, "kind": "parent-carer"},
        "consent:print-blank": {"kind": "young-person"},
        "consent:sharing-error": {"pk": child.pk, "item_pk": sharing.pk},
        "messaging:thread": {"pk": message.thread_id},
        "messaging:message-error": {"pk": message.thread_id, "message_pk": message.pk},
        "audit:alert": {"pk": alert.pk},
        "audit:child": {"pk": child.pk},
        "agencies:edit": {"pk": people["priya"].agency_id},
        "directory:organisation-edit": {"pk": Organisation.objects.first().pk},
        "directory:category-edit": {"pk": Category.objects.first().pk},
        "concerns:category-edit": {"pk": ConcernCategory.objects.first().pk},
        "oruk:service": {"id": str(service.uuid)},
        "oruk:service-at-location": {"id": str(location.uuid)},
        "oruk:taxonomy": {"id": str(Category.objects.first().uuid)},
        "oruk:taxonomy-term": {"id": str(Category.objects.first().uuid)},
        "oruk:organization": {"id": str(Organisation.objects.first().uuid)},
    }
    for name in ("withdraw", "copies", "agreement-error", "print-agreement", "scan"):
        kwargs[f"consent:{name}"] = {"pk": child.pk, "item_pk": agreement.pk}
    kwargs["consent:scan-download"] = kwargs["consent:scan"]
    by_prefix = {
        "children:": {"pk": child.pk},
        "consent:": {"pk": child.pk},
        "concerns:": {"pk": concern.pk, "child_pk": child.pk},
        "users:": {"pk": other.pk},
        "directory:": {"pk": service.pk},
    }
    kwargs["_prefix"] = by_prefix
    kwargs["meetings:arrange"] = {"child_pk": child.pk}
    kwargs["meetings:arrange-concern"] = {"concern_pk": concern.pk}
    meeting, plan, plan_action = _meeting(amara, child, parent, concern)
    for name in ("detail", "attendance", "record", "lead", "plan-create", "print", "calendar",
                 "send", "correct", "copies", "family-copy", "meeting-error"):  # fmt: skip
        kwargs[f"meetings:{name}"] = {"pk": meeting.pk}
    for name in ("plan", "outcome-add", "action-add", "plan-close", "plan-error"):
        kwargs[f"meetings:{name}"] = {"pk": plan.pk}
    kwargs["meetings:action"] = {"pk": plan_action.pk}
    kwargs["meetings:action-error"] = {"pk": plan_action.pk}
    kwargs["meetings:invitation"] = {
        "pk": meeting.pk,
        "invitee_pk": meeting.invitees.get(parent=parent).pk,
    }
    kwargs["figures:section"] = {"section": "concerns"}
    kwargs["figures:csv"] = {"section": "concerns", "key": "concerns-by-level"}
    open_request, answered = _subject_access(people["morgan"], child, parent)
    kwargs["subject_access:child"] = {"pk": child.pk}
    for name in ("detail", "edit", "extend", "withdraw", "refuse"):
        kwargs[f"subject_access:{name}"] = {"pk": open_request.pk}
    for name in ("pdf", "json"):
        kwargs[f"subject_access:{name}"] = {"pk": answered.pk}
    assert Agency.objects.exists()
    return World(people=people, kwargs=kwargs)


def _meeting(amara, child, parent, concern):
    """A meeting about the child that Amara chairs, held today, with a plan and an action (its
    record not yet sent, so every form on it still takes input)."""
    from tests.meetings.conftest import add_action, arrange, hold, start_plan

    meeting = arrange(
        amara, child, parents=[parent],
        concerns=[concern] if concern.child_id == child.pk else [],
    )  # fmt: skip
    meeting = hold(meeting, amara, attended=[amara])
    plan = start_plan(meeting, amara)
    plan_action = add_action(plan, amara, amara)
    meeting.refresh_from_db()
    return meeting, plan, plan_action


def _subject_access(morgan, child, parent):
    """Two subject access requests about the child from a parent: one open (so the review and
    release form take input), one answered."""
    from django.utils import timezone

    from subject_access import actions
    from tests.meetings.conftest import as_request

    values = {
        "requester_name": parent.name,
        "requester_kind": "parent",
        "parent": parent,
        "relationship": parent.relationship,
        "received_on": timezone.localdate(),
        "identity_checked": True,
        "identity_how": "Passport seen",
    }
    made = [
        actions.record_request(request=as_request(morgan), by=morgan, child=child, values=values)
        for _ in range(2)
    ]
    answered = actions.release(
        request=as_request(morgan), by=morgan, sar=made[1], version=made[1].version, withheld={}
    )
    return made[0], answered


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demonstration data, for this module only (rolled back at its end)."""
    from django.conf import settings

    media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("fuzz-media"))
    with django_db_blocker.unblock(), transaction.atomic():
        built = _build_world()
        yield built
        transaction.set_rollback(True)
    settings.MEDIA_ROOT = media
