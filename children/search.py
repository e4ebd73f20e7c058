"""Finding a child: one search box for names, dates of birth, references, NHS numbers, UPNs
and postcodes, and the duplicate check that runs before a child is added.

Candidates come from indexed columns only (the search-key array through its GIN index, the
date of birth, the postcode, the identifiers); ranking happens in Python on those few rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q

from children import matching

# Above this a candidate is shown; below it, it is noise.
SHOW_THRESHOLD = 62.0
# How many rows one index probe may bring back for ranking.
CANDIDATE_CAP = 400

_DATE_IN_TEXT = re.compile(r"\b(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})\b")
_DIGITS = re.compile(r"\D")


@dataclass
class Match:
    child: object
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class ParsedQuery:
    words: list[str]
    date_of_birth: dt.date | None
    postcode: str
    nhs_number: str
    upn: str
    reference: str


def _children():
    from children.models import Child

    return Child.objects.filter(merged_into__isnull=True)


def parse(text: str, date_of_birth: dt.date | None = None, postcode: str = "") -> ParsedQuery:
    """Split what was typed into its parts: a date, a postcode, identifiers and name words."""
    text = (text or "").strip()
    found_date = date_of_birth
    date_match = _DATE_IN_TEXT.search(text)
    if date_match:
        try:
            day, month, year = (int(part) for part in date_match.groups())
            found_date = found_date or dt.date(year, month, day)
        except ValueError:
            pass
        text = (text[: date_match.start()] + " " + text[date_match.end() :]).strip()

    compact = re.sub(r"[\s-]+", "", text).upper()
    digits = _DIGITS.sub("", text)
    nhs = digits if len(digits) == 10 and len(compact) == 10 else ""
    upn = compact if re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", compact) else ""
    reference = compact if re.fullmatch(r"[A-Z]{1,4}[0-9]{4,10}[A-Z0-9]?", compact) else ""

    found_postcode = matching.normalise_postcode(postcode) if postcode else ""
    if not found_postcode and matching.is_postcode(text):
        found_postcode = matching.normalise_postcode(text)
        text = ""
    else:
        # A postcode at the end of a name search: "Jon Smith SE13 6LH".
        tail = re.search(r"([A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2})\s*$", text)
        if tail and matching.is_postcode(tail.group(1)) and not found_postcode:
            found_postcode = matching.normalise_postcode(tail.group(1))
            text = text[: tail.start()]
    words = [] if (nhs or upn or reference) else [w for w in matching.normalise(text).split()]
    return ParsedQuery(words, found_date, found_postcode, nhs, upn, reference)


def _rank(candidates, query: ParsedQuery) -> list[Match]:
    matches: list[Match] = []
    transposed = None
    if query.date_of_birth and query.date_of_birth.day <= 12:
        try:
            transposed = query.date_of_birth.replace(
                day=query.date_of_birth.month, month=query.date_of_birth.day
            )
        except ValueError:
            transposed = None
    district = matching.postcode_district(query.postcode)
    for child in candidates:
        reasons: list[str] = []
        if query.words:
            score, reasons = matching.score_names(
                query.words, child.forenames, child.surname, child.other_names
            )
        else:
            score = 70.0
        if query.date_of_birth:
            if child.date_of_birth == query.date_of_birth:
                score = min(100.0, score + 12)
                reasons.append("same date of birth")
            elif transposed and child.date_of_birth == transposed:
                score += 4
                reasons.append("date of birth with day and month swapped")
            elif (
                child.date_of_birth.year == query.date_of_birth.year
                and abs((child.date_of_birth - query.date_of_birth).days) <= 31
            ):
                reasons.append("date of birth within a month")
            else:
                score -= 25
        if query.postcode:
            if child.postcode == query.postcode:
                score = min(100.0, score + 8)
                reasons.append("same postcode")
            elif district and child.postcode_district == district:
                score += 2
                reasons.append(f"same postcode district ({district})")
        if score >= SHOW_THRESHOLD or not query.words:
            matches.append(Match(child, round(min(score, 100.0), 1), reasons))
    matches.sort(key=lambda m: (-m.score, m.child.surname, m.child.forenames, m.child.pk))
    return matches


RANKING_FIELDS = (
    "lisa_ref",
    "forenames",
    "surname",
    "other_names",
    "date_of_birth",
    "postcode",
    "postcode_district",
    "gender",
    "status",
)
# Fewer exact-sound candidates than this and the typo-tolerant keys are tried too.
ENOUGH_EXACT = 15


def _candidates_by_name(query: ParsedQuery, base):
    """Candidates in tiers: names that sound the same first, then (only when those are few and
    no date of birth narrows the search) the keys that tolerate a typo."""
    pairs, singles = matching.query_keys(query.words)
    base = base.only(*RANKING_FIELDS)
    seen: dict[int, object] = {}

    def take(queryset, cap: int = CANDIDATE_CAP):
        for child in queryset[:cap]:
            seen.setdefault(child.pk, child)

    sounds_alike = sorted(k for k in pairs if k.startswith("fs:"))
    typo_tolerant = sorted(k for k in pairs if not k.startswith("fs:"))
    if sounds_alike:
        # With a date of birth the probe by date below does the precise work; this one only
        # keeps a child whose date was typed wrongly within reach.
        cap = CANDIDATE_CAP // 4 if query.date_of_birth else CANDIDATE_CAP
        take(base.filter(search_keys__overlap=sounds_alike), cap)
    if singles:
        narrowed = base.filter(search_keys__overlap=sorted(singles))
        if query.date_of_birth:
            narrowed = narrowed.filter(date_of_birth=query.date_of_birth)
        elif query.postcode:
            narrowed = narrowed.filter(postcode_district=matching.postcode_district(query.postcode))
        take(narrowed)
    if query.date_of_birth:
        # Everyone born that day (or with day and month swapped): a handful, ranked by name.
        # This also catches typos, so the typo-tolerant keys are not needed.
        dates = [query.date_of_birth]
        if query.date_of_birth.day <= 12:
            with contextlib.suppress(ValueError):
                dates.append(
                    query.date_of_birth.replace(
                        day=query.date_of_birth.month, month=query.date_of_birth.day
                    )
                )
        take(base.filter(date_of_birth__in=dates))
    elif typo_tolerant and len(seen) < ENOUGH_EXACT:
        take(base.filter(search_keys__overlap=typo_tolerant))
    return list(seen.values())


def search_children(
    text: str = "",
    *,
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    limit: int = 50,
) -> list[Match]:
    """The children matching what was typed, best first, each with the reasons it matched."""
    query = parse(text, date_of_birth, postcode)
    base = _children()
    if query.nhs_number:
        return [
            Match(c, 100.0, ["same NHS number"]) for c in base.filter(nhs_number=query.nhs_number)
        ]
    if query.upn:
        exact = list(base.filter(upn=query.upn))
        if exact:
            return [Match(c, 100.0, ["same Unique Pupil Number"]) for c in exact]
    if query.reference:
        from children.models import Child

        # A merged record's reference still finds the child it was merged into.
        referenced = Child.objects.filter(lisa_ref=query.reference).first()
        if referenced is not None:
            while referenced.merged_into_id:
                referenced = referenced.merged_into
            return [Match(referenced, 100.0, ["same LISA reference"])]
        return []
    if query.words:
        candidates = _candidates_by_name(query, base)
    elif query.date_of_birth:
        scope = base.filter(date_of_birth=query.date_of_birth)
        if query.postcode:
            scope = scope.filter(postcode_district=matching.postcode_district(query.postcode))
        candidates = list(scope[:CANDIDATE_CAP])
    elif query.postcode:
        candidates = list(base.filter(postcode=query.postcode)[:CANDIDATE_CAP])
        if not candidates:
            district = matching.postcode_district(query.postcode)
            candidates = list(base.filter(postcode_district=district)[:CANDIDATE_CAP])
    else:
        return []
    return _rank(candidates, query)[:limit]


def likely_duplicates(
    *,
    forenames: str,
    surname: str,
    date_of_birth: dt.date | None,
    postcode: str = "",
    other_names: str = "",
    nhs_number: str = "",
    upn: str = "",
) -> tuple[list, list[Match]]:
    """Before a child is added: (exact matches on NHS number or UPN, likely matches).

    Likely means a similar name with the same date of birth or the same postcode, or the same
    date of birth and postcode whatever the name — the checks a practitioner would make.
    """
    base = _children()
    identifiers = Q()
    if nhs_number:
        identifiers |= Q(nhs_number=_DIGITS.sub("", nhs_number))
    if upn:
        identifiers |= Q(upn=re.sub(r"\s+", "", upn).upper())
    exact = list(base.filter(identifiers)) if identifiers else []

    words = matching.normalise(f"{forenames} {surname}").split()
    query = ParsedQuery(words, date_of_birth, matching.normalise_postcode(postcode), "", "", "")
    candidates = {c.pk: c for c in _candidates_by_name(query, base)}
    # Born the same day at the same address: shown whatever the name (a twin, or the same child
    # under another name), so the practitioner decides.
    same_day_and_place = []
    if date_of_birth and postcode:
        same_day_and_place = list(
            base.only(*RANKING_FIELDS).filter(
                date_of_birth=date_of_birth, postcode=matching.normalise_postcode(postcode)
            )[:CANDIDATE_CAP]
        )
    likely = []
    exact_ids = {c.pk for c in exact}
    for match in _rank(candidates.values(), query):
        if match.child.pk in exact_ids:
            continue
        same_dob = "same date of birth" in match.reasons
        same_place = "same postcode" in match.reasons
        if same_dob or same_place or match.score >= 85:
            likely.append(match)
    shown = exact_ids | {m.child.pk for m in likely}
    for child in same_day_and_place:
        if child.pk not in shown:
            likely.append(Match(child, 50.0, ["same date of birth", "same postcode"]))
    if other_names:
        for match in search_children(other_names, date_of_birth=date_of_birth, limit=10):
            if (
                match.child.pk not in exact_ids
                and all(m.child.pk != match.child.pk for m in likely)
                and "same date of birth" in match.reasons
            ):
                likely.append(match)
    return exact, likely[:20]
