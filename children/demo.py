"""Invented demonstration data for this app, loaded by `manage.py load_demo`.

About three hundred children in households across Lewisham postcodes, with people holding
parental responsibility, involvements across the demo agencies and one shielded child. Every
name, address and number is invented (NHS numbers and UPNs pass their checks but are generated).
The same records come out every time: references are derived from a fixed seed, and a household
already present is left alone.
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum.gb import upn as upn_module

from children.models import Child, Family, HowBegan, Involvement, ParentalResponsibility
from children.validators import lisa_ref_check, nhs_check_digit

SEED = 20261125
HOUSEHOLDS = 150

GIRLS = [
    "Amelia",
    "Aisha",
    "Zofia",
    "Thi Lan",
    "Priyanka",
    "Siobhan",
    "Chiamaka",
    "Fatima",
    "Maryam",
    "Olivia",
    "Ewa",
    "Yetunde",
    "Hana",
    "Isabella",
    "Ngozi",
    "Leila",
    "Sofia",
    "Mei",
    "Amara",
    "Nadia",
    "Grace",
    "Kateryna",
    "Ayesha",
    "Freya",
    "Esther",
    "Anjali",
    "Rosa",
    "Imani",
    "Ioana",
    "Precious",
    "Zainab",
    "Matilda",
    "Aleksandra",
    "Elizabeth",
    "Khadija",
    "Lucia",
    "Ruby",
    "Defne",
    "Tahmina",
    "Abena",
]
BOYS = [
    "Oluwaseun",
    "Mohammed",
    "Kwabena",
    "Mehmet",
    "Jonathan",
    "Tomasz",
    "Arjun",
    "Connor",
    "Ibrahim",
    "Minh",
    "Kofi",
    "Daniel",
    "Yusuf",
    "Liam",
    "Chidi",
    "Rahul",
    "Mateo",
    "Alexander",
    "Emeka",
    "Hamza",
    "Oscar",
    "Dmytro",
    "Tariq",
    "William",
    "Samuel",
    "Jin",
    "Malik",
    "Ayodele",
    "Luca",
    "Ravi",
    "Bilal",
    "Theo",
    "Andrei",
    "Joshua",
    "Kwame",
    "Idris",
    "Benjamin",
    "Faisal",
    "Nikolai",
    "Ezra",
]
SURNAMES = [
    "Quillfeather",
    "Brackenbury",
    "Marrowdale",
    "Thistlecombe",
    "Larkspur",
    "Pennywhistle",
    "Fernsby",
    "Wrenfield",
    "Okonkwo-Larkspur",
    "Adebayo-Thorne",
    "Kowalska-Finch",
    "Rahman-Wren",
    "Nguyen-Hollis",
    "Mensah-Oakley",
    "Castellano-Birch",
    "Haddad-Moss",
    "Oyelaran-Brook",
    "Sharma-Pike",
    "Dąbrowski-Vale",
    "Achterberg",
    "Lindqvist-Rowe",
    "Ferreira-Gale",
    "Tanaka-Heath",
    "Baptiste-Crane",
    "Osei-Marsh",
    "Kaur-Ashby",
    "Petrenko-Lowe",
    "Yilmaz-Dunmore",
    "Ó Briain-Hart",
    "Mbeki-Fairlie",
    "Quennell",
    "Harrowgate",
    "Bellweather",
    "Cobblestone",
    "Featherby",
    "Gallowmere",
    "Hollowell",
    "Inkpen",
    "Juniperwood",
    "Kettleby",
    "Lanternfield",
    "Mistlethwaite",
    "Nettlefold",
    "Orchardson",
    "Puddephatt",
    "Rookwood",
    "Saltmarsh",
    "Tumbledown",
    "Underhill-Asante",
    "Winterbourne",
    "Yarrowby",
    "Zephyrine",
]
PARENT_FIRST = [
    "Adaeze",
    "Bartholomew",
    "Carys",
    "Dariusz",
    "Efua",
    "Farida",
    "Gideon",
    "Hyacinth",
    "Ignatius",
    "Jovita",
    "Kemi",
    "Leopold",
    "Marisol",
    "Nnamdi",
    "Ottoline",
    "Perpetua",
    "Quentin",
    "Rosalind",
    "Sunniva",
    "Tobias",
    "Ulrike",
    "Valentina",
    "Wilhelmina",
    "Xanthe",
]
STREETS = [
    "Invented Road",
    "Make-Believe Lane",
    "Fictional Terrace",
    "Storybook Close",
    "Imaginary Gardens",
    "Pretend Street",
    "Daydream Avenue",
    "Fable Mews",
    "Notional Walk",
    "Whimsy Crescent",
    "Parable Row",
    "Legend Court",
]
# Real Lewisham postcode districts with invented inward codes.
DISTRICTS = ["SE4", "SE6", "SE8", "SE12", "SE13", "SE14", "SE23", "SE26"]
LANGUAGES = [
    ("English", False),
    ("English", False),
    ("English", False),
    ("English", False),
    ("Yoruba", False),
    ("Polish", True),
    ("Bengali", True),
    ("Turkish", False),
    ("Vietnamese", True),
    ("Somali", True),
    ("Tamil", False),
    ("Portuguese", False),
    ("Ukrainian", True),
    ("Twi", False),
    ("Urdu", False),
    ("Spanish", False),
]
PRIMARY = ["Cedar Rise Primary School", "Ladywell Fields Primary (invented)"]
SECONDARY = ["Riverside Park Secondary School", "Hilly Fields Academy (invented)"]
TODAY = dt.date(2026, 11, 1)

# username -> (role with the child, which children suit them, share of those to take)
WORKERS = {
    "amara.okafor": ("Health visitor", lambda age, school: age < 5, 0.30),
    "daniel.price": ("Class teacher", lambda age, school: school == PRIMARY[0], 0.30),
    "helen.wright": ("Head teacher", lambda age, school: school == PRIMARY[0], 0.06),
    "kwame.mensah": ("Head of year", lambda age, school: school == SECONDARY[0], 0.30),
    "sofia.romano": ("General practitioner", lambda age, school: True, 0.06),
    "grace.liu": ("CAMHS nurse", lambda age, school: age >= 10, 0.08),
    "tom.hughes": ("Police safeguarding officer", lambda age, school: age >= 12, 0.06),
    "leah.campbell": ("Youth justice worker", lambda age, school: age >= 13, 0.08),
    "omar.farah": ("Housing officer", lambda age, school: True, 0.04),
    "rachel.adeyemi": ("Social worker", lambda age, school: True, 0.05),
}


def _age(born: dt.date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def _ref(rng: random.Random) -> str:
    digits = f"{rng.randrange(1_000_000, 10_000_000)}"
    return f"L{digits}{lisa_ref_check(digits)}"


def _nhs(rng: random.Random) -> str:
    while True:
        first = f"{rng.randrange(400_000_000, 999_999_999)}"
        check = nhs_check_digit(first)
        if check is not None:
            return f"{first}{check}"


def _upn(rng: random.Random, born: dt.date) -> str:
    body = f"209{rng.randrange(2000, 5000)}{(born.year + 5) % 100:02d}{rng.randrange(0, 1000):03d}"
    return upn_module.calc_check_digit(body) + body


def _inward(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"


def load(stdout) -> None:
    """Add this app's demo records; safe to run again (nothing is duplicated)."""
    from lisa.models import User

    workers = {
        user.username: user
        for user in User.objects.filter(username__in=list(WORKERS)).select_related("agency")
    }
    used_refs: set[str] = set()
    used_ids: set[str] = set()
    created = households_added = 0
    for household in range(HOUSEHOLDS):
        # One generator per household: a household already loaded is skipped without changing
        # what the others get.
        rng = random.Random(f"{SEED}-{household}")
        surname = rng.choice(SURNAMES)
        district = rng.choice(DISTRICTS)
        postcode = f"{district} {_inward(rng)}"
        street = f"{rng.randrange(1, 180)} {rng.choice(STREETS)}"
        language, interpreter = rng.choice(LANGUAGES)
        size = rng.choices([1, 2, 3, 4], weights=[4, 4, 2, 1])[0]
        specs = []
        taken: set[str] = set()
        for _ in range(size):
            girl = rng.random() < 0.5
            born = dt.date(2009, 1, 1) + dt.timedelta(days=rng.randrange(0, 6100))
            born = min(born, TODAY - dt.timedelta(days=30))
            ref = _ref(rng)
            while ref in used_refs:
                ref = _ref(rng)
            used_refs.add(ref)
            nhs = _nhs(rng)
            while nhs in used_ids:
                nhs = _nhs(rng)
            used_ids.add(nhs)
            specs.append(
                {
                    "lisa_ref": ref,
                    "forenames": rng.choice(
                        [n for n in (GIRLS if girl else BOYS) if n not in taken]
                    ),
                    "surname": surname,
                    "gender": "female" if girl else "male",
                    "date_of_birth": born,
                    "nhs_number": nhs if rng.random() < 0.8 else "",
                    "upn_seed": rng.random(),
                    "other_names": rng.choice(["", "", "", "", "", f"{rng.choice(SURNAMES)}"]),
                    "pick": [rng.random() for _ in WORKERS],
                }
            )
            taken.add(specs[-1]["forenames"])
        parents = [
            (f"{rng.choice(PARENT_FIRST)} {surname}", relationship)
            for relationship in rng.sample(["mother", "father", "grandmother", "stepfather"], 2)
        ][: rng.choice([1, 2, 2])]
        shield = household == 7  # one shielded child (with any siblings)
        if Child.objects.filter(lisa_ref=specs[0]["lisa_ref"]).exists():
            continue
        family = Family.objects.create() if size > 1 else None
        households_added += 1
        for spec in specs:
            age = _age(spec["date_of_birth"])
            school = ""
            if 4 <= age < 11:
                school = PRIMARY[0 if spec["upn_seed"] < 0.6 else 1]
            elif 11 <= age < 17:
                school = SECONDARY[0 if spec["upn_seed"] < 0.6 else 1]
            upn = ""
            if school and spec["upn_seed"] < 0.85:
                upn = _upn(random.Random(spec["lisa_ref"]), spec["date_of_birth"])
                if upn in used_ids or Child.objects.filter(upn=upn).exists():
                    upn = ""
                used_ids.add(upn)
            child = Child(
                lisa_ref=spec["lisa_ref"],
                forenames=spec["forenames"],
                surname=spec["surname"],
                other_names=spec["other_names"] if spec["other_names"] != surname else "",
                date_of_birth=spec["date_of_birth"],
                gender=spec["gender"],
                address_line_1=street,
                town="London",
                postcode=postcode,
                nhs_number=spec["nhs_number"],
                upn=upn,
                school=school,
                first_language=language,
                interpreter_needed=interpreter,
                shielded=shield,
                family=family,
            )
            if Child.objects.filter(nhs_number=child.nhs_number).exclude(nhs_number="").exists():
                child.nhs_number = ""
            child.save()
            created += 1
            for name, relationship in parents:
                ParentalResponsibility.objects.create(
                    child=child,
                    name=name,
                    relationship=relationship,
                    phone=f"07700 900{rng.randrange(0, 1000):03d}",
                    address="" if shield else f"{street}\nLondon\n{postcode}",
                )
            lead_given = False
            for (username, (role, suits, share)), pick in zip(
                WORKERS.items(), spec["pick"], strict=True
            ):
                user = workers.get(username)
                forced = shield and username in ("amara.okafor", "rachel.adeyemi")
                if user is None or not user.agency_id:
                    continue
                if not forced and not (suits(age, school) and pick < share):
                    continue
                Involvement.objects.create(
                    child=child,
                    practitioner=user,
                    agency=user.agency,
                    role=role,
                    started_on=TODAY - dt.timedelta(days=int(pick * 400) + 7),
                    lead_professional=not lead_given and pick < share / 2,
                    how_began=HowBegan.MEETING if pick < share / 3 else HowBegan.CONCERN,
                )
                lead_given = lead_given or pick < share / 2
    stdout.write(
        f"Children: {created} added in {households_added} households "
        f"({Child.objects.count()} children in all)."
    )
    _retention(stdout)


