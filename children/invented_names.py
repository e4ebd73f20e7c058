"""Invented children with realistic names, for the benchmarks and the name-matching evaluation.

Forenames and surnames are drawn from the name lists that the Faker package ships for each
locale (frequency-weighted where Faker gives weights, as for English surnames and Chinese
family names; uniform otherwise), mixed across the naming traditions of a London borough. Most
names are recorded in Latin letters, as English records usually hold them (transliterated the
way :func:`children.matching.latin` does); about 2% of all children are recorded in their own
script (Cyrillic, Greek, Chinese, Arabic or Bengali). Nothing is downloaded: the lists are in the
installed package.
"""

from __future__ import annotations

import importlib
import itertools
import random
import re
from dataclasses import dataclass
from functools import cache

from children.matching import latin

# (tradition, share of children, Faker locale, written in a script of its own)
TRADITIONS: tuple[tuple[str, float, str, bool], ...] = (
    ("English", 0.50, "en_GB", False),
    ("Irish", 0.04, "en_IE", False),
    ("Polish", 0.05, "pl_PL", False),
    ("Turkish", 0.03, "tr_TR", False),
    ("Yoruba", 0.04, "yo_NG", False),
    ("Igbo", 0.03, "ig_NG", False),
    ("Somali", 0.03, "", False),
    ("Arabic", 0.03, "ar_AA", True),
    ("Bengali", 0.04, "bn_BD", True),
    ("Pakistani", 0.03, "en_PK", False),
    ("Vietnamese", 0.02, "vi_VN", False),
    ("Chinese", 0.03, "zh_CN", True),
    ("Russian", 0.03, "ru_RU", True),
    ("Portuguese", 0.04, "pt_PT", False),
    ("Greek", 0.02, "el_GR", True),
    ("German", 0.01, "de_DE", False),
    ("Nordic", 0.01, "sv_SE", False),
    ("Croatian", 0.02, "hr_HR", False),
)
# Of all children, the share recorded in a script other than Latin.
OWN_SCRIPT_SHARE = 0.02
# Arabic and Bengali script written letter by letter in Latin loses its short vowels, which an
# English record would have: names of those traditions recorded in Latin letters come from
# Faker's lists in Latin letters for Pakistan and India instead.
LATIN_LOCALE = {"Arabic": "en_PK", "Bengali": "en_IN"}

# Faker has no Somali locale: common Somali names, invented combinations only.
_SOMALI_MALE = (
    "Maxamed Cabdi Axmed Xasan Cali Cumar Yuusuf Ismaaciil Cabdiraxmaan Ibraahim Mahad Hamse "
    "Abdirahman Abdullahi Mohamed Ahmed Hassan Ali Omar Yusuf Ayaan Guled Bashiir Liban Warsame"
).split()
_SOMALI_FEMALE = (
    "Faadumo Xaliimo Hodan Sahra Caasha Ifrah Hibo Nimco Ubax Deeqa Ayaan Sagal Fardowsa "
    "Fatima Halima Amina Khadija Hawa Maryan Ikran Naima Asha Leyla Muna Saynab"
).split()
# A Somali child's second name is the father's forename.
_SOMALI_SURNAMES = _SOMALI_MALE + "Warsame Jaamac Faarax Nuur Aadan Xuseen Cilmi Samatar".split()

_LONDON_DISTRICTS = (
    [f"E{n}" for n in range(1, 19)]
    + [f"N{n}" for n in range(1, 23)]
    + [f"NW{n}" for n in range(1, 12)]
    + [f"SE{n}" for n in range(1, 29)]
    + [f"SW{n}" for n in range(1, 21)]
    + [f"W{n}" for n in range(2, 15)]
    + [f"BR{n}" for n in range(1, 9)]
    + [f"CR{n}" for n in range(0, 10)]
    + [f"IG{n}" for n in range(1, 12)]
    + [f"HA{n}" for n in range(0, 10)]
    + [f"UB{n}" for n in range(1, 11)]
    + [f"TW{n}" for n in range(1, 14)]
    + [f"KT{n}" for n in range(1, 10)]
    + [f"EN{n}" for n in range(1, 10)]
    + [f"RM{n}" for n in range(1, 15)]
    + [f"DA{n}" for n in range(1, 19)]
)
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class _Weighted:
    """Names with cumulative weights, for fast weighted drawing."""

    def __init__(self, names) -> None:
        if isinstance(names, dict):
            self.names = list(names)
            weights = [float(w) for w in names.values()]
        else:
            self.names = list(dict.fromkeys(names))
            weights = [1.0] * len(self.names)
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cumulative)[0]


