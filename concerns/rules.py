"""The Lewisham flowchart as states and allowed transitions, and who may do what with a concern.

A concern is *open* or *closed*, and its *outcome* says how far through the flowchart it has
gone. Each function quotes the handbook ("How does LISA work in Lewisham?") or the specification
for the rule it applies. :func:`check_transition` is the one place a change of outcome, level or
status is allowed or refused; the actions call it, and the forms offer only what it allows.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from children import rules as child_rules
from children.models import Child
from concerns.models import (
    REFERRAL_OUTCOMES,
    Concern,
    ConcernOutcome,
    ConcernStatus,
    Level,
)
from lisa.models import User

Out = ConcernOutcome

# How far through the flowchart each outcome is. An open concern moves forward, not back: a
# referral once made stays made.
STAGE = {
    Out.RESOLVED_IN_AGENCY: 0,
    Out.MULTI_AGENCY: 1,
    Out.MEETING_REQUESTED: 2,
    Out.SOCIAL_CARE: 3,
    Out.CHILD_PROTECTION: 4,
}


def can_log(user: User, child: Child) -> bool:
    """ "If a professional (for example a health visitor) identifies a concern about a child …
    the professional will log the concern onto the system." Any practitioner or designated
    officer of an agency who may see the child's index card may log a concern, whether or not
    they are involved yet: logging it makes them involved ("Involvement starts when a
    practitioner logs a concern"). The central team monitors concerns rather than raising them;
    directory editors and system administrators have no access to child data."""
    return (
        user.is_authenticated
        and user.is_practitioner
        and user.agency_id is not None
        and child_rules.can_see_index_card(user, child)
        and child.merged_into_id is None
        and child.archived_at is None
    )


def can_change(user: User, concern: Concern) -> bool:
    """Recording what happened next (a new outcome, level, closing or reopening) is for those
    with a legitimate relationship to the child: the practitioners actively involved, their
    agency's designated officer and the central team. Break glass lets a person read the
    concern, not change it."""
    return not concern.entered_in_error and child_rules.access(user, concern.child).edit


def can_mark_in_error(user: User, concern: Concern) -> bool:
    """ "Nothing about a child is ever deleted by a user. A wrong entry is marked 'entered in
    error' with a reason": by the practitioner who raised it while still involved ("ended means
    ended everywhere"), their agency's designated officer, or the central team."""
    if not user.is_authenticated:
        return False
    return child_rules.access(user, concern.child).mark_in_error(concern)


def check_new_concern(*, level: int, outcome: str) -> None:
    """A new concern may start at any outcome of the flowchart ("If the plan is successful …
    the concern will have been resolved within the agency … This should then be logged on the
    electronic system"), but "Level 4 means a Social Care & Health record is open": a level 4
    concern must record the referral."""
    if int(level) == Level.ACUTE and outcome not in REFERRAL_OUTCOMES:
        raise ValidationError(
            {
                "outcome": "A level 4 (acute) concern must record the referral to Social Care & "
                "Health: choose “Referred to Social Care & Health” or “Child protection referral”"
            }
        )


def allowed_outcomes(concern: Concern) -> list[str]:
    """The outcomes a concern may move to now (see :func:`check_transition`)."""
    allowed = []
    for outcome in Out.values:
        try:
            _check_outcome(concern, outcome)
        except ValidationError:
            continue
        allowed.append(outcome)
    return allowed


def _check_outcome(concern: Concern, outcome: str) -> None:
    current = concern.outcome
    if concern.status == ConcernStatus.CLOSED:
        # "A resolved concern can be reopened": reopening means more is needed than the agency
        # alone could do, so it cannot be reopened as resolved within the agency.
        if outcome == Out.RESOLVED_IN_AGENCY:
            raise ValidationError(
                {
                    "outcome": "This concern is closed. To reopen it, choose what happens next: "
                    "a multi-agency discussion, a Family Support Meeting or a referral"
                }
            )
        if STAGE[outcome] < STAGE[current] and current != Out.RESOLVED_IN_AGENCY:
            raise ValidationError(
                {
                    "outcome": f"This concern was {Out(current).label.lower()}; it can be reopened "
                    "at that step or a later one"
                }
            )
        return
    if outcome == current:
        return
    if outcome == Out.RESOLVED_IN_AGENCY:
        # "If the plan is successful, there will be no need for further action as the concern
        # will have been resolved within the agency in which it was raised" – possible after a
        # discussion with the other professionals, not once a meeting or referral is under way.
        if current != Out.MULTI_AGENCY:
            raise ValidationError(
                {
                    "outcome": f"A concern that is {Out(current).label.lower()} cannot then be "
                    "resolved within the agency. Close it instead when support is no longer needed"
                }
            )
        return
    if STAGE[outcome] < STAGE[current]:
        raise ValidationError(
            {
                "outcome": f"A concern cannot go back from “{Out(current).label}” to "
                f"“{Out(outcome).label}”. Close it instead, or log a new concern"
            }
        )


def check_transition(concern: Concern, *, outcome: str, level: int) -> str:
    """Whether an open or closed concern may move to ``outcome`` at ``level``; returns the kind
    of change ("changed" or "reopened") or raises ValidationError with the reason.

    The flowchart: "If the plan is successful … resolved within the agency"; "There may,
    however, be occasions when more in-depth discussion will be required … make direct contact
    with the other professionals and decide whether a Family Support Meeting may be necessary";
    referral to Social Care & Health or a child protection referral when the child is at risk of
    significant harm. A concern moves forward through these steps, never back; a resolved or
    closed concern can be reopened. "Children may also move through the various levels should
    their circumstances change", so the level may go up or down, but a level 4 concern must
    record the referral to Social Care & Health.
    """
    if concern.entered_in_error:
        raise ValidationError("This concern was marked entered in error and cannot be changed.")
    if outcome not in Out.values:
        raise ValidationError({"outcome": "Choose what happens next"})
    if int(level) not in Level.values:
        raise ValidationError({"level": "Choose the level of need"})
    if (
        concern.status == ConcernStatus.OPEN
        and outcome == concern.outcome
        and int(level) == concern.level
    ):
        raise ValidationError("Nothing has changed: choose a new outcome or level, or go back.")
    _check_outcome(concern, outcome)
    check_new_concern(level=level, outcome=outcome)
    return "reopened" if concern.status == ConcernStatus.CLOSED else "changed"


def check_close(concern: Concern) -> None:
    """ "Progress against the plan will be monitored and support maintained until no longer
    necessary": an open concern is closed, with a note, when support is no longer needed."""
    if concern.entered_in_error:
        raise ValidationError("This concern was marked entered in error and cannot be changed.")
    if concern.status != ConcernStatus.OPEN:
        raise ValidationError("This concern is already closed.")


def raises_central_alert(*, old_level: int | None, new_level: int) -> bool:
    """ "A level 4 concern must record the Social Care & Health referral and tells the central
    team": logging a level 4 concern, or raising one to level 4, alerts the central team."""
    return int(new_level) == Level.ACUTE and old_level != Level.ACUTE
