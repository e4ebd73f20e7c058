"""Children for the tests: ``make_child(**fields)`` and ``involve(user, child)``."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from children.models import Child, HowBegan, Involvement

_numbers = itertools.count(1)


def make_child(**fields) -> Child:
    n = next(_numbers)
    values = {
        "forenames": f"Testchild{n}",
        "surname": "Quillfeather",
        "date_of_birth": dt.date(2016, 4, 5),
        "gender": "female",
        "address_line_1": f"{n} Invented Road",
        "town": "London",
        "postcode": "SE13 6LH",
        "school": "Cedar Rise Primary",
    }
    values.update(fields)
    child = Child(**values)
    child.save()
    return child


def involve(user, child, *, agency=None, role="Health visitor", **extra) -> Involvement:
    return Involvement.objects.create(
        child=child,
        practitioner=user,
        agency=agency or user.agency,
        role=role,
        how_began=extra.pop("how_began", HowBegan.CONCERN),
        **extra,
    )


@pytest.fixture
def child(db):
    return make_child(forenames="Ottoline", surname="Brackenbury")


@pytest.fixture
def shielded_child(db):
    return make_child(
        forenames="Perpetua",
        surname="Windlesham",
        shielded=True,
        address_line_1="7 Hidden Mews",
        postcode="SE4 1AA",
    )
