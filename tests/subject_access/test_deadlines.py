"""The reply's deadline: one calendar month (or three, once extended) from the day of receipt,
moved on to the next working day past weekends and the bank holidays of England and Wales."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subject_access.deadlines import calendar_months_after, is_working_day, reply_due_by


@pytest.mark.parametrize(
    ("received", "months", "due"),
    [
        (dt.date(2027, 1, 3), 1, dt.date(2027, 2, 3)),  # a Wednesday
        (dt.date(2027, 3, 31), 1, dt.date(2027, 4, 30)),  # no 31 April: the month's last day
        (dt.date(2026, 1, 31), 1, dt.date(2026, 3, 2)),  # Saturday 28 February: to Monday
        (dt.date(2026, 1, 3), 1, dt.date(2026, 2, 3)),  # a Tuesday
        (dt.date(2026, 1, 4), 1, dt.date(2026, 2, 4)),
        (dt.date(2026, 1, 7), 1, dt.date(2026, 2, 9)),  # Saturday 7 February: to Monday 9
        (dt.date(2026, 3, 3), 1, dt.date(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        (dt.date(2026, 4, 25), 1, dt.date(2026, 5, 26)),  # 25 May: the spring bank holiday
        (dt.date(2026, 11, 25), 1, dt.date(2026, 12, 29)),  # Christmas and Boxing Day observed
        (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 4)),  # New Year's Day is a Friday
        (dt.date(2026, 10, 31), 3, dt.date(2027, 2, 1)),  # extended: 31 January is a Sunday
        (dt.date(2026, 11, 30), 3, dt.date(2027, 3, 1)),  # extended: 28 February, a Sunday
        (dt.date(2026, 12, 3), 3, dt.date(2027, 3, 3)),
    ],
)
def test_the_reply_is_due_on_a_working_day(received, months, due):
    assert reply_due_by(received, months) == due


def test_only_weekdays_that_are_not_bank_holidays_are_working_days():
    assert is_working_day(dt.date(2026, 8, 28))  # a Friday
    assert not is_working_day(dt.date(2026, 8, 29))  # Saturday
    assert not is_working_day(dt.date(2026, 8, 31))  # late summer bank holiday
    assert not is_working_day(dt.date(2027, 12, 28))  # Boxing Day observed


def test_the_region_comes_from_the_settings(settings):
    # 2 January is a bank holiday in Scotland, not in England and Wales
    assert reply_due_by(dt.date(2029, 12, 2)) == dt.date(2030, 1, 2)
    settings.BANK_HOLIDAY_REGION = "SCT"
    assert reply_due_by(dt.date(2029, 12, 2)) == dt.date(2030, 1, 3)


days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31))


@given(days, st.sampled_from([1, 3]))
def test_the_deadline_is_a_working_day_soon_after_the_plain_date(received, months):
    plain = calendar_months_after(received, months)
    due = reply_due_by(received, months)
    assert is_working_day(due)
    assert plain <= due <= plain + dt.timedelta(days=5)  # at worst Christmas over a weekend
    assert all(not is_working_day(plain + dt.timedelta(days=n)) for n in range((due - plain).days))


@given(days, st.integers(min_value=0, max_value=36))
def test_calendar_months_keep_the_day_or_take_the_months_last(received, months):
    later = calendar_months_after(received, months)
    assert (later.year * 12 + later.month) - (received.year * 12 + received.month) == months
    assert later.day == received.day or (
        later.day < received.day and (later + dt.timedelta(days=1)).day == 1
    )
