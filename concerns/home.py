"""The practitioner's home page sections: their children and their open concerns."""

from __future__ import annotations

from audit.models import Action
from audit.services import record
from children.models import Involvement
from concerns.models import Concern
from lisa import compiled
from lisa.models import User
from lisa.policy import child_visible_q

HOME_LIMIT = 50


def _my_children(user: User):
    shown = ("role", "lead_professional", "child__forenames", "child__surname", "child__lisa_ref")
    return Involvement.objects.children_worked_with(user.pk).only(*shown)[: HOME_LIMIT + 1]


def _my_open_concerns(user: User):
    return (
        Concern.objects.open()
        .filter(raised_by=user)
        .filter(child_visible_q(user))
        .select_related("child")
        # What is shown: not what was seen (long text) nor the rest of the child's record.
        .only("date", "level", "outcome", "child__forenames", "child__surname", "child__lisa_ref")
        .order_by("-date", "-pk")[: HOME_LIMIT + 1]
    )


def home_sections(request, user: User) -> dict:
    """ "A practitioner's home lists their children, their open concerns": the children they are
    actively involved with and the open concerns they raised about children whose full record
    they may still open ("ended means ended everywhere"); two queries, at most
    :data:`HOME_LIMIT` rows each, and one audit event naming the children listed."""
    if not user.is_practitioner:
        return {}
    # Each query's SQL is worked out once per process (lisa/compiled.py).
    children = compiled.rows("home_children", _my_children, user=user)
    concerns = compiled.rows("home_concerns", _my_open_concerns, user=user)
    shown = sorted(
        {inv.child.lisa_ref for inv in children[:HOME_LIMIT]}
        | {concern.child.lisa_ref for concern in concerns[:HOME_LIMIT]}
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
