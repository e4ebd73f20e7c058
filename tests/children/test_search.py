"""Finding a child: one search box, every search audited with its terms, index card only; the
terms are posted and kept server-side, never in an address; a shielded household's address
never finds, ranks or explains a child for someone who may not see it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from audit.models import Action, AuditEvent
from children import rules
from children.models import Family
from children.search import ASK_THE_LISA_TEAM, SESSION_KEY, likely_duplicates, search_children
from tests.children.conftest import involve, make_child

pytestmark = pytest.mark.django_db

RESULTS = re.compile(r"^/children/\?s=[A-Za-z0-9_-]{20,}$")


def search(client, **terms):
    """Post a search and follow the redirect to its results page; the response of that page,
    with ``redirected_to`` set to the address the browser was sent to."""
    posted = client.post("/children/", terms)
    assert posted.status_code == 302, posted.content[:2000]
    response = client.get(posted["Location"])
    response.redirected_to = posted["Location"]
    return response


def shown(response) -> list[int]:
    return [match.child.pk for match in response.context["matches"]]


def reasons_of(response, child) -> list[str]:
    return next(m.reasons for m in response.context["matches"] if m.child.pk == child.pk)


def test_search_by_name_shows_why_each_matched_and_is_audited(client_for, amara):
    jonathan = make_child(
        forenames="Jonathan", surname="Fairweather", date_of_birth=dt.date(2015, 3, 2)
    )
    make_child(forenames="Priscilla", surname="Ambleside")
    client = client_for(amara)
    response = search(client, q="Jon Fairweather")
    page = response.content.decode()
    assert response.status_code == 200
    # The search box repeats "Fairweather" and the table's heading says "Why it matched" on
    # any results page: look for Jonathan's own row and the reasons in it.
    assert shown(response) == [jonathan.pk]
    assert "Priscilla" not in page
    row = page.split(f'href="/children/{jonathan.pk}/">Jonathan Fairweather</a>')[1]
    row = row.split("</tr>")[0]
    reasons = response.context["matches"][0].reasons
    assert reasons
    for reason in reasons:
        assert f"<li>{reason[0].upper() + reason[1:]}</li>" in row
    event = AuditEvent.objects.get(action=Action.SEARCH, user=amara)
    assert event.detail["q"] == "Jon Fairweather"
    assert event.detail["results"] == 1
    assert event.detail["shown"] == [jonathan.lisa_ref]


def test_search_with_date_of_birth_and_postcode_fields(client_for, amara):
    make_child(forenames="Jonathan", surname="Fairweather", date_of_birth=dt.date(2015, 3, 2))
    client = client_for(amara)
    response = search(
        client,
        q="Fairweather",
        date_of_birth_0="2",
        date_of_birth_1="3",
        date_of_birth_2="2015",
        postcode="se13 6lh",
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
    response = search(client_for(amara), q=getattr(child, field))
    assert shown(response) == [child.pk]


def test_search_by_postcode(client_for, amara):
    child = make_child(forenames="Tobias", surname="Quenby", postcode="SE4 1AA")
    response = search(client_for(amara), q="se4 1aa")
    assert shown(response) == [child.pk]
    assert reasons_of(response, child) == ["same postcode"]


def test_results_show_the_index_card_only(client_for, amara):
    make_child(
        forenames="Tobias",
        surname="Quenby",
        nhs_number="9434765919",
        address_line_1="12 Secret Lane",
        shielded=True,
    )
    page = search(client_for(amara), q="Tobias Quenby").content.decode()
    assert "Tobias" in page
    assert "9434765919" not in page and "12 Secret Lane" not in page


def test_an_empty_search_asks_for_something(client_for, amara):
    response = client_for(amara).post("/children/", {"q": ""})
    assert response.status_code == 200
    assert "Enter a name, reference" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_a_bad_postcode_is_refused_beside_the_field_keeping_the_name(client_for, amara):
    response = client_for(amara).post("/children/", {"q": "Tobias", "postcode": "XX"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a real UK postcode" in page
    assert 'value="Tobias"' in page


def test_an_impossible_date_of_birth_is_refused_beside_it_keeping_every_part_typed(
    client_for, amara
):
    response = client_for(amara).post(
        "/children/",
        {
            "q": "Tobias",
            "date_of_birth_0": "31",
            "date_of_birth_1": "2",
            "date_of_birth_2": "2020",
            "postcode": "SE13 6LH",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    # The summary links to the day, and the message sits in the date's fieldset, named by it.
    assert '<a href="#id_date_of_birth_0">Enter a real date, for example 27 3 2024</a>' in page
    fieldset = re.search(r'<fieldset class="govuk-fieldset".*?</fieldset>', page, re.S).group(0)
    assert 'aria-describedby="id_date_of_birth_hint id_date_of_birth-error1"' in fieldset
    assert '<p id="id_date_of_birth-error1" class="govuk-error-message">' in fieldset
    for part, value in (("0", "31"), ("1", "2"), ("2", "2020")):
        field = re.search(rf'<input [^>]*id="id_date_of_birth_{part}"[^>]*>', fieldset).group(0)
        assert f'value="{value}"' in field and "govuk-input--error" in field
    assert 'value="Tobias"' in page and 'value="SE13 6LH"' in page
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_a_date_of_birth_missing_parts_marks_them_and_names_each_message(client_for, amara):
    response = client_for(amara).post(
        "/children/", {"q": "Tobias", "date_of_birth_0": "3", "date_of_birth_1": ""}
    )
    page = response.content.decode()
    fieldset = re.search(r'<fieldset class="govuk-fieldset".*?</fieldset>', page, re.S).group(0)
    messages = re.findall(
        r'<p id="(id_date_of_birth-error\d)"[^>]*>.*?</span> ([^<]*)</p>', fieldset
    )
    assert [text for _, text in messages] == ["Enter the month", "Enter the year"]
    ids = [id_ for id_, _ in messages]
    assert len(set(ids)) == 2
    assert f'aria-describedby="id_date_of_birth_hint {ids[0]} {ids[1]}"' in fieldset
    inputs = {
        part: re.search(rf'<input [^>]*id="id_date_of_birth_{part}"[^>]*>', fieldset).group(0)
        for part in "012"
    }
    assert "govuk-input--error" not in inputs["0"] and 'value="3"' in inputs["0"]
    assert all("govuk-input--error" in inputs[part] for part in "12")
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # no id twice


def test_a_5000_character_search_is_refused_beside_the_box_keeping_what_was_typed(
    client_for, amara
):
    typed = "Tobias " * 715
    response = client_for(amara).post("/children/", {"q": typed, "postcode": "SE13 6LH"})
    page = response.content.decode()
    assert response.status_code == 200
    message = re.search(r'<p id="id_q-error1"[^>]*>.*?</span> ([^<]*)</p>', page).group(1)
    assert message.startswith("Ensure this value has at most 120 characters")
    box = re.search(r'<input [^>]*id="id_q"[^>]*>', page).group(0)
    assert f'value="{typed}"' in box and 'aria-invalid="true"' in box
    assert 'aria-describedby="id_q_hint id_q-error1"' in box
    assert 'value="SE13 6LH"' in page
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_people_without_child_roles_cannot_search(client_for, sam, alex):
    for who in (sam, alex):
        client = client_for(who)
        assert client.post("/children/", {"q": "x"}).status_code == 403
        assert client.get("/children/").status_code == 403


# Every signed-in page's own cost is 2 of these: the session with the person and their agency
# (one query), and the unread message count in the header; a page that only reads runs without
# a request-wide transaction. The first showing of a search adds the three probes of the index,
# the card query, its audit event, the search volume check, and writing down in the session
# that it was audited (an UPDATE in its own savepoint, here, 3).
SEARCH_RESULTS_QUERIES = 10
SEARCH_RELOAD_QUERIES = 6  # shown again: nothing written
SEARCH_PAGE_QUERIES = 4  # no search yet: the children the person works with, and their audit


@pytest.mark.parametrize("who", ["amara", "priya", "morgan"])
def test_search_queries_are_bounded(client_for, personas, who, django_assert_max_num_queries):
    amara = personas["amara"]
    for n in range(60):
        family = Family.objects.create() if n % 10 == 0 else None
        child = make_child(forenames="Jonathan", surname="Fairweather", upn="", family=family)
        if family is not None:  # a shielded sister at the same address
            make_child(forenames="Jonquil", surname="Fairweather", family=family, shielded=True)
        if n % 3 == 0:
            involve(amara, child)
    client = client_for(personas[who])
    client.get("/")
    with django_assert_max_num_queries(SEARCH_PAGE_QUERIES):
        landing = client.get("/children/")
    assert landing.status_code == 200
    posted = client.post("/children/", {"q": "Jonathan Fairweather", "postcode": "SE13 6LH"})
    with django_assert_max_num_queries(SEARCH_RESULTS_QUERIES):
        response = client.get(posted["Location"])
    assert response.status_code == 200
    assert response.content.decode().count("Fairweather</a>") >= 50
    with django_assert_max_num_queries(SEARCH_RELOAD_QUERIES):
        again = client.get(posted["Location"])
    assert again.content.decode().count("Fairweather</a>") >= 50


def test_each_result_shows_its_own_child(client_for, amara):
    """Name, other names, reference, date of birth, gender, school and a status that is not
    "active": each line its own child's."""
    moved = make_child(
        forenames="Peregrine",
        surname="Ashdown",
        other_names="Perry Ashdown-Vale",
        date_of_birth=dt.date(2014, 2, 9),
        gender="male",
        school="Hilly Fields Academy",
        status="moved_out",
    )
    plain = make_child(forenames="Prudence", surname="Ashdown", date_of_birth=dt.date(2018, 7, 1))
    client = client_for(amara)
    posted = client.post("/children/", {"q": "Ashdown"})
    page = client.get(posted["Location"]).content.decode()

    def line(child):
        return page.split(f'href="/children/{child.pk}/"')[1].split("</tr>")[0]

    first = line(moved)
    assert (
        first.startswith(">Peregrine Ashdown</a>") and "Also known as Perry Ashdown-Vale" in first
    )
    assert moved.lisa_ref in first and "Moved out of area" in first
    assert "9 Feb 2014" in first and "Male" in first and "Hilly Fields Academy" in first
    second = line(plain)
    assert second.startswith(">Prudence Ashdown</a>") and "Also known as" not in second
    assert "1 Jul 2018" in second and "Female" in second and "Cedar Rise Primary" in second
    assert "Moved out of area" not in second


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
    assert shown(search(client, q=merged.lisa_ref)) == [kept.pk]


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


