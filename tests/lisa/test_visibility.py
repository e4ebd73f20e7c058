"""A shielded address and a sensitive-service involvement show to nobody who may not see them.

One household, built through the real actions (so the audit trail, alerts and field history
exist as they would in use):

    Imogen Fennimore   shielded, at 17 Marlowe Close, SE13 7QT
    Tobias, Rosa       her brother and sister, not shielded, at the same address
    Harriet Fennimore  their mother (parental responsibility), at the same address

Beatrix Holloway of Brook Sexual Health Lewisham (a sensitive service) has logged a concern
about Imogen and so works with her, and recorded Imogen's own refusal to share; no consent to
show sensitive involvements is recorded. Amara (health visiting) works with Imogen and Rosa,
Daniel (school) with Tobias; there are message threads about Imogen, her chronology, consent
agreements and a decision to share without consent.

Then each person who may not see these things fetches every page, PDF and CSV the project
serves about the family (the URLconf is walked, and every route whose parameters refer to these
records is filled in) and none of the responses may contain the shielded address, its postcode
(spaced, unspaced, lower case or URL-encoded) or Brook, its practitioner's name, email, phone or
job title. The specification's rules:

- "only the central team and involved practitioners see a shielded address": hidden wherever it
  appears for the shielded child, including her brother's, sister's and mother's addresses (the
  same address), and a postcode search must not find the household;
- "Involvements with sensitive services … appear only to the central team, to practitioners of
  that same service, and where consent to show them is recorded": so whatever would reveal one
  (the author and agency of a concern, a consent form's professional, who may be messaged about
  the child) is hidden or generalised. A search for staff by name may still find Brook's
  practitioner, but only as it does for a child Brook does not work with.

Everything is built and fetched once per module, inside a transaction that is rolled back at
the end; each persona × page is its own test, so a failure names both.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import Alert, AlertKind
from children import actions as child_actions
from concerns import actions as concern_actions
from concerns.models import Category, ConcernOutcome
from consent import actions as consent_actions
from consent.models import Decision, Ground, Kind
from figures.base import SECTIONS
from lisa.models import Agency, AgencyType, Role
from messaging import actions as message_actions
from tests.conftest import PASSWORD, make_user

# The marker makes pytest-django create the test database even when only this module runs.
pytestmark = pytest.mark.django_db

# --- what must not be seen ----------------------------------------------------------------------

ADDRESS_LINE = "17 Marlowe Close"
POSTCODE = "SE13 7QT"
ADDRESS_NEEDLES = ["Marlowe Close", "se13 7qt", "se137qt", "se13+7qt", "se13%207qt"]

BROOK = "Brook Sexual Health Lewisham"
BEATRIX = "Beatrix Holloway"
BEATRIX_EMAIL = "beatrix.holloway@brook-lewisham.example.org"
BEATRIX_PHONE = "020 8314 7788"
BEATRIX_JOB = "Contraception and sexual health nurse"
SENSITIVE_NEEDLES = [
    "Brook Sexual Health",
    BEATRIX,
    "Holloway",
    BEATRIX_EMAIL,
    BEATRIX_PHONE,
    "Contraception and sexual health",
    "clinic@brook-lewisham.example.org",
]


# --- who looks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    key: str
    username: str
    may_see_address: bool = False


PERSONAS = [
    # A teacher who works with Imogen's brother only.
    Persona("daniel-sibling-only", "daniel.price"),
    # A health visitor who works with Imogen: she may see the address, not Brook.
    Persona("amara-involved", "amara.okafor", may_see_address=True),
    # A housing officer who works with nobody in the family.
    Persona("olu-not-involved", "olu.adeyemi"),
    # Health Visiting's designated officer: the full record through Amara, but not involved.
    Persona("priya-designated-officer", "priya.shah"),
    # A police officer with current break-glass grants on Imogen's and Rosa's records.
    Persona("kwame-break-glass", "kwame.mensah"),
]


# --- the pages --------------------------------------------------------------------------------

CHILDREN = ("imogen", "tobias", "rosa")
# Items that belong to one child, by label: the child they belong to.
INVOLVEMENTS = {
    "brook-with-imogen": "imogen",
    "amara-with-imogen": "imogen",
    "daniel-with-tobias": "tobias",
    "amara-with-rosa": "rosa",
}
PARENTS = {"mother-of-imogen": "imogen", "mother-of-tobias": "tobias", "mother-of-rosa": "rosa"}
AGREEMENTS = {"parent-refusal": "imogen", "young-person-refusal": "imogen"}
DECISIONS = {"sharing-decision": "imogen"}
# A transfer summary of Imogen's, sent back and imported: it holds her shielded address, her
# mother's, and Brook's practitioner with the action she owns.
RECEIVED = {"imogen-received": "imogen"}
CONCERNS = ("brook-concern", "amara-concern", "daniel-concern")
THREADS = ("amara-thread", "brook-thread")
MESSAGES = {"amara-thread-first": "amara-thread", "brook-thread-first": "brook-thread"}
CONSENT_KINDS = ("parent-carer", "young-person")

# Routes that show nothing about any child: signing in, passwords, public pages, the service
# directory and its open data, pages about accounts, agencies and concern categories only, a
# blank consent form (no child on it), and a POST-only action.
UNRELATED = {
    "sign-in",
    "sign-out",
    "second-factor",
    "second-factor-setup",
    "account",
    "change-password",
    "forgotten-password",
    "forgotten-password-sent",
    "set-password",
    "set-password-done",
    "accessibility",
    "health",
    "health-live",
    "health-ready",
    "users:list",
    "users:create",
    "agencies:list",
    "agencies:create",
    "concerns:categories",
    "concerns:category-add",
    "concerns:category-edit",
    "consent:print-blank",
    "children:leave-family",
}
UNRELATED_NAMESPACES = ("directory:", "oruk:")
# Routes that this household fills with no record (kept for routes added later).
NOT_IN_THIS_HOUSEHOLD: set[str] = {
    # An upload waiting to be imported is its uploader's alone (anyone else gets 404), so it
    # cannot be walked for every persona: tests/children/test_import.py checks that its pages
    # show no shielded address to the uploader who may not see it.
    "children:import-review",
    "children:import-new",
    "children:import-into",
    # Only the producer's own access decides a summary's content (tests/children/
    # test_transfer_summary.py checks shielding and sensitive services in it); here the page
    # that produces one is walked for every persona.
    "children:transfer-summary-json",
    "children:transfer-summary-pdf",
}
MEETING = ("imogen-meeting",)

# Pages about a child that offer every LISA practitioner to choose from (a chair, invitees).
STAFF_PICKERS = {"meetings:arrange"}

# Pages whose choice lists offer every active practitioner or every agency, whatever the child
# (adding someone to work with a child, the agency an action is for): those lists say nothing
# about who works with this child, so their options are left out of the check; the rest of
# the page is checked as usual.
EVERYONE_PICKERS = {"children:add-involvement", "children:change-school", "meetings:action-add"}
OPTION = re.compile(r"<option[^>]*>[^<]*</option>")

# Filled in per route name: parameter -> the labels of the records it takes.
OBJECT_ROUTES = {
    "concerns:detail": CONCERNS,
    "concerns:logged": CONCERNS,
    "concerns:change": CONCERNS,
    "concerns:close": CONCERNS,
    "concerns:entered-in-error": CONCERNS,
    "messaging:thread": THREADS,
    "audit:alert": ("break-glass-alert",),
    "audit:child": CHILDREN,
    "agencies:edit": ("brook",),
    # Imogen's and Rosa's Family Support Meeting: Brook's practitioner was invited, came and
    # owns an action on the plan; the record of decisions has been sent.
    **{
        f"meetings:{name}": MEETING
        for name in (
            "detail",
            "attendance",
            "record",
            "lead",
            "plan-create",
            "print",
            "calendar",
            "send",
            "correct",
            "copies",
            "family-copy",
            "meeting-error",
        )
    },
    **{
        f"meetings:{name}": ("imogen-plan",)
        for name in ("plan", "outcome-add", "action-add", "plan-close", "plan-error")
    },
    "meetings:action": ("brook-action",),
    "meetings:action-error": ("brook-action",),
    "meetings:sent-record": ("imogen-record",),
    "meetings:sent-record-pdf": ("imogen-record",),
    # The central team's subject access pages (a request from Imogen's mother): nobody else's.
    "subject_access:child": CHILDREN,
    **{
        f"subject_access:{name}": ("imogen-sar",)
        for name in ("detail", "edit", "extend", "withdraw", "refuse", "pdf", "json")
    },
}


# Where one record stands for the others (the same template, the same check), only it is fetched:
# each PDF takes seconds to print. A route not named here is fetched for every record it takes.
ONLY = {
    "children:by-ref": [("ref:imogen",)],
    "children:merge": [("imogen",)],
    "children:claim": [("imogen",)],
    "children:break-glass": [("imogen",)],
    "children:add-involvement": [("imogen",)],
    "children:add-parent": [("imogen",)],
    "children:parent-error": [("imogen", "mother-of-imogen")],
    "children:end-involvement": [("imogen", "brook-with-imogen"), ("imogen", "amara-with-imogen")],
    "children:involvement-error": [("imogen", "brook-with-imogen")],
    "concerns:log": [("imogen",)],
    "concerns:logged": [("brook-concern",)],
    "concerns:change": [("brook-concern",)],
    "concerns:close": [("brook-concern",)],
    "concerns:entered-in-error": [("brook-concern",)],
    "consent:record-agreement": [("imogen", "parent-carer"), ("imogen", "young-person")],
    "consent:record-sharing": [("imogen",)],
    "consent:copies": [("imogen", "young-person-refusal")],
    "consent:agreement-error": [("imogen", "young-person-refusal")],
    "consent:scan": [("imogen", "young-person-refusal")],
    "consent:scan-download": [("imogen", "young-person-refusal")],
    # Pre-filled with the child's name and the reader's own details only; the agreements
    # printed above carry what others recorded.
    "consent:print-form": [],
    "concerns:chronology-pdf": [("imogen",), ("tobias",)],
    # The other user screens open the user through the same check as its detail page.
    "users:edit": [],
    "users:training": [],
    "users:deactivate": [],
    "users:reactivate": [],
    "users:send-link": [],
    "users:reset-second-factor": [],
}


@dataclass(frozen=True)
class Page:
    """One request: a route name, its arguments as labels, and an optional query or form."""

    key: str
    name: str
    args: tuple[str, ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    post: tuple[tuple[str, str], ...] = ()
    # What the person typed themselves: shown back to them, it tells them nothing.
    typed: tuple[str, ...] = ()
    # A staff search about a child: Brook's practitioner may be found by name, but only as she
    # is on the same search about a child Brook does not work with (the page with this key),
    # which reveals nothing; that page is the reference, and is checked for the address only.
    baseline: str = ""
    reference: bool = False
    phase: int = 1

    @property
    def asks_by_postcode(self) -> bool:
        return any(_compact(value) == _compact(POSTCODE) for value in self.typed)


def _compact(value: str) -> str:
    return "".join(value.split()).lower()


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}"


def params(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def fillings(name: str, route: str) -> list[tuple[str, ...]] | None:
    """Every way to fill ``route``'s parameters with this household's records (as labels), or
    None when the route's parameters refer to something else."""
    names = params(route)
    if not names:
        return [()]
    if name in OBJECT_ROUTES and names == ["pk"]:
        return [(label,) for label in OBJECT_ROUTES[name]]
    if name.startswith("users:") and names == ["pk"]:
        return [("beatrix",)]
    if names == ["ref"]:
        return [(f"ref:{child}",) for child in CHILDREN]
    if names == ["kind"]:
        return [(kind,) for kind in CONSENT_KINDS]
    if names == ["child_pk"]:
        return [(child,) for child in CHILDREN]
    if names == ["concern_pk"]:
        return [(concern,) for concern in CONCERNS]
    if names == ["pk", "invitee_pk"]:
        return [("imogen-meeting", "mother-invited")]
    if names == ["pk", "message_pk"]:
        return [(thread, message) for message, thread in MESSAGES.items()]
    if names == ["section"]:
        return [(f"slug:{section}",) for section in FIGURE_SECTIONS]
    if names == ["section", "key"]:
        return [
            (f"slug:{section}", f"slug:{key}")
            for section, figures in FIGURE_SECTIONS.items()
            for key in figures
        ]
    child_apps = ("children:", "concerns:", "consent:")
    if not name.startswith(child_apps):
        return None
    if names == ["pk"]:
        return [(child,) for child in CHILDREN]
    if names == ["pk", "kind"]:
        return [(child, kind) for child in CHILDREN for kind in CONSENT_KINDS]
    if names == ["pk", "item_pk"]:
        if "involvement" in name:
            items = INVOLVEMENTS
        elif "parent" in name:
            items = PARENTS
        elif "sharing" in name:
            items = DECISIONS
        elif "received" in name:
            items = RECEIVED
        elif name.startswith("consent:"):
            items = AGREEMENTS
        else:
            return None
        return [(child, item) for item, child in items.items()]
    return None