@cache
def _lists(locale: str) -> dict[str, _Weighted]:
    if not locale:
        return {
            "male": _Weighted(_SOMALI_MALE),
            "female": _Weighted(_SOMALI_FEMALE),
            "surname_male": _Weighted(_SOMALI_SURNAMES),
            "surname_female": _Weighted(_SOMALI_SURNAMES),
        }
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider

    def first(*attributes):
        for attribute in attributes:
            names = getattr(provider, attribute, None)
            if names:
                return names
        raise LookupError(f"{locale} has none of {attributes}")

    male_surnames = first("last_names_male", "male_last_names", "last_names")
    female_surnames = getattr(provider, "last_names_female", None) or [
        # Polish women's surnames end in -ska, -cka, -dzka where the men's end in -i.
        re.sub(r"(sk|ck|dzk)i$", r"\1a", name)
        for name in male_surnames
    ]
    return {
        "male": _Weighted(first("first_names_male", "first_names")),
        "female": _Weighted(first("first_names_female", "first_names")),
        "surname_male": _Weighted(male_surnames),
        "surname_female": _Weighted(female_surnames),
    }


@dataclass
class InventedChild:
    forenames: str
    surname: str
    other_names: str
    gender: str
    tradition: str
    own_script: bool


class NameSource:
    """Draws invented children: ``next_child(rng)`` returns names in the mix above."""

    def __init__(self) -> None:
        self.traditions = [t for t, _, _, _ in TRADITIONS]
        self.cumulative = list(itertools.accumulate(share for _, share, _, _ in TRADITIONS))
        self.locale = {t: locale for t, _, locale, _ in TRADITIONS}
        own = sum(share for _, share, _, script in TRADITIONS if script)
        self.own_script_chance = {
            t: (OWN_SCRIPT_SHARE / own if script else 0.0) for t, _, _, script in TRADITIONS
        }

    def child(self, rng: random.Random, *, tradition: str = "", gender: str = "") -> InventedChild:
        tradition = tradition or rng.choices(self.traditions, cum_weights=self.cumulative)[0]
        gender = gender or rng.choice(("female", "male"))
        own_script = rng.random() < self.own_script_chance[tradition]
        locale = self.locale[tradition]
        if not own_script:
            locale = LATIN_LOCALE.get(tradition, locale)
        lists = _lists(locale)
        forenames = lists[gender].draw(rng)
        if rng.random() < 0.15:
            second = lists[gender].draw(rng)
            if second != forenames:
                forenames = f"{forenames} {second}"
        surname = lists[f"surname_{gender}"].draw(rng)
        if tradition == "English" and rng.random() < 0.04:
            surname = f"{surname}-{lists['surname_male'].draw(rng)}"
        other = lists[gender].draw(rng) if rng.random() < 0.03 else ""
        if not own_script:
            forenames, surname, other = (_as_recorded(n) for n in (forenames, surname, other))
        return InventedChild(forenames, surname, other, gender, tradition, own_script)

    def twin(self, rng: random.Random, of: InventedChild) -> InventedChild:
        """A brother or sister born the same day: the same surname, another forename."""
        sibling = self.child(rng, tradition=of.tradition)
        forenames = sibling.forenames
        if not of.own_script and sibling.own_script:
            forenames = _as_recorded(forenames)
        return InventedChild(forenames, of.surname, "", sibling.gender, of.tradition, of.own_script)


def _as_recorded(name: str) -> str:
    """A name in Latin letters as an English record holds it: accents kept, other scripts
    transliterated (each word capitalised)."""
    if not name or all(ord(ch) < 0x250 or not ch.isalpha() for ch in name):
        return name
    return " ".join(word[:1].upper() + word[1:].lower() for word in latin(name).split())


def postcode(rng: random.Random) -> tuple[str, str]:
    """A London postcode and its district."""
    district = rng.choice(_LONDON_DISTRICTS)
    unit = f"{rng.randrange(1, 10)}{rng.choice(_UNIT_LETTERS)}{rng.choice(_UNIT_LETTERS)}"
    return f"{district} {unit}", district
