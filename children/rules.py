"""The legitimate-relationship model, for code that asks about one child once.

The rules themselves live in :mod:`lisa.policy` (one :class:`~lisa.policy.ChildAccess` per person
and child). Pages get that object from :func:`children.access.child_for_user` and ask it; these
functions are for actions and other callers that hold a user and a child but no request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from children.models import BreakGlass, Child, Involvement
from lisa.models import User
from lisa.policy import ChildAccess, works_with_children

__all__ = [
    "works_with_children",
    "access",
    "can_see_index_card",
    "is_involved",
    "has_relationship",
    "current_break_glass",
    "can_break_glass",
    "can_see_full_record",
    "can_edit",
    "can_merge",
    "can_see_address",
    "can_see_involvement",
    "can_self_claim",
    "can_end_involvement",
    "can_add_involvement",
    "visible_involvements",
    "all_visible_involvements",
    "siblings_with_involvements",
    "address_hidden_ids",
]


def access(user: User, child: Child) -> ChildAccess:
    return ChildAccess(user, child)


def can_see_index_card(user: User, child: Child) -> bool:
    return access(user, child).card


def is_involved(user: User, child: Child) -> bool:
    return access(user, child).is_involved


def has_relationship(user: User, child: Child) -> bool:
    return access(user, child).has_relationship


def current_break_glass(user: User, child: Child) -> BreakGlass | None:
    return access(user, child).grant


def can_break_glass(user: User, child: Child) -> bool:
    return access(user, child).break_glass


def can_see_full_record(user: User, child: Child) -> bool:
    return access(user, child).full


def can_edit(user: User, child: Child) -> bool:
    return access(user, child).edit


def can_merge(user: User) -> bool:
    return bool(user.is_authenticated and user.is_central_team)


def can_see_address(user: User, child: Child) -> bool:
    return access(user, child).address


def can_see_involvement(user: User, involvement: Involvement) -> bool:
    return access(user, involvement.child).see_involvement(involvement)


def can_self_claim(user: User, child: Child) -> bool:
    return access(user, child).claim


def can_end_involvement(user: User, involvement: Involvement) -> bool:
    return access(user, involvement.child).end(involvement)


def can_add_involvement(user: User, child: Child) -> bool:
    return access(user, child).add_involvement


def visible_involvements(user: User, child: Child) -> list[Involvement]:
    return access(user, child).visible_involvements


def all_visible_involvements(user: User, child: Child) -> list[Involvement]:
    return access(user, child).all_visible_involvements()


def siblings_with_involvements(user: User, child: Child) -> list[Child]:
    return access(user, child).siblings


def address_hidden_ids(user: User | None, child_ids: Iterable[int]) -> set[int]:
    """The ids among ``child_ids`` whose address ``user`` may not see, in one query.

    The rule of :attr:`lisa.policy.ChildAccess.address` for many children at once: "only the
    central team and involved practitioners see a shielded address", and shielding covers the
    household, so a child shielded or living with a shielded brother or sister has its address
    hidden from everyone but the central team and the practitioners actively involved with a
    shielded child of that household. No one (``None``) sees any such address, and people who do
    not work with children see none at all. Search and the duplicate check use this so that a
    hidden address never finds, ranks or explains a child.
    """
    ids = {int(pk) for pk in child_ids}
    if not ids:
        return set()
    if user is not None and not works_with_children(user):
        return ids
    if user is not None and user.is_central_team:
        return set()
    shielded_sibling = Exists(
        Child.objects.filter(
            family_id=OuterRef("family_id"), shielded=True, merged_into__isnull=True
        )
    )
    hidden = Child.objects.filter(pk__in=ids).filter(Q(shielded=True) | shielded_sibling)
    if user is not None:
        involved_with_a_shielded_child = Involvement.objects.active().filter(
            Q(child_id=OuterRef("pk"))
            | Q(child__family_id=OuterRef("family_id"), child__merged_into__isnull=True),
            practitioner=user,
            child__shielded=True,
        )
        hidden = hidden.exclude(Exists(involved_with_a_shielded_child))
    return set(hidden.order_by().values_list("pk", flat=True))
