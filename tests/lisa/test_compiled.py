"""Queries compiled once per process (lisa/compiled.py) answer as the queries they were built
from: the header's unread count for every role, the child with its household, the rows with what
they select and annotate; "now" is the time of each run; and a query that cannot be kept safely
(a time that is not a fixed distance from now, a value used some other way, a build that asks
the database) is asked afresh each time instead."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from unittest import mock

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.expressions import RawSQL
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import Action, AuditEvent
from children.models import BreakGlass, Child, Involvement
from lisa import compiled
from lisa.models import Role, User
from lisa.policy import _involvements_of
from messaging.access import unread_messages
from messaging.models import Participant
from tests.children.conftest import make_child
from tests.conftest import make_user
from tests.messaging.conftest import involve, send, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def child():
    return make_child()


@pytest.fixture(autouse=True)
def _compiled_afresh():
    compiled.forget()
    yield
    compiled.forget()


def _unread(user) -> int:
    return compiled.count("unread", unread_messages, user=user)


def test_the_count_is_the_access_policys_for_every_role(personas, child, agencies):
    amara = personas["amara"]
    involve(amara, child)
    involve(personas["daniel"], child, role="Class teacher")
    about = start(amara, [personas["daniel"]], child=child, subject="About a pupil")
    plain = start(amara, [personas["helen"]], subject="No child here")
    other = make_user("olu.other", agencies["voluntary"], [Role.PRACTITIONER])
    for person in [*personas.values(), other]:
        for thread in (about, plain):
            Participant.objects.get_or_create(thread=thread, user=person)
    send(amara, about, "Update")
    send(amara, plain, "Another")
    BreakGlass.objects.create(
        child=child,
        user=personas["helen"],
        category="safeguarding",
        reason="Urgent",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    counted = {}
    for person in [*personas.values(), other]:
        if not person.has_role(Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM):
            continue
        expected = unread_messages(person).count()
        assert _unread(person) == expected, person.username
        assert _unread(person) == expected, person.username  # and compiled, the second time
        counted[person.username] = expected
    # Two messages in each thread: the child's counts only for those who may read it.
    assert counted["olu.other"] == 2  # not involved: the thread about no child alone
    assert counted["morgan.ellis"] == 4  # the central team: both
    assert counted["amara.okafor"] == 0  # her own messages


def test_a_break_glass_grant_counts_until_it_expires_at_each_runs_own_time(
    personas, child, agencies
):
    amara, daniel = personas["amara"], personas["daniel"]
    involve(amara, child)
    his = involve(daniel, child, role="Class teacher")
    thread = start(amara, [daniel], child=child, subject="About a pupil")
    send(amara, thread, "Update")
    his.ended_at = timezone.now()
    his.save()
    BreakGlass.objects.create(
        child=child,
        user=daniel,
        category="safeguarding",
        reason="Urgent",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert _unread(daniel) == 2  # compiled now, with the grant current
    later = timezone.now() + dt.timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert _unread(daniel) == 0


def test_the_persons_and_agencys_values_are_put_in_each_time(personas, child, agencies):
    """Two designated officers of different agencies share one compiled query."""
    amara = personas["amara"]
    involve(amara, child)
    thread = start(amara, [personas["priya"]], child=child, subject="About a pupil")
    priya = personas["priya"]
    officer = make_user("dee.officer", agencies["school"], list(priya.roles))
    Participant.objects.create(thread=thread, user=officer)
    send(amara, thread, "Update")
    assert priya.agency_id == amara.agency_id
    assert _unread(priya) == 2  # her agency works with the child
    assert _unread(officer) == 0  # his does not
    assert len(_kept("unread")) == 1


def test_a_query_that_can_match_nothing_counts_nothing_without_asking(personas):
    editor = personas["sam"]
    assert not editor.has_role(Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM)
    assert compiled.count("unread", unread_messages, user=editor) == 0


def test_a_name_that_is_not_an_identifier_is_refused(personas):
    with pytest.raises(ValueError):
        compiled.count("un read; --", unread_messages, user=personas["amara"])


def _kept(name: str):
    """What is kept for ``name``, for each shape: the compiled query or None (not kept)."""
    return {key[-1]: kept for key, kept in compiled._compiled.items() if key[0] == name}


def _events_since_an_hour_ago(user_id: int):
    return AuditEvent.objects.filter(
        user_id=user_id, at__gte=timezone.now() - dt.timedelta(hours=1)
    )


def _events_since_midnight(user_id: int):
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return AuditEvent.objects.filter(user_id=user_id, at__gte=midnight)


def _events_in_the_last_hour_by_the_system_clock(user_id: int):
    an_hour_ago = dt.datetime.fromtimestamp(time.time(), tz=dt.UTC) - dt.timedelta(hours=1)
    return AuditEvent.objects.filter(user_id=user_id, at__gte=an_hour_ago)


def test_a_time_a_fixed_distance_from_now_is_kept_and_taken_from_each_run(personas):
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    assert compiled.count("events", _events_since_an_hour_ago, user_id=amara.pk) == 1
    assert list(_kept("events").values())[0] is not None
    later = timezone.now() + dt.timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert compiled.count("events", _events_since_an_hour_ago, user_id=amara.pk) == 0


def _events_since_a_calendar_year_ago(user_id: int):
    return AuditEvent.objects.filter(
        user_id=user_id, at__gte=timezone.now() - relativedelta(years=1)
    )


def _events_of_today_by_the_utc_date(user_id: int):
    return AuditEvent.objects.filter(user_id=user_id, at__date__gte=timezone.now().date())


@pytest.mark.parametrize(
    "build",
    [
        _events_since_midnight,
        _events_in_the_last_hour_by_the_system_clock,
        _events_since_a_calendar_year_ago,  # 365 or 366 days
        _events_of_today_by_the_utc_date,  # not London's date just after midnight in summer
    ],
)
def test_a_time_that_is_not_a_fixed_distance_from_now_is_never_kept(personas, build):
    """The query is not kept: tried a few times, then given up, and built afresh each time."""
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    with mock.patch.object(compiled, "_compile", wraps=compiled._compile) as compiling:
        for _ in range(compiled.TRIES + 2):
            assert compiled.count("events", build, user_id=amara.pk) == 1
    assert compiling.call_count == compiled.TRIES
    assert list(_kept("events").values()) == [None]


def test_a_build_that_asks_the_database_is_never_kept(personas, child):
    """Its answer would be baked into the query: it is asked afresh each time."""
    amara = personas["amara"]

    def of_the_newest_child(user_id: int):
        newest = Child.objects.order_by("-pk").values_list("pk", flat=True).first()
        return AuditEvent.objects.filter(user_id=user_id, child_id=newest)

    AuditEvent.objects.create(user=amara, action=Action.VIEW, child_id=child.pk)
    for _ in range(compiled.TRIES):
        assert compiled.count("events", of_the_newest_child, user_id=amara.pk) == 1
    assert list(_kept("events").values()) == [None]
    newer = make_child()
    AuditEvent.objects.create(user=amara, action=Action.VIEW, child_id=newer.pk)
    AuditEvent.objects.create(user=amara, action=Action.VIEW, child_id=newer.pk)
    assert compiled.count("events", of_the_newest_child, user_id=amara.pk) == 2


def test_a_value_used_other_than_in_the_query_is_never_kept(personas):
    amara, daniel = personas["amara"], personas["daniel"]

    def everyone_elses_or_mine(user_id: int):
        if user_id > 0:  # the value decides the shape: cannot be kept
            return AuditEvent.objects.filter(user_id=user_id)
        return AuditEvent.objects.exclude(user_id=-user_id)

    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    AuditEvent.objects.create(user=daniel, action=Action.VIEW)
    for _ in range(compiled.TRIES):
        assert compiled.count("events", everyone_elses_or_mine, user_id=amara.pk) == 1
    assert list(_kept("events").values()) == [None]
    assert compiled.count("events", everyone_elses_or_mine, user_id=daniel.pk) == 1


def test_rows_come_with_what_they_select_and_annotate_for_each_runs_values(personas, agencies):
    """One kept query for two children, as the plain query gives them: their involvements with
    practitioner and agency, and the annotation."""
    amara, daniel = personas["amara"], personas["daniel"]
    first, second = make_child(), make_child()
    involve(amara, first)
    involve(daniel, second, role="Class teacher")
    involve(amara, second)
    for child in (first, second):
        got = compiled.rows(
            "involvements", _involvements_of, child_id=child.pk, siblings=None, family_id=None
        )
        plain = list(_involvements_of(child.pk, None, None))
        assert [(row.pk, row.practitioner.username, row.agency.name) for row in got] == [
            (row.pk, row.practitioner.username, row.agency.name) for row in plain
        ]
        assert all(row.active_now for row in got)
        assert {row.child_id for row in got} == {child.pk}
    assert len(got) == 2
    with CaptureQueriesContext(connection) as queries:
        assert got[0].practitioner.agency_id == got[0].agency_id  # loaded with the row
    assert len(queries) == 0
    assert list(_kept("involvements")) and None not in _kept("involvements").values()
    assert len(_kept("involvements")) == 1


def test_a_list_of_ids_is_a_shape_of_its_length(personas):
    amara = personas["amara"]
    children = [make_child() for _ in range(3)]
    for child in children:
        involve(amara, child)

    def involvements_of(ids: list):
        return Involvement.objects.filter(child_id__in=ids)

    for ids in ([children[0].pk], [children[1].pk], [children[0].pk, children[2].pk]):
        got = compiled.rows("listed", involvements_of, ids=ids)
        assert sorted(row.child_id for row in got) == sorted(ids)
    assert sorted(shape[0][2] for shape in _kept("listed")) == [1, 2]


_ASKED: list = []


def _of_a_cached_kind(user_id: int):
    if not _ASKED:
        _ASKED.append(Child.objects.exists())
    return AuditEvent.objects.filter(user_id=user_id)


def test_a_build_that_asks_the_database_only_the_first_time_is_kept_the_next(personas):
    """A cache of Django's still empty the first time: the query is kept when it is filled."""
    amara = personas["amara"]
    _ASKED.clear()
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    assert compiled.count("events", _of_a_cached_kind, user_id=amara.pk) == 1
    assert _kept("events") == {}
    assert compiled.count("events", _of_a_cached_kind, user_id=amara.pk) == 1
    assert None not in _kept("events").values() and len(_kept("events")) == 1


