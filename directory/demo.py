"""Invented demonstration data for this app, loaded by `manage.py load_demo`.

About 60 local services across the directory's categories. Every organisation, service,
address and phone number is invented (phone numbers are from Ofcom's drama range).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from directory.history import bulk_create_with_history
from directory.models import Category, Location, OpeningSession, Organisation, Service
from lisa.models import Agency, User

CATEGORIES = [
    ("Parenting support", "Courses, groups and one-to-one help with being a parent or carer"),
    ("Speech and language", "Help with talking, listening, understanding and communication"),
    ("Youth clubs", "Clubs, youth centres and things to do for young people"),
    ("CAMHS", "Child and adolescent mental health services and emotional wellbeing"),
    ("Food banks", "Emergency food, community fridges and help with food costs"),
    ("Housing advice", "Help with homelessness, tenancies, repairs and rent"),
    ("SEND support", "Special educational needs and disabilities: advice, play and short breaks"),
    ("Domestic abuse support", "Safety, advocacy and recovery for families affected by abuse"),
    ("Early years", "Stay and play, childcare and children's centres for under-fives"),
    ("Money and benefits advice", "Benefits, debt, grants and budgeting"),
    ("Sport and activities", "Sport, arts, music and holiday activities"),
    ("Young carers", "Support for children and young people who look after someone"),
    ("Drug and alcohol support", "Advice and treatment for young people and parents"),
    ("Education and learning", "Homework clubs, tuition, English classes and return to learning"),
    ("Health and wellbeing", "Health visiting, school nursing, sexual health and healthy living"),
]

ORGANISATIONS = {
    # key: (name, description, phone, website, agency name if a LISA partner)
    "dfsn": (
        "Deptford Family Support Network",
        "A local charity supporting families in Deptford, New Cross and Evelyn.",
        "020 7946 0101",
        "https://deptfordfamilies.example.org",
        "Deptford Family Support Network",
    ),
    "council": (
        "Lewisham Early Help",
        "The council's early help service for families who need a little extra support.",
        "020 7946 0102",
        "https://earlyhelp.example.org",
        None,
    ),
    "nhs": (
        "South Thames Children's Community Health",
        "NHS community health services for children: therapies, nursing and health visiting.",
        "020 7946 0103",
        "https://childrenshealth.example.org",
        "Lewisham Health Visiting Service",
    ),
    "camhs": (
        "Lewisham CAMHS",
        "Child and adolescent mental health services for the borough.",
        "020 7946 0104",
        "https://camhs.example.org",
        "Child and Adolescent Mental Health Service",
    ),
    "youth": (
        "Riverside Youth Trust",
        "Youth clubs, sport and arts for young people aged 8 to 19 (25 with a disability).",
        "020 7946 0105",
        "https://riversideyouth.example.org",
        None,
    ),
    "foodbank": (
        "Lewisham Community Food Partnership",
        "A network of food banks, pantries and community fridges.",
        "020 7946 0106",
        "https://foodpartnership.example.org",
        None,
    ),
    "housing": (
        "Housing Options and Advice",
        "The council's housing advice and homelessness prevention service.",
        "020 7946 0107",
        "https://housingoptions.example.org",
        "Housing Options and Advice",
    ),
    "send": (
        "Lewisham SEND Information, Advice and Support",
        "Impartial advice for parents and young people about special educational needs.",
        "020 7946 0108",
        "https://sendiass.example.org",
        None,
    ),
    "refuge": (
        "Safe Harbour Lewisham",
        "Domestic abuse advocacy, refuge and recovery programmes.",
        "020 7946 0109",
        "https://safeharbour.example.org",
        None,
    ),
    "advice": (
        "Catford Advice Centre",
        "Free, independent advice on benefits, debt and employment.",
        "020 7946 0110",
        "https://catfordadvice.example.org",
        None,
    ),
    "sport": (
        "Ladywell Sports Collective",
        "Community sport for all ages.",
        "020 7946 0111",
        "https://ladywellsport.example.org",
        None,
    ),
    "carers": (
        "Carers Lewisham Young Carers",
        "Support for young carers and their families.",
        "020 7946 0112",
        "https://youngcarers.example.org",
        None,
    ),
    "learning": (
        "Sydenham Learning Hub",
        "Homework clubs, tuition and adult learning.",
        "020 7946 0113",
        "https://learninghub.example.org",
        None,
    ),
}

# name, organisation, categories, ages, description, charges ("" for free), areas, languages
SERVICES = [
    (
        "Bumps and Babies Group",
        "dfsn",
        ["Parenting support", "Early years"],
        (0, 2),
        "A weekly group for parents and carers of babies: share tips and meet a family worker.",
        "",
        ["Deptford", "Evelyn"],
        ["English", "Yoruba"],
    ),
    (
        "Dads Matter Saturday Club",
        "dfsn",
        ["Parenting support"],
        (0, 11),
        "Saturday mornings for dads, male carers and their children: play and breakfast.",
        "",
        ["Deptford", "Evelyn", "New Cross Gate"],
        ["English"],
    ),
    (
        "Family Support Drop-in",
        "dfsn",
        ["Parenting support", "Money and benefits advice"],
        (0, 18),
        "Walk in to talk to a family support worker about sleep, school or money worries.",
        "",
        "borough",
        ["English", "Somali", "Arabic"],
    ),
    (
        "Deptford Community Fridge",
        "dfsn",
        ["Food banks"],
        (None, None),
        "Free surplus food for anyone who needs it, no referral needed.",
        "",
        ["Deptford"],
        ["English", "Portuguese"],
    ),
    (
        "Teen Parents Group",
        "dfsn",
        ["Parenting support", "Education and learning"],
        (14, 21),
        "For young parents aged 14 to 21: peer support, cooking and help back into learning.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Incredible Years Parenting Course",
        "council",
        ["Parenting support"],
        (3, 8),
        "A 14-week course for parents of children aged 3 to 8 who want help with behaviour.",
        "",
        "borough",
        ["English", "Turkish"],
    ),
    (
        "Teens and Toddlers Parenting Programme",
        "council",
        ["Parenting support"],
        (9, 16),
        "A course for parents of teenagers: communication, boundaries and staying connected.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Early Help Family Hub - Downham",
        "council",
        ["Parenting support", "Early years"],
        (0, 19),
        "A family hub with health visiting clinics, stay and play and early help workers.",
        "",
        ["Downham", "Bellingham", "Grove Park"],
        ["English", "Twi"],
    ),
    (
        "Early Help Family Hub - Lewisham Central",
        "council",
        ["Parenting support", "Early years"],
        (0, 19),
        "A family hub in the town centre with drop-ins, clinics and parenting courses.",
        "",
        ["Lewisham Central", "Ladywell", "Hither Green"],
        ["English", "Polish", "Bengali"],
    ),
    (
        "Stay and Play at Ladywell",
        "council",
        ["Early years"],
        (0, 5),
        "Messy play, songs and stories for under-fives and their carers.",
        "",
        ["Ladywell", "Brockley"],
        ["English"],
    ),
    (
        "Two-Year-Old Funded Childcare Advice",
        "council",
        ["Early years", "Money and benefits advice"],
        (2, 2),
        "Find out whether your two-year-old can have 15 free hours of childcare and where.",
        "",
        "borough",
        ["English", "Spanish"],
    ),
    (
        "Chatterbox Speech and Language Drop-in",
        "nhs",
        ["Speech and language", "Early years"],
        (1, 5),
        "Speech and language therapists answer questions about how your child talks.",
        "",
        "borough",
        ["English", "Polish"],
    ),
    (
        "Children's Speech and Language Therapy",
        "nhs",
        ["Speech and language", "SEND support"],
        (0, 18),
        "Therapy for children with speech, language, communication or swallowing needs.",
        "",
        "borough",
        ["English", "British Sign Language"],
    ),
    (
        "Stammering Support Group",
        "nhs",
        ["Speech and language"],
        (7, 16),
        "A monthly group for children who stammer and their parents.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Health Visiting Baby Clinic - Catford",
        "nhs",
        ["Health and wellbeing", "Early years"],
        (0, 5),
        "Weigh your baby, ask about feeding, sleep and development. No appointment needed.",
        "",
        ["Rushey Green", "Catford South"],
        ["English", "Tamil"],
    ),
    (
        "School Nursing Drop-in",
        "nhs",
        ["Health and wellbeing"],
        (5, 19),
        "School nurses hold confidential drop-ins for young people in secondary schools.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Infant Feeding Support",
        "nhs",
        ["Health and wellbeing", "Early years"],
        (0, 1),
        "Breastfeeding and bottle-feeding support from trained peer supporters and midwives.",
        "",
        "borough",
        ["English", "Arabic", "Bengali"],
    ),
    (
        "CAMHS Single Point of Access",
        "camhs",
        ["CAMHS"],
        (0, 18),
        "Referrals to child and adolescent mental health services for the borough.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Young People's Wellbeing Hub",
        "camhs",
        ["CAMHS", "Health and wellbeing"],
        (11, 25),
        "Drop-in emotional wellbeing support, counselling and groups for young people.",
        "",
        "borough",
        ["English", "Portuguese"],
    ),
    (
        "Kooth-style Online Counselling Service",
        "camhs",
        ["CAMHS"],
        (11, 25),
        "Free, anonymous online counselling and chat in the evenings.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Parent Infant Mental Health Team",
        "camhs",
        ["CAMHS", "Parenting support"],
        (0, 2),
        "Support for parents and babies where there are worries about bonding or mental health.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Eating Difficulties Service for Young People",
        "camhs",
        ["CAMHS"],
        (8, 18),
        "Assessment and treatment for children and young people with eating difficulties.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Riverside Youth Club - Deptford",
        "youth",
        ["Youth clubs", "Sport and activities"],
        (11, 19),
        "Open access youth club: games, music studio, cooking and youth workers to talk to.",
        "£1 a session; free for anyone on free school meals",
        ["Deptford", "Evelyn", "New Cross Gate"],
        ["English"],
    ),
    (
        "Riverside Youth Club - Bellingham",
        "youth",
        ["Youth clubs"],
        (11, 19),
        "Youth club with sport, arts, trips and a girls' night on Thursdays.",
        "£1 a session",
        ["Bellingham", "Downham", "Catford South"],
        ["English"],
    ),
    (
        "Forest Hill Junior Youth Club",
        "youth",
        ["Youth clubs"],
        (8, 12),
        "After-school club for 8 to 12 year olds with games, crafts and a snack.",
        "",
        ["Forest Hill", "Perry Vale", "Sydenham"],
        ["English"],
    ),
    (
        "Inclusive Youth Club",
        "youth",
        ["Youth clubs", "SEND support"],
        (11, 25),
        "A youth club for young people with learning disabilities and autism.",
        "",
        "borough",
        ["English", "British Sign Language"],
    ),
    (
        "Youth Advice and Counselling Drop-in",
        "youth",
        ["Youth clubs", "CAMHS"],
        (13, 25),
        "Confidential advice on anything: relationships, housing, money, sexual health.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Holiday Activities and Food Programme",
        "youth",
        ["Sport and activities", "Food banks"],
        (5, 16),
        "Free holiday clubs with a hot meal for children on free school meals.",
        "",
        "borough",
        ["English", "Somali"],
    ),
    (
        "Lewisham Central Food Bank",
        "foodbank",
        ["Food banks"],
        (None, None),
        "Three days of emergency food. Referral by a professional or a food bank voucher.",
        "",
        "borough",
        ["English", "Polish", "Romanian"],
    ),
    (
        "Brockley Community Pantry",
        "foodbank",
        ["Food banks"],
        (None, None),
        "A membership pantry: £3.50 a week for a bag of shopping worth much more.",
        "£3.50 a week",
        ["Brockley", "Telegraph Hill", "Crofton Park"],
        ["English"],
    ),
    (
        "Sydenham Food Bank",
        "foodbank",
        ["Food banks"],
        (None, None),
        "Emergency food parcels and signposting to advice.",
        "",
        ["Sydenham", "Perry Vale", "Forest Hill"],
        ["English", "Turkish"],
    ),
    (
        "Baby Bank Lewisham",
        "foodbank",
        ["Food banks", "Early years"],
        (0, 5),
        "Free nappies, clothes, prams and cots for families with babies. Professional referral.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Housing Options Advice Line",
        "housing",
        ["Housing advice"],
        (None, None),
        "Advice if you are homeless or at risk of losing your home.",
        "",
        "borough",
        ["English", "Bengali", "Somali"],
    ),
    (
        "Young People's Housing Service",
        "housing",
        ["Housing advice"],
        (16, 25),
        "Help for young people aged 16 to 25 who cannot stay at home.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Private Renters' Advice Surgery",
        "housing",
        ["Housing advice", "Money and benefits advice"],
        (None, None),
        "Repairs, deposits, eviction notices: free advice from housing lawyers.",
        "",
        "borough",
        ["English", "Spanish"],
    ),
    (
        "SEND Information, Advice and Support Service",
        "send",
        ["SEND support"],
        (0, 25),
        "Impartial advice about EHC plans, school support and tribunals.",
        "",
        "borough",
        ["English", "Vietnamese"],
    ),
    (
        "SEND Parent Carer Forum",
        "send",
        ["SEND support", "Parenting support"],
        (0, 25),
        "Meet other parent carers and help shape local services.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Short Breaks Saturday Club",
        "send",
        ["SEND support", "Sport and activities"],
        (5, 17),
        "Saturday activities for disabled children, giving families a break.",
        "",
        "borough",
        ["English", "British Sign Language"],
    ),
    (
        "Autism Family Support Group",
        "send",
        ["SEND support", "Parenting support"],
        (2, 18),
        "Monthly support group for parents of autistic children, with guest speakers.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Independent Domestic Violence Advocates",
        "refuge",
        ["Domestic abuse support"],
        (16, None),
        "Advocates help people at high risk of domestic abuse stay safe.",
        "",
        "borough",
        ["English", "Arabic", "Polish"],
    ),
    (
        "Children's Recovery Programme",
        "refuge",
        ["Domestic abuse support", "CAMHS"],
        (4, 16),
        "Group work for children who have lived with domestic abuse, alongside their mothers.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Freedom Programme",
        "refuge",
        ["Domestic abuse support"],
        (16, None),
        "A 12-week programme for women who have experienced domestic abuse.",
        "",
        "borough",
        ["English", "Turkish"],
    ),
    (
        "Healthy Relationships for Young People",
        "refuge",
        ["Domestic abuse support", "Youth clubs"],
        (13, 19),
        "Sessions in schools and youth clubs about consent and healthy relationships.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Benefits and Debt Advice",
        "advice",
        ["Money and benefits advice"],
        (None, None),
        "Appointments and a Tuesday drop-in for benefits, debt and budgeting advice.",
        "",
        "borough",
        ["English", "Bengali", "Tamil"],
    ),
    (
        "Free School Meals and Uniform Grants Help",
        "advice",
        ["Money and benefits advice", "Education and learning"],
        (4, 18),
        "Help applying for free school meals, uniform grants and the household support fund.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Energy Bills Advice Clinic",
        "advice",
        ["Money and benefits advice"],
        (None, None),
        "Help with energy debt, prepayment meters and grants.",
        "",
        ["Rushey Green", "Catford South", "Bellingham"],
        ["English"],
    ),
    (
        "Ladywell Junior Football",
        "sport",
        ["Sport and activities"],
        (5, 16),
        "Football training and matches for boys and girls.",
        "£3 a session; bursaries available",
        ["Ladywell", "Brockley", "Crofton Park"],
        ["English"],
    ),
    (
        "Swim for All",
        "sport",
        ["Sport and activities", "SEND support"],
        (4, 18),
        "Swimming lessons in small groups, including sessions for disabled children.",
        "£4 a lesson",
        "borough",
        ["English"],
    ),
    (
        "Girls' Boxing Club",
        "sport",
        ["Sport and activities", "Youth clubs"],
        (11, 18),
        "Non-contact boxing fitness and mentoring for girls.",
        "",
        ["Lewisham Central", "Lee Green", "Blackheath"],
        ["English"],
    ),
    (
        "Dance and Drama After School",
        "sport",
        ["Sport and activities"],
        (7, 14),
        "Weekly dance and drama with a show at the end of each term.",
        "£2 a session",
        ["Sydenham", "Forest Hill"],
        ["English"],
    ),
    (
        "Young Carers Club",
        "carers",
        ["Young carers", "Youth clubs"],
        (8, 18),
        "A break for young carers: activities, trips and someone to talk to.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Young Carers in Schools",
        "carers",
        ["Young carers", "Education and learning"],
        (5, 18),
        "Helps schools identify and support young carers.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Young Adult Carers Group",
        "carers",
        ["Young carers"],
        (16, 25),
        "Support for carers aged 16 to 25: college, work and looking after yourself.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Young People's Drug and Alcohol Service",
        "camhs",
        ["Drug and alcohol support"],
        (10, 21),
        "Confidential advice and treatment for young people worried about drugs or alcohol.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Parents Affected by Substance Use",
        "camhs",
        ["Drug and alcohol support", "Parenting support"],
        (None, None),
        "Support for parents whose drug or alcohol use affects their family.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Sydenham Homework Club",
        "learning",
        ["Education and learning"],
        (7, 16),
        "Quiet space, computers and volunteer tutors after school.",
        "",
        ["Sydenham", "Perry Vale", "Bellingham"],
        ["English", "Chinese (Cantonese)"],
    ),
    (
        "English for Parents (ESOL)",
        "learning",
        ["Education and learning", "Parenting support"],
        (None, None),
        "English classes for parents with a free crèche.",
        "",
        "borough",
        ["English", "Arabic", "Portuguese", "Spanish"],
    ),
    (
        "Maths and English Tuition for Looked-after Children",
        "learning",
        ["Education and learning"],
        (5, 18),
        "One-to-one tuition for children in care and care leavers.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Exam Stress Workshops",
        "learning",
        ["Education and learning", "CAMHS"],
        (14, 18),
        "Workshops in the run-up to GCSEs and A-levels on managing stress.",
        "",
        "borough",
        ["English"],
    ),
    (
        "Deptford Adventure Playground",
        "dfsn",
        ["Sport and activities", "Early years"],
        (5, 15),
        "Supervised adventure play after school and in the holidays.",
        "",
        ["Deptford", "Evelyn"],
        ["English"],
    ),
]

ADDRESSES = [
    ("Deptford Lounge", "9 Giffin Street", "SE8 4RJ"),
    ("Kaleidoscope Centre", "32 Rushey Green", "SE6 4JF"),
    ("Downham Family Hub", "7 Moorside Road", "BR1 5EP"),
    ("Lewisham Library", "199 Lewisham High Street", "SE13 6LG"),
    ("Brockley Community Hall", "12 Wickham Road", "SE4 1LT"),
    ("Sydenham Centre", "44 Kirkdale", "SE26 4BG"),
    ("Forest Hill Pools", "Dartmouth Road", "SE23 3HZ"),
    ("Bellingham Leisure Centre", "5 Randlesdown Road", "SE6 3BT"),
    ("Lee Green Centre", "1 Burnt Ash Road", "SE12 8RG"),
    ("New Cross Learning", "283 New Cross Road", "SE14 6AS"),
    ("Ladywell Fields Pavilion", "148 Ladywell Road", "SE13 7HU"),
    ("Catford Civic Suite", "Catford Road", "SE6 2RU"),
]

OPENING_PATTERNS = [
    [
        (0, "09:00", "17:00"),
        (1, "09:00", "17:00"),
        (2, "09:00", "17:00"),
        (3, "09:00", "17:00"),
        (4, "09:00", "16:30"),
    ],  # noqa: E501
    [(1, "10:00", "12:00"), (3, "10:00", "12:00")],
    [(0, "09:30", "11:30"), (2, "09:30", "11:30"), (2, "13:00", "15:00")],
    [(1, "16:00", "19:00"), (3, "16:00", "19:00"), (4, "18:00", "21:00")],
    [(5, "10:00", "13:00")],
    [(0, "10:00", "14:00"), (3, "10:00", "14:00"), (4, "10:00", "12:00")],
    [(2, "18:00", "20:00")],
    [(0, "09:00", "12:30"), (0, "13:30", "17:00"), (2, "09:00", "12:30"), (2, "13:30", "17:00")],
]

# Not reviewed for eight months: flagged, and their editors reminded (sam keeps the first).
STALE = {"Teen Parents Group", "Stammering Support Group", "Energy Bills Advice Clinic",
         "Dance and Drama After School", "Exam Stress Workshops"}  # fmt: skip
DRAFT = "Deptford Holiday Cooking Club"


def _service(entry, index: int, orgs: dict, categories: dict, today: dt.date) -> Service | None:
    name, org_key, category_names, (low, high), description, charges, areas, languages = entry
    organisation = orgs[org_key]
    if Service.objects.filter(organisation=organisation, name=name).exists():
        return None
    rng = random.Random(name)  # the same invented details every time
    chosen = [categories[c] for c in category_names]
    building, street, postcode = ADDRESSES[index % len(ADDRESSES)]
    service = Service(
        organisation=organisation,
        name=name,
        description=description,
        minimum_age=low,
        maximum_age=high,
        eligibility=(
            "Families living in the borough." if areas == "borough" else "Families in the area."
        ),
        phone=f"020 7946 {index + 200:04}",
        email=f"hello.{index}@{organisation.website.removeprefix('https://')}",
        website=organisation.website,
        is_free=not charges,
        charges=charges,
        accessibility=rng.choice(
            [
                "Step-free access, accessible toilet and baby change.",
                "Ground floor, step-free. Hearing loop at reception.",
                "First floor with a lift. Quiet room available on request.",
            ]
        ),
        languages=languages,
        serves_whole_borough=areas == "borough",
        wards=[] if areas == "borough" else areas,
        how_to_refer=rng.choice(
            [
                "Families can refer themselves: call or email.",
                "Drop in during opening times; no referral needed.",
                "Professional referral by email, with the family's consent.",
            ]
        ),
        is_published=True,
        last_reviewed_on=today - dt.timedelta(days=240 if name in STALE else rng.randint(3, 120)),
        category_names=" ".join(sorted(category_names)),
    )
    service.full_clean(exclude=["search_vector"])
    service.save()
    service.categories.set(chosen)
    pattern = OPENING_PATTERNS[rng.randrange(len(OPENING_PATTERNS))]
    bulk_create_with_history(
        OpeningSession,
        [
            OpeningSession(
                service=service,
                weekday=day,
                opens_at=dt.time.fromisoformat(opens),
                closes_at=dt.time.fromisoformat(closes),
            )
            for day, opens, closes in pattern
        ],
    )
    Location.objects.create(service=service, name=building, address_1=street, postcode=postcode)
    return service


@transaction.atomic
def load(stdout) -> None:
    """Add this app's demo records; safe to run again (nothing is duplicated)."""
    categories = {}
    for name, description in CATEGORIES:
        categories[name], _ = Category.objects.get_or_create(
            name=name, defaults={"description": description}
        )
    orgs = {}
    for key, (name, description, phone, website, agency_name) in ORGANISATIONS.items():
        orgs[key], _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "description": description,
                "phone": phone,
                "website": website,
                "agency": Agency.objects.filter(name=agency_name).first() if agency_name else None,
            },
        )
    today = timezone.localdate()
    created = [
        service
        for index, entry in enumerate(SERVICES)
        if (service := _service(entry, index, orgs, categories, today)) is not None
    ]
    draft_entry = (DRAFT, "dfsn", ["Sport and activities", "Food banks"], (8, 14),
                   "Cooking and eating together in the summer holidays.", "", ["Deptford"],
                   ["English"])  # fmt: skip
    draft = _service(draft_entry, len(SERVICES), orgs, categories, today)
    if draft is not None:
        draft.is_published = False
        draft.save(update_fields=["is_published", "updated_at"])
        created.append(draft)
    # sam.taylor keeps the Deptford Family Support Network's entries.
    sam = User.objects.filter(username="sam.taylor").first()
    if sam is not None:
        for service in Service.objects.filter(organisation=orgs["dfsn"]):
            service.editors.add(sam)
    stdout.write(
        f"Service directory: {len(created)} services added ({Service.objects.count()} in all, "
        f"{Category.objects.count()} categories, {Organisation.objects.count()} organisations)."
    )