def _unrelated(name: str) -> bool:
    return name in UNRELATED or name.startswith(UNRELATED_NAMESPACES)


ROUTES = list(walk(get_resolver().url_patterns))
FIGURE_SECTIONS = SECTIONS


def _pages() -> list[Page]:
    pages = []
    for route, name in ROUTES:
        if _unrelated(name):
            continue
        possible = fillings(name, route) or []
        if name in ONLY:
            possible = [args for args in possible if args in ONLY[name]]
        for args in possible:
            key = f"{name}[{','.join(args)}]" if args else name
            phase = 0 if name.startswith("audit:") or name == "home" else 1
            baseline, reference = "", False
            if name in STAFF_PICKERS:
                # Lists every practitioner to choose from: compared with Rosa's, as below.
                reference = args != ("imogen",)
                baseline = "" if reference else f"{name}[rosa]"
            pages.append(Page(key, name, args, phase=phase, baseline=baseline, reference=reference))
    # Searches for the family and for staff to message, with the terms a person would type.
    searches = [
        ("surname", {"q": "Fennimore"}),
        ("postcode", {"q": POSTCODE}),
        ("postcode-unspaced", {"q": "SE137QT"}),
        ("postcode-lower", {"q": POSTCODE.lower()}),
        ("surname-and-postcode", {"q": "Fennimore", "postcode": POSTCODE}),
    ]
    for label, terms in searches:
        # A search is posted and answered with a redirect to its results (no terms in the URL).
        pages.append(
            Page(
                f"children:search:by-{label}",
                "children:search",
                post=tuple(terms.items()),
                typed=tuple(terms.values()),
                phase=2,
            )
        )
    pages.append(
        Page(
            "children:add[duplicate check at the postcode]",
            "children:add",
            post=(
                ("forenames", "Imogen"),
                ("surname", "Fennimore"),
                ("date_of_birth_0", "1"),
                ("date_of_birth_1", "5"),
                ("date_of_birth_2", "2011"),
                ("gender", "female"),
                ("postcode", POSTCODE),
            ),
            typed=(POSTCODE,),
            phase=2,
        )
    )
    for child in ("imogen", "tobias"):
        pages.append(
            Page(f"messaging:new?child={child}", "messaging:new", query=(("child", child),))
        )
    for term in ("Beatrix", "Brook"):
        for child in ("imogen", "rosa"):
            key = f"messaging:new?child={child}&find={term}"
            pages.append(
                Page(
                    key,
                    "messaging:new",
                    query=(("child", child), ("find", term)),
                    typed=(term,),
                    baseline=key.replace("imogen", "rosa") if child == "imogen" else "",
                    reference=child == "rosa",
                )
            )
    for view in ("events", "export"):
        pages.append(
            Page(
                f"audit:{view}?child=imogen", f"audit:{view}", query=(("child", "imogen"),), phase=0
            )
        )
    return pages