def test_stand_ins_never_stand_for_two_values(personas):
    _, stands_for = compiled._stand_ins(
        {"user": personas["priya"], "child_id": 5, "ids": [1, 2, 3], "key": "abc"}
    )
    assert len(set(stands_for.values())) == len(stands_for) == 2 + 1 + 3 + 1


def test_other_threads_see_the_real_time_while_a_query_is_built():
    seen = []
    moment = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    with compiled._at(moment):
        assert timezone.now() == moment
        elsewhere = threading.Thread(target=lambda: seen.append(timezone.now()))
        elsewhere.start()
        elsewhere.join()
    assert seen[0].year == timezone.now().year != 2999


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'lisa%%'")
        return {row[0] for row in cursor.fetchall()}


def _mine(user_id: int):
    return AuditEvent.objects.filter(user_id=user_id).order_by("pk")


def test_a_kept_query_is_prepared_once_on_the_connection_and_executed(personas):
    """Sent whole the first time, prepared after it, then executed by name."""
    amara, daniel = personas["amara"], personas["daniel"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    AuditEvent.objects.create(user=daniel, action=Action.VIEW)
    AuditEvent.objects.create(user=daniel, action=Action.SEARCH)
    before = _prepared_here()
    with CaptureQueriesContext(connection) as queries:
        assert [row.action for row in compiled.rows("mine", _mine, user_id=amara.pk)] == ["view"]
    assert queries.captured_queries[0]["sql"].startswith("SELECT")
    assert len(queries.captured_queries) == 1  # the PREPARE is not one of the page's queries
    prepared = _prepared_here() - before
    assert len(prepared) == 1
    with CaptureQueriesContext(connection) as queries:
        assert [row.action for row in compiled.rows("mine", _mine, user_id=daniel.pk)] == [
            "view",
            "search",
        ]
    assert [query["sql"].split("(")[0] for query in queries.captured_queries] == [
        f"EXECUTE {prepared.pop()}"
    ]
    assert len(_prepared_here() - before) == 1


def _with_a_loose_value(username: str):
    return User.objects.filter(username=username).annotate(blank=RawSQL("%s IS NULL", (username,)))


def test_a_query_postgresql_cannot_prepare_is_sent_whole_and_the_transaction_goes_on(personas):
    """A value whose type PostgreSQL cannot tell: PREPARE fails within a savepoint, and the
    query is sent as it is, now and after."""
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            rows = compiled.rows("loose", _with_a_loose_value, username=amara.username)
        assert [row.blank for row in rows] == [False]
        assert queries.captured_queries[0]["sql"].startswith("SELECT")
    assert None in compiled._statements[connection.connection].names.values()  # could not prepare
    assert AuditEvent.objects.filter(user=amara).count() == 1  # the transaction still works


def test_a_statement_prepared_before_its_name_was_remembered_is_used(personas):
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    assert len(compiled.rows("mine", _mine, user_id=amara.pk)) == 1
    compiled._statements.clear()  # as if this process had forgotten it
    assert len(compiled.rows("mine", _mine, user_id=amara.pk)) == 1
    assert AuditEvent.objects.filter(user=amara).count() == 1


@override_settings(LISA_PREPARED_STATEMENTS=False)
def test_without_prepared_statements_the_query_is_sent_whole(personas):
    amara = personas["amara"]
    with CaptureQueriesContext(connection) as queries:
        compiled.rows("mine", _mine, user_id=amara.pk)
    assert queries.captured_queries[0]["sql"].startswith('SELECT "audit_auditevent"')


def _officers_and_others(user_id: int):
    return User.objects.filter(pk=user_id).annotate(officer=Value(True), label=Value("seen"))


def test_values_are_declared_with_their_types_so_prepared_rows_are_the_same(personas):
    """``SELECT $1`` alone would be text where ``SELECT true`` is a boolean, and ``$1`` in an
    ORDER BY text where ``10`` is a number: each value is declared in the PREPARE with the type
    it has when written in the query, so every run gives the same rows."""
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.SEARCH)
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    for _ in range(3):
        (row,) = compiled.rows("officers", _officers_and_others, user_id=amara.pk)
        assert row.officer is True and row.label == "seen"
        ordered = compiled.rows("ranked", _ranked, user_id=amara.pk)
        assert [event.action for event in ordered] == ["search", "view"]
    names = compiled._statements[connection.connection].names
    for query in ("officers", "ranked"):
        (kept,) = _kept(query).values()
        statement = compiled._statement(kept, connection.connection)
        assert names[statement.key] is not None  # prepared, then executed by name


