"""NHS numbers, Unique Pupil Numbers, postcodes and LISA references are checked."""

from __future__ import annotations

import pytest

from children.validators import (
    is_valid_lisa_ref,
    is_valid_nhs_number,
    is_valid_postcode,
    is_valid_upn,
    lisa_ref_check,
    new_lisa_ref,
    nhs_check_digit,
    normalise_postcode,
)


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "4010232137", "9876543210"])
def test_valid_nhs_numbers(number):
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # wrong check digit
        "1234567890",  # remainder gives 10: no number with these nine digits is valid
        "943476591",  # nine digits
        "94347659190",  # eleven
        "94347A5919",
        "",
    ],
)
def test_invalid_nhs_numbers(number):
    assert not is_valid_nhs_number(number)


def test_nhs_check_digit_is_modulus_11():
    assert nhs_check_digit("943476591") == 9
    assert nhs_check_digit("123456789") is None  # 11 - (210 % 11) = 10: never valid


@pytest.mark.parametrize("number", ["B801200005001", "b801200005001", "A209999916001"])
def test_valid_upns(number):
    from stdnum.gb import upn

    if number == "A209999916001":
        # A Lewisham (LA 209) number, its check letter worked out the published way.
        number = upn.calc_check_digit(number[1:]) + number[1:]
    assert is_valid_upn(number)


@pytest.mark.parametrize(
    "number", ["A801200005001", "B80120000500", "X80120000A001", "E000200005001", ""]
)
def test_invalid_upns(number):
    assert not is_valid_upn(number)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("se136lh", "SE13 6LH"), (" SE13  6LH ", "SE13 6LH"), ("se4 1aa", "SE4 1AA")],
)
def test_postcodes_are_normalised(typed, normal):
    assert normalise_postcode(typed) == normal
    assert is_valid_postcode(typed)


@pytest.mark.parametrize("typed", ["SE13", "QE1 1AA", "12345", "SE13 6LHX", "not a postcode"])
def test_invalid_postcodes(typed):
    assert not is_valid_postcode(typed)


def test_lisa_references_carry_a_check_letter():
    for _ in range(50):
        ref = new_lisa_ref()
        assert is_valid_lisa_ref(ref)
        assert ref[8] == lisa_ref_check(ref[1:8])
    ref = new_lisa_ref()
    wrong = ref[:8] + ("A" if ref[8] != "A" else "B")
    assert not is_valid_lisa_ref(wrong)
    # A single mistyped digit is caught.
    digit = str((int(ref[3]) + 1) % 10)
    assert not is_valid_lisa_ref(ref[:3] + digit + ref[4:])


def test_references_have_eight_digits_once_seven_digit_ones_keep_clashing():
    from children.validators import SEVEN_DIGIT_TRIES

    assert len(new_lisa_ref(SEVEN_DIGIT_TRIES - 1)) == 9
    ref = new_lisa_ref(SEVEN_DIGIT_TRIES)
    assert len(ref) == 10 and is_valid_lisa_ref(ref)
    assert ref[-1] == lisa_ref_check(ref[1:-1])
    assert not is_valid_lisa_ref(ref[:-1] + ("A" if ref[-1] != "A" else "B"))
