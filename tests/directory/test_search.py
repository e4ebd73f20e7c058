"""Finding services: full-text search with ranking, every filter, paging, no-results help."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.models import Action, AuditEvent
from directory import search
from directory.models import Category, Service
from directory.search import Criteria
from lisa import compiled

from .conftest import make_service

SEARCH = reverse("directory:search")
PUBLIC = reverse("directory:public-search")


def names(response) -> list[str]:
    return [service.name for service in response.context["page"].object_list]


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_users_are_sent_to_sign_in_for_the_practitioner_search(self, client):
        response = client.get(SEARCH)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")

    def test_the_public_search_needs_no_sign_in(self, client, services):
        response = client.get(PUBLIC)
        assert response.status_code == 200
        assert "Find a local service" in response.content.decode()

    def test_public_search_shows_only_active_published_entries(self, client, services):
        shown = names(client.get(PUBLIC))
        assert "Bumps and Babies Parenting Group" in shown
        assert "Secret Draft Parenting Course" not in shown
        assert "Closed Speech Clinic" not in shown

    def test_temporarily_closed_entries_are_for_practitioners_not_the_public(
        self, client, client_for, amara, services
    ):
        Service.objects.filter(pk=services["speech"].pk).update(status="temporarily closed")
        assert "Chatterbox Speech and Language Drop-in" not in names(client.get(PUBLIC))
        page = client_for(amara).get(SEARCH)
        assert "Chatterbox Speech and Language Drop-in" in names(page)
        assert "Temporarily closed" in page.content.decode()

    @pytest.mark.parametrize("persona", ["amara", "sam", "alex", "morgan"])
    def test_every_signed_in_role_may_search(self, client_for, personas, services, persona):
        response = client_for(personas[persona]).get(SEARCH)
        assert response.status_code == 200
        assert "Secret Draft Parenting Course" not in names(response)


@pytest.mark.django_db
class TestFreeText:
    def test_finds_by_words_in_the_description_with_stemming(self, client, services):
        # "talks" in the description; "talking" in the query.
        assert names(client.get(PUBLIC, {"q": "talking"})) == [
            "Chatterbox Speech and Language Drop-in"
        ]

    def test_finds_by_category_name(self, client, services):
        assert names(client.get(PUBLIC, {"q": "youth clubs"})) == ["Forest Hill Youth Club"]

    def test_a_match_in_the_name_ranks_above_one_in_the_description(
        self, client, services, organisations
    ):
        make_service(
            organisations["nhs"],
            "Health Visiting Clinic",
            description="Weigh your baby; we can also point you to a parenting group.",
        )
        make_service(
            organisations["dfs"],
            "Parenting Group for Dads",
            description="Dads and their children meet on Saturdays.",
        )
        found = names(client.get(PUBLIC, {"q": "parenting group"}))
        assert found.index("Parenting Group for Dads") < found.index("Health Visiting Clinic")
        assert "Forest Hill Youth Club" not in found

    def test_no_results_page_offers_suggestions(self, client, services, categories):
        response = client.get(PUBLIC, {"q": "Speach", "free": "on"})
        body = response.content.decode()
        assert names(response) == []
        assert "No services match" in body
        assert "check the spelling" in body
        # A near category (every category's name is on the page anyway, in the filter and the
        # browse list, so look for the suggestion itself), and a way to drop the filter.
        speech = categories["speech"]
        assert [c.name for c in response.context["suggestions"]["categories"]][0] == speech.name
        assert (
            "look at services in the category "
            f'<a class="govuk-link" href="{PUBLIC}?category={speech.pk}">Speech and language</a>'
        ) in body
        assert response.context["suggestions"]["remove"] == [("Free only", "?q=Speach")]
        assert '<a class="govuk-link" href="?q=Speach">remove the filter ‘Free only’</a>' in body

    def test_practitioner_searches_are_audited_with_their_terms(self, client_for, amara, services):
        client_for(amara).get(SEARCH, {"q": "food", "free": "on"})
        event = AuditEvent.objects.filter(action=Action.SEARCH, username="amara.okafor").get()
        assert event.detail == {"q": "food", "filters": ["free"]}


@pytest.mark.django_db
class TestFilters:
    def test_category(self, client, services, categories):
        found = names(client.get(PUBLIC, {"category": categories["send"].pk}))
        assert found == ["Chatterbox Speech and Language Drop-in"]

    @pytest.mark.parametrize(
        ("age", "expected"),
        [
            (3, ["Bumps and Babies Parenting Group", "Chatterbox Speech and Language Drop-in"]),
            (5, ["Chatterbox Speech and Language Drop-in"]),
            (15, ["Forest Hill Youth Club"]),
        ],
    )
    def test_age(self, client, services, age, expected):
        assert names(client.get(PUBLIC, {"age": age})) == expected

    def test_postcode_finds_services_serving_its_ward_or_district_or_the_whole_borough(
        self, client, services
    ):
        # SE8 4 is in Deptford ward.
        found = names(client.get(PUBLIC, {"postcode": "se8 4rj"}))
        assert found == [
            "Bumps and Babies Parenting Group",
            "Chatterbox Speech and Language Drop-in",
        ]
        # SE23 3 is Forest Hill: the youth club serves SE23 as a district.
        found = names(client.get(PUBLIC, {"postcode": "SE23 3HZ"}))
        assert found == ["Chatterbox Speech and Language Drop-in", "Forest Hill Youth Club"]

    def test_a_postcode_outside_the_borough_finds_only_services_naming_its_district(
        self, client, services
    ):
        assert names(client.get(PUBLIC, {"postcode": "M1 1AE"})) == []

    def test_a_bad_postcode_is_refused_with_a_clear_message(self, client, services):
        response = client.get(PUBLIC, {"postcode": "SE99 ZZZ9"})
        body = response.content.decode()
        assert response.context["page"] is None
        assert "Enter a real postcode, like SE6 4RU" in body
        assert 'value="SE99 ZZZ9"' in body  # what was typed is kept

    def test_free_only(self, client, services):
        assert "Forest Hill Youth Club" not in names(client.get(PUBLIC, {"free": "on"}))
        assert "Forest Hill Youth Club" in names(client.get(PUBLIC))

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (0, ["Bumps and Babies Parenting Group"]),
            (1, ["Chatterbox Speech and Language Drop-in"]),
            (4, ["Forest Hill Youth Club"]),
            (6, []),
        ],
    )
    def test_open_on_a_day(self, client, services, day, expected):
        assert names(client.get(PUBLIC, {"day": day})) == expected

    def test_language(self, client, services):
        response = client.get(PUBLIC, {"language": "Polish"})
        assert names(response) == ["Chatterbox Speech and Language Drop-in"]
        # The filter offers only languages spoken at published services.
        offered = [value for value, _ in response.context["form"].fields["language"].choices]
        assert offered == ["", "English", "Polish", "Yoruba"]

    def test_filters_combine_with_text(self, client, services):
        assert names(client.get(PUBLIC, {"q": "parents", "age": 2, "day": 2})) == [
            "Bumps and Babies Parenting Group"
        ]
        assert names(client.get(PUBLIC, {"q": "parents", "age": 12})) == []


@pytest.mark.django_db
def test_results_are_paged_and_pages_keep_the_filters(client, organisations, categories):
    for number in range(45):
        make_service(
            organisations["dfs"], f"Food bank {number:02}", categories=[categories["food"]]
        )
    first = client.get(PUBLIC, {"q": "food", "free": "on"})
    assert first.context["page"].paginator.count == 45
    assert len(names(first)) == 20
    assert "q=food&amp;free=on&amp;page=2" in first.content.decode()
    third = client.get(PUBLIC, {"q": "food", "free": "on", "page": 3})
    assert len(names(third)) == 5


@pytest.mark.django_db
def test_search_queries_are_bounded(
    client_for, amara, organisations, categories, django_assert_max_num_queries
):
    for number in range(30):
        make_service(
            organisations["dfs"],
            f"Youth club {number}",
            categories=[categories["youth"], categories["send"]],
            languages=["English"],
        )
    client = client_for(amara)
    # The language filter's choices are kept in the shared cache; storing them costs a few
    # queries once, which is not what is measured here.
    client.get(SEARCH)
    client.get(PUBLIC)
    with django_assert_max_num_queries(11):
        response = client.get(SEARCH, {"q": "youth", "age": 12, "language": "English"})
    assert len(names(response)) == 20
    with django_assert_max_num_queries(11):
        assert client.get(PUBLIC).status_code == 200


@pytest.mark.django_db
def test_the_language_filter_follows_saved_changes(
    client, services, morgan, django_capture_on_commit_callbacks
):
    from directory import actions

    assert "Somali" not in dict(client.get(PUBLIC).context["form"].fields["language"].choices)
    service = services["speech"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_service(
            request=None,
            by=morgan,
            service=service,
            fields={"languages": ["English", "Somali"]},
            version=service.updated_at.isoformat(),
        )
    response = client.get(PUBLIC, {"language": "Somali"})
    assert "Somali" in dict(response.context["form"].fields["language"].choices)
    assert names(response) == ["Chatterbox Speech and Language Drop-in"]


@pytest.mark.django_db
def test_public_pages_say_nothing_about_editors_or_users(client, client_for, services, sam):
    parenting = services["parenting"]
    history = reverse("directory:service-history", args=[parenting.pk])
    public_urls = (PUBLIC, reverse("directory:public-service", args=[parenting.pk]))
    for url in public_urls:
        html = client.get(url).content.decode()
        assert "Bumps and Babies Parenting Group" in html
        assert "Sam" not in html and "sam.taylor" not in html
    # Sam keeps this entry: its signed-in page offers him the editing controls...
    editor = client_for(sam)
    own = editor.get(reverse("directory:service", args=[parenting.pk])).content.decode()
    assert "Change this entry" in own and history in own
    # ...but its public pages do not, even to him.
    for url in public_urls:
        html = editor.get(url).content.decode()
        assert "Bumps and Babies Parenting Group" in html
        assert "Change this entry" not in html
        assert history not in html


@pytest.mark.django_db
def test_a_page_past_the_end_shows_the_last_page(client, organisations):
    for number in range(25):
        make_service(organisations["dfs"], f"Food bank {number:02}")
    for params in ({"q": "food", "page": 9}, {"page": 9}):
        page = client.get(PUBLIC, params).context["page"]
        assert page.number == 2
        assert len(page.object_list) == 5
    assert client.get(PUBLIC, {"page": "nonsense"}).context["page"].number == 1


@pytest.mark.django_db
def test_when_no_service_has_every_word_those_with_some_are_offered_and_it_is_said(
    client, services
):
    response = client.get(PUBLIC, {"q": "toddlers swimming"})
    assert names(response) == ["Bumps and Babies Parenting Group"]
    html = response.content.decode()
    assert "No service matched every word of ‘toddlers swimming’" in html
    assert "1 service found for some of ‘toddlers swimming’" in html
    # Every word matching: no fallback, no message.
    response = client.get(PUBLIC, {"q": "toddlers babies"})
    assert names(response) == ["Bumps and Babies Parenting Group"]
    assert "No service matched every word" not in response.content.decode()


@pytest.mark.django_db
class TestResultsAndFilters:
    def test_each_result_shows_its_categories_in_name_order(
        self, client, categories, organisations
    ):
        make_service(
            organisations["dfs"],
            "Family Hub Drop-in",
            categories=[categories["youth"], categories["food"], categories["parenting"]],
        )
        make_service(organisations["nhs"], "Uncategorised Clinic")
        page = client.get(PUBLIC).content.decode()
        hub = page[page.index("Family Hub Drop-in") :].split("</li>")[0]
        tags = re.findall(r'govuk-tag--blue">([^<]*)<', hub)
        assert tags == ["Food banks", "Parenting support", "Youth clubs"]
        clinic = page[page.index("Uncategorised Clinic") :].split("</li>")[0]
        assert "govuk-tag--blue" not in clinic

    def test_each_result_shows_its_own_entry(self, client, client_for, amara, organisations):
        """Its page (the public's or the practitioners'), organisation, the first 35 words of
        its description, ages, charges, and whether it is closed or out of date: each line
        its own entry's."""
        long = make_service(
            organisations["dfs"],
            "Wordy Youth Project",
            description=" ".join(f"word{n}" for n in range(50)),
            minimum_age=11,
            maximum_age=19,
            is_free=False,
            charges="£1 a session",
            status="temporarily closed",
            last_reviewed_on=dt.date.today() - dt.timedelta(days=200),
        )
        brief = make_service(organisations["nhs"], "Brief Baby Clinic", maximum_age=4)

        def line(page, name):
            return page[page.index(name) :].split("</li>")[0]

        mine = client_for(amara).get(SEARCH).content.decode()
        wordy, baby = line(mine, "Wordy Youth Project"), line(mine, "Brief Baby Clinic")
        assert f'href="/directory/services/{long.pk}/"' in mine.split("Wordy Youth Project")[0]
        assert "Deptford Family Support Network" in wordy
        assert "word34 …</p>" in wordy and "word35" not in wordy
        assert "Ages: 11 to 19" in wordy and "Charges apply" in wordy
        assert 'govuk-tag--orange">Temporarily closed' in wordy
        assert "Not reviewed for over 6 months" in wordy
        assert escape(brief.organisation.name) in baby
        assert "Ages: Up to 4" in baby and "Free" in baby
        assert "govuk-tag--orange" not in baby and "Not reviewed" not in baby
        public = client.get(PUBLIC).content.decode()
        assert "Wordy Youth Project" not in public  # closed for now: practitioners only
        assert f'href="/directory/public/services/{brief.pk}/"' in public

    def test_the_chosen_filter_is_marked_and_every_option_escaped(
        self, client, categories, services
    ):
        odd = Category.objects.create(name='Advice & "support" <drop-in>', description="")
        page = client.get(PUBLIC, {"category": odd.pk, "day": "2"}).content.decode()
        select = re.search(r'<select[^>]*name="category".*?</select>', page, re.S).group(0)
        assert re.findall(r"<option [^>]*selected[^>]*>([^<]*)<", select) == [
            "Advice &amp; &quot;support&quot; &lt;drop-in&gt;"
        ]
        day = re.search(r'<select[^>]*name="day".*?</select>', page, re.S).group(0)
        assert re.findall(r'<option value="([^"]*)" selected>', day) == ["2"]
        # Another search keeps nothing of this one's choice: "any category" is chosen.
        again = client.get(PUBLIC, {"q": "parenting"}).content.decode()
        select = re.search(r'name="category".*?</select>', again, re.S).group(0)
        assert re.findall(r'<option value="([^"]*)" selected>', select) == [""]

    def test_what_an_address_carries_is_not_kept_with_the_options(self, client, services):
        from directory import views

        client.get(PUBLIC)
        kept = views._options.cache_info().currsize
        for junk in ("999999", "<script>", "x" * 300):
            page = client.get(PUBLIC, {"category": junk}).content.decode()
            assert "<script>" not in page
        assert views._options.cache_info().currsize == kept