def _ranked(user_id: int):
    rank = Case(When(action=Action.VIEW, then=Value(10)), default=Value(9))
    return AuditEvent.objects.filter(user_id=user_id).order_by(rank)


def _mine_numbered(user_id: int):
    return _mine(user_id).annotate(only_here=Value(1))


def test_a_statement_whose_columns_would_differ_is_dropped(personas):
    amara = personas["amara"]
    compiled.rows("numbered", _mine_numbered, user_id=amara.pk)
    (kept,) = _kept("numbered").values()
    before = _prepared_here()
    with connection.cursor():
        statement = compiled._statement(kept, connection.connection)
        assert compiled._prepare(connection.connection, statement.text, (), [25], 0) is None
    assert _prepared_here() == before


def _events_of_a_kind(user_id: int, kind: str):
    return AuditEvent.objects.filter(user_id=user_id, action=kind).order_by("pk")


def _views(user_id: int):
    return _events_of_a_kind(user_id, Action.VIEW)


def _searches(user_id: int):
    return _events_of_a_kind(user_id, Action.SEARCH)


# What the builds below read as constants; each test sets them before anything is compiled.
CONSTANTS = {"other": 0, "reason": ""}


def _mine_or_theirs(user_id: int):
    return AuditEvent.objects.filter(Q(user_id=user_id) | Q(user_id=CONSTANTS["other"]))


