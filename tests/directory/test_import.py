"""Importing an Open Referral UK feed: the bundled examples, a round trip, and bad records
refused with nothing half-imported."""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from audit.models import Action, AuditEvent
from directory import demo, opendata, schemas
from directory.models import Category, Location, Organisation, Service

EXAMPLES = schemas.SCHEMA_DIR.parent / "examples"


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_oruk", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, data, name="feed.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


@pytest.mark.django_db
def test_imports_the_standards_full_service_example():
    out, _ = run(EXAMPLES / "service_full.json", "--publish")
    assert "Imported 1 service(s): 1 added, 0 updated." in out
    assert "100%" in out  # the progress bar ran to the end
    service = Service.objects.get(uuid="ac148810-d857-441c-9679-408f346de14b")
    assert service.name == "Community Counselling"
    assert service.organisation.name == "Example Organization Inc."
    assert (service.minimum_age, service.maximum_age) == (12, None)  # "100": no upper limit
    assert not service.is_free and "fees_description" in service.charges
    assert [str(s) for s in service.sessions.all()] == [
        "Thursday 10:00 to 18:00",
        "Friday 10:00 to 18:00",
    ]
    location = service.locations.get()
    assert (location.address_1, location.country) == ("1-30 Main Street", "US")
    assert "induction loops" in service.accessibility
    assert list(service.categories.values_list("name", flat=True)) == ["name"]
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(service.pk)).exists()
    # Imported again (here as a page of the list example): updated, not duplicated.
    out, _ = run(EXAMPLES / "service_list.json")
    assert "0 added, 1 updated" in out
    assert Service.objects.count() == 1


@pytest.mark.django_db
def test_imports_the_standards_list_example_unpublished_by_default():
    run(EXAMPLES / "service_list.json")
    service = Service.objects.get()
    assert service.is_published is False
    assert service.organisation.uuid.hex == "d9d5e0f5d3ce4f739a2f4dd0ecc6c610"


def summary(service):
    return (
        service.minimum_age,
        service.maximum_age,
        service.is_free,
        service.charges,
        [str(s) for s in service.sessions.all()],
        service.serves_whole_borough,
        sorted(service.wards),
        sorted(service.languages),
        service.locations.get().postcode,
        sorted(service.categories.values_list("name", flat=True)),
        service.last_reviewed_on,
    )


@pytest.mark.django_db
def test_a_round_trip_through_the_open_data_keeps_every_service(tmp_path, sam):
    demo.load(io.StringIO())
    public = Service.objects.public().select_related("organisation").order_by("name")
    feed = [opendata.service_full(s) for s in public]
    before = {s.name: summary(s) for s in public}
    path = write(tmp_path, feed)
    Service.objects.all().delete()
    Location.objects.all().delete()
    out, _ = run(path, "--publish")
    assert f"{len(feed)} added" in out
    after = {s.name: summary(s) for s in Service.objects.public()}
    assert after == before
    # Categories matched by their ids, not added again.
    assert "Categories added" not in out
    assert Category.objects.count() == len(demo.CATEGORIES)


@pytest.fixture
def good_record():
    return json.loads((EXAMPLES / "service_full.json").read_text())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["service_at_locations"][0]["location"]["addresses"][0].update(
                country="GB", postal_code="SE99 ZZZ9"
            ),
            "addresses[0].postal_code: Enter a real postcode, like SE6 4RU (not 'SE99 ZZZ9')",
        ),
        (
            lambda r: r["schedules"][0].update(opens_at="18:00:00", closes_at="09:00:00"),
            "schedules[0]: the closing time (09:00) must be after the opening time (18:00)",
        ),
        (lambda r: r.update(minimum_age=-2), "minimum_age: must be 0 or more, not -2"),
        (
            lambda r: r.update(minimum_age=12, maximum_age=5),
            "maximum_age: must not be less than minimum_age (5 < 12)",
        ),
        (lambda r: r.update(status="open"), "status: 'open' is not one of"),
        (lambda r: r.update(id="42"), "id: '42' is not a 'uuid'"),
        (lambda r: r.pop("organization"), "organization: every service needs its organisation"),
    ],
)
def test_a_bad_record_is_reported_and_nothing_is_imported(tmp_path, good_record, change, message):
    second = copy.deepcopy(good_record)
    second.update(id="5a7c2d4e-1111-4222-8333-944455556666", name="A good second service")
    for part in ("schedules", "service_areas", "service_at_locations", "languages", "funding",
                 "cost_options", "contacts", "attributes"):  # fmt: skip
        for item in second.get(part, []):
            item["id"] = item["id"][:-4] + "9999"
            if "location" in item:
                item["location"]["id"] = item["location"]["id"][:-4] + "9999"
    change(good_record)
    path = write(tmp_path, {"contents": [second, good_record]})
    with pytest.raises(CommandError, match="Nothing has been imported"):
        _, err = run(path)
    # The problem is named with its record; the good record was not saved either.
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_oruk", str(path), stdout=io.StringIO(), stderr=err)
    assert "Record 2" in err.getvalue()
    assert message in err.getvalue()
    assert "Record 1" not in err.getvalue()
    assert Service.objects.count() == 0
    assert Organisation.objects.count() == 0


@pytest.mark.django_db
def test_unreadable_files_are_refused_clearly(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="is not valid JSON"):
        run(bad)
    with pytest.raises(CommandError, match="There is no file"):
        run(tmp_path / "missing.json")
    with pytest.raises(CommandError, match="not an Open Referral feed"):
        run(write(tmp_path, {"hello": "world"}))


@pytest.mark.django_db
def test_dry_run_checks_without_saving():
    out, _ = run(EXAMPLES / "service_full.json", "--dry-run")
    assert "1 record(s) checked: all can be imported." in out
    assert Service.objects.count() == 0
