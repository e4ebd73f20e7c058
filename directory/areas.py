"""Postcodes, postcode districts and the borough's wards.

Services say which areas they serve as wards, postcode districts or the whole borough. A
search by postcode finds the services serving that postcode's district or ward.

The sector-to-ward table below is an approximation for the borough's own postcode sectors (a
sector can straddle two wards; it is given to the ward holding most of it). A deployment that
needs exact answers loads the ONS postcode directory into this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

# The borough's 19 wards (boundaries of May 2022).
WARDS = [
    "Bellingham",
    "Blackheath",
    "Brockley",
    "Catford South",
    "Crofton Park",
    "Deptford",
    "Downham",
    "Evelyn",
    "Forest Hill",
    "Grove Park",
    "Hither Green",
    "Ladywell",
    "Lee Green",
    "Lewisham Central",
    "New Cross Gate",
    "Perry Vale",
    "Rushey Green",
    "Sydenham",
    "Telegraph Hill",
]
WARD_CHOICES = [(ward, ward) for ward in WARDS]

# Postcode sector -> ward, for the sectors inside the borough.
SECTOR_WARDS = {
    "SE3 0": "Blackheath",
    "SE3 9": "Lee Green",
    "SE4 1": "Brockley",
    "SE4 2": "Telegraph Hill",
    "SE6 1": "Ladywell",
    "SE6 2": "Rushey Green",
    "SE6 3": "Bellingham",
    "SE6 4": "Rushey Green",
    "SE8 3": "Deptford",
    "SE8 4": "Deptford",
    "SE8 5": "Evelyn",
    "SE12 0": "Grove Park",
    "SE12 8": "Lee Green",
    "SE12 9": "Grove Park",
    "SE13 5": "Lewisham Central",
    "SE13 6": "Hither Green",
    "SE13 7": "Lewisham Central",
    "SE14 5": "New Cross Gate",
    "SE14 6": "Evelyn",
    "SE23 1": "Crofton Park",
    "SE23 2": "Perry Vale",
    "SE23 3": "Forest Hill",
    "SE26 4": "Sydenham",
    "SE26 5": "Perry Vale",
    "SE26 6": "Sydenham",
    "BR1 4": "Downham",
    "BR1 5": "Downham",
}

# The districts that lie (mostly) in the borough, offered as examples in forms.
BOROUGH_DISTRICTS = ["SE3", "SE4", "SE6", "SE8", "SE12", "SE13", "SE14", "SE23", "SE26", "BR1"]

# A full UK postcode: outward code (area, district) and inward code (sector, unit). GIR 0AA is
# the one historical exception still in use.
_POSTCODE = re.compile(
    r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?) ?(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")

POSTCODE_MESSAGE = "Enter a real postcode, like SE6 4RU"
DISTRICT_MESSAGE = "Enter postcode districts like SE4 or SE13, separated by commas"


@dataclass(frozen=True)
class Postcode:
    outward: str
    inward: str

    def __str__(self) -> str:
        return f"{self.outward} {self.inward}"

    @property
    def district(self) -> str:
        return self.outward

    @property
    def sector(self) -> str:
        return f"{self.outward} {self.inward[0]}"

    @property
    def ward(self) -> str | None:
        return SECTOR_WARDS.get(self.sector)


def parse_postcode(value: str) -> Postcode:
    """The postcode in ``value`` (any case and spacing), or ValidationError."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if compact == "GIR0AA":
        return Postcode("GIR", "0AA")
    match = _POSTCODE.match(compact[:-3] + " " + compact[-3:]) if len(compact) >= 5 else None
    if not match:
        raise ValidationError(POSTCODE_MESSAGE, code="postcode")
    return Postcode(match["outward"], match["inward"])


def normalise_postcode(value: str) -> str:
    """``value`` as a postcode in capitals with one space, e.g. "SE6 4RU"."""
    return str(parse_postcode(value))


def validate_postcode(value: str) -> None:
    parse_postcode(value)


def parse_districts(value: str | list[str]) -> list[str]:
    """Postcode districts from "se4, SE13 BR1" (or a list): upper case, unique, in order."""
    items = value if isinstance(value, list) else re.split(r"[\s,;]+", value or "")
    districts: list[str] = []
    for item in items:
        district = item.strip().upper()
        if not district:
            continue
        if not _DISTRICT.match(district):
            raise ValidationError(
                f"{item.strip()!r} is not a postcode district. {DISTRICT_MESSAGE}"
            )
        if district not in districts:
            districts.append(district)
    return districts


def validate_districts(value: list[str]) -> None:
    parse_districts(list(value))


def validate_wards(value: list[str]) -> None:
    unknown = [ward for ward in value if ward not in WARDS]
    if unknown:
        raise ValidationError("Unknown ward: " + ", ".join(unknown))