def _theirs_or_mine(user_id: int):
    return AuditEvent.objects.filter(Q(user_id=CONSTANTS["other"]) | Q(user_id=user_id))


def test_queries_alike_but_for_where_their_constants_sit_are_two_statements(personas, monkeypatch):
    """The same SQL and the same constant, in another place: each query its own statement and
    its own rows."""
    amara, daniel = personas["amara"], personas["daniel"]
    monkeypatch.setitem(CONSTANTS, "other", daniel.pk)
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    AuditEvent.objects.create(user=daniel, action=Action.SEARCH)
    for _ in range(3):
        for name, build in (("a", _mine_or_theirs), ("b", _theirs_or_mine)):
            rows = compiled.rows(name, build, user_id=amara.pk)
            assert sorted(e.action for e in rows) == ["search", "view"]


def _long_detail(user_id: int):
    return AuditEvent.objects.filter(
        user_id=user_id, detail__contains={"reason": CONSTANTS["reason"]}
    )


def test_a_long_constant_compiled_again_is_a_new_statement(personas, monkeypatch):
    """A JSON constant too long to show whole, changed and the query compiled again (as after a
    setting changes): the new constant is used, not the statement prepared with the old."""
    amara = personas["amara"]
    first = "an unusually long reason, long enough to be shortened when shown: A"
    second = first[:-1] + "B"
    for reason in (first, second, second):
        AuditEvent.objects.create(user=amara, action=Action.VIEW, detail={"reason": reason})
    monkeypatch.setitem(CONSTANTS, "reason", first)
    for _ in range(2):
        assert compiled.count("long", _long_detail, user_id=amara.pk) == 1
    compiled.forget()
    monkeypatch.setitem(CONSTANTS, "reason", second)
    for _ in range(3):
        assert compiled.count("long", _long_detail, user_id=amara.pk) == 2


