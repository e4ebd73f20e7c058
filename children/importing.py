"""Reading a transfer summary that another authority sent (or LISA's own, when a child comes
back), and what importing it would change.

A summary is taken only when it is whole and right: a JSON file under the size cap, with no
characters PostgreSQL cannot store, of a version LISA reads (``transfer.VERSIONS``: a summary
made before a new version, or by an authority that has not moved to it, is still read), valid
against that version's own schema (``children/schemas/transfer-summary-<version>.json``), and
passing the checks a person adding the child by hand would meet (the child form's: NHS number
check digit, Unique Pupil Number check letter, postcode, a date of birth in the past giving an
age under 18; the form for people with parental responsibility; dates that cannot be in the
future). Each problem is named by where it is in the file, in words ("Child › Date of birth"),
so the sender can put it right.

Importing into a record already on LISA fills what the record lacks and never replaces what it
holds: every difference is listed, and LISA's value stays (see :func:`compare`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from children import transfer
from children.models import Child, Gender

MAX_BYTES = 2 * 1024 * 1024
# More problems than this and the file is not worth reading further: the first ones say enough.
MAX_PROBLEMS = 50
# A summary's production time may run a little ahead of LISA's clock (another authority's
# server), but not by more than this.
CLOCK_SKEW = dt.timedelta(hours=12)

# --- where in the file, in words -----------------------------------------------------------------

LABELS = {
    "schema_version": "Schema version",
    "produced_at": "Produced at",
    "produced_by": "Produced by",
    "for_authority": "For",
    "lawful_basis": "Lawful basis",
    "kind": "Kind",
    "description": "Description",
    "date": "Date",
    "child": "Child",
    "lisa_ref": "LISA reference",
    "nhs_number": "NHS number",
    "upn": "Unique Pupil Number",
    "forenames": "First names",
    "surname": "Last name",
    "other_names": "Other names",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "address": "Address",
    "lines": "Lines",
    "postcode": "Postcode",
    "shielded": "Shielded",
    "school": "School",
    "first_language": "First language",
    "interpreter_needed": "Interpreter needed",
    "status": "Status",
    "moved_out": "Moved out",
    "authority": "Authority",
    "team": "Team",
    "email": "Email",
    "phone": "Phone",
    "name": "Name",
    "relationship": "Relationship",
    "agency": "Agency",
    "role": "Role",
    "lead_professional": "Lead professional",
    "parents": "People with parental responsibility",
    "practitioners": "Practitioners",
    "concerns": "Concerns",
    "level": "Level",
    "categories": "Categories",
    "outcome": "Outcome",
    "summary": "What was seen",
    "action_agreed": "Action agreed",
    "meetings": "Meetings",
    "decisions": "Decisions",
    "plan": "Support plan",
    "opened": "Opened",
    "outcomes": "Outcomes",
    "open_actions": "Open actions",
    "what": "What",
    "who": "Who",
    "due": "Due",
    "next_review": "Next review",
    "consent": "Consent",
    "position": "Position",
    "agreements": "Agreements",
    "decision": "Decision",
    "signed_on": "Signed on",
    "withdrawn_on": "Withdrawn on",
    "decisions_to_share": "Decisions to share without consent",
    "ground": "Ground",
    "with_whom": "With whom",
    "decided_by": "Decided by",
    "decided_on": "Decided on",
    "reason": "Reason",
    "requests_for_information": "Requests for information",
    "requested_by": "Requested by",
    "received_on": "Received on",
    "what_requested": "What was requested",
    "what_shared": "What was shared",
    "shared_with": "Shared with",
    "withheld": "Withheld",
}
# What one item of each list is called ("People with parental responsibility › Person 2").
ITEMS = {
    "parents": "Person",
    "practitioners": "Practitioner",
    "concerns": "Concern",
    "meetings": "Meeting",
    "decisions": "Decision",
    "outcomes": "Outcome",
    "open_actions": "Action",
    "agreements": "Agreement",
    "decisions_to_share": "Decision",
    "requests_for_information": "Request",
    "categories": "Category",
    "lines": "Line",
    "withheld": "Item",
}
DATE_EXAMPLE = "must be a date like 2015-03-01"
DATE_TIME_EXAMPLE = "must be a date and time like 2026-03-01T09:30:00+00:00"
TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a group of fields",
    "null": "null",
}
PATTERN_WORDS = {
    "nhs_number": "must be an NHS number of 10 digits, like 9434765919",
    "upn": "must be a Unique Pupil Number of 13 characters, like B801200005001",
    "lisa_ref": "must be a LISA reference like L1234567K",
}


def _label(key: str) -> str:
    return LABELS.get(key) or f"“{key}”"


def where(path) -> str:
    """A JSON path in words: ``["parents", 0, "email"]`` → "People with parental
    responsibility › Person 1 › Email"."""
    parts: list[str] = []
    parent = ""
    for step in path:
        if isinstance(step, int):
            parts.append(f"{ITEMS.get(parent, 'Item')} {step + 1}")
        else:
            parts.append(_label(str(step)))
            parent = str(step)
    return " › ".join(parts) or "The summary"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a summary: where (in words) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


