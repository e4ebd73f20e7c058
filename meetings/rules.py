"""The handbook's rules for Family Support Meetings and support plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.models import Agreement, Decision, SharingDecision
from meetings.models import MeetingKind

# "Next review date: … suggested six weeks ahead".
REVIEW_AFTER = dt.timedelta(weeks=6)


def suggested_review_date(held_on: dt.date | None = None) -> dt.date:
    """Six weeks after the meeting (or today), never in the past."""
    today = timezone.localdate()
    return max(today, (held_on or today) + REVIEW_AFTER)


def check_next_review(kind: str, next_review_on: dt.date | None) -> None:
    """ "Next review date: required unless the meeting is closing; … never in the past.\""""
    if kind != MeetingKind.CLOSING and next_review_on is None:
        raise ValidationError({"next_review_on": "Enter the date of the next review"})
    if next_review_on is not None and next_review_on < timezone.localdate():
        raise ValidationError({"next_review_on": "The next review must be today or in the future"})


def check_one_household(children: Iterable) -> None:
    """ "Children discussed: one or more children of the same household.\""""
    children = list(children)
    if not children:
        raise ValidationError({"children": "Choose the children the meeting is about"})
    if len(children) > 1:
        families = {child.family_id for child in children}
        if None in families or len(families) != 1:
            raise ValidationError(
                {"children": "The children discussed must be of the same household"}
            )


def check_times(start: dt.time | None, end: dt.time | None) -> None:
    if start and end and end <= start:
        raise ValidationError({"end_time": "The meeting must end after it starts"})


def consent_missing(child) -> bool:
    """The meeting page "warns when no agreement or lawful ground is recorded": no current
    agreement to share (not withdrawn, not entered in error) and no decision to share without
    consent. Two queries."""
    agreed = Agreement.objects.filter(
        child_id=child.pk,
        entered_in_error=False,
        decision=Decision.AGREE,
        withdrawn_on__isnull=True,
    ).exists()
    return not agreed and not (
        SharingDecision.objects.filter(child_id=child.pk, entered_in_error=False).exists()
    )
