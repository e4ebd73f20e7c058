"""Query budgets: a plan with 40 actions costs no more queries than a plan with one."""

from __future__ import annotations

import pytest

from tests.meetings.conftest import add_action, send

pytestmark = pytest.mark.django_db


def test_the_plan_page_with_forty_actions(
    client_for, amara, ivy, scene, django_assert_max_num_queries
):
    send(scene["meeting"], amara)
    client = client_for(amara)
    url = f"/meetings/plans/{scene['plan'].pk}/"
    client.get(url)  # the session's first use of the page settles what it writes once
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    one = len(few.captured_queries)
    for n in range(39):
        add_action(scene["plan"], amara, ivy if n % 2 else amara, what=f"Action number {n}")
    with django_assert_max_num_queries(one):
        body = client.get(url).content.decode()
    assert body.count("/meetings/actions/") >= 40


def test_the_record_of_decisions_with_forty_actions(
    client_for, amara, ivy, scene, django_assert_max_num_queries
):
    client = client_for(amara)
    url = f"/meetings/{scene['meeting'].pk}/record-of-decisions/"
    client.get(url)  # the session's first use of the page settles what it writes once
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    one = len(few.captured_queries)
    for n in range(39):
        add_action(scene["plan"], amara, ivy if n % 2 else amara, what=f"Action number {n}")
    with django_assert_max_num_queries(one):
        assert client.get(url).status_code == 200
