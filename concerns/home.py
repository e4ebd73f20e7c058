"""The practitioner's home page sections: their children and their open concerns.

Both lists come as rows of what each line shows, a dict with its address worked out here, not
as model objects (see children/worked_with.py for why).
"""

from __future__ import annotations

from audit.models import Action
from audit.services import record
from children import worked_with
from children.models import Involvement
from concerns.models import Concern, level_colour, level_label, outcome_label
from lisa import compiled
from lisa.models import User
from lisa.policy import child_visible_q
from lisa.reversing import Addresses

HOME_LIMIT = 50


def _my_children(user: User):
    found = Involvement.objects.children_worked_with(user.pk)
    return found.values_list(*worked_with.COLUMNS)[: HOME_LIMIT + 1]


def _my_open_concerns(user: User):
    return (
        Concern.objects.open()
        .filter(raised_by=user)
        .filter(child_visible_q(user))
        .order_by("-date", "-pk")
        # What is shown: not what was seen (long text) nor the rest of the child's record.
        .values_list(
            "pk",
            "date",
            "level",
            "outcome",
            "child__forenames",
            "child__surname",
            "child__lisa_ref",
        )[: HOME_LIMIT + 1]
    )


def _concern_rows(found) -> list[dict]:
    addresses = Addresses()
    return [_concern_row(addresses, *row) for row in found]


def _concern_row(addresses, pk, date, level, outcome, forenames, surname, lisa_ref) -> dict:
    return {
        "href": addresses.reverse("concerns:detail", args=[pk]),
        "name": f"{forenames} {surname}",
        "lisa_ref": lisa_ref,
        "date": date,
        "level_colour": level_colour(level),
        "level_label": level_label(level),
        "outcome_label": outcome_label(outcome),
    }


def home_sections(request, user: User) -> dict:
    """ "A practitioner's home lists their children, their open concerns": the children they are
    actively involved with and the open concerns they raised about children whose full record
    they may still open ("ended means ended everywhere"); two queries, at most
    :data:`HOME_LIMIT` rows each, and one audit event naming the children listed."""
    if not user.is_practitioner:
        return {}
    # Each query's SQL is worked out once per process (lisa/compiled.py).
    children = worked_with.rows(compiled.rows("home_children", _my_children, user=user))
    concerns = _concern_rows(compiled.rows("home_concerns", _my_open_concerns, user=user))
    shown = sorted(
        {row["lisa_ref"] for row in children[:HOME_LIMIT]}
        | {row["lisa_ref"] for row in concerns[:HOME_LIMIT]}
    )
    if shown:
        record(
            request,
            Action.VIEW,
            object_type="children.child",
            detail={"view": "home page", "shown": shown},
        )
    return {
        "my_children": children[:HOME_LIMIT],
        "my_children_more": len(children) > HOME_LIMIT,
        "my_open_concerns": concerns[:HOME_LIMIT],
        "my_open_concerns_more": len(concerns) > HOME_LIMIT,
    }
