"""One access policy: what this person may see and do with this child.

Every rule about a child's record lives here, once. A :class:`ChildAccess` is made for one user
and one child (by :func:`children.access.child_for_user`, once per request) and loads its
*facts* lazily and caches them:

    involvements      the child's active involvements, with practitioner and agency
    household         the other children of the family, each with its active involvements
    grant             the person's current break-glass grant, if any
    sensitive_consent whether recorded consent lets sensitive services show

The child's involvements (every one, for the full record) and the household's active ones come
in one query. A child loaded by :func:`load_child` (as :func:`children.access.child_for_user`
does) brings its household, the records merged into it and what its consent says in the same
query as the child, so a page about a child and its family asks for the access facts in two
queries whatever the number of involvements, brothers and sisters.

*Rules* combine the facts; each quotes the specification. Views, templates, chronology sources,
PDFs, exports and messaging ask the same object, so no page re-derives a rule and shielding and
sensitive-service hiding cannot be forgotten. :func:`child_visible_q` is the same full-record
rule as SQL, for lists and counts; a parity test holds the two to the same answers.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cached_property

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject

from lisa.models import CHILD_ROLES, User

# What a reader who may not know of a sensitive service sees in place of its people.
WITHHELD_PRACTITIONER = "A practitioner"
WITHHELD_AGENCY = "a partner agency"


def works_with_children(user: User) -> bool:
    """Practitioners, designated officers and the central team work with children's records.
    Directory editors and system administrators have no routine access to child data."""
    return bool(user.is_authenticated and user.has_role(*CHILD_ROLES))


# What a child's latest agreement of each kind says, and its latest decision to share without
# consent, as columns of a query of children (see :func:`child_columns`): enough to decide
# :func:`consent_to_show_sensitive` and to state the consent position without a query.
_CONSENT_COLUMNS = {
    "young_person": ("decision", "signed_on", "withdrawn_on", "sufficient_understanding"),
    "parent_carer": ("decision", "signed_on", "withdrawn_on"),
}
_SHARING_COLUMNS = ("decided_on", "ground")
_DATES = {"signed_on", "withdrawn_on", "decided_on"}


def child_columns() -> dict:
    """Columns to add to a query of children (``.annotate(**child_columns())``): the latest
    agreement of each kind and the latest decision to share without consent, each one correlated
    subquery giving a JSON object (or null). :func:`consent_values` reads them."""
    from consent.models import Agreement, SharingDecision

    columns: dict = {}
    for kind, fields in _CONSENT_COLUMNS.items():
        latest = Agreement.objects.filter(
            child_id=OuterRef("pk"), kind=kind, entered_in_error=False
        ).order_by("-signed_on", "-pk")
        as_json = JSONObject(**{field: field for field in fields})
        columns[f"lisa_consent_{kind}"] = Subquery(latest.values(json=as_json)[:1])
    decision = SharingDecision.objects.filter(
        child_id=OuterRef("pk"), entered_in_error=False
    ).order_by("-decided_on", "-pk")
    as_json = JSONObject(**{field: field for field in _SHARING_COLUMNS})
    columns["lisa_consent_sharing"] = Subquery(decision.values(json=as_json)[:1])
    return columns


def consent_values(loaded: Mapping) -> dict:
    """What the columns of :func:`child_columns` say, by name: the latest agreement of each kind
    (``consent_<kind>_<field>``, dates as dates), the latest decision to share without consent
    (``consent_sharing_<field>``), and whether any agreement or decision to share without
    consent is recorded (``consent_agreement_recorded``, ``consent_sharing_recorded``: an
    agreement is of one of the two kinds, so one is recorded when either kind has a latest)."""
    values: dict = {}
    for kind, fields in {**_CONSENT_COLUMNS, "sharing": _SHARING_COLUMNS}.items():
        row = loaded.get(f"lisa_consent_{kind}") or {}
        for field in fields:
            value = row.get(field)
            if field in _DATES and value is not None:
                value = dt.date.fromisoformat(value)
            values[f"consent_{kind}_{field}"] = value
    values["consent_agreement_recorded"] = any(
        loaded.get(f"lisa_consent_{kind}") for kind in _CONSENT_COLUMNS
    )
    values["consent_sharing_recorded"] = bool(loaded.get("lisa_consent_sharing"))
    return values


def _with_consent(rows: list) -> list:
    """Children loaded with :func:`child_columns`, their consent columns read by name."""
    for row in rows:
        row.__dict__.update(consent_values(row.__dict__))
    return rows


def _shows_sensitive(columns: Mapping) -> bool:
    """The rule of :func:`consent_to_show_sensitive`, on the columns of :func:`child_columns`."""
    from consent.models import Decision

    def agrees(kind: str) -> bool:
        return (
            columns.get(f"consent_{kind}_decision") == Decision.AGREE
            and columns.get(f"consent_{kind}_withdrawn_on") is None
        )

    # Only a young person's own agreement carries sufficient_understanding.
    if columns.get("consent_young_person_sufficient_understanding"):
        return agrees("young_person")
    return agrees("parent_carer")


def consent_to_show_sensitive(child_id: int) -> bool:
    """ "Involvements with sensitive services … appear only to the central team, to
    practitioners of that same service, and where consent to show them is recorded": a young
    person with sufficient understanding decides for themselves; otherwise the parent or carer's
    current agreement counts. A decision to share without consent never does (it is about
    specific information, to specific people). One query."""
    from children.models import Child

    columns = child_columns()
    row = Child.objects.filter(pk=child_id).order_by().annotate(**columns).values(*columns).first()
    return _shows_sensitive(consent_values(row or {}))


# The break-glass grant's columns that :func:`load_child` reads with the child.
_GRANT_FIELDS = ("id", "category", "reason", "created_at", "expires_at")


def _child_and_household(pk: int, user_id: int | None):
    """The query of :func:`load_child`: the child ``pk``, the other children of its family and
    the records merged into it, each with the columns of :func:`child_columns` and (given
    ``user_id``) that person's current break-glass grant."""
    from children.models import BreakGlass, Child

    family = Child.objects.filter(pk=pk).values("family_id")[:1]
    columns = child_columns()
    if user_id is not None:
        grants = (
            BreakGlass.objects.current()
            .filter(user_id=user_id, child_id=OuterRef("pk"))
            .order_by("-created_at", "-pk")
        )
        as_json = JSONObject(**{field: field for field in _GRANT_FIELDS})
        columns["lisa_grant"] = Subquery(grants.values(json=as_json)[:1])
    return Child.objects.filter(
        Q(pk=pk) | Q(family_id=Subquery(family), merged_into__isnull=True) | Q(merged_into_id=pk)
    ).annotate(**columns)


