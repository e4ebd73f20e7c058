"""Directory fixtures: a small taxonomy, two organisations and a few services.

parenting     "Bumps and Babies Parenting Group" (Deptford Family Support), kept by sam,
              free, ages 0-4, Deptford and Evelyn wards, open Monday and Wednesday
speech        "Chatterbox Speech and Language Drop-in" (NHS), ages 2-5, whole borough,
              Tuesday, languages English and Polish
youth_club    "Forest Hill Youth Club" (Deptford Family Support), ages 11-19, £1 a
              session, SE23 and SE26, Friday evenings
hidden        an unpublished entry, kept by sam
closed        a published entry that has closed for good
"""

from __future__ import annotations

import datetime as dt

import pytest

from directory.models import (
    Category,
    Location,
    OpeningSession,
    Organisation,
    Service,
    ServiceStatus,
)


def make_service(
    organisation, name, *, categories=(), sessions=(), editors=(), location=None, **fields
) -> Service:
    fields.setdefault("description", f"{name}: an invented service for tests.")
    fields.setdefault("is_published", True)
    fields.setdefault("serves_whole_borough", True)
    service = Service(organisation=organisation, name=name, **fields)
    service.category_names = " ".join(sorted(c.name for c in categories))
    service.full_clean(exclude=["search_vector"])
    service.save()
    service.categories.set(categories)
    service.editors.set(editors)
    for weekday, opens, closes in sessions:
        OpeningSession.objects.create(
            service=service,
            weekday=weekday,
            opens_at=dt.time.fromisoformat(opens),
            closes_at=dt.time.fromisoformat(closes),
        )
    if location:
        Location.objects.create(service=service, **location)
    return service


@pytest.fixture
def categories(db):
    names = {
        "parenting": ("Parenting support", "Help with being a parent"),
        "speech": ("Speech and language", "Talking, listening and communication"),
        "youth": ("Youth clubs", "Things to do for young people"),
        "food": ("Food banks", "Emergency food"),
        "send": ("SEND support", "Special educational needs and disabilities"),
    }
    return {
        key: Category.objects.create(name=name, description=description)
        for key, (name, description) in names.items()
    }


@pytest.fixture
def organisations(agencies):
    return {
        "dfs": Organisation.objects.create(
            name="Deptford Family Support Network",
            description="A family charity in Deptford",
            agency=agencies["voluntary"],
        ),
        "nhs": Organisation.objects.create(
            name="Lewisham Children's Therapies", description="NHS children's therapies"
        ),
    }


@pytest.fixture
def services(categories, organisations, sam):
    return {
        "parenting": make_service(
            organisations["dfs"],
            "Bumps and Babies Parenting Group",
            description="A friendly weekly group for parents and carers of babies and toddlers.",
            categories=[categories["parenting"]],
            minimum_age=0,
            maximum_age=4,
            serves_whole_borough=False,
            wards=["Deptford", "Evelyn"],
            languages=["English", "Yoruba"],
            sessions=[(0, "09:30", "11:30"), (2, "09:30", "11:30"), (2, "13:00", "15:00")],
            editors=[sam],
            phone="020 8692 0000",
            location={
                "name": "Deptford Lounge",
                "address_1": "9 Giffin Street",
                "postcode": "SE8 4RJ",
            },
        ),
        "speech": make_service(
            organisations["nhs"],
            "Chatterbox Speech and Language Drop-in",
            description="Speech therapists answer questions about how your child talks.",
            categories=[categories["speech"], categories["send"]],
            minimum_age=2,
            maximum_age=5,
            languages=["English", "Polish"],
            sessions=[(1, "10:00", "12:00")],
            location={"address_1": "Kaleidoscope Centre, 32 Rushey Green", "postcode": "SE6 4JF"},
        ),
        "youth_club": make_service(
            organisations["dfs"],
            "Forest Hill Youth Club",
            description="Sport, music and a safe place to be on Friday evenings.",
            categories=[categories["youth"]],
            minimum_age=11,
            maximum_age=19,
            is_free=False,
            charges="£1 a session",
            serves_whole_borough=False,
            postcode_districts=["SE23", "SE26"],
            sessions=[(4, "18:00", "21:00")],
        ),
        "hidden": make_service(
            organisations["dfs"],
            "Secret Draft Parenting Course",
            categories=[categories["parenting"]],
            is_published=False,
            editors=[sam],
        ),
        "closed": make_service(
            organisations["nhs"],
            "Closed Speech Clinic",
            categories=[categories["speech"]],
            status=ServiceStatus.DEFUNCT,
        ),
    }