# --- the schema's complaints, in words -----------------------------------------------------------


def _expected(schema: dict) -> str:
    ref = schema.get("$ref", "")
    if ref.endswith("/date"):
        return "a date like 2015-03-01"
    if ref.endswith("/person"):
        return "a person (name, agency, role, phone and email)"
    kinds = schema.get("type")
    if kinds:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        return " or ".join(TYPE_WORDS.get(kind, kind) for kind in kinds)
    return "something else"


def _is_date(schema: dict) -> bool:
    return schema.get("format") == "date" or "[0-9]{4}-[0-9]{2}" in schema.get("pattern", "")


def _schema_problems(error) -> list[Problem]:
    """What one schema error means, where it is."""
    path = list(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        match = re.match(r"^'(.+)' is a required property$", error.message)
        missing = match.group(1) if match else str(error.message)
        return [Problem(where([*path, missing]), "is missing")]
    if kind == "additionalProperties":
        known = set(schema.get("properties", {}))
        extra = sorted(str(key) for key in error.instance if key not in known)
        return [
            Problem(where([*path, key]), "is not a field of a LISA transfer summary")
            for key in extra[:5]
        ]
    if kind in ("oneOf", "anyOf"):
        deeper = [sub for sub in error.context or [] if sub.validator != "type"]
        if deeper:
            return [problem for sub in deeper for problem in _schema_problems(sub)]
        options = [_expected(option) for option in error.validator_value]
        return [Problem(where(path), f"must be {' or '.join(options)}")]
    if kind == "type" and _is_date(schema):
        message = DATE_EXAMPLE
    elif kind == "type":
        message = f"must be {_expected(schema)}"
    elif kind in ("format", "pattern") and _is_date(schema):
        message = DATE_EXAMPLE
    elif kind == "pattern":
        last = next((str(step) for step in reversed(path) if isinstance(step, str)), "")
        message = PATTERN_WORDS.get(last, "is not in the form LISA expects")
    elif kind == "format" and error.validator_value == "date-time":
        message = DATE_TIME_EXAMPLE
    elif kind == "enum":
        message = "must be one of: " + ", ".join(str(value) for value in error.validator_value)
    elif kind == "const":
        message = f"must be {json.dumps(error.validator_value)}"
    elif kind == "maxLength":
        message = f"must be at most {error.validator_value} characters"
    elif kind == "minimum":
        message = f"must be at least {error.validator_value}"
    elif kind == "maximum":
        message = f"must be at most {error.validator_value}"
    else:
        message = "is not in the form LISA expects"
    return [Problem(where(path), message)]


def schema_problems(document: Any, version: int = transfer.SCHEMA_VERSION) -> list[Problem]:
    """The complaints of the schema of ``version`` about ``document``, in words (at most
    :data:`MAX_PROBLEMS`)."""
    validator = Draft202012Validator(transfer.schema(version), format_checker=FormatChecker())
    problems: list[Problem] = []
    for error in itertools.islice(validator.iter_errors(document), MAX_PROBLEMS):
        problems.extend(_schema_problems(error))
    return list(dict.fromkeys(problems))[:MAX_PROBLEMS]


# --- LISA's own checks ---------------------------------------------------------------------------


def split_address(address: dict | None) -> dict[str, str]:
    """A summary's address as LISA's fields. A summary lists the lines it has (LISA's own leave
    out empty ones): one line is the first line; two, the first line and the town; three, the
    two lines and the town; more, the middle ones joined into the second line."""
    lines = [line.strip() for line in (address or {}).get("lines", []) if line and line.strip()]
    parts = {"address_line_1": "", "address_line_2": "", "town": ""}
    if lines:
        parts["address_line_1"] = lines[0]
    if len(lines) >= 2:
        parts["town"] = lines[-1]
        parts["address_line_2"] = ", ".join(lines[1:-1])
    parts["postcode"] = ((address or {}).get("postcode") or "").strip()
    return parts


# The child form's fields, and where each comes from in a summary.
CHILD_PATHS = {
    "forenames": ["child", "forenames"],
    "surname": ["child", "surname"],
    "other_names": ["child", "other_names"],
    "date_of_birth": ["child", "date_of_birth"],
    "gender": ["child", "gender"],
    "address_line_1": ["child", "address", "lines"],
    "address_line_2": ["child", "address", "lines"],
    "town": ["child", "address", "lines"],
    "postcode": ["child", "address", "postcode"],
    "nhs_number": ["child", "nhs_number"],
    "upn": ["child", "upn"],
    "school": ["child", "school"],
    "first_language": ["child", "first_language"],
    "interpreter_needed": ["child", "interpreter_needed"],
    "shielded": ["child", "address", "shielded"],
}


def _child_form(document: dict):
    from children.forms import ChildForm

    child = document["child"]
    born = dt.date.fromisoformat(child["date_of_birth"])
    address = child.get("address")
    data = {
        "forenames": child["forenames"],
        "surname": child["surname"],
        "other_names": child["other_names"],
        "date_of_birth_0": str(born.day),
        "date_of_birth_1": str(born.month),
        "date_of_birth_2": str(born.year),
        "gender": child["gender"],
        **split_address(address),
        "nhs_number": child["nhs_number"] or "",
        "upn": child["upn"] or "",
        "school": child["school"],
        "first_language": child["first_language"],
    }
    if child["interpreter_needed"]:
        data["interpreter_needed"] = "on"
    if address and address.get("shielded"):
        data["shielded"] = "on"
    return ChildForm(data)


def _parent_form(parent: dict):
    from children.forms import ParentForm

    return ParentForm({**parent, "address": parent.get("address") or ""})


def _without_label(message: str, label: str) -> str:
    """ "Date of birth must be today…" under "Child › Date of birth" reads "must be today…"."""
    if label and message.lower().startswith(label.lower() + " "):
        return message[len(label) + 1 :]
    return message


def _form_problems(form, paths: dict[str, list]) -> list[Problem]:
    problems = []
    for name, errors in form.errors.items():
        path = paths.get(name, paths.get("__all__", []))
        label = str(form.fields[name].label or "") if name in form.fields else ""
        for message in errors:
            problems.append(Problem(where(path), _without_label(str(message), label)))
    return problems


# No date in a summary is earlier than this (nor, then, out of range in any time zone).
EARLIEST = dt.date(1900, 1, 1)


def _dates_not_in_the_future(document: dict) -> list[Problem]:
    """Things that have happened cannot have happened after today."""
    today = timezone.localdate()
    problems = []
    consent = document["consent"]
    checks: list[tuple[list, str | None]] = [
        (["lawful_basis", "date"], document["lawful_basis"]["date"]),
    ]
    if document["child"]["moved_out"]:
        checks.append((["child", "moved_out", "date"], document["child"]["moved_out"]["date"]))
    if document["plan"]:
        checks.append((["plan", "opened"], document["plan"]["opened"]))
    for n, concern in enumerate(document["concerns"]):
        checks.append((["concerns", n, "date"], concern["date"]))
    for n, meeting in enumerate(document["meetings"]):
        if meeting["status"] == "held":
            checks.append((["meetings", n, "date"], meeting["date"]))
    for n, agreement in enumerate(consent["agreements"]):
        checks.append((["consent", "agreements", n, "signed_on"], agreement["signed_on"]))
        checks.append((["consent", "agreements", n, "withdrawn_on"], agreement["withdrawn_on"]))
    for n, decision in enumerate(consent["decisions_to_share"]):
        checks.append((["consent", "decisions_to_share", n, "decided_on"], decision["decided_on"]))
    for n, asked in enumerate(consent["requests_for_information"]):
        base = ["consent", "requests_for_information", n]
        checks.append(([*base, "received_on"], asked["received_on"]))
        checks.append(([*base, "decided_on"], asked["decided_on"]))
    for path, value in checks:
        if value and dt.date.fromisoformat(value) > today:
            problems.append(Problem(where(path), "must be today or in the past"))
        elif value and dt.date.fromisoformat(value) < EARLIEST:
            problems.append(Problem(where(path), f"must be after {EARLIEST.year}"))
    try:
        produced = dt.datetime.fromisoformat(document["produced_at"].replace("Z", "+00:00"))
        if timezone.is_naive(produced):
            produced = timezone.make_aware(produced)
        produced.astimezone(dt.UTC)  # a moment that cannot be put in UTC is refused here
    except (ValueError, OverflowError):
        problems.append(Problem(where(["produced_at"]), DATE_TIME_EXAMPLE))
    else:
        if produced > timezone.now() + CLOCK_SKEW:
            problems.append(Problem(where(["produced_at"]), "must be today or in the past"))
        elif produced.date() < EARLIEST:
            problems.append(Problem(where(["produced_at"]), f"must be after {EARLIEST.year}"))
    return problems


def lisa_problems(document: dict) -> list[Problem]:
    """LISA's own checks on a summary the schema accepts: the child as the form to add a child
    would take it, each person with parental responsibility as their form would, and dates."""
    problems = _form_problems(_child_form(document), {**CHILD_PATHS, "__all__": ["child"]})
    for n, parent in enumerate(document["parents"]):
        fields = {name: ["parents", n, name] for name in parent}
        problems += _form_problems(_parent_form(parent), {**fields, "__all__": ["parents", n]})
    problems += _dates_not_in_the_future(document)
    return problems


# --- reading a file ------------------------------------------------------------------------------


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(document: Any) -> list[Problem]:
    """Text PostgreSQL cannot store (NUL, half a surrogate pair), wherever it is (walked without
    recursion: the file may nest deeply)."""
    problems = []
    stack: list[tuple[list, Any]] = [([], document)]
    while stack and len(problems) < MAX_PROBLEMS:
        path, value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                problems.append(Problem(where(path), "contains characters LISA cannot store"))
        elif isinstance(value, dict):
            for key, item in value.items():
                if _UNSTORABLE.search(key):
                    problems.append(Problem(where(path), "has a field name LISA cannot store"))
                    continue
                stack.append(([*path, key], item))
        elif isinstance(value, list):
            stack.extend(([*path, n], item) for n, item in enumerate(value))
    return problems


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse(data: bytes) -> tuple[Any, list[Problem]]:
    """The document in ``data``, or the reasons it is not one LISA can read."""
    file = "The file"
    if not data:
        return None, [Problem(file, "is empty")]
    if len(data) > MAX_BYTES:
        return None, [Problem(file, "must be smaller than 2 MB")]
    if b"\x00" in data:
        return None, [
            Problem(file, "contains NUL bytes: it is not a JSON transfer summary saved as text")
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(file, "is not UTF-8 text: it is not a JSON transfer summary")]
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        return None, [
            Problem(
                file,
                f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            )
        ]
    except RecursionError:
        return None, [Problem(file, "nests too deeply to be a transfer summary")]
    except ValueError as error:
        return None, [Problem(file, f"is not valid JSON ({error})")]
    return document, []


def check(document: Any) -> list[Problem]:
    """Everything wrong with ``document`` as a transfer summary LISA can import (none when it
    is one)."""
    if not isinstance(document, dict):
        return [Problem("The file", "is not a transfer summary: it must be one JSON object")]
    if "schema_version" not in document:
        return [Problem("The file", "is not a LISA transfer summary: it has no schema_version")]
    version = document["schema_version"]
    # true == 1 in Python, but not in JSON; 1.0 is the whole number 1 in both.
    is_number = isinstance(version, int | float) and not isinstance(version, bool)
    if not is_number or version not in transfer.VERSIONS:
        shown = json.dumps(version)[:20]
        known = " and ".join(str(known) for known in transfer.VERSIONS)
        return [
            Problem(
                where(["schema_version"]),
                f"version {shown} is not one LISA can read: LISA reads versions {known}",
            )
        ]
    problems = _unstorable(document)
    if problems:
        return problems[:MAX_PROBLEMS]
    problems = schema_problems(document, int(version))
    if problems:
        return problems
    return lisa_problems(document)[:MAX_PROBLEMS]


def read(data: bytes) -> tuple[dict | None, list[Problem]]:
    """Parse and check an uploaded file: (the summary, []) or (None, what is wrong)."""
    document, problems = parse(data)
    if problems:
        return None, problems
    problems = check(document)
    return (None, problems) if problems else (document, [])


def refuse(problems: list[Problem]) -> ValidationError:
    """The problems as an error beside the upload field."""
    return ValidationError({"summary": [str(problem) for problem in problems]})


# --- what the summary says, as LISA's fields -----------------------------------------------------


def child_values(document: dict) -> dict[str, Any]:
    """The child's details as the form to add a child cleans them (for ``create_child``)."""
    form = _child_form(document)
    if not form.is_valid():  # checked before: a programming error if it is not
        raise ValidationError("The summary's child details are not valid")
    return {k: v for k, v in form.cleaned_data.items() if k not in ("version", "status")}


def parent_values(document: dict) -> list[dict[str, Any]]:
    """The people with parental responsibility, as their form cleans them."""
    people = []
    for parent in document["parents"]:
        form = _parent_form(parent)
        if not form.is_valid():
            raise ValidationError("The summary's people with parental responsibility are not valid")
        people.append({k: v for k, v in form.cleaned_data.items() if k != "version"})
    return people


# --- importing into a record already on LISA -----------------------------------------------------


@dataclass
class Conflict:
    """A detail the summary gives otherwise than the record: LISA's value is kept."""

    field: str
    label: str
    lisa: str
    summary: str
    address: bool = False
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "lisa": self.lisa,
            "summary": self.summary,
            "address": self.address,
            "note": self.note,
        }


