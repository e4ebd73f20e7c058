"""How well the child index tells the same child from a different one: the labelled name pairs.

``children/data/name_pairs.csv`` (the set the matching was developed against) and
``children/data/name_pairs_holdout.csv`` (written separately and measured after) each hold pairs
of a child's names as recorded and what a practitioner types, labelled "same child" or
"different child", from the naming traditions of a London borough. :func:`evaluate` records
every recorded child among invented others (children/invented_names.py), searches for what was
typed as the search page does, and counts:

- *shown in the first five*: the recorded child is among the first five results, searching by
  the name alone and by the name with the date of birth;
- *strong match*: the search marks the recorded child a strong match (both names the ones typed
  or spellings of them).

It runs in a transaction that is rolled back: nothing it adds stays in the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from children import invented_names, matching
from children.search import parse, search_children
from children.validators import lisa_ref_check

DATA = Path(__file__).resolve().parent / "data"
SETS = {"development": DATA / "name_pairs.csv", "held out": DATA / "name_pairs_holdout.csv"}
FIRST = 5


@dataclass
class Pair:
    tradition: str
    forenames: str
    surname: str
    typed: str
    same: bool
    kind: str


@dataclass
class Counts:
    pairs: int = 0
    shown_with_date: int = 0
    shown_by_name: int = 0
    strong: int = 0
    missed: list[Pair] = field(default_factory=list)


@dataclass
class Report:
    same: Counts
    different: Counts

    def recall(self, what: str) -> float:
        return getattr(self.same, what) / self.same.pairs

    def false_rate(self, what: str) -> float:
        return getattr(self.different, what) / self.different.pairs

    def precision(self, what: str) -> float:
        right, wrong = getattr(self.same, what), getattr(self.different, what)
        return right / (right + wrong) if right + wrong else 1.0


def load(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Pair(
                row["tradition"],
                row["recorded_forenames"],
                row["recorded_surname"],
                row["typed"],
                row["same"] == "1",
                row["kind"],
            )
            for row in csv.DictReader(handle)
        ]


_numbers = itertools.count(1)


def _child(forenames: str, surname: str, born: dt.date, postcode: str, other: str = ""):
    from children.models import Child

    # References below those LISA gives (validators.new_lisa_ref), gone with the rollback.
    digits = f"{next(_numbers):07d}"
    return Child(
        lisa_ref=f"L{digits}{lisa_ref_check(digits)}",
        forenames=forenames,
        surname=surname,
        other_names=other,
        date_of_birth=born,
        gender="female",
        postcode=postcode,
        postcode_district=matching.postcode_district(postcode),
        search_keys=matching.child_keys(forenames, surname, other),
    )


class _RolledBack(Exception):
    pass


def evaluate(pairs: list[Pair], *, others: int = 2_000, seed: int = 20261206) -> Report:
    """Search for every pair among ``others`` invented children (then roll everything back)."""
    from children.models import Child

    rng = random.Random(seed)
    today = dt.date(2026, 12, 1)
    source = invented_names.NameSource()
    report = Report(Counts(), Counts())
    try:
        with transaction.atomic():
            recorded = {}
            for pair in pairs:
                key = (pair.forenames, pair.surname)
                if key not in recorded:
                    born = today - dt.timedelta(days=rng.randrange(30, 18 * 365))
                    recorded[key] = _child(pair.forenames, pair.surname, born, "SE13 6LH")
            Child.objects.bulk_create(recorded.values(), batch_size=1_000)
            crowd = []
            for _ in range(others):
                invented = source.child(rng)
                born = today - dt.timedelta(days=rng.randrange(30, 18 * 365))
                code, _ = invented_names.postcode(rng)
                crowd.append(
                    _child(invented.forenames, invented.surname, born, code, invented.other_names)
                )
            Child.objects.bulk_create(crowd, batch_size=1_000)
            for pair in pairs:
                child = recorded[(pair.forenames, pair.surname)]
                counts = report.same if pair.same else report.different
                counts.pairs += 1
                by_name = search_children(pair.typed, limit=FIRST)
                with_date = search_children(
                    pair.typed, date_of_birth=child.date_of_birth, limit=FIRST
                )
                shown_by_name = any(m.child.pk == child.pk for m in by_name)
                shown_with_date = any(m.child.pk == child.pk for m in with_date)
                strong = matching.score_names(
                    parse(pair.typed).words, pair.forenames, pair.surname
                ).strong
                counts.shown_by_name += shown_by_name
                counts.shown_with_date += shown_with_date
                counts.strong += strong
                if pair.same and not shown_with_date or not pair.same and strong:
                    counts.missed.append(pair)
            raise _RolledBack
    except _RolledBack:
        pass
    return report
