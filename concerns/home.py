"""The practitioner's home page sections: their children and their open concerns."""

from __future__ import annotations

from children.models import Involvement
from concerns.models import Concern
from lisa.models import User

HOME_LIMIT = 50


def home_sections(user: User) -> dict:
    """ "A practitioner's home lists their children, their open concerns": the children they are
    actively involved with and the open concerns they raised (two queries, at most
    :data:`HOME_LIMIT` rows each)."""
    if not user.is_practitioner:
        return {}
    children = list(
        Involvement.objects.active()
        .filter(practitioner=user, child__merged_into__isnull=True)
        .select_related("child")
        .order_by("child__surname", "child__forenames", "pk")[: HOME_LIMIT + 1]
    )
    concerns = list(
        Concern.objects.open()
        .filter(raised_by=user)
        .select_related("child")
        .order_by("-date", "-pk")[: HOME_LIMIT + 1]
    )
    return {
        "my_children": children[:HOME_LIMIT],
        "my_children_more": len(children) > HOME_LIMIT,
        "my_open_concerns": concerns[:HOME_LIMIT],
        "my_open_concerns_more": len(concerns) > HOME_LIMIT,
    }