PAGES = _pages()


# --- the household, through the real actions ------------------------------------------------


@dataclass
class Fetched:
    status: int
    text: str
    error: str = ""


@dataclass
class World:
    ids: dict[str, object] = field(default_factory=dict)
    results: dict[tuple[str, str], Fetched] = field(default_factory=dict)


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def build_household() -> dict[str, object]:
    """The family, the people and everything recorded about them; returns label -> id."""
    today = timezone.localdate()
    agency = {
        "health": Agency.objects.create(name="Health Visiting", agency_type=AgencyType.HEALTH),
        "school": Agency.objects.create(
            name="Cedar Rise Primary", agency_type=AgencyType.EDUCATION
        ),
        "central": Agency.objects.create(name="LISA Central Team", agency_type=AgencyType.OTHER),
        "housing": Agency.objects.create(
            name="Lewisham Housing Options", agency_type=AgencyType.HOUSING
        ),
        "police": Agency.objects.create(
            name="Lewisham Police Safeguarding Unit", agency_type=AgencyType.POLICE
        ),
        "brook": Agency.objects.create(
            name=BROOK,
            agency_type=AgencyType.HEALTH,
            sensitive_service=True,
            email="clinic@brook-lewisham.example.org",
            phone="020 8314 7700",
        ),
    }
    practitioner = [Role.PRACTITIONER]
    people = {
        "amara": make_user("amara.okafor", agency["health"], practitioner, phone="020 3049 1101"),
        "priya": make_user(
            "priya.shah", agency["health"], [Role.PRACTITIONER, Role.DESIGNATED_OFFICER]
        ),
        "daniel": make_user("daniel.price", agency["school"], practitioner),
        "morgan": make_user("morgan.ellis", agency["central"], [Role.CENTRAL_TEAM]),
        "olu": make_user("olu.adeyemi", agency["housing"], practitioner),
        "kwame": make_user("kwame.mensah", agency["police"], practitioner),
        "beatrix": make_user(
            "beatrix.holloway",
            agency["brook"],
            practitioner,
            email=BEATRIX_EMAIL,
            phone=BEATRIX_PHONE,
            job_title=BEATRIX_JOB,
        ),
    }
    amara, morgan, beatrix = people["amara"], people["morgan"], people["beatrix"]

    home = {"address_line_1": ADDRESS_LINE, "town": "London", "postcode": POSTCODE}
    children = {}
    for label, forenames, born, gender, shielded, school in (
        ("imogen", "Imogen", dt.date(2011, 3, 14), "female", True, "Prendergast Ladywell"),
        ("tobias", "Tobias", dt.date(2014, 9, 2), "male", False, "Cedar Rise Primary"),
        ("rosa", "Rosa", dt.date(2022, 6, 11), "female", False, ""),
    ):
        children[label] = child_actions.create_child(
            request=_request(amara),
            by=amara,
            values={
                "forenames": forenames,
                "surname": "Fennimore",
                "date_of_birth": born,
                "gender": gender,
                "shielded": shielded,
                "school": school,
                **home,
            },
        )
    imogen, tobias, rosa = children["imogen"], children["tobias"], children["rosa"]
    for sibling in (tobias, rosa):
        child_actions.link_siblings(
            request=_request(morgan), by=morgan, child=imogen, other=sibling
        )
    parents = {}
    for label, child in children.items():
        parents[f"mother-of-{label}"] = child_actions.add_parent(
            request=_request(morgan),
            by=morgan,
            child=child,
            values={
                "name": "Harriet Fennimore",
                "relationship": "mother",
                "address": f"{ADDRESS_LINE}\nLondon\n{POSTCODE}",
                "phone": "07700 900123",
            },
        )

    def concern(by, child, category, role, outcome=ConcernOutcome.MULTI_AGENCY, **text):
        return concern_actions.log_concern(
            request=_request(by),
            by=by,
            child=child,
            date=today - dt.timedelta(days=3),
            level=2,
            categories=[Category.objects.get(name=category)],
            what_was_seen=text.get("seen", "Seemed withdrawn and tired"),
            discussed_with_parent=True,
            action_agreed=text.get("action", "Talk again next week"),
            outcome=outcome,
            role=role,
        )

    concerns = {
        "brook-concern": concern(beatrix, imogen, "Emotional wellbeing", BEATRIX_JOB),
        "amara-concern": concern(amara, imogen, "Neglect", "Health visitor"),
        "daniel-concern": concern(
            people["daniel"],
            tobias,
            "Attendance",
            "Class teacher",
            outcome=ConcernOutcome.RESOLVED_IN_AGENCY,
        ),
    }
    child_actions.add_involvement(
        request=_request(morgan), by=morgan, child=rosa, practitioner=amara, role="Health visitor"
    )

    signed = today - dt.timedelta(days=2)
    agreements = {
        "parent-refusal": consent_actions.record_agreement(
            request=_request(amara),
            by=amara,
            child=imogen,
            kind=Kind.PARENT_CARER,
            values={
                "decision": Decision.DO_NOT_AGREE,
                "signed_on": signed,
                "parent": parents["mother-of-imogen"].pk,
            },
        ),
        "young-person-refusal": consent_actions.record_agreement(
            request=_request(beatrix),
            by=beatrix,
            child=imogen,
            kind=Kind.YOUNG_PERSON,
            values={
                "decision": Decision.DO_NOT_AGREE,
                "signed_on": signed,
                "sufficient_understanding": True,
                "understanding_assessed_by": BEATRIX,
            },
        ),
    }
    decision = consent_actions.record_sharing_decision(
        request=_request(amara),
        by=amara,
        child=imogen,
        values={
            "ground": Ground.SAFEGUARD,
            "what_shared": "Health visiting concerns",
            "shared_with": "Cedar Rise Primary",
            "decided_by": "Amara Okafor",
            "reason": "To safeguard Imogen",
            "decided_on": today,
            "refusal": agreements["parent-refusal"].pk,
        },
    )

    for child in (imogen, rosa):
        child_actions.break_glass(
            request=_request(people["kwame"]),
            by=people["kwame"],
            child=child,
            category="safeguarding",
            reason="Welfare check requested at the household",
        )

    amara_thread = message_actions.start_thread(
        request=_request(amara),
        by=amara,
        recipients=[people["priya"], people["kwame"], morgan],
        subject="Imogen: next steps",
        body="Can we talk about next steps this week?",
        child=imogen,
    )
    message_actions.reply(
        request=_request(people["priya"]),
        by=people["priya"],
        thread=amara_thread,
        body="Yes, Thursday works.",
    )
    brook_thread = message_actions.start_thread(
        request=_request(beatrix),
        by=beatrix,
        recipients=[morgan],
        subject="Clinic follow-up",
        body="Follow-up booked for next month.",
        child=imogen,
    )

    involvement = {
        "brook-with-imogen": imogen.involvements.get(practitioner=beatrix),
        "amara-with-imogen": imogen.involvements.get(practitioner=amara),
        "daniel-with-tobias": tobias.involvements.get(practitioner=people["daniel"]),
        "amara-with-rosa": rosa.involvements.get(practitioner=amara),
    }
    ids: dict[str, object] = {}
    for group in (children, parents, concerns, agreements, involvement):
        ids.update({label: record.pk for label, record in group.items()})
    ids.update({f"ref:{label}": child.lisa_ref for label, child in children.items()})
    ids["sharing-decision"] = decision.pk
    ids["amara-thread"] = amara_thread.pk
    ids["brook-thread"] = brook_thread.pk
    ids["amara-thread-first"] = amara_thread.messages.earliest("sent_at").pk
    ids["brook-thread-first"] = brook_thread.messages.earliest("sent_at").pk
    ids["break-glass-alert"] = Alert.objects.get(kind=AlertKind.BREAK_GLASS, child=imogen).pk
    ids.update(_meeting(imogen, rosa, parents["mother-of-imogen"], amara, beatrix))
    ids["imogen-sar"] = _subject_access(imogen, parents["mother-of-imogen"], morgan)
    ids["imogen-received"] = _received(imogen, morgan)
    ids["beatrix"] = beatrix.pk
    ids["brook"] = agency["brook"].pk
    ids.update({kind: kind for kind in CONSENT_KINDS})
    return ids