@dataclass
class Plan:
    """What importing a summary into a record does: the details filled in (the record had
    none), the differences kept as LISA has them, the people added, and notes."""

    fill: dict[str, Any] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    parents: list[dict[str, Any]] = field(default_factory=list)
    parents_known: list[str] = field(default_factory=list)
    address_left_out: bool = False

    def filled(self) -> list[tuple[str, str]]:
        """(detail, value) for each detail filled in, the address as one."""
        rows = []
        for name, value in self.fill.items():
            if name in ADDRESS:
                continue
            shown = Gender(value).label if name == "gender" else _shown(value)
            rows.append((FIELD_LABELS.get(name, name), shown))
        address = [self.fill[name] for name in ADDRESS if self.fill.get(name)]
        if address:
            rows.append(("Address", ", ".join(address)))
        return rows


FIELD_LABELS = {
    "forenames": "First names",
    "surname": "Last name",
    "other_names": "Other names",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "address_line_1": "Address",
    "address_line_2": "Address",
    "town": "Address",
    "postcode": "Address",
    "nhs_number": "NHS number",
    "upn": "Unique Pupil Number",
    "school": "School",
    "first_language": "First language",
    "interpreter_needed": "Interpreter needed",
    "shielded": "Shielded address",
}
ADDRESS = ("address_line_1", "address_line_2", "town", "postcode")


