"""Finding a child: one search box, every search audited with its terms, index card only."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import Action, AuditEvent
from tests.children.conftest import involve, make_child

pytestmark = pytest.mark.django_db


def test_search_by_name_shows_why_each_matched_and_is_audited(client_for, amara):
    make_child(forenames="Jonathan", surname="Fairweather", date_of_birth=dt.date(2015, 3, 2))
    make_child(forenames="Priscilla", surname="Ambleside")
    client = client_for(amara)
    response = client.get("/children/", {"q": "Jon Fairweather"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Jonathan" in page and "Fairweather" in page and "Priscilla" not in page
    assert "Why it matched" in page
    event = AuditEvent.objects.get(action=Action.SEARCH, user=amara)
    assert event.detail["q"] == "Jon Fairweather"
    assert event.detail["results"] == 1


def test_search_with_date_of_birth_and_postcode_fields(client_for, amara):
    make_child(forenames="Jonathan", surname="Fairweather", date_of_birth=dt.date(2015, 3, 2))
    client = client_for(amara)
    response = client.get(
        "/children/",
        {
            "q": "Fairweather",
            "date_of_birth_0": "2",
            "date_of_birth_1": "3",
            "date_of_birth_2": "2015",
            "postcode": "se13 6lh",
        },
    )
    page = response.content.decode()
    assert "Jonathan" in page
    event = AuditEvent.objects.get(action=Action.SEARCH, user=amara)
    assert event.detail["date_of_birth"] == "2015-03-02"
    assert event.detail["postcode"] == "SE13 6LH"


@pytest.mark.parametrize("field", ["lisa_ref", "nhs_number", "upn"])
def test_search_by_identifier(client_for, amara, field):
    child = make_child(
        forenames="Tobias", surname="Quenby", nhs_number="9434765919", upn="B801200005001"
    )
    page = client_for(amara).get("/children/", {"q": getattr(child, field)}).content.decode()
    assert "Tobias" in page


def test_search_by_postcode(client_for, amara):
    make_child(forenames="Tobias", surname="Quenby", postcode="SE4 1AA")
    page = client_for(amara).get("/children/", {"q": "se4 1aa"}).content.decode()
    assert "Tobias" in page


def test_results_show_the_index_card_only(client_for, amara):
    make_child(
        forenames="Tobias",
        surname="Quenby",
        nhs_number="9434765919",
        address_line_1="12 Secret Lane",
        shielded=True,
    )
    page = client_for(amara).get("/children/", {"q": "Tobias Quenby"}).content.decode()
    assert "Tobias" in page
    assert "9434765919" not in page and "12 Secret Lane" not in page


def test_an_empty_search_asks_for_something(client_for, amara):
    response = client_for(amara).get("/children/", {"q": ""})
    assert "Enter a name, reference" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_a_bad_postcode_is_refused_beside_the_field_keeping_the_name(client_for, amara):
    page = client_for(amara).get("/children/", {"q": "Tobias", "postcode": "XX"}).content.decode()
    assert "Enter a real UK postcode" in page
    assert 'value="Tobias"' in page


def test_people_without_child_roles_cannot_search(client_for, sam, alex):
    for who in (sam, alex):
        assert client_for(who).get("/children/", {"q": "x"}).status_code == 403


def test_search_queries_are_bounded(client_for, amara, django_assert_max_num_queries):
    for n in range(60):
        child = make_child(forenames="Jonathan", surname="Fairweather", upn="")
        if n % 3 == 0:
            involve(amara, child)
    client = client_for(amara)
    with django_assert_max_num_queries(14):
        response = client.get("/children/", {"q": "Jonathan Fairweather"})
    assert response.status_code == 200
    assert response.content.decode().count("Fairweather</a>") >= 50


def test_a_merged_records_reference_leads_to_the_kept_record(client_for, amara):
    from django.utils import timezone

    kept = make_child(forenames="Tobias", surname="Quenby")
    merged = make_child(forenames="Toby", surname="Quenby")
    merged.merged_into = kept
    merged.merged_at = timezone.now()
    merged.save()
    client = client_for(amara)
    response = client.get(f"/children/ref/{merged.lisa_ref}/")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 302  # the card follows the merge
    assert client.get(f"/children/{merged.pk}/", follow=True).context["child"] == kept
    page = client.get("/children/", {"q": merged.lisa_ref}).content.decode()
    assert kept.lisa_ref in page


def test_the_search_page_lists_the_children_you_work_with(client_for, amara, daniel):
    mine = make_child(forenames="Winifred", surname="Applethwaite")
    make_child(forenames="Horatio", surname="Applethwaite")
    involve(amara, mine)
    page = client_for(amara).get("/children/").content.decode()
    assert "Children you work with" in page and "Winifred" in page and "Horatio" not in page
    event = AuditEvent.objects.filter(action=Action.VIEW, user=amara).latest("id")
    assert event.detail["shown"] == [mine.lisa_ref]
    page = client_for(daniel).get("/children/").content.decode()
    assert "Winifred" not in page