def _received(imogen, morgan) -> int:
    """Imogen's transfer summary as the central team produces it (everything: her shielded
    address, her mother's, Brook's practitioner), sent back with another house number and
    imported into her record by the central team, so the difference in address is listed with
    it too."""
    from children import transfer
    from children.rules import access

    imogen.refresh_from_db()
    basis = {"kind": "decision_to_share", "description": "To safeguard", "date": "2026-01-05"}
    document = transfer.build(
        imogen, access(morgan, imogen), for_authority="Kent County Council", basis=basis
    )
    document["child"]["address"]["lines"][0] = "18 Marlowe Close"
    pending = child_actions.hold_import(
        request=_request(morgan), by=morgan, document=document, from_authority="Kent"
    )
    received = child_actions.import_transfer_summary(
        request=_request(morgan), by=morgan, pending=pending, into=imogen
    )
    assert received.conflicts and BEATRIX in str(received.content)
    return received.pk


def _subject_access(imogen, mother, morgan) -> int:
    """Imogen's mother asks for everything held about her; the central team has recorded it."""
    from subject_access import actions as subject_access_actions

    return subject_access_actions.record_request(
        request=_request(morgan),
        by=morgan,
        child=imogen,
        values={
            "requester_name": "Harriet Fennimore",
            "requester_kind": "parent",
            "parent": mother,
            "relationship": "Mother",
            "received_on": timezone.localdate(),
            "identity_checked": True,
            "identity_how": "Passport seen",
        },
    ).pk