def test_each_child_you_work_with_is_a_line_of_its_own(client_for, amara):
    """Name linked to the record, reference, date of birth, role, lead and since: each line
    carries its own child's values, in name order."""
    first = make_child(forenames="Zebedee", surname="Aardvark", date_of_birth=dt.date(2019, 3, 4))
    second = make_child(forenames="Yolanda", surname="Brackley", date_of_birth=dt.date(2015, 11, 2))
    involve(amara, first, role="School nurse", lead_professional=True)
    involve(amara, second, role="Health visitor")
    page = client_for(amara).get("/children/").content.decode()
    listed = page.split('data-testid="my-children"')[1].split("</table>")[0]
    lines = listed.split('<tr class="govuk-table__row">')[2:]
    assert len(lines) == 2
    assert f'href="/children/{first.pk}/record/">Zebedee Aardvark</a>' in lines[0]
    assert first.lisa_ref in lines[0] and "4 Mar 2019" in lines[0]
    assert 'School nurse <strong class="govuk-tag govuk-tag--blue">Lead professional' in lines[0]
    assert f'href="/children/{second.pk}/record/">Yolanda Brackley</a>' in lines[1]
    assert second.lisa_ref in lines[1] and "2 Nov 2015" in lines[1]
    assert "Health visitor</td>" in lines[1]
    today = timezone.localdate()
    assert lines[1].count(f"{today.day} {today:%b %Y}") == 1  # since today


