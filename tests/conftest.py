"""Personas and shared fixtures.

Each persona is a real user of a real agency, built once per test:

    amara     health visitor (practitioner), Health Visiting
    priya     designated officer, Health Visiting
    daniel    teacher (practitioner), Cedar Rise Primary School
    helen     designated officer, Cedar Rise Primary School
    morgan    central team
    sam       directory editor, Deptford Family Support Network
    alex      system administrator
    jordan    untrained teaching assistant, Cedar Rise Primary School
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management.commands import flush
from django.db import connections

from lisa.models import Agency, AgencyType, Role, User

PASSWORD = "correct-horse-battery"

# The audit table refuses TRUNCATE (append-only). Tests that use a live server or real
# transactions end with Django's flush, which truncates every table: let that one statement
# through by running it with triggers disabled (session_replication_role needs a superuser,
# which the embedded test cluster has; the application never does this).
_original_flush_handle = flush.Command.handle


def _flush_with_triggers_disabled(self, **options):
    database = options.get("database", "default")
    with connections[database].cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        return _original_flush_handle(self, **options)
    finally:
        with connections[database].cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
        _reseed_migration_data()


def _reseed_migration_data():
    """Flush also empties tables that migrations filled (the concern categories); put that data
    back so that the tests after a browser journey see the database as migrations left it."""
    from importlib import import_module

    from concerns.models import Category

    seeded = import_module("concerns.migrations.0002_categories").CATEGORIES
    for position, name in enumerate(seeded, start=1):
        Category.objects.get_or_create(name=name, defaults={"position": position})


flush.Command.handle = _flush_with_triggers_disabled


def make_user(username: str, agency: Agency | None, roles: list[str], **extra) -> User:
    first, _, last = username.partition(".")
    user = User(
        username=username,
        first_name=extra.pop("first_name", first.title()),
        last_name=extra.pop("last_name", (last or "Tester").title()),
        email=extra.pop("email", f"{username}@example.org"),
        agency=agency,
        roles=roles,
        training_date=extra.pop("training_date", dt.date(2026, 1, 10)),
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def agencies(db):
    return {
        "health": Agency.objects.create(name="Health Visiting", agency_type=AgencyType.HEALTH),
        "school": Agency.objects.create(
            name="Cedar Rise Primary", agency_type=AgencyType.EDUCATION
        ),
        "voluntary": Agency.objects.create(
            name="Deptford Family Support", agency_type=AgencyType.VOLUNTARY
        ),
        "camhs": Agency.objects.create(
            name="CAMHS", agency_type=AgencyType.HEALTH, sensitive_service=True
        ),
        "central": Agency.objects.create(name="LISA Central Team", agency_type=AgencyType.OTHER),
    }


@pytest.fixture
def amara(agencies):
    return make_user("amara.okafor", agencies["health"], [Role.PRACTITIONER], phone="020 3049 1101")


@pytest.fixture
def priya(agencies):
    return make_user("priya.shah", agencies["health"], [Role.PRACTITIONER, Role.DESIGNATED_OFFICER])


@pytest.fixture
def daniel(agencies):
    return make_user("daniel.price", agencies["school"], [Role.PRACTITIONER])


@pytest.fixture
def helen(agencies):
    return make_user(
        "helen.wright", agencies["school"], [Role.PRACTITIONER, Role.DESIGNATED_OFFICER]
    )


@pytest.fixture
def morgan(agencies):
    return make_user("morgan.ellis", agencies["central"], [Role.CENTRAL_TEAM])


@pytest.fixture
def sam(agencies):
    return make_user("sam.taylor", agencies["voluntary"], [Role.DIRECTORY_EDITOR])


@pytest.fixture
def alex(agencies):
    return make_user("alex.chen", agencies["central"], [Role.SYSTEM_ADMIN])


@pytest.fixture
def jordan(agencies):
    return make_user("jordan.reed", agencies["school"], [Role.PRACTITIONER], training_date=None)


@pytest.fixture
def personas(amara, priya, daniel, helen, morgan, sam, alex, jordan):
    return {
        "amara": amara,
        "priya": priya,
        "daniel": daniel,
        "helen": helen,
        "morgan": morgan,
        "sam": sam,
        "alex": alex,
        "jordan": jordan,
    }


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client, signed in as ``user`` through the real form."""

    def sign_in(user: User):
        client.logout()
        response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:2000]
        return client

    return sign_in