def _meeting(imogen, rosa, mother, amara, beatrix) -> dict[str, object]:
    """Amara arranges and chairs a meeting about Imogen and Rosa with Brook's practitioner and
    their mother; it is held, Amara is appointed lead, a plan gives Brook an action, and the
    record of decisions is sent."""
    from meetings import actions as meeting_actions
    from tests.meetings.conftest import add_action, arrange, as_request, hold, send, start_plan

    imogen.refresh_from_db()
    rosa.refresh_from_db()
    meeting = arrange(
        amara, imogen, children=[imogen, rosa], practitioners=[beatrix], parents=[mother],
        young_people=[imogen], venue="Ladywell Children's Centre, room 1",
    )  # fmt: skip
    meeting = hold(meeting, amara, attended=[amara, beatrix], decisions=["Amara to lead"])
    meeting_actions.appoint_lead(
        request=as_request(amara), by=amara, meeting=meeting, version=meeting.version,
        practitioner=amara,
    )  # fmt: skip
    plan = start_plan(meeting, amara, outcomes=[("health", "Imogen sleeps better")])
    action = add_action(
        plan, amara, beatrix, what="Clinic follow-up appointment", children=[imogen],
        agency=beatrix.agency, meeting=meeting,
    )  # fmt: skip
    sent = send(meeting, amara)
    return {
        "imogen-meeting": meeting.pk,
        "imogen-plan": plan.pk,
        "brook-action": action.pk,
        "imogen-record": sent.pk,
        "mother-invited": meeting.invitees.get(parent=mother).pk,
    }