def test_the_children_you_work_with_leave_out_archived_and_merged_records(client_for, amara):
    """An archived record is out of the search (the central team's alone) and a merged one
    lives on in the record it was merged into: neither is listed, even were an involvement
    left open on it."""
    from django.utils import timezone

    from children.models import Child

    kept, archived, merged = (
        make_child(forenames=name, surname="Applethwaite")
        for name in ("Winifred", "Archibald", "Mergatroyd")
    )
    for child in (kept, archived, merged):
        involve(amara, child)
    Child.objects.filter(pk=archived.pk).update(
        archived_at=timezone.now(), archive_rule="aged 18 and over"
    )
    Child.objects.filter(pk=merged.pk).update(merged_into=kept, merged_at=timezone.now())
    page = client_for(amara).get("/children/").content.decode()
    listed = page.split('data-testid="my-children"')[1].split("</table>")[0]
    assert "Winifred" in listed
    assert "Archibald" not in listed and "Mergatroyd" not in listed
    event = AuditEvent.objects.filter(action=Action.VIEW, user=amara).latest("id")
    assert event.detail["shown"] == [kept.lisa_ref]


# --- the terms stay on the server -----------------------------------------------------------


def test_the_search_form_posts_and_carries_no_token_in_an_address(client_for, amara):
    page = client_for(amara).get("/children/").content.decode()
    form = re.search(r'<form method="(\w+)" action="/children/"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None and form.group(1) == "post"
    assert 'name="csrfmiddlewaretoken"' in form.group(2)


def test_a_search_redirects_to_an_opaque_address_that_shows_the_results(client_for, amara):
    child = make_child(
        forenames="Jonathan",
        surname="Fairweather",
        date_of_birth=dt.date(2015, 3, 2),
        postcode="SE4 1AA",
        nhs_number="9434765919",
    )
    client = client_for(amara)
    for terms in (
        {"q": "Jonathan Fairweather"},
        {"q": "Fairweather 2/3/2015"},
        {"q": "se4 1aa"},
        {"q": "943 476 5919"},
        {"q": "Fairweather", "postcode": "SE4 1AA"},
    ):
        response = search(client, **terms)
        # Nothing but the id, which is random: the same search again gets another one.
        assert RESULTS.match(response.redirected_to), response.redirected_to
        key = response.redirected_to.split("=", 1)[1]
        assert key in client.session[SESSION_KEY]
        assert search(client, **terms).redirected_to != response.redirected_to
        assert shown(response) == [child.pk]


def test_the_results_page_holds_the_terms_to_refine_them(client_for, amara):
    make_child(forenames="Jonathan", surname="Fairweather", date_of_birth=dt.date(2015, 3, 2))
    client = client_for(amara)
    response = search(
        client,
        q="Fairweather",
        date_of_birth_0="2",
        date_of_birth_1="3",
        date_of_birth_2="2015",
        postcode="se13 6lh",
    )
    page = response.content.decode()
    assert 'value="Fairweather"' in page
    assert 'value="2015"' in page
    assert 'value="SE13 6LH"' in page
    # Refining is a new search, with an address of its own.
    refined = search(client, q="Fairweather", postcode="se13 6lh")
    assert refined.redirected_to != response.redirected_to
    assert AuditEvent.objects.filter(action=Action.SEARCH, user=amara).count() == 2


def test_a_reload_is_not_audited_again(client_for, amara):
    make_child(forenames="Jonathan", surname="Fairweather")
    client = client_for(amara)
    response = search(client, q="Jonathan Fairweather")
    for _ in range(2):
        again = client.get(response.redirected_to)
        assert again.status_code == 200 and len(again.context["matches"]) == 1
    assert AuditEvent.objects.filter(action=Action.SEARCH, user=amara).count() == 1


def test_another_persons_search_or_an_unknown_one_is_not_found(client, client_for, amara, daniel):
    make_child(forenames="Jonathan", surname="Fairweather")
    address = search(client_for(amara), q="Jonathan Fairweather").redirected_to
    other = client_for(daniel)
    assert other.get(address).status_code == 404
    assert other.get("/children/?s=not-a-search").status_code == 404
    assert not AuditEvent.objects.filter(action=Action.SEARCH, user=daniel).exists()


def test_terms_in_the_address_search_nothing(client_for, amara):
    make_child(forenames="Jonathan", surname="Fairweather")
    response = client_for(amara).get("/children/", {"q": "Jonathan Fairweather"})
    assert response.status_code == 200
    assert response.context["matches"] is None
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


# --- a shielded household's address ---------------------------------------------------------

HIDDEN_POSTCODE = "SE4 1AA"


@pytest.fixture
def household(db):
    """A shielded child and an unshielded brother at one address, a neighbour at the same
    postcode, and a family elsewhere in the district."""
    family = Family.objects.create()
    shielded = make_child(
        forenames="Perpetua",
        surname="Windlesham",
        date_of_birth=dt.date(2017, 6, 9),
        shielded=True,
        address_line_1="7 Hidden Mews",
        postcode=HIDDEN_POSTCODE,
        family=family,
    )
    brother = make_child(
        forenames="Barnaby",
        surname="Windlesham",
        date_of_birth=dt.date(2015, 1, 20),
        address_line_1="7 Hidden Mews",
        postcode=HIDDEN_POSTCODE,
        family=family,
    )
    neighbour = make_child(forenames="Cressida", surname="Oakhanger", postcode=HIDDEN_POSTCODE)
    return {"shielded": shielded, "brother": brother, "neighbour": neighbour, "family": family}


def test_address_hidden_ids_follows_the_household_in_one_query(
    household, amara, daniel, helen, morgan, django_assert_num_queries
):
    shielded, brother, neighbour = (household[k] for k in ("shielded", "brother", "neighbour"))
    involve(amara, shielded)
    involve(helen, brother, role="Class teacher")
    ids = [shielded.pk, brother.pk, neighbour.pk]
    with django_assert_num_queries(1):
        assert rules.address_hidden_ids(daniel, ids) == {shielded.pk, brother.pk}
    # Involved with the shielded child: the household's address. Involved with the brother
    # only: not the address he shares with the shielded child.
    assert rules.address_hidden_ids(amara, ids) == set()
    assert rules.address_hidden_ids(helen, ids) == {shielded.pk, brother.pk}
    with django_assert_num_queries(0):
        assert rules.address_hidden_ids(morgan, ids) == set()
    assert rules.address_hidden_ids(None, ids) == {shielded.pk, brother.pk}
    # The same answers as the rule for one child.
    for user in (amara, daniel, helen, morgan):
        for child in (shielded, brother, neighbour):
            hidden = child.pk in rules.address_hidden_ids(user, [child.pk])
            assert hidden == (not rules.can_see_address(user, child)), (user, child)


def test_an_ended_involvement_no_longer_shows_the_address(household, amara):
    from django.utils import timezone

    involvement = involve(amara, household["shielded"])
    assert rules.address_hidden_ids(amara, [household["brother"].pk]) == set()
    involvement.ended_at = timezone.now()
    involvement.save()
    assert rules.address_hidden_ids(amara, [household["brother"].pk]) == {household["brother"].pk}


def test_a_postcode_search_leaves_out_a_shielded_household(client_for, household, daniel):
    response = search(client_for(daniel), q=HIDDEN_POSTCODE)
    assert shown(response) == [household["neighbour"].pk]
    page = response.content.decode()
    assert "Windlesham" not in page
    event = AuditEvent.objects.get(action=Action.SEARCH, user=daniel)
    assert event.detail["shown"] == [household["neighbour"].lisa_ref]


@pytest.mark.parametrize("who", ["morgan", "amara"])
def test_the_central_team_and_those_involved_find_the_household_by_postcode(
    client_for, household, personas, who
):
    involve(personas["amara"], household["shielded"])
    response = search(client_for(personas[who]), q=HIDDEN_POSTCODE)
    assert set(shown(response)) == {household[k].pk for k in ("shielded", "brother", "neighbour")}
    assert reasons_of(response, household["shielded"]) == ["same postcode"]


def test_involvement_with_a_brother_alone_does_not_find_the_household_by_postcode(
    client_for, household, helen
):
    involve(helen, household["brother"], role="Class teacher")
    assert shown(search(client_for(helen), q=HIDDEN_POSTCODE)) == [household["neighbour"].pk]


def test_the_district_fallback_does_not_tell_a_shielded_household_is_there(
    client_for, household, daniel, morgan
):
    household["neighbour"].postcode = "SE4 2ZZ"
    household["neighbour"].save()
    # Nobody daniel may find lives at the postcode: the search widens to the district, as it
    # would at an empty postcode.
    response = search(client_for(daniel), q=HIDDEN_POSTCODE)
    assert shown(response) == [household["neighbour"].pk]
    assert reasons_of(response, household["neighbour"]) == ["same postcode district (SE4)"]
    response = search(client_for(morgan), q=HIDDEN_POSTCODE)
    assert set(shown(response)) == {household["shielded"].pk, household["brother"].pk}


def test_name_and_postcode_give_no_postcode_reason_or_score_for_a_hidden_child(
    client_for, household, daniel, amara
):
    shielded = household["shielded"]
    client = client_for(daniel)
    with_postcode = search(client, q=f"Perpetua Windlesham {HIDDEN_POSTCODE}")
    without = search(client, q="Perpetua Windlesham")
    assert shielded.pk in shown(with_postcode)
    reasons = reasons_of(with_postcode, shielded)
    assert not any("postcode" in reason for reason in reasons)
    score = next(m.score for m in with_postcode.context["matches"] if m.child.pk == shielded.pk)
    assert score == next(m.score for m in without.context["matches"] if m.child.pk == shielded.pk)
    assert "postcode" not in with_postcode.content.decode().split("search-results")[1].lower()
    # The same search by someone involved with her says why.
    involve(amara, shielded)
    response = search(client_for(amara), q=f"Perpetua Windlesham {HIDDEN_POSTCODE}")
    assert "same postcode" in reasons_of(response, shielded)


def test_a_district_narrowing_a_name_search_leaves_out_a_hidden_child_wherever_it_lives(
    client_for, household, daniel, amara
):
    shielded, brother = household["shielded"], household["brother"]
    near = make_child(forenames="Ignatius", surname="Windlesham", postcode="SE4 2ZZ")
    # One word and a postcode: the children of that district whose address daniel may see;
    # the shielded household neither inside nor outside it, so the answer tells nothing.
    inside = search(client_for(daniel), q="Windlesham SE4 1AB")
    outside = search(client_for(daniel), q="Windlesham SE9 1AA")
    assert shown(inside) == [near.pk]
    assert shown(outside) == []
    # By name alone daniel finds them all: it is the address that must not find them.
    assert set(shown(search(client_for(daniel), q="Windlesham"))) == {
        shielded.pk,
        brother.pk,
        near.pk,
    }
    # Someone who may see the address gets the district as it is.
    involve(amara, shielded)
    assert set(shown(search(client_for(amara), q="Windlesham SE4 1AB"))) == {
        shielded.pk,
        brother.pk,
        near.pk,
    }
    assert shown(search(client_for(amara), q="Windlesham SE9 1AA")) == []


def test_a_date_of_birth_and_postcode_search_leaves_out_a_hidden_child(
    client_for, household, daniel, morgan
):
    shielded = household["shielded"]
    terms = {"date_of_birth_0": "9", "date_of_birth_1": "6", "date_of_birth_2": "2017"}
    for postcode in ("SE4 1AB", "SE9 1AA"):
        assert shown(search(client_for(daniel), postcode=postcode, **terms)) == []
    assert shown(search(client_for(daniel), **terms)) == [shielded.pk]
    response = search(client_for(morgan), postcode="SE4 1AB", **terms)
    assert shown(response) == [shielded.pk]
    assert reasons_of(response, shielded) == ["same date of birth", "same postcode district (SE4)"]
    assert shown(search(client_for(morgan), postcode="SE9 1AA", **terms)) == []


def test_without_a_person_no_shielded_address_counts(household):
    assert [m.child.pk for m in search_children(HIDDEN_POSTCODE)] == [household["neighbour"].pk]


# --- the duplicate check --------------------------------------------------------------------


def new_child(**overrides) -> dict:
    data = {
        "forenames": "Perpetua",
        "surname": "Windlesham",
        "other_names": "",
        "date_of_birth_0": "9",
        "date_of_birth_1": "6",
        "date_of_birth_2": "2017",
        "gender": "female",
        "address_line_1": "7 Hidden Mews",
        "address_line_2": "",
        "town": "London",
        "postcode": HIDDEN_POSTCODE,
        "nhs_number": "",
        "upn": "",
        "school": "",
        "first_language": "",
    }
    data.update(overrides)
    return data


def test_the_duplicate_check_says_only_ask_the_lisa_team_for_a_hidden_child(
    client_for, household, daniel
):
    shielded = household["shielded"]
    response = client_for(daniel).post("/children/new/", new_child(forenames="Perpetual"))
    assert response.status_code == 200
    likely = {m.child.pk: m for m in response.context["likely"]}
    assert likely[shielded.pk].reasons == [ASK_THE_LISA_TEAM]
    page = response.content.decode()
    assert "Possible match — ask the LISA team" in page
    table = page.split("Possible matches")[1].split("</table>")[0]
    assert "postcode" not in table.lower() and HIDDEN_POSTCODE not in table


def test_the_duplicate_check_explains_itself_to_those_who_may_see_the_address(
    client_for, household, amara
):
    involve(amara, household["shielded"])
    response = client_for(amara).post("/children/new/", new_child(forenames="Perpetual"))
    reasons = {m.child.pk: m.reasons for m in response.context["likely"]}
    assert "same postcode" in reasons[household["shielded"].pk]
    assert "Possible match — ask the LISA team" not in response.content.decode()


def test_whether_a_hidden_child_is_a_possible_match_does_not_depend_on_the_address(household):
    shielded = household["shielded"]
    twin_at_same_place = {"forenames": "Octavia", "surname": "Brightwell"}
    at_home = likely_duplicates(
        **twin_at_same_place, date_of_birth=shielded.date_of_birth, postcode=HIDDEN_POSTCODE
    )[1]
    elsewhere = likely_duplicates(
        **twin_at_same_place, date_of_birth=shielded.date_of_birth, postcode="N1 9GU"
    )[1]
    for likely in (at_home, elsewhere):
        assert [(m.child.pk, m.reasons, m.score) for m in likely] == [
            (shielded.pk, [ASK_THE_LISA_TEAM], 50.0)
        ]


def test_a_visible_child_born_the_same_day_at_the_same_place_is_still_shown(
    client_for, household, daniel
):
    neighbour = household["neighbour"]
    response = client_for(daniel).post(
        "/children/new/",
        new_child(
            forenames="Octavia",
            surname="Brightwell",
            date_of_birth_0=str(neighbour.date_of_birth.day),
            date_of_birth_1=str(neighbour.date_of_birth.month),
            date_of_birth_2=str(neighbour.date_of_birth.year),
        ),
    )
    reasons = {m.child.pk: m.reasons for m in response.context["likely"]}
    assert reasons[neighbour.pk] == ["same date of birth", "same postcode"]
    assert household["shielded"].pk not in reasons