def test_a_querys_constants_are_written_into_its_statement(personas):
    """PostgreSQL plans a statement with its constants (an index made for one can serve a
    generic plan); two queries alike but for a constant are two statements, each giving its
    own rows every time."""
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    AuditEvent.objects.create(user=amara, action=Action.SEARCH)
    AuditEvent.objects.create(user=amara, action=Action.SEARCH)
    for _ in range(3):
        assert [e.action for e in compiled.rows("kind", _views, user_id=amara.pk)] == ["view"]
        assert len(compiled.rows("kind", _searches, user_id=amara.pk)) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, parameter_types::text[] FROM pg_prepared_statements "
            "WHERE name LIKE 'lisa%%'"
        )
        statements = cursor.fetchall()
    for action in ("view", "search"):
        where = f'"action" = \'{action}\' AND "audit_auditevent"."user_id" = $1)'
        (types,) = [types for text, types in statements if where in text]
        assert types == ["bigint"]  # the person, the one value given


def _about_or_by(user_id: int):
    return AuditEvent.objects.filter(Q(user_id=user_id) | Q(object_id=user_id))


def _not_about(user_id: int):
    return AuditEvent.objects.filter(user_id=user_id).exclude(detail__about=user_id)


def test_a_value_the_query_changes_is_never_kept(personas):
    """A key compared with text, or put in JSON, is not the stand-in any more: such a query
    would answer for the stand-in, so it is not kept, and answers as built."""
    amara, daniel = personas["amara"], personas["daniel"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    AuditEvent.objects.create(user=daniel, action=Action.VIEW, object_id=str(amara.pk))
    AuditEvent.objects.create(user=amara, action=Action.VIEW, detail={"about": amara.pk})
    assert _about_or_by(amara.pk).count() == 3
    not_about = _not_about(amara.pk).count()
    assert not_about < 2
    for _ in range(compiled.TRIES + 1):
        assert compiled.count("about", _about_or_by, user_id=amara.pk) == 3
        assert compiled.count("not_about", _not_about, user_id=amara.pk) == not_about
    assert list(_kept("about").values()) == [None]
    assert list(_kept("not_about").values()) == [None]


def _theirs_if_positive(user_id: int):
    return AuditEvent.objects.filter(user_id=user_id).annotate(
        positive=Value(user_id > 0, output_field=BooleanField())
    )


def test_a_value_reckoned_from_the_sign_of_one_given_is_never_kept(personas):
    """Stand-ins are below zero but for one build: whether a value is above zero differs."""
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    for _ in range(compiled.TRIES + 1):
        rows = compiled.rows("signed", _theirs_if_positive, user_id=amara.pk)
        assert [event.positive for event in rows] == [True]
    assert list(_kept("signed").values()) == [None]


def test_a_build_that_closes_over_values_is_never_kept(personas):
    amara, daniel = personas["amara"], personas["daniel"]
    AuditEvent.objects.create(user=daniel, action=Action.VIEW)
    for other in (amara, daniel):

        def also_theirs(user_id: int):
            return AuditEvent.objects.filter(Q(user_id=user_id) | Q(user_id=other.pk))  # noqa: B023

        assert compiled.count("closing", also_theirs, user_id=amara.pk) == (other is daniel)
    assert list(_kept("closing").values()) == [None]


def _by_number(key: str):
    return AuditEvent.objects.filter(user_id=int(key))


def test_a_build_that_cannot_take_a_stand_in_is_run_as_built(personas):
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    for _ in range(compiled.TRIES + 1):
        assert compiled.count("by_number", _by_number, key=str(amara.pk)) == 1
    assert list(_kept("by_number").values()) == [None]


def _with_their_involvements(child_id: int):
    return Child.objects.filter(pk=child_id).prefetch_related("involvements")


def test_rows_fetched_with_others_are_never_kept(personas, child):
    involve(personas["amara"], child)
    for _ in range(compiled.TRIES + 1):
        (row,) = compiled.rows("prefetching", _with_their_involvements, child_id=child.pk)
        with CaptureQueriesContext(connection) as queries:
            assert len(row.involvements.all()) == 1
        assert len(queries) == 0  # prefetched, as built
    assert list(_kept("prefetching").values()) == [None]


def test_whether_a_person_has_an_agency_is_part_of_the_shape(personas):
    officer = personas["priya"]
    without = User(pk=officer.pk, agency_id=None, roles=list(officer.roles))
    assert compiled._shape({"user": officer}) != compiled._shape({"user": without})


def test_the_stand_in_person_has_only_a_key_an_agency_and_roles(personas):
    """Anything else of the person read while building asks the database: not kept."""

    def by_activity(user: User):
        return AuditEvent.objects.filter(user_id=user.pk, user__is_active=user.is_active)

    given, _ = compiled._stand_ins({"user": personas["amara"]})
    with pytest.raises(compiled._Unfit):
        compiled._built(by_activity, given, compiled._MOMENTS[0], counting=True)


@pytest.mark.parametrize("who", ["amara", "priya", "morgan"])
def test_every_query_the_busiest_pages_make_is_kept_for_each_role(personas, child, client_for, who):
    """A build that reads more of the person than the checks allow, or a time they cannot keep,
    would quietly be asked afresh on every page: these pages keep every query they compile."""
    involve(personas["amara"], child)
    client = client_for(personas[who])
    pages = ["/", "/children/", f"/children/{child.pk}/", f"/children/{child.pk}/record/"]
    pages += ["/directory/", "/directory/?q=parenting&free=on", "/directory/public/?q=parenting"]
    for path in pages:
        assert client.get(path).status_code == 200, path
    kept = {key[0] for key in compiled._compiled}
    assert {
        "session",
        "child",
        "involvements",
        "unread",
        "directory_ranked",
        "directory_categories",
    } <= kept
    assert [key[0] for key, value in compiled._compiled.items() if value is None] == []
    assert compiled._tries == {}  # nothing found unfit, even once


def _by_key_or_its_capitals(key: str):
    return AuditEvent.objects.filter(Q(object_id=key) | Q(object_type=key.upper()))


def _of_two_people(first: int, second: int):
    return AuditEvent.objects.filter(Q(user_id=first) | Q(user_id=first - 1000000))


def test_a_stand_in_changed_by_the_build_in_any_way_is_never_kept(personas):
    """Text in capitals, a number reckoned from another: neither is the value given."""
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW, object_id="abc")
    for _ in range(compiled.TRIES + 1):
        assert compiled.count("capitals", _by_key_or_its_capitals, key="abc") == 1
        assert compiled.count("sums", _of_two_people, first=amara.pk, second=5) == 1
    assert list(_kept("capitals").values()) == [None]
    assert list(_kept("sums").values()) == [None]