def load_child(pk: int, user: User | None = None):
    """The child ``pk`` as a page about it needs it, in one query, or None: with the columns of
    :func:`child_columns`, and (for its :class:`ChildAccess`) the other children of its
    household (``lisa_household``, each with the same columns), the records merged into it
    (``lisa_merged_records``) and, given ``user``, that person's current break-glass grant. A
    merged record comes as it is, with nothing attached: the caller follows it to the record it
    was merged into. The query's SQL is worked out once per process (:mod:`lisa.compiled`)."""
    from lisa import compiled

    user_id = user.pk if user is not None and user.is_authenticated else None
    rows = _with_consent(compiled.rows("child", _child_and_household, pk=pk, user_id=user_id))
    for row in rows:
        if user_id is not None:
            row.lisa_grant_user_id = user_id
    child = next((row for row in rows if row.pk == pk), None)
    if child is None or child.merged_into_id is not None:
        return child
    child.lisa_merged_records = [row for row in rows if row.merged_into_id == pk]
    child.lisa_household = sorted(
        (
            row
            for row in rows
            if row.pk != pk
            and row.merged_into_id is None
            and child.family_id is not None
            and row.family_id == child.family_id
        ),
        key=lambda row: (row.date_of_birth, row.pk),
    )
    return child


# Said by :func:`_loaded_grant` when the child was not loaded with this person's grant.
_NOT_LOADED = object()


def _loaded_grant(child, user: User):
    """The grant :func:`load_child` read with ``child`` for ``user`` (a grant or None), or
    :data:`_NOT_LOADED`."""
    from children.models import BreakGlass

    values = child.__dict__
    if values.get("lisa_grant_user_id") != user.pk:
        return _NOT_LOADED
    loaded = values["lisa_grant"]
    if loaded is None:
        return None
    # Built by keyword (Model.from_db takes the values in the model's field order, whatever
    # names are given), then marked as the stored row it is.
    grant = BreakGlass(
        child_id=child.pk,
        user_id=user.pk,
        **{field: loaded[field] for field in _GRANT_FIELDS},
    )
    grant.created_at = dt.datetime.fromisoformat(loaded["created_at"])
    grant.expires_at = dt.datetime.fromisoformat(loaded["expires_at"])
    grant._state.adding = False
    grant._state.db = "default"
    return grant


