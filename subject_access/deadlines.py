"""When the reply to a subject access request is due.

"One calendar month" from the day the request is received: the same date in the following
month, or that month's last day when it has no such date (31 March gives 30 April). When that
day is a Saturday, a Sunday or a bank holiday, the reply is due on the next working day. An
extension for a complex request, or one of a number of requests, adds two further months,
counted the same way from the day of receipt. The bank holidays are those of the region in
``settings.BANK_HOLIDAY_REGION`` (England and Wales share theirs; "ENG" names them).
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache

import holidays
from django.conf import settings

MONTHS_TO_REPLY = 1
MONTHS_WHEN_EXTENDED = 3  # the first month and up to two more


def calendar_months_after(day: dt.date, months: int) -> dt.date:
    """The same date ``months`` calendar months on, clamped to the last day of a shorter
    month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@cache
def _bank_holidays(region: str) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=region)


def is_working_day(day: dt.date) -> bool:
    """Not a Saturday, a Sunday or a bank holiday of the region."""
    return day.weekday() < 5 and day not in _bank_holidays(settings.BANK_HOLIDAY_REGION)


def reply_due_by(received_on: dt.date, months: int = MONTHS_TO_REPLY) -> dt.date:
    """The day the reply is due: ``months`` calendar months after the request was received,
    moved on to the next working day when that day is a weekend day or a bank holiday."""
    due = calendar_months_after(received_on, months)
    while not is_working_day(due):
        due += dt.timedelta(days=1)
    return due