@pytest.mark.django_db
def test_a_first_page_through_kept_queries_is_the_page_as_built(
    services, categories, organisations
):
    """The searches made most are asked through queries kept once per process: each gives
    the services, their order, the total and the categories the query as built gives, the
    public's and the practitioners' kept side by side (closed entries are the practitioners')."""
    for number in range(25):
        make_service(
            organisations["dfs"],
            f"Parenting course {number:02}",
            categories=[categories["parenting"], categories["food"]][: number % 2 + 1],
            is_free=number % 3 == 0,
            charges="" if number % 3 == 0 else "£2",
        )
    searches = [
        Criteria(),
        Criteria(q="parenting"),
        Criteria(q="parenting", category=categories["food"], free=True),
        Criteria(category=categories["parenting"]),
        Criteria(free=True),
        Criteria(q="nothing matches this"),
    ]
    Service.objects.filter(name__endswith="01").update(status="temporarily closed")
    compiled.forget()
    for public, criteria in itertools.product((False, True, False, True), searches):
        expected = list(search._listed(search.services_for(public), criteria)[: search.PAGE_SIZE])
        search._add_category_names(expected)
        total = search.apply(search.services_for(public), criteria).count()
        for _ in range(compiled.TRIES + 1):  # sent whole, then prepared, then by name
            page = search.results_page(public, criteria, "1")
            assert [(s.pk, s.category_list) for s in page.object_list] == [
                (s.pk, s.category_list) for s in expected
            ], (public, criteria)
            assert page.paginator.count == total, (public, criteria)
    # A category not saved is refused, as the query as built refuses it, not taken for none.
    with pytest.raises(ValueError, match="saved"):
        search.results_page(True, Criteria(category=Category(name="Unsaved")), 1)
    kept = {key[0]: value for key, value in compiled._compiled.items()}
    assert {"directory_ranked", "directory_matching", "directory_in_name_order"} <= set(kept)
    assert None not in kept.values()
    assert compiled._tries == {}
