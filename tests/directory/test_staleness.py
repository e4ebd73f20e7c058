"""Out-of-date entries: flagged after six months, editors reminded, the central team told."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from directory.models import Service, months_before, stale_cutoff

START = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


def remind() -> str:
    out = io.StringIO()
    call_command("remind_directory_editors", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 7, 15), dt.date(2026, 1, 15)),
        (dt.date(2026, 8, 31), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 31), dt.date(2025, 9, 30)),
        (dt.date(2026, 2, 10), dt.date(2025, 8, 10)),
    ],
)
def test_six_months_before(day, expected):
    assert months_before(day, 6) == expected
    assert stale_cutoff(day) == expected


@pytest.fixture
def reviewed_in_january(services):
    Service.objects.update(last_reviewed_on=START.date())
    return services


@pytest.mark.django_db
def test_flag_appears_after_six_months(client, reviewed_in_january):
    service = reviewed_in_january["parenting"]
    url = reverse("directory:public-service", args=[service.pk])
    with time_machine.travel(dt.datetime(2026, 7, 14, 12, 0, tzinfo=dt.UTC)):
        assert "not been reviewed" not in client.get(url).content.decode()
    with time_machine.travel(dt.datetime(2026, 7, 16, 12, 0, tzinfo=dt.UTC)):
        html = client.get(url).content.decode()
        assert "not been reviewed for over 6 months" in html
        assert "last reviewed on 15 January 2026" in html


@pytest.mark.django_db
def test_editors_are_reminded_once_then_every_fortnight(reviewed_in_january, sam, morgan):
    with time_machine.travel(dt.datetime(2026, 7, 10, 7, 0, tzinfo=dt.UTC)):
        remind()
        assert mail.outbox == []
    with time_machine.travel(dt.datetime(2026, 7, 20, 7, 0, tzinfo=dt.UTC)):
        output = remind()
    to_sam = [m for m in mail.outbox if m.to == ["sam.taylor@example.org"]]
    assert len(to_sam) == 1
    body = to_sam[0].body
    assert "Bumps and Babies Parenting Group" in body
    assert "Secret Draft Parenting Course" in body
    assert "Chatterbox" not in body  # not sam's
    assert "/directory/services/" in body
    # The central team gets the whole list, which is printed too; closed entries are left out.
    to_central = [m for m in mail.outbox if m.to == ["morgan.ellis@example.org"]]
    assert len(to_central) == 1
    assert "Chatterbox Speech and Language Drop-in" in to_central[0].body
    assert "no editor" in to_central[0].body
    assert "Closed Speech Clinic" not in output
    assert "4 directory entries last reviewed before 20 January 2026" in output

    mail.outbox.clear()
    with time_machine.travel(dt.datetime(2026, 7, 21, 7, 0, tzinfo=dt.UTC)):
        remind()
    assert [m.to for m in mail.outbox] == [["morgan.ellis@example.org"]]

    mail.outbox.clear()
    with time_machine.travel(dt.datetime(2026, 8, 3, 7, 0, tzinfo=dt.UTC)):
        remind()
    assert ["sam.taylor@example.org"] in [m.to for m in mail.outbox]


@pytest.mark.django_db
def test_confirm_still_correct_stops_the_reminders(client_for, reviewed_in_january, sam):
    with time_machine.travel(dt.datetime(2026, 7, 20, 7, 0, tzinfo=dt.UTC)):
        client = client_for(sam)
        for key in ("parenting", "hidden"):
            url = reverse("directory:service-confirm", args=[reviewed_in_january[key].pk])
            assert client.post(url).status_code == 302
        mail.outbox.clear()
        remind()
    assert "sam.taylor@example.org" not in [to for m in mail.outbox for to in m.to]


@pytest.mark.django_db
def test_reminders_carry_nothing_but_service_names_and_links(reviewed_in_january, sam):
    with time_machine.travel(dt.datetime(2026, 7, 20, 7, 0, tzinfo=dt.UTC)):
        remind()
    body = next(m.body for m in mail.outbox if m.to == ["sam.taylor@example.org"])
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(lines) == 2
    for line in lines:
        assert line.split(" (")[0][2:] in {
            "Bumps and Babies Parenting Group",
            "Secret Draft Parenting Course",
        }


@pytest.mark.django_db
def test_dry_run_sends_nothing(reviewed_in_january):
    with time_machine.travel(dt.datetime(2026, 7, 20, 7, 0, tzinfo=dt.UTC)):
        out = io.StringIO()
        call_command("remind_directory_editors", "--dry-run", stdout=out)
    assert mail.outbox == []
    assert "Bumps and Babies Parenting Group" in out.getvalue()
    assert not Service.objects.filter(last_reminded_on__isnull=False).exists()


@pytest.mark.django_db
def test_the_central_team_lists_the_out_of_date_entries(client_for, reviewed_in_january, morgan):
    Service.objects.filter(pk=reviewed_in_january["speech"].pk).update(
        last_reviewed_on=dt.date(2026, 7, 1)
    )
    with time_machine.travel(dt.datetime(2026, 7, 20, 9, 0, tzinfo=dt.UTC)):
        client = client_for(morgan)
        response = client.get(reverse("directory:manage"), {"stale": "1"})
    shown = {s.name for s in response.context["page"].object_list}
    assert shown == {
        "Bumps and Babies Parenting Group",
        "Forest Hill Youth Club",
        "Secret Draft Parenting Course",
    }
    html = response.content.decode()
    assert "3 entries have not been reviewed for over 6 months" in html
    assert "Review due" in html
