"""What the reviewer sees and decides before an answer is released.

Whatever needs a second look is *flagged* while the answer is gathered (:mod:`.content`): a
:class:`Flag` names the part's ``key``, its kind (third party, sensitive service, shielded
address) and why. Any part of the answer that carries a ``key`` can be withheld:
:func:`released` puts ``{"key": …, "withheld": reason}`` in its place (several parts may share
one key: everything that names one sensitive service, its practitioners included, is under the
service's key, so that it is withheld everywhere at once) and lists what was withheld and why.
The released answer must validate against the schema kept in
``subject_access/schemas/subject-access-1.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lisa import schemas

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "subject-access-1.json"

# The kinds of flag, as the reviewer sees them.
THIRD_PARTY = "third_party"
SENSITIVE = "sensitive_service"
SHIELDED = "shielded_address"
FLAG_LABELS = {
    THIRD_PARTY: "Third party",
    SENSITIVE: "Sensitive service",
    SHIELDED: "Shielded address",
}

MESSAGE_REASON = (
    "Written by a practitioner about the child: a message may carry information about other "
    "people (family members, other children, other adults)."
)
CONTACT_REASON = (
    "Another adult's contact details: they are that person's own information, not the child's."
)
SIBLING_REASON = "Another child in the family: their details are their own information."
SIBLING_SENSITIVE_REASON = (
    "Another child in the family, working with a sensitive service (sexual health, mental "
    "health or substance misuse): their details, and that service's part in their life, are "
    "their own information."
)
SENSITIVE_REASON = (
    "A sensitive service (sexual health, mental health or substance misuse), shown to "
    "practitioners only with consent: check that releasing it to the person asking is safe "
    "and, for a young person with sufficient understanding, that they agree."
)
BREAK_GLASS_REASON = (
    "Typed by the person who broke glass to open the record: it may say something about other "
    "people."
)
SHIELDED_REASON = (
    "The address is shielded (for example, the family fled domestic abuse): check that the "
    "person asking may know it."
)


@dataclass(frozen=True)
class Flag:
    """An item the reviewer should look at before release."""

    key: str
    section: str
    description: str
    reason: str
    kind: str = THIRD_PARTY

    @property
    def third_party(self) -> bool:
        return self.kind == THIRD_PARTY

    @property
    def label(self) -> str:
        return FLAG_LABELS[self.kind]


@dataclass
class Gathered:
    """The document, the flags on it, and the brothers and sisters it shows (each shown is a
    view of that child's record too, and is audited as one)."""

    document: dict
    flags: list[Flag] = field(default_factory=list)
    siblings: list = field(default_factory=list)

    def flag(self, key: str) -> Flag | None:
        return next((flag for flag in self.flags if flag.key == key), None)

    @property
    def keys(self) -> set[str]:
        return {flag.key for flag in self.flags}

    @property
    def counts(self) -> list[tuple[str, int]]:
        """How many of each kind of record the answer holds, for the reviewer."""
        doc = self.document
        return [
            ("People with parental responsibility", len(doc["parents"])),
            ("Brothers and sisters", len(doc["family"])),
            ("Practitioners' involvements", len(doc["involvements"])),
            ("Concerns", len(doc["concerns"])),
            ("Steps of concerns", sum(len(c["steps"]) for c in doc["concerns"])),
            ("Family Support Meetings", len(doc["meetings"])),
            ("Support plans", len(doc["plans"])),
            (
                "Agreements, decisions to share and requests for information",
                sum(len(v) for v in doc["consent"].values()),
            ),
            ("Messages", sum(len(t["messages"]) for t in doc["messages"])),
            ("Times the record was seen", len(doc["viewed_by"])),
        ]

    @property
    def event_count(self) -> int:
        return sum(count for _, count in self.counts)


def schema() -> dict:
    return schemas.load(SCHEMA_PATH)


def validate(document: dict) -> list[str]:
    """The schema's complaints about ``document``, as "where: what" lines (none when valid)."""
    return schemas.problems(SCHEMA_PATH, document)


def released(gathered: Gathered, withheld: dict[str, str]) -> dict:
    """The document with each withheld part replaced by ``{"key", "withheld": reason}`` and
    the list of what was withheld and why."""

    def keep(value):
        if isinstance(value, dict):
            key = value.get("key")
            if isinstance(key, str) and key in withheld:
                return {"key": key, "withheld": withheld[key]}
            return {name: keep(item) for name, item in value.items()}
        if isinstance(value, list):
            kept, gone = [], set()
            for item in map(keep, value):
                if isinstance(item, dict) and "withheld" in item:
                    if item["key"] in gone:
                        continue  # several parts under one key: withheld once
                    gone.add(item["key"])
                kept.append(item)
            return kept
        return value

    document = keep(gathered.document)
    document["withheld"] = [{"key": key, "reason": reason} for key, reason in withheld.items()]
    return document
