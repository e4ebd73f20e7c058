"""Query budgets: a plan with 40 actions costs no more queries than a plan with one."""

from __future__ import annotations

import pytest

from tests.meetings.conftest import add_action, send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "page",
    [
        lambda scene: f"/meetings/plans/{scene['plan'].pk}/",
        lambda scene: f"/meetings/{scene['meeting'].pk}/record-of-decisions/",
    ],
    ids=["plan page", "record of decisions"],
)
def test_forty_actions_cost_no_more_than_one(
    client_for, amara, ivy, scene, page, django_assert_max_num_queries
):
    send(scene["meeting"], amara)
    client = client_for(amara)
    url = page(scene)
    client.get(url)  # the session's first use of the page settles what it writes once
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    one = len(few.captured_queries)
    for n in range(39):
        add_action(scene["plan"], amara, ivy if n % 2 else amara, what=f"Action number {n}")
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert response.status_code == 200
    if url.endswith("/plans/" + str(scene["plan"].pk) + "/"):
        assert response.content.decode().count("/meetings/actions/") >= 40
