"""The legitimate-relationship model: who may see and change what about a child.

Each function states the rule it applies, in the words of the specification. Views never test
roles or involvements themselves: they ask these functions (through children/access.py).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from children.models import BreakGlass, Child, Involvement
from lisa.models import CHILD_ROLES, User


def works_with_children(user: User) -> bool:
    """Practitioners, designated officers and the central team work with children's records.
    Directory editors and system administrators have no routine access to child data."""
    return user.is_authenticated and user.has_role(*CHILD_ROLES)


def can_see_index_card(user: User, child: Child) -> bool:
    """ "Index card (any signed-in practitioner): LISA reference, names, date of birth, gender,
    school, and the list of involved practitioners with agency, role and contact details.\""""
    return works_with_children(user)


def is_involved(user: User, child: Child) -> bool:
    """ "An ended involvement loses full access": only an active involvement counts. It ends when
    the practitioner ends it, moves agency or is deactivated (checked on every request)."""
    return Involvement.objects.active().filter(child=child, practitioner=user).exists()


def involved_agency_ids(child: Child) -> set[int]:
    return set(Involvement.objects.active().filter(child=child).values_list("agency_id", flat=True))


def has_relationship(user: User, child: Child) -> bool:
    """ "Full record (concerns, chronology, meetings, plans, consent, documents): only
    practitioners with an active involvement with the child, their agency's designated officer,
    and the central team.\""""
    if not works_with_children(user):
        return False
    if user.is_central_team:
        return True
    if is_involved(user, child):
        return True
    return (
        user.is_designated_officer
        and user.agency_id is not None
        and user.agency_id in involved_agency_ids(child)
    )


def current_break_glass(user: User, child: Child) -> BreakGlass | None:
    """ "Break glass: any other practitioner may open a full record after stating a reason …
    Access lasts a limited time (24 hours).\""""
    if not user.is_authenticated:
        return None
    return BreakGlass.objects.current().filter(user=user, child=child).first()


def can_break_glass(user: User, child: Child) -> bool:
    """Any other practitioner (not a directory editor or system administrator) may break glass
    on a child whose record they cannot otherwise open."""
    return user.is_authenticated and user.is_practitioner and not has_relationship(user, child)


def can_see_full_record(user: User, child: Child) -> bool:
    """A legitimate relationship, or a break-glass grant that has not yet expired."""
    return has_relationship(user, child) or (
        works_with_children(user) and current_break_glass(user, child) is not None
    )


def can_edit(user: User, child: Child) -> bool:
    """Changing a child's details, people with parental responsibility and family links: those
    with a legitimate relationship. Break glass lets a person read the record, not change it."""
    return has_relationship(user, child)


def can_merge(user: User) -> bool:
    """ "Duplicates found later can be merged by the central team, with full history kept.\""""
    return user.is_authenticated and user.is_central_team


def can_see_address(user: User, child: Child) -> bool:
    """ "The address is left out of the card when the child is shielded (e.g. fleeing domestic
    abuse); only the central team and involved practitioners see a shielded address.\""""
    if not works_with_children(user):
        return False
    if not child.shielded:
        return True
    return user.is_central_team or is_involved(user, child)


def can_see_involvement(user: User, involvement: Involvement) -> bool:
    """ "Involvements with sensitive services (sexual health, mental health, substance misuse)
    appear only to the central team, to practitioners of that same service, and where consent to
    show them is recorded.\""""
    if not involvement.agency.sensitive_service:
        return True
    if user.is_central_team or involvement.agency_id == user.agency_id:
        return True
    # Consent to show them, as recorded on the child's agreements (consent/rules.py).
    from consent.rules import consent_to_show_sensitive

    return consent_to_show_sensitive(involvement.child_id)


def can_self_claim(user: User, child: Child) -> bool:
    """ "I work with this child": a practitioner not already involved may claim it, with a reason
    (a self-claim raises a review alert)."""
    return (
        user.is_authenticated
        and user.is_practitioner
        and user.agency_id is not None
        and not is_involved(user, child)
    )


def can_end_involvement(user: User, involvement: Involvement) -> bool:
    """An involvement is ended by the practitioner themselves, by their agency's designated
    officer, or by the central team."""
    if not involvement.is_open:
        return False
    if user.is_central_team or involvement.practitioner_id == user.pk:
        return True
    return user.is_designated_officer and involvement.agency_id == user.agency_id


def can_add_involvement(user: User, child: Child) -> bool:
    """ "Involvement starts when a practitioner … is added by the lead professional": the child's
    lead professional, or the central team, may add another practitioner."""
    if not works_with_children(user):
        return False
    if user.is_central_team:
        return True
    return (
        Involvement.objects.active()
        .filter(child=child, practitioner=user, lead_professional=True)
        .exists()
    )


def involvement_queryset() -> QuerySet[Involvement]:
    return Involvement.objects.select_related("practitioner", "agency")


def visible_involvements(user: User, child: Child) -> list[Involvement]:
    """The active involvements with ``child`` that ``user`` may see (sensitive services hidden
    except from the central team and from that same service)."""
    involvements = involvement_queryset().active().filter(child=child)
    return [inv for inv in involvements if can_see_involvement(user, inv)]


def all_visible_involvements(user: User, child: Child) -> list[Involvement]:
    """Every involvement, ended or entered in error too, for the full record."""
    involvements = involvement_queryset().filter(child=child).order_by("-started_on", "-pk")
    return [inv for inv in involvements if can_see_involvement(user, inv)]


def siblings_with_involvements(user: User, child: Child) -> list[Child]:
    """The other children of the family, each with ``visible`` set to the involvements the user
    may see: "so a practitioner sees the practitioners involved with the others in the
    family\"."""
    if child.family_id is None:
        return []
    siblings = list(
        Child.objects.filter(family_id=child.family_id, merged_into__isnull=True)
        .exclude(pk=child.pk)
        .prefetch_related(
            Prefetch(
                "involvements",
                queryset=involvement_queryset().active(),
                to_attr="active_involvements",
            )
        )
    )
    for sibling in siblings:
        sibling.visible = [
            inv for inv in sibling.active_involvements if can_see_involvement(user, inv)
        ]
    return siblings
