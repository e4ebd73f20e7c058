"""Keeping entries current: who may change what, the preview, bad input, concurrent edits."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from audit.models import Action, AuditEvent
from directory.models import Category, Organisation, Service

from .conftest import make_service


def edit_url(service):
    return reverse("directory:service-edit", args=[service.pk])


def post_pairs(client, url, pairs):
    """Post form fields as (name, value) pairs, repeated names and all."""
    return client.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")


def confirm(client, url, preview):
    return post_pairs(client, url, [*preview.context["hidden"], ("confirm", "1")])


def form_data(client, service) -> dict:
    """The edit form's current values, as the browser would post them."""
    form = client.get(edit_url(service)).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        data[name] = value
    return data


@pytest.mark.django_db
class TestServicePage:
    def test_shows_every_detail_with_opening_times_map_link_and_review_date(
        self, client_for, amara, services
    ):
        service = services["parenting"]
        body = client_for(amara).get(reverse("directory:service", args=[service.pk]))
        html = body.content.decode()
        assert "Bumps and Babies Parenting Group" in html
        assert "Deptford Family Support Network" in html
        assert "govuk-summary-list" in html
        assert "0 to 4" in html
        assert "Wards: Deptford, Evelyn" in html
        assert "English, Yoruba" in html
        assert "<caption" in html and "Opening times" in html
        assert "09:30 to 11:30, 13:00 to 15:00" in html  # Wednesday's two sessions
        assert "https://www.openstreetmap.org/search?query=SE8+4RJ" in html
        assert "last reviewed on" in html

    def test_the_public_page_needs_no_sign_in_but_shows_only_published_entries(
        self, client, services
    ):
        url = reverse("directory:public-service", args=[services["parenting"].pk])
        response = client.get(url)
        assert response.status_code == 200
        assert "Change this entry" not in response.content.decode()
        for key in ("hidden", "closed"):
            url = reverse("directory:public-service", args=[services[key].pk])
            assert client.get(url).status_code == 404

    def test_unpublished_entries_are_seen_by_their_editors_not_other_practitioners(
        self, client_for, amara, sam, services
    ):
        url = reverse("directory:service", args=[services["hidden"].pk])
        assert client_for(amara).get(url).status_code == 404
        response = client_for(sam).get(url)
        assert response.status_code == 200
        assert "Not published" in response.content.decode()

    def test_an_entry_not_reviewed_for_six_months_is_flagged(self, client_for, amara, services):
        service = services["speech"]
        url = reverse("directory:service", args=[service.pk])
        assert (
            "not been reviewed for over 6 months" not in client_for(amara).get(url).content.decode()
        )
        Service.objects.filter(pk=service.pk).update(
            last_reviewed_on=dt.date.today() - dt.timedelta(days=200)
        )
        html = client_for(amara).get(url).content.decode()
        assert "not been reviewed for over 6 months" in html
        listing = client_for(amara).get(reverse("directory:search")).content.decode()
        assert "Not reviewed for over 6 months" in listing


@pytest.mark.django_db
class TestWhoMayEdit:
    def test_an_editor_sees_only_their_own_entries(self, client_for, sam, services):
        response = client_for(sam).get(reverse("directory:manage"))
        shown = [s.name for s in response.context["page"].object_list]
        assert shown == ["Bumps and Babies Parenting Group", "Secret Draft Parenting Course"]

    def test_an_editor_cannot_open_someone_elses_entry_for_editing(self, client_for, sam, services):
        client = client_for(sam)
        assert client.get(edit_url(services["speech"])).status_code == 404
        confirm = reverse("directory:service-confirm", args=[services["speech"].pk])
        assert client.post(confirm).status_code == 404
        refusal = AuditEvent.objects.filter(action=Action.DENIED, username="sam.taylor").first()
        assert refusal is not None
        assert refusal.object_id == str(services["speech"].pk)

    def test_practitioners_cannot_edit_at_all(self, client_for, amara, services):
        client = client_for(amara)
        assert client.get(edit_url(services["parenting"])).status_code == 403
        assert client.get(reverse("directory:manage")).status_code == 403

    def test_the_central_team_manages_every_entry(self, client_for, morgan, services):
        client = client_for(morgan)
        shown = client.get(reverse("directory:manage")).context["page"].paginator.count
        assert shown == 5
        assert client.get(edit_url(services["speech"])).status_code == 200

    def test_only_the_central_team_adds_entries_organisations_and_categories(
        self, client_for, sam, morgan, services
    ):
        for name in ("service-create", "organisations", "organisation-create", "categories"):
            assert client_for(sam).get(reverse(f"directory:{name}")).status_code == 403
            assert client_for(morgan).get(reverse(f"directory:{name}")).status_code == 200

    def test_editors_cannot_choose_editors_or_organisation(self, client_for, sam, services):
        form = client_for(sam).get(edit_url(services["parenting"])).context["form"]
        assert "editors" not in form.fields
        assert "organisation" not in form.fields