def _same_text(a: str, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value or "")


def _held_by_another(child: Child, name: str, value: str) -> bool:
    return (
        Child.objects.filter(**{name: value}, merged_into__isnull=True)
        .exclude(pk=child.pk)
        .exists()
    )


def compare(child: Child, document: dict, access) -> Plan:
    """What importing ``document`` into ``child`` would do, for the person ``access`` is for.

    "Fill empty fields, never overwrite differing stored values silently": a detail the record
    lacks is filled in; one it holds otherwise is a :class:`Conflict` (LISA's value is kept). An
    identifier another record already holds is not copied (that record may be the same child:
    the central team merges duplicates). A shielded address is compared and copied only for
    those who may see it, as on the form to change the child's details; a summary that says the
    address is shielded shields the record's. People with parental responsibility not on the
    record are added."""
    values = child_values(document)
    plan = Plan()

    def differ(name: str, label: str, note: str = "") -> None:
        plan.conflicts.append(
            Conflict(name, label, _shown(getattr(child, name)), _shown(values[name]), note=note)
        )

    for name in ("nhs_number", "upn"):
        given, held = values[name], getattr(child, name)
        if not given or given == held:
            continue
        if held:
            differ(name, FIELD_LABELS[name])
        elif _held_by_another(child, name, given):
            plan.conflicts.append(
                Conflict(
                    name,
                    FIELD_LABELS[name],
                    "Not recorded",
                    given,
                    note="Another record on LISA has it, so it was not copied: ask the LISA "
                    "team whether the two records are the same child",
                )
            )
        else:
            plan.fill[name] = given
    for name in ("forenames", "surname"):
        if not _same_text(values[name], getattr(child, name)):
            differ(name, FIELD_LABELS[name])
    if values["date_of_birth"] != child.date_of_birth:
        differ("date_of_birth", FIELD_LABELS["date_of_birth"])
    if values["gender"] != child.gender:
        if child.gender == Gender.NOT_KNOWN:
            plan.fill["gender"] = values["gender"]
        elif values["gender"] != Gender.NOT_KNOWN:
            plan.conflicts.append(
                Conflict(
                    "gender",
                    "Gender",
                    Gender(child.gender).label,
                    Gender(values["gender"]).label,
                )
            )
    for name in ("other_names", "school", "first_language"):
        given, held = values[name], getattr(child, name)
        if not given or _same_text(given, held):
            continue
        if held:
            differ(name, FIELD_LABELS[name])
        else:
            plan.fill[name] = given
    if values["interpreter_needed"] != child.interpreter_needed:
        if values["interpreter_needed"]:
            plan.fill["interpreter_needed"] = True
        else:
            differ("interpreter_needed", FIELD_LABELS["interpreter_needed"])
    if values["shielded"] and not child.shielded:
        plan.fill["shielded"] = True
    elif child.shielded and not values["shielded"] and document["child"]["address"]:
        differ("shielded", FIELD_LABELS["shielded"])
    given_address = [values[name] for name in ADDRESS]
    if any(given_address):
        if not access.address:
            plan.address_left_out = True
        elif not child.address_lines:
            plan.fill.update({name: values[name] for name in ADDRESS})
        else:
            held_text = ", ".join(child.address_lines)
            given_text = ", ".join(part for part in given_address if part)
            if not _same_text(held_text, given_text):
                plan.conflicts.append(
                    Conflict("address", "Address", held_text, given_text, address=True)
                )
    known = {
        " ".join(name.split()).casefold()
        for name in child.parents.filter(entered_in_error=False).values_list("name", flat=True)
    }
    for person in parent_values(document):
        key = " ".join(person["name"].split()).casefold()
        if key in known:
            plan.parents_known.append(person["name"])
            continue
        known.add(key)
        if person.get("address") and not access.address:
            plan.address_left_out = True
            person = {**person, "address": ""}
        plan.parents.append(person)
    return plan


