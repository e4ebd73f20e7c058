"""Addresses and dates worked out once (lisa/reversing.py, lisa/templatetags/lisa_builtins.py)
answer exactly as Django's own: for each name and arguments, under each script prefix, and in
templates with ``{% url %}`` and ``|date`` in every form they take."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.urls import NoReverseMatch, set_script_prefix
from django.urls import reverse as django_reverse
from django.utils import timezone, translation

from lisa import reversing


@pytest.fixture(autouse=True)
def _afresh():
    reversing._remembered.cache_clear()
    yield
    reversing._remembered.cache_clear()
    set_script_prefix("/")


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("home", None, None),
        ("children:record", [5], None),
        ("children:card", ["17"], None),
        ("children:record", None, {"pk": 9}),
        ("directory:search", None, None),
    ],
)
def test_an_address_is_djangos_and_remembered(name, args, kwargs):
    expected = django_reverse(name, args=args, kwargs=kwargs)
    assert reversing.reverse(name, args=args, kwargs=kwargs) == expected
    assert reversing.reverse(name, args=args, kwargs=kwargs) == expected
    info = reversing._remembered.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_each_child_has_its_own_address():
    assert reversing.reverse("children:record", args=[5]) == "/children/5/record/"
    assert reversing.reverse("children:record", args=[6]) == "/children/6/record/"


def test_the_script_prefix_is_part_of_the_address():
    assert reversing.reverse("children:record", args=[5]) == "/children/5/record/"
    set_script_prefix("/lisa/")
    assert reversing.reverse("children:record", args=[5]) == "/lisa/children/5/record/"


def test_arguments_other_than_numbers_and_text_are_worked_out_each_time():
    assert reversing.reverse("children:record", args=[Decimal(5)]) == "/children/5/record/"
    with pytest.raises(NoReverseMatch):
        reversing.reverse("children:record", args=[dt.date(2020, 1, 1)])
    assert reversing._remembered.cache_info().currsize == 0


def test_a_name_that_does_not_exist_is_refused_as_django_refuses_it():
    with pytest.raises(NoReverseMatch):
        reversing.reverse("children:no-such-page", args=[1])


def test_the_url_tag_answers_as_djangos():
    ours = engines["django"].from_string(
        "{% url 'children:record' pk %}|{% url 'children:record' pk=pk %}|"
        "{% url 'home' as home %}{{ home }}|{% url 'children:nothing' pk as gone %}[{{ gone }}]"
    )
    assert ours.render({"pk": 7}) == "/children/7/record/|/children/7/record/|/|[]"
    assert type(ours.template.nodelist[0]).__module__ == "lisa.templatetags.lisa_builtins"
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'children:nothing' 1 %}").render({})


def test_the_url_tag_escapes_as_djangos():
    rendered = (
        engines["django"].from_string("{% url 'children:by-ref' ref %}").render({"ref": "1&2"})
    )
    assert "&amp;" in rendered
    assert rendered == django_reverse("children:by-ref", args=["1&2"]).replace("&", "&amp;")


@pytest.mark.parametrize(
    ("fmt", "dates"), [("j M Y", True), ("l j F Y", True), (None, True), ("D j M Y, H:i", False)]
)
def test_the_date_filter_writes_as_djangos(fmt, dates):
    template = engines["django"].from_string("{{ value|date:fmt }}" if fmt else "{{ value|date }}")
    values = [
        dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC),  # 00:30 the next day in London
        dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC),
    ]
    if dates:  # a format with a time cannot take a date (Django refuses it too)
        values.append(dt.date(2016, 4, 5))
    for value in values:
        for zone in ("Europe/London", "Asia/Tokyo"):
            with timezone.override(ZoneInfo(zone)):
                local = timezone.localtime(value) if isinstance(value, dt.datetime) else value
                for language in ("en-gb", "cy"):
                    with translation.override(language):
                        expected = django_date(local, fmt)
                        assert template.render({"value": value, "fmt": fmt}) == expected
                        assert template.render({"value": value, "fmt": fmt}) == expected


def test_the_date_filter_leaves_what_is_not_a_date_to_django():
    template = engines["django"].from_string("[{{ value|date:'j M Y' }}]")
    assert template.render({"value": None}) == "[]"
    assert template.render({"value": ""}) == "[]"
    assert template.render({"value": "not a date"}) == "[]"


def test_values_equal_to_one_another_are_remembered_apart():
    """``True == 1`` and a text enumeration's member equals its text; Django answers each
    differently, and so does the remembered reverse."""

    class Kind(str, enum.Enum):  # noqa: UP042 - its text is not its value
        A = "abc"

    assert reversing.reverse("children:record", args=[1]) == "/children/1/record/"
    with pytest.raises(NoReverseMatch):
        django_reverse("children:record", args=[True])
    with pytest.raises(NoReverseMatch):
        reversing.reverse("children:record", args=[True])
    assert reversing.reverse("children:by-ref", args=["abc"]) == "/children/ref/abc/"
    expected = django_reverse("children:by-ref", args=[Kind.A])
    assert reversing.reverse("children:by-ref", args=[Kind.A]) == expected


def test_the_repeated_hour_of_the_autumn_clock_change_is_written_apart():
    """01:30 comes twice in London on 25 October 2026: summer time, then winter time."""
    london = ZoneInfo("Europe/London")
    first = dt.datetime(2026, 10, 25, 1, 30, tzinfo=london)
    second = first.replace(fold=1)
    template = engines["django"].from_string("{{ value|date:'c' }}")
    with timezone.override(london):
        assert template.render({"value": first}) == "2026-10-25T01:30:00+01:00"
        assert template.render({"value": second}) == "2026-10-25T01:30:00+00:00"


def test_each_page_writes_its_addresses_under_the_prefix_of_its_own_request():
    """The URL tag reads the prefix once a page, never keeping it from one page to the next."""
    page = engines["django"].from_string("{% url 'children:record' 1 %} {% url 'home' %}")
    set_script_prefix("/lisa/")
    assert page.render({}) == "/lisa/children/1/record/ /lisa/"
    set_script_prefix("/")
    assert page.render({}) == "/children/1/record/ /"
    # One kept from before the prefix changed never leaves an address remembered under the
    # wrong prefix.
    addresses = reversing.Addresses()
    set_script_prefix("/elsewhere/")
    assert addresses.reverse("children:record", args=[2]) == "/elsewhere/children/2/record/"
    set_script_prefix("/")
    assert reversing.reverse("children:record", args=[2]) == "/children/2/record/"