@pytest.mark.django_db
class TestEditingWithPreview:
    def test_an_editor_changes_opening_times_sees_a_preview_then_saves(
        self, client_for, sam, services
    ):
        service = services["parenting"]
        client = client_for(sam)
        data = form_data(client, service)
        data["day_0"] = "9:30 to 12:00"
        data["day_5"] = "10am to 1pm"
        preview = client.post(edit_url(service), data)
        html = preview.content.decode()
        assert preview.status_code == 200
        assert "Check your changes before saving" in html
        assert "09:30 to 12:00" in html and "10:00 to 13:00" in html
        assert "Saturday" in html and "Closed" in html
        # Nothing is saved by the preview.
        assert not service.sessions.filter(weekday=5).exists()
        saved = confirm(client, edit_url(service), preview)
        assert saved.status_code == 302
        assert [str(s) for s in service.sessions.all()] == [
            "Monday 09:30 to 12:00",
            "Wednesday 09:30 to 11:30",
            "Wednesday 13:00 to 15:00",
            "Saturday 10:00 to 13:00",
        ]
        event = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(service.pk)).get()
        assert event.username == "sam.taylor"
        assert event.detail == {"changed": ["opening times"]}
        service.refresh_from_db()
        assert service.last_reviewed_by == sam
        # The practitioners' and the public page show the new times.
        public = client.get(reverse("directory:public-service", args=[service.pk]))
        assert "10:00 to 13:00" in public.content.decode()

    def test_going_back_from_the_preview_keeps_what_was_typed(self, client_for, sam, services):
        service = services["parenting"]
        client = client_for(sam)
        data = form_data(client, service)
        data["name"] = "Bumps, Babies and Toddlers"
        preview = client.post(edit_url(service), data)
        back = post_pairs(client, edit_url(service), [*preview.context["hidden"], ("back", "1")])
        assert 'value="Bumps, Babies and Toddlers"' in back.content.decode()
        service.refresh_from_db()
        assert service.name == "Bumps and Babies Parenting Group"

    def test_field_history_records_who_changed_what(self, client_for, sam, services):
        service = services["parenting"]
        client = client_for(sam)
        data = form_data(client, service)
        data["description"] = "A new description."
        confirm(client, edit_url(service), client.post(edit_url(service), data))
        entry = LogEntry.objects.get_for_object(service).filter(actor=sam).first()
        assert entry is not None
        assert entry.changes_dict["description"][1] == "A new description."
        history = client.get(reverse("directory:service-history", args=[service.pk]))
        html = history.content.decode()
        assert "Changed: description" in html
        assert "description: Bumps and Babies Parenting Group: an invented" not in html
        assert "→ A new description." in html

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("postcode", "SE99 ZZZ9", "Enter a real postcode, like SE6 4RU"),
            (
                "day_0",
                "17:00 to 09:00",
                "Monday: the closing time (09:00) must be after the opening time (17:00)",
            ),
            ("day_2", "9 to 12, 11 to 13", "Wednesday: the sessions overlap"),
            ("day_1", "9 to lunch", "Tuesday: &#x27;lunch&#x27; is not a time"),
            ("day_3", "all day", "Thursday: enter each session as an opening and a closing"),
            ("minimum_age", "-1", "The youngest age must be 0 or more"),
            ("maximum_age", "30", "The oldest age must be 25 or less"),
            (
                "postcode_districts",
                "SE4, Brockley",
                "&#x27;Brockley&#x27; is not a postcode district",
            ),
            ("email", "not-an-email", "Enter an email address like name@example.org"),
        ],
    )
    def test_bad_input_is_refused_beside_the_field_and_nothing_typed_is_lost(
        self, client_for, sam, services, field, value, message
    ):
        service = services["parenting"]
        client = client_for(sam)
        data = form_data(client, service)
        data[field] = value
        data["name"] = "Typed but not saved"
        response = client.post(edit_url(service), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in html
        assert message in html
        assert response.context["form"].errors[field]
        assert 'value="Typed but not saved"' in html
        service.refresh_from_db()
        assert service.name == "Bumps and Babies Parenting Group"

    def test_youngest_older_than_oldest_is_refused(self, client_for, sam, services):
        client = client_for(sam)
        data = form_data(client, services["parenting"])
        data.update(minimum_age="10", maximum_age="4")
        response = client.post(edit_url(services["parenting"]), data)
        assert "The oldest age must be the same as or more than the youngest" in (
            response.content.decode()
        )

    def test_a_charge_must_be_described(self, client_for, sam, services):
        client = client_for(sam)
        data = form_data(client, services["parenting"])
        data.update(is_free="no", charges="")
        response = client.post(edit_url(services["parenting"]), data)
        assert response.context["form"].errors["charges"] == [
            "Say what the service costs, or choose that it is free"
        ]

    def test_a_concurrent_edit_is_refused_not_overwritten(self, client_for, sam, morgan, services):
        service = services["parenting"]
        client = client_for(sam)
        stale = form_data(client, service)
        # Someone else saves first.
        from directory import actions

        actions.save_service(
            request=None,
            by=morgan,
            service=service,
            fields={"name": "Renamed by the central team"},
            version=service.updated_at.isoformat(),
        )
        stale["name"] = "Renamed by sam"
        response = confirm(client, edit_url(service), client.post(edit_url(service), stale))
        assert response.status_code == 200
        assert "Someone else changed this entry" in response.content.decode()
        service.refresh_from_db()
        assert service.name == "Renamed by the central team"
        # Saving again, knowingly, works.
        again = [(k, v) for k, values in response.context["form"].data.lists() for v in values]
        response = post_pairs(client, edit_url(service), [*again, ("confirm", "1")])
        assert response.status_code == 302
        service.refresh_from_db()
        assert service.name == "Renamed by sam"


@pytest.mark.django_db
class TestConfirmStillCorrect:
    def test_updates_only_the_review_date(self, client_for, sam, services):
        service = services["parenting"]
        Service.objects.filter(pk=service.pk).update(last_reviewed_on=dt.date(2025, 1, 1))
        service.refresh_from_db()
        before = service.updated_at
        response = client_for(sam).post(reverse("directory:service-confirm", args=[service.pk]))
        assert response.status_code == 302
        service.refresh_from_db()
        assert service.last_reviewed_on == dt.date.today()
        assert service.last_reviewed_by == sam
        assert service.updated_at == before
        assert service.name == "Bumps and Babies Parenting Group"
        event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(service.pk))
        assert event.detail == {"confirmed_current": dt.date.today().isoformat()}

    def test_from_the_list_of_entries(self, client_for, sam, services):
        service = services["parenting"]
        Service.objects.filter(pk=service.pk).update(last_reviewed_on=dt.date(2025, 1, 1))
        client = client_for(sam)
        listing = client.get(reverse("directory:manage")).content.decode()
        assert 'Confirm still correct<span class="govuk-visually-hidden">: Bumps' in listing
        url = reverse("directory:service-confirm", args=[service.pk])
        response = client.post(url, {"from": "manage"})
        assert response["Location"] == reverse("directory:manage")
        service.refresh_from_db()
        assert service.last_reviewed_on == dt.date.today()

    def test_needs_a_post(self, client_for, sam, services):
        url = reverse("directory:service-confirm", args=[services["parenting"].pk])
        assert client_for(sam).get(url).status_code == 405