# Two records for the central team's retention pages: a young person archived at 18, and a
# child under a legal hold.
ARCHIVED_REF = "L7000001N"


def _retention(stdout) -> None:
    from children.actions import archive_records
    from children.models import LegalHold
    from children.retention import Schedule
    from lisa.models import User

    morgan = User.objects.filter(username="morgan.ellis").first()
    if morgan is None or Child.objects.filter(lisa_ref=ARCHIVED_REF).exists():
        return
    young_person = Child(
        lisa_ref=ARCHIVED_REF,
        forenames="Rowan",
        surname="Ashby",
        date_of_birth=dt.date(TODAY.year - 19, 1, 14),
        gender="male",
        address_line_1="4 Invented Row",
        town="London",
        postcode="SE13 7QA",
        status="closed",
    )
    young_person.save()
    archive_records(ids=[young_person.pk], schedule=Schedule.from_settings(), today=TODAY)
    held = Child.objects.filter(archived_at__isnull=True).order_by("date_of_birth", "pk").first()
    if held is not None and not LegalHold.objects.filter(child=held).exists():
        LegalHold.objects.create(
            child=held,
            reason="Section 47 enquiry SE-2291 (invented): keep until the enquiry closes",
            set_by=morgan,
        )
    stdout.write("Retention: one archived record and one legal hold.")
