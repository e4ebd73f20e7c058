"""Finding a child: one search box for names, dates of birth, references, NHS numbers, UPNs
and postcodes, and the duplicate check that runs before a child is added.

Candidates come from indexed columns only (the search-key array through its GIN index, the
date of birth, the postcode, the identifiers); ranking happens in Python on those few rows.

Both take the person searching into account. A child whose address that person may not see (a
shielded child or its household: :func:`children.rules.address_hidden_ids`, asked once for the
candidates) is never found, ranked or explained by its address: a search by postcode, or one
narrowed to a postcode district, leaves it out wherever it lives; otherwise the postcode adds
nothing to its score and gives no "same postcode" reason; in the duplicate check it is shown
only as a possible match to ask the LISA team about, whatever its address.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from django.db.models import Q

from children import matching, rules

# Above this a candidate is shown; below it, it is noise.
SHOW_THRESHOLD = 62.0
# How many rows one index probe may bring back for ranking.
CANDIDATE_CAP = 400

_DATE_IN_TEXT = re.compile(r"\b(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})\b")
_DIGITS = re.compile(r"\D")


# What the duplicate check says of a child whose address the person may not see, whatever
# matched: any other reason might tell where the child lives.
ASK_THE_LISA_TEAM = "possible match — ask the LISA team"


@dataclass
class Match:
    child: object
    score: float
    reasons: list[str] = field(default_factory=list)
    # The person may not see this child's address, so the match says nothing about it.
    address_hidden: bool = False
    # Both names are the ones typed or spellings of them (matching.NameScore.strong).
    strong: bool = False


class _Viewer:
    """The person searching, and which candidates' addresses they may not see: asked of the
    database once for all the candidates (again only for candidates found later)."""

    def __init__(self, user) -> None:
        self.user = user
        self._asked: set[int] = set()
        self._hidden: set[int] = set()

    def hidden(self, children) -> set[int]:
        ids = {child.pk for child in children}
        new = ids - self._asked
        if new:
            self._hidden |= rules.address_hidden_ids(self.user, new)
            self._asked |= new
        return ids & self._hidden


@dataclass
class ParsedQuery:
    words: list[str]
    date_of_birth: dt.date | None
    postcode: str
    nhs_number: str
    upn: str
    reference: str


def _children(*, archived: bool = False):
    from children.models import Child

    # Archived records (children/retention.py) leave the search; the central team opens them
    # from the list of archived records, and its duplicate check still finds them (a young
    # person who comes back is restored, not added twice).
    # No ORDER BY: with one and a LIMIT, PostgreSQL may walk the name index and test every row
    # rather than ask the key or date index (seconds on a large index). Ranking sorts after.
    found = Child.objects.filter(merged_into__isnull=True).order_by()
    return found if archived else found.filter(archived_at__isnull=True)


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
    words = [] if (nhs or upn or reference) else matching.normalise(text).split()
    # Order kept, repeats and anything past the words a name can have dropped.
    words = list(dict.fromkeys(words))[: matching.MAX_WORDS]
    return ParsedQuery(words, found_date, found_postcode, nhs, upn, reference)


def _rank(candidates, query: ParsedQuery, hidden: set[int] = frozenset()) -> list[Match]:
    """Score and explain each candidate. The postcode counts only for children whose address
    the person may see (not those in ``hidden``)."""
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
        strong = False
        if query.words:
            score, reasons, strong = matching.score_names(
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
        address_hidden = child.pk in hidden
        if query.postcode and not address_hidden:
            if child.postcode == query.postcode:
                score = min(100.0, score + 8)
                reasons.append("same postcode")
            elif district and child.postcode_district == district:
                score += 2
                reasons.append(f"same postcode district ({district})")
        if score >= SHOW_THRESHOLD or not query.words:
            matches.append(
                Match(child, round(min(score, 100.0), 1), reasons, address_hidden, strong)
            )
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
# Fewer exact-sound candidates than this and the typo-tolerant keys are tried too, for at most
# this many more candidates (each is ranked in Python).
ENOUGH_EXACT = 15
TYPO_CAP = 200


def _seen_at(queryset, viewer: _Viewer) -> list:
    """Children found by their address (a postcode, or a district narrowing a search by name or
    date of birth): only those whose address the person may see. A child whose address is
    hidden from them is left out whatever its address, so the answer tells nothing of it."""
    rows = list(queryset[:CANDIDATE_CAP])
    hidden = viewer.hidden(rows)
    return [child for child in rows if child.pk not in hidden]


def _candidates_by_name(query: ParsedQuery, base, viewer: _Viewer):
    """Candidates in tiers: names that sound the same first, then (only when those are few and
    no date of birth narrows the search) the keys that tolerate a typo, then either name alone.

    With a date of birth, everyone born that day who shares either name is a candidate however
    common the name (the probes by key *and* date are exact); a child born that day whose names
    share no key at all is reached only while few children share the day."""
    pairs, singles = matching.query_keys(query.words)
    base = base.only(*RANKING_FIELDS)
    seen: dict[int, object] = {}

    def take(queryset, cap: int = CANDIDATE_CAP):
        for child in queryset[:cap]:
            seen.setdefault(child.pk, child)

    sounds_alike = sorted(k for k in pairs if k.startswith("fs:"))
    typo_tolerant = sorted(k for k in pairs if not k.startswith("fs:"))
    either_name = sorted(matching.word_keys(query.words)) if pairs else []
    if sounds_alike:
        # With a date of birth the probes by date below do the precise work; this one only
        # keeps a child whose date was typed wrongly within reach.
        cap = CANDIDATE_CAP // 8 if query.date_of_birth else CANDIDATE_CAP
        take(base.filter(search_keys__overlap=sounds_alike), cap)
    if singles:
        narrowed = base.filter(search_keys__overlap=sorted(singles))
        if query.date_of_birth:
            take(narrowed.filter(date_of_birth=query.date_of_birth))
        elif query.postcode:
            district = matching.postcode_district(query.postcode)
            for child in _seen_at(narrowed.filter(postcode_district=district), viewer):
                seen.setdefault(child.pk, child)
        else:
            take(narrowed)
    if query.date_of_birth:
        # Everyone born that day (or with day and month swapped) who shares a name, then
        # (while there are few) everyone born that day: ranked by name, which also catches typos.
        dates = [query.date_of_birth]
        if query.date_of_birth.day <= 12:
            with contextlib.suppress(ValueError):
                dates.append(
                    query.date_of_birth.replace(
                        day=query.date_of_birth.month, month=query.date_of_birth.day
                    )
                )
        born = base.filter(date_of_birth__in=dates)
        if either_name:
            take(born.filter(search_keys__overlap=either_name))
            # A safety net for names typed beyond recognition: complete on a small index, a
            # sample on a national one, where a thousand or more children share each birthday.
            take(born, CANDIDATE_CAP // 4)
        else:
            take(born)
    else:
        if typo_tolerant and len(seen) < ENOUGH_EXACT:
            take(base.filter(search_keys__overlap=typo_tolerant), TYPO_CAP)
        if either_name and not seen:
            # Nothing alike in both names: children sharing one of them, the other perhaps a
            # part of the name (Tobi for Oluwatobiloba) or a nickname no group knows.
            take(base.filter(search_keys__overlap=either_name), TYPO_CAP)
    return list(seen.values())


def search_children(
    text: str = "",
    *,
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    limit: int = 50,
    user=None,
) -> list[Match]:
    """The children matching what was typed, best first, each with the reasons it matched.

    ``user`` is the person searching: the address of a child they may not see plays no part in
    the search (with no ``user``, no shielded address does)."""
    query = parse(text, date_of_birth, postcode)
    base = _children()
    viewer = _Viewer(user)
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
        candidates = _candidates_by_name(query, base, viewer)
    elif query.date_of_birth:
        scope = base.filter(date_of_birth=query.date_of_birth)
        if query.postcode:
            district = matching.postcode_district(query.postcode)
            candidates = _seen_at(scope.filter(postcode_district=district), viewer)
        else:
            candidates = list(scope[:CANDIDATE_CAP])
    elif query.postcode:
        candidates = _seen_at(base.filter(postcode=query.postcode), viewer)
        if not candidates:
            district = matching.postcode_district(query.postcode)
            candidates = _seen_at(base.filter(postcode_district=district), viewer)
    else:
        return []
    hidden = viewer.hidden(candidates) if query.postcode else set()
    return _rank(candidates, query, hidden)[:limit]


def likely_duplicates(
    *,
    forenames: str,
    surname: str,
    date_of_birth: dt.date | None,
    postcode: str = "",
    other_names: str = "",
    nhs_number: str = "",
    upn: str = "",
    user=None,
) -> tuple[list, list[Match]]:
    """Before a child is added: (exact matches on NHS number or UPN, likely matches).

    Likely means a similar name with the same date of birth or the same postcode, or the same
    date of birth and postcode whatever the name — the checks a practitioner would make.

    A child whose address ``user`` may not see is never judged by the address, since whether
    it is listed would then tell whether it lives at the postcode typed: it is listed when it
    has the same date of birth (whatever the name) or a very similar name, its score leaves the
    postcode out, and its only reason is :data:`ASK_THE_LISA_TEAM`.
    """
    base = _children(archived=bool(user is not None and user.is_central_team))
    viewer = _Viewer(user)
    identifiers = Q()
    if nhs_number:
        identifiers |= Q(nhs_number=_DIGITS.sub("", nhs_number))
    if upn:
        identifiers |= Q(upn=re.sub(r"\s+", "", upn).upper())
    exact = list(base.filter(identifiers)) if identifiers else []

    words = list(dict.fromkeys(matching.normalise(f"{forenames} {surname}").split()))
    words = words[: matching.MAX_WORDS]
    query = ParsedQuery(words, date_of_birth, matching.normalise_postcode(postcode), "", "", "")
    candidates = {c.pk: c for c in _candidates_by_name(query, base, viewer)}
    # Born the same day at the same address: shown whatever the name (a twin, or the same child
    # under another name), so the practitioner decides.
    same_day_and_place = []
    if date_of_birth and postcode:
        same_day_and_place = list(
            base.only(*RANKING_FIELDS).filter(
                date_of_birth=date_of_birth, postcode=matching.normalise_postcode(postcode)
            )[:CANDIDATE_CAP]
        )
    hidden = viewer.hidden([*candidates.values(), *same_day_and_place])
    likely = []
    exact_ids = {c.pk for c in exact}
    for match in _rank(candidates.values(), query, hidden):
        if match.child.pk in exact_ids:
            continue
        same_dob = "same date of birth" in match.reasons
        same_place = "same postcode" in match.reasons
        if same_dob or same_place or match.score >= 85:
            likely.append(match)
    shown = exact_ids | {m.child.pk for m in likely}
    for child in same_day_and_place:
        if child.pk not in shown and child.pk not in hidden:
            likely.append(Match(child, 50.0, ["same date of birth", "same postcode"]))
            shown.add(child.pk)
    # In place of "the same day at the same address", for a child whose address must not count:
    # the same day, wherever the child lives.
    for child in candidates.values():
        if child.pk in hidden and child.pk not in shown and child.date_of_birth == date_of_birth:
            likely.append(Match(child, 50.0, [], address_hidden=True))
            shown.add(child.pk)
    if other_names:
        for match in search_children(other_names, date_of_birth=date_of_birth, limit=10, user=user):
            if match.child.pk not in shown and "same date of birth" in match.reasons:
                likely.append(match)
                shown.add(match.child.pk)
    likely = likely[:20]
    hidden = viewer.hidden([m.child for m in likely])
    for match in likely:
        if match.child.pk in hidden:
            match.address_hidden = True
            match.reasons = [ASK_THE_LISA_TEAM]
    return exact, likely


# --- searches kept for their results page -----------------------------------------------------

# Where the session keeps a person's recent searches, and how many it keeps.
SESSION_KEY = "lisa_child_searches"
KEPT_SEARCHES = 10


def remember_search(request, terms: dict) -> str:
    """Keep the terms of a search in the session under a new random id, bound to the person,
    and return the id: the results page's address carries only that id, never the name, date of
    birth or postcode searched for (they would land in history, logs and Referer headers)."""
    kept = dict(request.session.get(SESSION_KEY, {}))
    key = secrets.token_urlsafe(16)
    kept[key] = {
        "user": request.user.pk,
        "q": terms.get("q", "").strip(),
        "date_of_birth": terms["date_of_birth"].isoformat() if terms.get("date_of_birth") else "",
        "postcode": terms.get("postcode", ""),
        "audited": False,
    }
    # The oldest searches make way: the session stays small.
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEPT_SEARCHES:])
    return key


def recall_search(request, key: str) -> dict | None:
    """The terms kept under ``key`` for the signed-in person (``date_of_birth`` as a date), or
    None when there is no such search of theirs."""
    entry = request.session.get(SESSION_KEY, {}).get(key or "")
    if not isinstance(entry, dict) or entry.get("user") != request.user.pk:
        return None
    born = entry.get("date_of_birth") or ""
    return {
        "q": entry.get("q", ""),
        "date_of_birth": dt.date.fromisoformat(born) if born else None,
        "postcode": entry.get("postcode", ""),
        "audited": bool(entry.get("audited")),
    }


def mark_search_audited(request, key: str) -> None:
    kept = dict(request.session.get(SESSION_KEY, {}))
    if key in kept:
        kept[key] = {**kept[key], "audited": True}
        request.session[SESSION_KEY] = kept