@pytest.mark.django_db
class TestCentralTeam:
    def test_adds_a_service_with_editors(self, client_for, morgan, sam, organisations, categories):
        client = client_for(morgan)
        data = {
            "organisation": organisations["dfs"].pk,
            "name": "Homework Club",
            "description": "Help with homework after school.",
            "categories": [categories["youth"].pk],
            "minimum_age": "7",
            "maximum_age": "11",
            "is_free": "yes",
            "serves_whole_borough": "on",
            "status": "active",
            "is_published": "on",
            "editors": [sam.pk],
            "day_3": "15:30 to 17:30",
            "address_1": "1 Market Yard",
            "postcode": "se13 5aa",
        }
        preview = client.post(reverse("directory:service-create"), data)
        assert "The new entry" in preview.content.decode()
        response = confirm(client, reverse("directory:service-create"), preview)
        assert response.status_code == 302, response.context["form"].errors
        service = Service.objects.get(name="Homework Club")
        assert list(service.editors.all()) == [sam]
        assert service.locations.get().postcode == "SE13 5AA"
        assert service.category_names == "Youth clubs"
        assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(service.pk)).exists()
        history = client.get(reverse("directory:service-history", args=[service.pk]))
        html = history.content.decode()
        assert "Added the entry" in html
        assert "categories added: Youth clubs" in html
        assert "editors added: Sam Taylor" in html

    def test_only_directory_editors_may_be_made_editors(self, client_for, morgan, amara, services):
        form = client_for(morgan).get(edit_url(services["speech"])).context["form"]
        assert amara not in form.fields["editors"].queryset

    def test_renaming_a_category_renames_it_in_search(
        self, client_for, morgan, categories, services
    ):
        client = client_for(morgan)
        category = categories["youth"]
        response = client.post(
            reverse("directory:category-edit", args=[category.pk]),
            {
                "name": "Youth centres",
                "description": "",
                "version": category.updated_at.isoformat(),
            },
        )
        assert response.status_code == 302
        assert Category.objects.get(pk=category.pk).name == "Youth centres"
        found = client.get(reverse("directory:public-search"), {"q": "centres"})
        assert [s.name for s in found.context["page"].object_list] == ["Forest Hill Youth Club"]

    def test_adds_and_changes_organisations(self, client_for, morgan, organisations):
        client = client_for(morgan)
        response = client.post(
            reverse("directory:organisation-create"),
            {
                "name": "Catford Food Bank",
                "description": "Food",
                "website": "catfordfood.example.org",
            },
        )
        assert response.status_code == 302
        org = Organisation.objects.get(name="Catford Food Bank")
        assert org.website == "https://catfordfood.example.org"
        duplicate = client.post(
            reverse("directory:organisation-create"), {"name": "catford food bank"}
        )
        assert "There is already an organisation with that name." in duplicate.content.decode()


@pytest.mark.django_db
def test_manage_list_queries_are_bounded(
    client_for, morgan, organisations, django_assert_max_num_queries
):
    for number in range(30):
        make_service(organisations["dfs"], f"Service {number}")
    client = client_for(morgan)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("directory:manage"))
    assert response.context["page"].paginator.count == 30


@pytest.mark.django_db
def test_a_stale_category_edit_is_refused(client_for, morgan, categories):
    category = categories["food"]
    url = reverse("directory:category-edit", args=[category.pk])
    old_version = category.updated_at.isoformat()
    client = client_for(morgan)
    assert client.post(url, {"name": "Food", "version": old_version}).status_code == 302
    response = client.post(url, {"name": "Food and fridges", "version": old_version})
    assert response.status_code == 200
    assert "Someone else changed this category" in response.content.decode()
    assert Category.objects.get(pk=category.pk).name == "Food"