# --- a received summary, for its reader ----------------------------------------------------------


def _date(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _moment(value: str) -> Any:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _labelled(choices, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def readable(content: dict, access, conflicts: list[dict] | None = None) -> dict[str, Any]:
    """A received summary as its reader may see it, ready for a page: dates as dates, codes
    in words. The rules of the record apply to what it says: an address (the child's, and the
    people with parental responsibility's) only for those who may see the child's address, and
    the people and work of a sensitive service on LISA named only to those who may know of it
    (another authority's services are named as the sender chose, and free text as written)."""
    from children.models import ChildStatus
    from concerns.models import Level
    from consent.models import Decision, Kind
    from lisa.models import Agency
    from lisa.policy import WITHHELD_AGENCY, WITHHELD_PRACTITIONER
    from meetings.models import MeetingKind, MeetingStatus

    hidden_agencies = {
        " ".join(agency.name.split()).casefold()
        for agency in Agency.objects.filter(sensitive_service=True).only(
            "name", "sensitive_service"
        )
        if not access.see_agency(agency)
    }

    def folded(text: str) -> str:
        return " ".join((text or "").split()).casefold()

    def hidden(agency_name: str) -> bool:
        return folded(agency_name) in hidden_agencies

    withheld_person = f"{WITHHELD_PRACTITIONER} of {WITHHELD_AGENCY}"
    # The people of a hidden service, as the summary names them, so that a plan's action owned
    # by one of them ("Name, Service", as LISA's own summaries write it) does not name them.
    people = [content["produced_by"], *content["practitioners"]]
    if content["plan"] and content["plan"]["lead_professional"]:
        people.append(content["plan"]["lead_professional"])
    hidden_names = {
        folded(entry["name"])
        for entry in people
        if hidden(entry.get("agency", "")) and folded(entry["name"])
    }

    def names_hidden(text: str) -> bool:
        text = folded(text)
        return any(name in text for name in hidden_names | hidden_agencies)

    def person(entry: dict | None) -> dict | None:
        if entry is None:
            return None
        if hidden(entry.get("agency", "")):
            return {
                "name": withheld_person,
                "agency": WITHHELD_AGENCY,
                "role": "",
                "phone": "",
                "email": "",
                "lead_professional": entry.get("lead_professional", False),
            }
        return dict(entry)

    child = dict(content["child"])
    address_hidden = False
    if child.get("address") and not access.address:
        child["address"] = None
        address_hidden = True
    child["date_of_birth"] = _date(child["date_of_birth"])
    child["gender_label"] = _labelled(Gender, child["gender"])
    child["status_label"] = _labelled(ChildStatus, child["status"])
    if child.get("moved_out"):
        child["moved_out"] = {**child["moved_out"], "date": _date(child["moved_out"]["date"])}
    parents = []
    for entry in content["parents"]:
        entry = dict(entry)
        if entry.get("address") and not access.address:
            entry["address"] = None
            address_hidden = True
        parents.append(entry)
    concerns = []
    for entry in content["concerns"]:
        entry = {**entry, "date": _date(entry["date"])}
        entry["level_label"] = _labelled(Level, entry["level"])
        if hidden(entry["agency"]):
            entry["agency"] = WITHHELD_AGENCY
        concerns.append(entry)
    meetings = [
        {
            **entry,
            "date": _date(entry["date"]),
            "kind_label": _labelled(MeetingKind, entry["kind"]),
            "status_label": _labelled(MeetingStatus, entry["status"]),
        }
        for entry in content["meetings"]
    ]
    plan = None
    if content["plan"]:
        plan = {
            **content["plan"],
            "opened": _date(content["plan"]["opened"]),
            "next_review": _date(content["plan"]["next_review"]),
            "lead_professional": person(content["plan"]["lead_professional"]),
            "open_actions": [
                {
                    **action,
                    "who": withheld_person if names_hidden(action["who"]) else action["who"],
                    "due": _date(action["due"]),
                }
                for action in content["plan"]["open_actions"]
            ],
        }
    consent = content["consent"]
    readable_consent = {
        "position": consent["position"],
        "agreements": [
            {
                **entry,
                "kind_label": _labelled(Kind, entry["kind"]),
                "decision_label": _labelled(Decision, entry["decision"]),
                "signed_on": _date(entry["signed_on"]),
                "withdrawn_on": _date(entry["withdrawn_on"]),
            }
            for entry in consent["agreements"]
        ],
        "decisions_to_share": [
            {**entry, "decided_on": _date(entry["decided_on"])}
            for entry in consent["decisions_to_share"]
        ],
        "requests_for_information": [
            {
                **entry,
                "received_on": _date(entry["received_on"]),
                "decided_on": _date(entry["decided_on"]),
            }
            for entry in consent["requests_for_information"]
        ],
    }
    shown_conflicts = [
        entry for entry in (conflicts or []) if access.address or not entry.get("address")
    ]
    return {
        "produced_by": person(content["produced_by"]),
        "produced_at": _moment(content["produced_at"]),
        "for_authority": content["for_authority"],
        "lawful_basis": {**content["lawful_basis"], "date": _date(content["lawful_basis"]["date"])},
        "child": child,
        "parents": parents,
        "practitioners": [person(entry) for entry in content["practitioners"]],
        "concerns": concerns,
        "meetings": meetings,
        "plan": plan,
        "consent": readable_consent,
        "withheld": content["withheld"],
        "address_hidden": address_hidden,
        "conflicts": shown_conflicts,
    }
