"""The lists of "children you work with" (the home page, and the search page before a search),
as rows of what each line shows.

A row is a dict with the child's address worked out here, not an involvement object with its
child: these lists are on the pages opened most, and making two model objects for each of
fifty lines, then having the template look every value up through them, cost more than the
query. The template reads a dict's values first.
"""

from __future__ import annotations

from lisa.reversing import Addresses

# What the lists show, for ``values_list`` on :meth:`InvolvementQuerySet.children_worked_with`.
COLUMNS = (
    "child_id",
    "child__forenames",
    "child__surname",
    "child__lisa_ref",
    "child__date_of_birth",
    "role",
    "lead_professional",
    "started_on",
)


def rows(found) -> list[dict]:
    """Each line of ``found`` (tuples of :data:`COLUMNS`) as what the page shows."""
    addresses = Addresses()
    shown = []
    for child_id, forenames, surname, lisa_ref, born, role, lead, started_on in found:
        shown.append(
            {
                "href": addresses.reverse("children:record", args=[child_id]),
                "name": f"{forenames} {surname}",
                "lisa_ref": lisa_ref,
                "date_of_birth": born,
                "role": role,
                "lead_professional": lead,
                "started_on": started_on,
            }
        )
    return shown