# --- fetching ---------------------------------------------------------------------------------


def url_for(page: Page, ids: dict) -> str:
    path = reverse(
        page.name,
        args=[label[5:] if label.startswith("slug:") else ids[label] for label in page.args],
    )
    if page.query:
        query = [(k, str(ids.get(v, v)) if k == "child" else v) for k, v in page.query]
        path += "?" + urlencode(query)
    return path


def _text_of(response) -> str:
    if getattr(response, "streaming", False):
        # Consuming the stream closes the response, as a WSGI server would.
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", "replace")


def fetch(client: Client, page: Page, ids: dict) -> Fetched:
    url = url_for(page, ids)
    # A form posted is followed to the page it leads to (a search redirects to its results);
    # whatever it changed (a duplicate check may add a child) is undone, so that every request
    # sees the same household.
    with transaction.atomic():
        response = client.post(url, dict(page.post), follow=True) if page.post else client.get(url)
        raw = _text_of(response)
        transaction.set_rollback(bool(page.post))
    error = ""
    if response.status_code >= 500 and getattr(response, "exc_info", None):
        error = repr(response.exc_info[1])
    return Fetched(response.status_code, " ".join(html.unescape(raw).split()), error)


def sign_in(username: str) -> Client:
    client = Client(raise_request_exception=False)
    response = client.post("/sign-in/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:2000]
    return client


# The central team's and the same service's pages for the positive controls.
CONTROL_PAGES = [
    Page("card", "children:card", ("imogen",)),
    Page("record", "children:record", ("imogen",)),
    Page("sibling-record", "children:record", ("tobias",)),
    Page("postcode-search", "children:search", post=(("q", POSTCODE),), typed=(POSTCODE,)),
    Page("chronology-pdf", "concerns:chronology-pdf", ("imogen",)),
    Page("young-person-pdf", "consent:print-agreement", ("imogen", "young-person-refusal")),
    Page("subject-access-review", "subject_access:detail", ("imogen-sar",)),
]
CONTROL_PEOPLE = {
    "morgan.ellis": [page.key for page in CONTROL_PAGES],
    "beatrix.holloway": ["card"],
    "amara.okafor": ["card"],
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The household and every response, made once; all rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            name = cursor.fetchone()[0]
        assert name == connection.settings_dict["TEST"]["NAME"], f"not the test database: {name}"
        try:
            found = World(ids=build_household())
            clients = {persona.key: sign_in(persona.username) for persona in PERSONAS}
            # The audit screens and home pages first: what a person types into a search later
            # is their own, and would otherwise come back to them (or their designated officer)
            # in the trail.
            for phase in (0, 1, 2):
                for persona in PERSONAS:
                    for page in PAGES:
                        if page.phase == phase:
                            found.results[persona.key, page.key] = fetch(
                                clients[persona.key], page, found.ids
                            )
            for username, keys in CONTROL_PEOPLE.items():
                client = sign_in(username)
                for page in CONTROL_PAGES:
                    if page.key in keys:
                        found.results[username, page.key] = fetch(client, page, found.ids)
            yield found
        finally:
            transaction.set_rollback(True)


# --- what counts as a leak --------------------------------------------------------------------


def _context(text: str, needle: str) -> str:
    at = text.lower().find(needle.lower())
    return "…" + text[max(0, at - 60) : at + len(needle) + 60] + "…"


def as_presented(text: str, child_names: list[str]) -> str | None:
    """How a page presents Brook's practitioner, with the child's names taken out."""
    for name in child_names:
        text = text.replace(name, "<child>")
    at = text.find(BEATRIX)
    return None if at < 0 else text[at : at + 250]


def leaks(
    fetched: Fetched, persona: Persona, page: Page, ids: dict, baseline: Fetched | None = None
) -> list[str]:
    needles = []
    if page.reference:
        pass  # Brook's practitioner found by name, about a child Brook does not work with
    elif baseline is None or as_presented(fetched.text, ["Imogen"]) != as_presented(
        baseline.text, ["Rosa"]
    ):
        needles += SENSITIVE_NEEDLES
    if not persona.may_see_address:
        needles.append("Marlowe Close")
        if page.asks_by_postcode:
            # The person typed the postcode (seeing it again tells them nothing), but finding
            # any of the household by it tells them where the shielded child lives.
            needles += [ids[f"ref:{child}"] for child in CHILDREN]
        else:
            needles += ADDRESS_NEEDLES
    text = OPTION.sub("", fetched.text) if page.name in EVERYONE_PICKERS else fetched.text
    lowered = text.lower()
    return [
        f"{needle!r}: {_context(text, needle)}"
        for needle in dict.fromkeys(needles)
        if needle.lower() in lowered
    ]


PERSONA_IDS = [persona.key for persona in PERSONAS]


@pytest.mark.parametrize("page", PAGES, ids=[page.key for page in PAGES])
@pytest.mark.parametrize("persona", PERSONAS, ids=PERSONA_IDS)
def test_nothing_hidden_shows(world, persona, page):
    fetched = world.results[persona.key, page.key]
    baseline = world.results[persona.key, page.baseline] if page.baseline else None
    url = url_for(page, world.ids)
    request = f"{'POST' if page.post else 'GET'} {url}"
    assert fetched.status < 500, f"{persona.key} {request}: {fetched.status} {fetched.error}"
    found = leaks(fetched, persona, page, world.ids, baseline)
    assert not found, f"{persona.key} {request} ({fetched.status}) shows:\n" + "\n".join(found)


# --- the walk reaches what it should, and the checks can fail ----------------------------------


def test_every_route_about_a_child_is_walked():
    """A route added later is walked too, or is said here to show nothing about a child."""
    walked = {page.name for page in PAGES} | {name for name, kept in ONLY.items() if not kept}
    walked |= NOT_IN_THIS_HOUSEHOLD
    missing = [
        f"{name} ({route})" for route, name in ROUTES if name not in walked and not _unrelated(name)
    ]
    assert not missing, "routes this test cannot fill: " + ", ".join(missing)


def _status(world, who: str, key: str) -> int:
    return world.results[who, key].status


def test_the_personas_reach_the_pages_the_rules_give_them(world):
    for persona in PERSONAS:
        assert _status(world, persona.key, "children:card[imogen]") == 200, persona.key
    for key in ("amara-involved", "priya-designated-officer", "kwame-break-glass"):
        assert _status(world, key, "children:record[imogen]") == 200, key
        assert _status(world, key, "concerns:detail[brook-concern]") == 200, key
        assert _status(world, key, "concerns:chronology-pdf[imogen]") == 200, key
        assert _status(world, key, "consent:print-agreement[imogen,young-person-refusal]") == 200
        assert _status(world, key, "messaging:thread[amara-thread]") == 200, key
        assert _status(world, key, "children:received-summary[imogen,imogen-received]") == 200
    for key in ("daniel-sibling-only", "olu-not-involved"):
        assert _status(world, key, "children:record[imogen]") in (403, 404), key
    assert _status(world, "daniel-sibling-only", "children:record[tobias]") == 200
    assert _status(world, "priya-designated-officer", "audit:export") == 200
    searched = world.results["daniel-sibling-only", "children:search:by-surname"]
    assert world.ids["ref:imogen"] in searched.text  # the index card is for everyone


def test_the_central_team_sees_the_address_and_the_sensitive_service(world):
    card = world.results["morgan.ellis", "card"].text
    assert ADDRESS_LINE in card and POSTCODE in card
    assert BROOK in card and BEATRIX in card and BEATRIX_EMAIL in card
    record = world.results["morgan.ellis", "record"].text
    assert "Harriet Fennimore" in record and ADDRESS_LINE in record
    found = world.results["morgan.ellis", "postcode-search"]
    assert world.ids["ref:imogen"] in found.text
    # The PDFs are read as text, so a leak in a print would be caught.
    assert BEATRIX in " ".join(world.results["morgan.ellis", "chronology-pdf"].text.split())
    assert BROOK in world.results["morgan.ellis", "young-person-pdf"].text
    # The subject access reviewer sees both, each flagged for a second look before release.
    review = world.results["morgan.ellis", "subject-access-review"].text
    assert "Shielded address" in review and ADDRESS_LINE in review
    assert "Sensitive service" in review and BROOK in review


def test_the_checks_catch_what_they_look_for(world):
    """The same leak test, applied to people allowed to see: it finds what is there."""
    morgan_card = world.results["morgan.ellis", "card"]
    nobody = Persona("control", "morgan.ellis")
    found = leaks(morgan_card, nobody, CONTROL_PAGES[0], world.ids)
    assert any("Marlowe Close" in line for line in found)
    assert any("Brook Sexual Health" in line for line in found)
    assert any("se13 7qt" in line for line in found)
    search = world.results["morgan.ellis", "postcode-search"]
    assert any(
        world.ids["ref:imogen"] in line
        for line in leaks(search, nobody, CONTROL_PAGES[3], world.ids)
    )
    # A staff search about Imogen that shows Brook's practitioner otherwise than the same
    # search about Rosa (whom Brook does not work with) is a leak.
    find = next(page for page in PAGES if page.baseline)
    listed = Fetched(200, f"{BEATRIX}</label> {BEATRIX_JOB}, {BROOK}")
    assert leaks(listed, nobody, find, world.ids, baseline=Fetched(200, "Nobody matches"))
    assert not leaks(listed, nobody, find, world.ids, baseline=listed)
    # The involved health visitor sees the address; the service sees its own involvement.
    assert ADDRESS_LINE in world.results["amara.okafor", "card"].text
    assert BROOK in world.results["beatrix.holloway", "card"].text