def test_a_key_too_large_for_the_database_is_not_found_as_django_would_not(client_for, personas):
    client = client_for(personas["amara"])
    for _ in range(3):
        assert client.get("/children/99999999999999999999/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_statement_gone_stale_is_forgotten_and_the_query_sent_whole(amara):
    """Something removed the connection's prepared statements (a migration may change their
    tables): outside a transaction the query is sent whole at once, and prepared again."""
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    for _ in range(2):
        assert len(compiled.rows("mine", _mine, user_id=amara.pk)) == 1
    prepared = compiled._statements[connection.connection]
    generation = prepared.generation
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert len(compiled.rows("mine", _mine, user_id=amara.pk)) == 1
    assert prepared.generation == generation + 1
    for _ in range(2):
        assert len(compiled.rows("mine", _mine, user_id=amara.pk)) == 1
    assert any(name.startswith("lisa_") for name in _prepared_here())


def _of_the_child_numbered_as_them(user_id: int):
    return AuditEvent.objects.filter(Q(user_id=user_id) | Q(child_id=abs(user_id)))


def test_a_number_reckoned_from_a_value_given_is_never_kept(personas, child):
    """Each build has stand-ins of its own, so a number reckoned from one (here its absolute
    value) differs from build to build and is refused."""
    amara = personas["amara"]
    AuditEvent.objects.create(user=amara, action=Action.VIEW)
    expected = _of_the_child_numbered_as_them(amara.pk).count()
    for _ in range(compiled.TRIES + 1):
        count = compiled.count("reckoned", _of_the_child_numbered_as_them, user_id=amara.pk)
        assert count == expected
    assert list(_kept("reckoned").values()) == [None]


def test_numbers_postgresql_would_read_otherwise_are_not_prepared():
    """``1.5`` and ``Decimal("5")`` are written as numbers PostgreSQL types by their look, not
    as the float or numeric a declaration would give: such a query is sent whole."""
    assert compiled._declared(1.5) is None
    assert compiled._declared(Decimal("5")) is None
    assert compiled._declared(5) == "int8"
    assert compiled._declared(True) == "boolean"
    assert compiled._declared("text") == "unknown"
    assert compiled._declared(Action.VIEW) == "unknown"
    given = compiled._Compiled("SELECT %s", (("arg", "x", None),), User, None, declared=(None,))
    assert compiled._statement(given, connection.connection) is None
    # As a constant of the query it is written in the statement as it is in the whole query.
    constant = compiled._Compiled("SELECT %s", (("value", 1.5),), User, None, declared=(None,))
    statement = compiled._statement(constant, connection.connection)
    assert (statement.text, statement.variable) == ("SELECT 1.5", ())
    name = compiled._prepare(connection.connection, statement.text, (), [1700], 0)
    with connection.cursor() as cursor:
        cursor.execute(f"EXECUTE {name}")
        assert cursor.fetchone() == (Decimal("1.5"),)
        cursor.execute(f"DEALLOCATE {name}")
