"""Invented agencies and people for demonstrations and tests. None of them is real."""

from __future__ import annotations

import datetime as dt

from lisa.models import AgencyType, Role

DEMO_PASSWORD = "demo-lisa-2026"

AGENCIES = [
    # name, type, sensitive, phone, email
    (
        "Lewisham Health Visiting Service",
        AgencyType.HEALTH,
        False,
        "020 3049 0001",
        "health.visiting@example.org",
    ),
    (
        "Cedar Rise Primary School",
        AgencyType.EDUCATION,
        False,
        "020 3049 0002",
        "office@cedarrise.example.org",
    ),
    (
        "Riverside Park Secondary School",
        AgencyType.EDUCATION,
        False,
        "020 3049 0003",
        "office@riversidepark.example.org",
    ),
    (
        "Hawthorn Lane Medical Practice",
        AgencyType.HEALTH,
        False,
        "020 3049 0004",
        "reception@hawthornlane.example.org",
    ),
    (
        "Child and Adolescent Mental Health Service",
        AgencyType.HEALTH,
        True,
        "020 3049 0005",
        "camhs@example.org",
    ),
    (
        "Metropolitan Police Lewisham Safeguarding Unit",
        AgencyType.POLICE,
        False,
        "020 3049 0006",
        "safeguarding.police@example.org",
    ),
    (
        "Lewisham Youth Offending Service",
        AgencyType.YOUTH_OFFENDING,
        False,
        "020 3049 0007",
        "yos@example.org",
    ),
    (
        "Housing Options and Advice",
        AgencyType.HOUSING,
        False,
        "020 3049 0008",
        "housing.options@example.org",
    ),
    (
        "Deptford Family Support Network",
        AgencyType.VOLUNTARY,
        False,
        "020 3049 0009",
        "hello@deptfordfamilies.example.org",
    ),
    (
        "Children's Social Care",
        AgencyType.SOCIAL_CARE,
        False,
        "020 3049 0010",
        "socialcare@example.org",
    ),
    ("LISA Central Team", AgencyType.OTHER, False, "020 3049 0011", "lisa@example.org"),
]

P, DO, CT, DE, SA = (
    Role.PRACTITIONER,
    Role.DESIGNATED_OFFICER,
    Role.CENTRAL_TEAM,
    Role.DIRECTORY_EDITOR,
    Role.SYSTEM_ADMIN,
)
TRAINED = dt.date(2026, 9, 14)

# username, first, last, agency index, roles, job title, phone, trained?
PEOPLE = [
    ("amara.okafor", "Amara", "Okafor", 0, [P], "Health visitor", "020 3049 1101", True),
    (
        "priya.shah",
        "Priya",
        "Shah",
        0,
        [P, DO],
        "Designated officer, health visiting",
        "020 3049 1102",
        True,
    ),
    ("daniel.price", "Daniel", "Price", 1, [P], "Class teacher, Year 4", "020 3049 1201", True),
    ("helen.wright", "Helen", "Wright", 1, [P, DO], "Head teacher", "020 3049 1202", True),
    ("jordan.reed", "Jordan", "Reed", 1, [P], "Teaching assistant", "020 3049 1203", False),
    ("kwame.mensah", "Kwame", "Mensah", 2, [P], "Head of Year 9", "020 3049 1301", True),
    ("sofia.romano", "Sofia", "Romano", 3, [P], "General practitioner", "020 3049 1401", True),
    ("grace.liu", "Grace", "Liu", 4, [P], "CAMHS nurse", "020 3049 1501", True),
    (
        "tom.hughes",
        "Tom",
        "Hughes",
        5,
        [P],
        "Police constable, safeguarding",
        "020 3049 1601",
        True,
    ),
    ("leah.campbell", "Leah", "Campbell", 6, [P], "Youth justice worker", "020 3049 1701", True),
    ("omar.farah", "Omar", "Farah", 7, [P], "Housing officer", "020 3049 1801", True),
    ("sam.taylor", "Sam", "Taylor", 8, [DE], "Services co-ordinator", "020 3049 1901", True),
    ("rachel.adeyemi", "Rachel", "Adeyemi", 9, [P], "Social worker", "020 3049 2001", True),
    ("morgan.ellis", "Morgan", "Ellis", 10, [CT], "LISA co-ordinator", "020 3049 2101", True),
    ("nadia.hassan", "Nadia", "Hassan", 10, [CT], "Professional advisor", "020 3049 2102", True),
    ("alex.chen", "Alex", "Chen", 10, [SA], "System administrator", "020 3049 2201", True),
]

# Those trained as lead professionals and to chair Family Support Meetings (the others are
# shown a warning when chosen for either role).
ROLE_TRAINED = {"amara.okafor", "priya.shah", "helen.wright", "rachel.adeyemi"}

# One user of each role, printed by `make run`.
SHOWCASE = [
    ("Practitioner (health visitor)", "amara.okafor"),
    ("Practitioner (teacher)", "daniel.price"),
    ("Designated officer", "priya.shah"),
    ("Central team", "morgan.ellis"),
    ("Directory editor", "sam.taylor"),
    ("System administrator", "alex.chen"),
    ("Untrained (cannot sign in)", "jordan.reed"),
]
