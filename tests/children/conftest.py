"""Children for the tests: ``make_child(**fields)`` and ``involve(user, child)``."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from children.actions import add_involvement
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
    """``user`` works with ``child``. Made through the real action (as logging a concern does,
    so the audit event and the one-lead rule apply); only what no action can make directly (an
    involvement at another agency than the user's, or one already ended) is written as a row."""
    how_began = extra.pop("how_began", HowBegan.CONCERN)
    lead = extra.pop("lead_professional", False)
    if agency is None or agency == user.agency:
        request = RequestFactory().post("/")
        request.user = user
        try:
            involvement = add_involvement(
                request=request,
                by=user,
                child=child,
                practitioner=user,
                role=role,
                lead_professional=lead,
                how_began=HowBegan.CONCERN,
            )
        except (PermissionDenied, ValidationError):
            involvement = None
        if involvement is not None:
            changes = {"how_began": how_began, **extra}
            Involvement.objects.filter(pk=involvement.pk).update(**changes)
            involvement.refresh_from_db()
            return involvement
    return Involvement.objects.create(
        child=child,
        practitioner=user,
        agency=agency or user.agency,
        role=role,
        how_began=how_began,
        lead_professional=lead,
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