def _involvements_of(child_id: int, siblings: list | None, family_id: int | None):
    """The query of :attr:`ChildAccess._involvement_rows`: every involvement of the child and the
    active involvements of ``siblings`` (their ids), or of the other children of ``family_id``,
    each with ``active_now``."""
    from children.models import Child, Involvement

    rows = Involvement.objects.annotate(
        active_now=Exists(Involvement.objects.active().filter(pk=OuterRef("pk")))
    )
    mine = Q(child_id=child_id)
    if siblings:
        mine |= Q(child_id__in=siblings, active_now=True)
    elif family_id is not None:
        household = Child.objects.filter(family_id=family_id, merged_into__isnull=True)
        mine |= Q(child_id__in=household.values("pk"), active_now=True)
    return rows.filter(mine).select_related("practitioner", "agency")


class ChildAccess:
    """Who may see and do what with ``child``, for ``user``: ask ``can_*`` properties and the
    ``see_*`` / ``may_*`` methods; never test roles or involvements elsewhere."""

    def __init__(self, user: User, child) -> None:
        self.user = user
        self.child = child

    # --- facts (each loaded once) --------------------------------------------------------------

    @cached_property
    def archived(self) -> bool:
        """An archived record (children/retention.py) is out of the search and the home pages,
        and only the central team may open it (read only, to restore it or answer a request)."""
        return getattr(self.child, "archived_at", None) is not None

    @cached_property
    def works_with_children(self) -> bool:
        if not works_with_children(self.user):
            return False
        return not self.archived or self.user.is_central_team

    @cached_property
    def _involvement_rows(self) -> list:
        """Every involvement of the child (ended and entered in error too) and the active
        involvements of the other children of its household, practitioner and agency loaded,
        each with ``active_now`` (the rule of ``Involvement.objects.active()``): one query."""
        from lisa import compiled

        siblings = family_id = None
        if self.child.family_id is not None:
            # The household's children by id (a join to every child would scan them all).
            loaded = self.child.__dict__.get("lisa_household")
            if loaded is not None:
                siblings = [sibling.pk for sibling in loaded]
            else:
                family_id = self.child.family_id
        return compiled.rows(
            "involvements",
            _involvements_of,
            child_id=self.child.pk,
            siblings=siblings,
            family_id=family_id,
        )

    @cached_property
    def involvements(self) -> list:
        """The child's active involvements (practitioner and agency loaded)."""
        return [
            inv
            for inv in self._involvement_rows
            if inv.child_id == self.child.pk and inv.active_now
        ]

    @cached_property
    def household(self) -> list:
        """The other children of the family (merged records left out), each with
        ``active_involvements``: loaded with the child (:func:`load_child`), or one query; their
        involvements come with the child's."""
        from children.models import Child

        siblings = self.child.__dict__.get("lisa_household")
        if siblings is None:
            if self.child.family_id is None:
                return []
            siblings = _with_consent(
                list(
                    Child.objects.filter(family_id=self.child.family_id, merged_into__isnull=True)
                    .exclude(pk=self.child.pk)
                    .annotate(**child_columns())
                    .order_by("date_of_birth", "pk")
                )
            )
        if not siblings:
            return []
        # Copies: each reader's access object marks its own siblings (``visible`` differs from
        # one reader to another), and the loaded ones belong to the child object all share.
        siblings = [copy.copy(sibling) for sibling in siblings]
        theirs = defaultdict(list)
        for inv in self._involvement_rows:
            if inv.child_id != self.child.pk:
                theirs[inv.child_id].append(inv)
        for sibling in siblings:
            sibling.active_involvements = theirs.get(sibling.pk, [])
        return siblings

    @cached_property
    def merged_records(self) -> list:
        """The records merged into this one (their references lead here)."""
        loaded = self.child.__dict__.get("lisa_merged_records")
        if loaded is not None:
            return loaded
        return list(self.child.merged_records.only("lisa_ref", "merged_at"))

    @cached_property
    def grant(self):
        """The person's current break-glass grant for this child, or None."""
        from children.models import BreakGlass

        if not self.works_with_children or self.has_relationship:
            return None
        loaded = _loaded_grant(self.child, self.user)
        if loaded is not _NOT_LOADED:
            return loaded
        return BreakGlass.objects.current().filter(user=self.user, child_id=self.child.pk).first()

    @cached_property
    def sensitive_consent(self) -> bool:
        if "consent_parent_carer_decision" in self.child.__dict__:  # loaded with the child
            return _shows_sensitive(self.child.__dict__)
        return consent_to_show_sensitive(self.child.pk)

    @cached_property
    def consent_recorded(self) -> bool:
        """For the index card: "the card says only whether consent is recorded" (an agreement
        or a decision to share without consent, not entered in error)."""
        values = self.child.__dict__
        if "consent_agreement_recorded" not in values:
            from children.models import Child

            columns = child_columns()
            values = consent_values(
                Child.objects.filter(pk=self.child.pk)
                .order_by()
                .annotate(**columns)
                .values(*columns)
                .first()
                or {}
            )
        return bool(
            values.get("consent_agreement_recorded") or values.get("consent_sharing_recorded")
        )

    # --- rules ---------------------------------------------------------------------------------

    @cached_property
    def is_involved(self) -> bool:
        """ "An ended involvement loses full access": only an active involvement counts. It ends
        when the practitioner ends it, moves agency or is deactivated."""
        return any(inv.practitioner_id == self.user.pk for inv in self.involvements)

    @cached_property
    def is_lead(self) -> bool:
        """The child's lead professional (an active involvement with the lead flag)."""
        return any(
            inv.practitioner_id == self.user.pk and inv.lead_professional
            for inv in self.involvements
        )

    @cached_property
    def involved_agency_ids(self) -> set[int]:
        return {inv.agency_id for inv in self.involvements}

    @cached_property
    def has_relationship(self) -> bool:
        """ "Full record (concerns, chronology, meetings, plans, consent, documents): only
        practitioners with an active involvement with the child, their agency's designated
        officer, and the central team.\""""
        user = self.user
        if not self.works_with_children:
            return False
        if user.is_central_team or self.is_involved:
            return True
        return (
            user.is_designated_officer
            and user.agency_id is not None
            and user.agency_id in self.involved_agency_ids
        )

    # Names the templates use.
    @property
    def relationship(self) -> bool:
        return self.has_relationship

    @property
    def involved(self) -> bool:
        return self.is_involved

    @cached_property
    def card(self) -> bool:
        """ "Index card (any signed-in practitioner)": practitioners, designated officers and the
        central team."""
        return self.works_with_children

    @cached_property
    def full(self) -> bool:
        """A legitimate relationship, or a break-glass grant that has not yet expired."""
        return self.has_relationship or self.grant is not None

    @cached_property
    def basis(self) -> str:
        """The relationship that opens this child's full record to the person, for the audit
        trail ("who has seen this child?" says why each person could): ``central_team``,
        ``involved`` or ``designated_officer``; empty without one (the index card is open to
        every practitioner, and a break-glass grant is recorded with its reason)."""
        if not self.has_relationship:
            return ""
        if self.user.is_central_team:
            return "central_team"
        return "involved" if self.is_involved else "designated_officer"

    @cached_property
    def edit(self) -> bool:
        """Changing a child's details, people with parental responsibility and family links:
        those with a legitimate relationship. Break glass lets a person read, not change; an
        archived record is read only until the central team restores it."""
        return self.has_relationship and not self.archived

    @cached_property
    def shielded_household(self) -> bool:
        """Shielding is per child, the address per household: when any child of the household
        is shielded, the household's address is shielded for all of them."""
        return self.child.shielded or any(sibling.shielded for sibling in self.household)

    @cached_property
    def address(self) -> bool:
        """ "The address is left out of the card when the child is shielded (e.g. fleeing
        domestic abuse); only the central team and involved practitioners see a shielded
        address." For a shielded household: the central team and the practitioners involved
        with a shielded child of it — not designated officers, not break glass."""
        if not self.works_with_children:
            return False
        if not self.shielded_household:
            return True
        if self.user.is_central_team:
            return True
        if self.child.shielded and self.is_involved:
            return True
        return any(
            inv.practitioner_id == self.user.pk
            for sibling in self.household
            if sibling.shielded
            for inv in sibling.active_involvements
        )

    @cached_property
    def claim(self) -> bool:
        """ "I work with this child": a practitioner of an agency, not already involved."""
        return bool(
            self.user.is_authenticated
            and self.user.is_practitioner
            and self.user.agency_id is not None
            and not self.is_involved
            and not self.archived
        )

    @cached_property
    def add_involvement(self) -> bool:
        """ "Involvement starts when a practitioner … is added by the lead professional": the
        child's lead professional, or the central team."""
        return (
            self.works_with_children
            and not self.archived
            and (self.user.is_central_team or self.is_lead)
        )

    @cached_property
    def change_school(self) -> bool:
        """ "Change of school" (by an involved practitioner, the old or new school's designated
        officer, or the central team): a school's designated officer who is not otherwise
        related to the child may only name their own school as the new one (the action checks
        which school is named). Only while the child is here: not once the family moved away or
        the record closed."""
        from lisa.models import AgencyType

        user = self.user
        if not self.works_with_children or self.archived or self.child.status != "active":
            return False
        if self.has_relationship:
            return True
        return bool(
            user.is_designated_officer
            and user.agency_id is not None
            and user.agency.agency_type == AgencyType.EDUCATION
        )

    @cached_property
    def merge(self) -> bool:
        """ "Duplicates found later can be merged by the central team, with full history kept."""
        return bool(self.user.is_authenticated and self.user.is_central_team)

    @cached_property
    def break_glass(self) -> bool:
        """Any other practitioner (not a directory editor or system administrator) may break
        glass on a child whose record they cannot otherwise open."""
        return bool(
            self.user.is_authenticated
            and self.user.is_practitioner
            and not self.has_relationship
            and not self.archived
        )

    @cached_property
    def close_case(self) -> bool:
        """ "It ends when … the case closes": closing the child's case ends every agency's
        involvement, so only the lead professional or the central team may do it."""
        return (
            self.works_with_children
            and not self.archived
            and (self.user.is_central_team or self.is_lead)
        )

    @cached_property
    def hold(self) -> bool:
        """A legal hold is placed and lifted by the central team."""
        return bool(self.user.is_authenticated and self.user.is_central_team)

    @cached_property
    def restore(self) -> bool:
        """ "The central team can still open them, and can restore one with a reason."""
        return bool(self.user.is_authenticated and self.user.is_central_team and self.archived)

    # --- sensitive services --------------------------------------------------------------------

    def see_agency(self, agency) -> bool:
        """Whether an agency's part in this child's life may show: always unless it is a
        sensitive service; then only to the central team, to that same service, and where
        consent to show it is recorded."""
        if agency is None or not agency.sensitive_service:
            return True
        if self.user.is_central_team or agency.pk == self.user.agency_id:
            return True
        return self.sensitive_consent

    def see_involvement(self, involvement) -> bool:
        """ "Involvements with sensitive services (sexual health, mental health, substance
        misuse) appear only to the central team, to practitioners of that same service, and
        where consent to show them is recorded.\""""
        return self.see_agency(involvement.agency)

    def author(self, user, agency=None) -> str:
        """How a person who wrote something about this child is named to the reader: in full,
        or generalised when their agency is a hidden sensitive service (so neither the name,
        the team nor the agency tells what is hidden)."""
        if user is None:
            return "LISA"
        agency = agency if agency is not None else getattr(user, "agency", None)
        if not self.see_agency(agency):
            return f"{WITHHELD_PRACTITIONER} of {WITHHELD_AGENCY}"
        return f"{user.get_full_name()}{f', {agency.name}' if agency else ''}"

    def agency_name(self, agency) -> str:
        if agency is None:
            return ""
        return agency.name if self.see_agency(agency) else WITHHELD_AGENCY

    def _with_actions(self, involvements: list) -> list:
        for inv in involvements:
            inv.may_end = self.end(inv)
            inv.may_mark_in_error = self.mark_involvement_in_error(inv)
        return involvements

    @cached_property
    def visible_involvements(self) -> list:
        """The active involvements the reader may see (sensitive services hidden), each with
        ``may_end`` and ``may_mark_in_error`` for the reader."""
        return self._with_actions([inv for inv in self.involvements if self.see_involvement(inv)])

    def all_visible_involvements(self) -> list:
        """Every involvement, ended or entered in error too, for the full record, the latest
        first."""
        involvements = sorted(
            (inv for inv in self._involvement_rows if inv.child_id == self.child.pk),
            key=lambda inv: (inv.started_on, inv.pk),
            reverse=True,
        )
        return self._with_actions([inv for inv in involvements if self.see_involvement(inv)])

    @cached_property
    def siblings(self) -> list:
        """The other children of the household, each with ``visible`` (the involvements the
        reader may see): "so a practitioner sees the practitioners involved with the others in
        the family". A sibling's sensitive involvements follow that sibling's own consent."""
        # An archived sibling is out of sight for all but the central team (it still counts
        # for shielding the household's address).
        shown = [
            sibling
            for sibling in self.household
            if sibling.archived_at is None or self.user.is_central_team
        ]
        for sibling in shown:
            sensitive = any(inv.agency.sensitive_service for inv in sibling.active_involvements)
            sibling_access = ChildAccess(self.user, sibling) if sensitive else self
            sibling.visible = [
                inv for inv in sibling.active_involvements if sibling_access.see_involvement(inv)
            ]
        return shown

    # --- involvements and records --------------------------------------------------------------

    def end(self, involvement) -> bool:
        """An involvement is ended by the practitioner themselves, by their agency's designated
        officer, or by the central team."""
        if not involvement.is_open:
            return False
        user = self.user
        if user.is_central_team or involvement.practitioner_id == user.pk:
            return True
        return user.is_designated_officer and involvement.agency_id == user.agency_id

    def mark_involvement_in_error(self, involvement) -> bool:
        """The practitioner, whoever recorded it, their agency's designated officer or the
        central team."""
        if not involvement.is_open:
            return False
        user = self.user
        if user.is_central_team:
            return True
        if user.pk in (involvement.practitioner_id, involvement.created_by_id):
            return True
        return user.is_designated_officer and involvement.agency_id == user.agency_id

    def mark_in_error(self, obj, *, author_field: str = "raised_by_id") -> bool:
        """ "Nothing about a child is ever deleted by a user. A wrong entry is marked 'entered
        in error' with a reason": by the person who wrote it while they still may see the full
        record, their agency's designated officer, or the central team."""
        if getattr(obj, "entered_in_error", False) or not self.works_with_children:
            return False
        user = self.user
        if user.is_central_team:
            return True
        if getattr(obj, author_field, None) == user.pk and self.has_relationship:
            return True
        return (
            user.is_designated_officer
            and user.agency_id is not None
            and user.agency_id == getattr(obj, "agency_id", None)
        )

    # --- many people at once -------------------------------------------------------------------

    def full_record_users(self, users: Iterable[User]) -> set[int]:
        """The ids of ``users`` who may see this child's full record now (the same rule as
        :attr:`full`), in two queries whatever the number of people."""
        from children.models import BreakGlass

        users = list(users)
        if not users:
            return set()
        practitioners = {inv.practitioner_id for inv in self.involvements}
        agencies = self.involved_agency_ids
        grants = set(
            BreakGlass.objects.current()
            .filter(child_id=self.child.pk, user__in=[u.pk for u in users])
            .values_list("user_id", flat=True)
        )
        return {
            user.pk
            for user in users
            if works_with_children(user)
            and (
                user.is_central_team
                or user.pk in practitioners
                or (user.is_designated_officer and user.agency_id in agencies)
                or user.pk in grants
            )
        }


def child_visible_q(user: User, prefix: str = "", *, field: str = "child_id") -> Q:
    """SQL for "no child, or a child whose full record ``user`` may see" (:attr:`ChildAccess.full`),
    on rows that reach the child through ``prefix`` (e.g. ``"thread__"``)."""
    from children.models import BreakGlass, Child, Involvement

    if not works_with_children(user):
        return Q(pk__in=[])
    if user.is_central_team:
        return Q()
    child_ref = OuterRef(f"{prefix}{field}")
    related = Q(
        Exists(Involvement.objects.active().filter(child_id=child_ref, practitioner_id=user.pk))
    )
    if user.is_designated_officer and user.agency_id:
        related |= Q(
            Exists(
                Involvement.objects.active().filter(child_id=child_ref, agency_id=user.agency_id)
            )
        )
    related |= Q(Exists(BreakGlass.objects.current().filter(child_id=child_ref, user_id=user.pk)))
    # An archived record is the central team's alone, whatever involvement it may regain.
    live = Q(Exists(Child.objects.filter(pk=child_ref, archived_at__isnull=True)))
    return Q(**{f"{prefix}{field}__isnull": True}) | (live & related)
