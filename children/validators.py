"""Checks on the numbers that identify a child: NHS number, Unique Pupil Number, postcode and
the LISA reference itself."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from stdnum.gb import nhs, upn

from children import matching

# --- NHS number: 10 digits, the last a modulus-11 check digit -----------------------------------


def compact_nhs_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of the first nine digits; None when no valid digit exists
    (a remainder that gives 10)."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    number = compact_nhs_number(value)
    if not re.fullmatch(r"\d{10}", number):
        return False
    check = nhs_check_digit(number[:9])
    return check is not None and check == int(number[9]) and nhs.is_valid(number)


def validate_nhs_number(value: str) -> None:
    number = compact_nhs_number(value)
    if not number:
        return
    if not re.fullmatch(r"\d{10}", number):
        raise ValidationError(
            "Enter an NHS number of 10 digits, like 943 476 5919", code="nhs_format"
        )
    if not is_valid_nhs_number(number):
        raise ValidationError(
            "This is not a valid NHS number: check the digits, the last one does not match",
            code="nhs_check",
        )


def format_nhs_number(value: str) -> str:
    number = compact_nhs_number(value)
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 10 else number


# --- Unique Pupil Number: 13 characters, a check letter first -----------------------------------


def compact_upn(value: str) -> str:
    return upn.compact(value or "")


def is_valid_upn(value: str) -> bool:
    return upn.is_valid(value or "")


def validate_upn(value: str) -> None:
    number = compact_upn(value)
    if not number:
        return
    if len(number) != 13:
        raise ValidationError(
            "Enter a Unique Pupil Number of 13 characters, like B801200005001", code="upn_format"
        )
    if not is_valid_upn(number):
        raise ValidationError(
            "This is not a valid Unique Pupil Number: check it against the school's records",
            code="upn_check",
        )


# --- UK postcode -----------------------------------------------------------------------------

POSTCODE_RE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code, e.g. "se136lh" → "SE13 6LH"."""
    return matching.normalise_postcode(value or "")


def postcode_district(postcode: str) -> str:
    """The outward code, e.g. "SE13"."""
    return matching.postcode_district(postcode or "")


def is_valid_postcode(value: str) -> bool:
    return bool(POSTCODE_RE.match(normalise_postcode(value)))


def validate_postcode(value: str) -> None:
    if value and not is_valid_postcode(value):
        raise ValidationError("Enter a real UK postcode, like SE13 6LH", code="postcode")


# --- LISA reference: L, seven digits (eight once those run short) and a check letter -----------

_REF_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # no I, O or S: easily misread
LISA_REF_RE = re.compile(r"^L\d{7,8}[A-Z]$")
# Seven digits give nine million references: a borough's index, not a country's. Once a
# seven-digit draw keeps landing on references in use, new ones have eight.
SEVEN_DIGIT_TRIES = 5


def lisa_ref_check(digits: str) -> str:
    weights = range(len(digits) + 1, 1, -1)
    return _REF_ALPHABET[sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 23]


def new_lisa_ref(attempt: int = 0) -> str:
    """A random reference; from the ``SEVEN_DIGIT_TRIES``-th attempt on, one of eight digits."""
    if attempt < SEVEN_DIGIT_TRIES:
        digits = f"{secrets.randbelow(9_000_000) + 1_000_000}"
    else:
        digits = f"{secrets.randbelow(90_000_000) + 10_000_000}"
    return f"L{digits}{lisa_ref_check(digits)}"


def compact_lisa_ref(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def is_valid_lisa_ref(value: str) -> bool:
    ref = compact_lisa_ref(value)
    return bool(LISA_REF_RE.match(ref)) and lisa_ref_check(ref[1:-1]) == ref[-1]
