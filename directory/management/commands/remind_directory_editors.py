"""Remind editors of directory entries that are out of date. Run daily by cron:

    15 7 * * *  cd /srv/lisa && .venv/bin/python manage.py remind_directory_editors

An entry not reviewed for six months is out of date. Each of its editors gets one email
listing their out-of-date entries (names and links only: nothing about any child), repeated
every ``LISA_DIRECTORY_REMINDER_DAYS`` days (default 14) until the entry is reviewed. The
central team gets the whole list, which is also printed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from directory.actions import mark_reminded
from directory.models import Service, stale_cutoff
from lisa.models import Role, User


def _link(path: str) -> str:
    return settings.LISA_SITE_URL.rstrip("/") + path


class Command(BaseCommand):
    help = "Email the editors of out-of-date directory entries, and list them for the central team."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; send nothing."
        )

    @transaction.atomic
    def handle(self, *args, dry_run: bool = False, **options):
        today = timezone.localdate()
        every = int(getattr(settings, "LISA_DIRECTORY_REMINDER_DAYS", 14))
        stale = list(
            Service.objects.stale(today)
            .select_related("organisation")
            .prefetch_related("editors")
            .order_by("last_reviewed_on", "name")
        )
        due = [
            s
            for s in stale
            if s.last_reminded_on is None or s.last_reminded_on <= today - dt.timedelta(days=every)
        ]
        by_editor: dict[User, list[Service]] = defaultdict(list)
        for service in due:
            for editor in service.editors.all():
                if editor.is_active and editor.email:
                    by_editor[editor].append(service)
        for editor, services in sorted(by_editor.items(), key=lambda item: item[0].username):
            if not dry_run:
                self._remind(editor, services)
            self.stdout.write(f"Reminded {editor.username} about {len(services)} entr(y/ies).")
        if not dry_run:
            mark_reminded(due, today)
        self._report(stale, today, dry_run)

    def _remind(self, editor: User, services: list[Service]) -> None:
        lines = "\n".join(
            f"- {s.name} (last reviewed {s.last_reviewed_on:%-d %B %Y}): "
            + _link(reverse("directory:service", args=[s.pk]))
            for s in services
        )
        send_mail(
            "LISA service directory: please check your entries",
            "These service directory entries have not been reviewed for six months. "
            "Families and practitioners see them marked as possibly out of date.\n\n"
            f"{lines}\n\n"
            "Sign in, open each entry and either change it or choose “Confirm still correct”.\n"
            f"Your entries: {_link(reverse('directory:manage'))}\n",
            None,
            [editor.email],
        )

    def _report(self, stale: list[Service], today: dt.date, dry_run: bool) -> None:
        cutoff = stale_cutoff(today)
        if not stale:
            self.stdout.write(f"No directory entries last reviewed before {cutoff:%-d %B %Y}.")
            return
        rows = [
            f"- {s.name} ({s.organisation.name}), last reviewed {s.last_reviewed_on:%-d %B %Y}; "
            + (
                "editors: " + ", ".join(e.username for e in s.editors.all())
                if s.editors.all()
                else "no editor"
            )
            for s in stale
        ]
        report = (
            f"{len(stale)} directory entr{'y' if len(stale) == 1 else 'ies'} last reviewed "
            f"before {cutoff:%-d %B %Y}:\n" + "\n".join(rows)
        )
        self.stdout.write(report)
        central = list(
            User.objects.filter(roles__contains=[Role.CENTRAL_TEAM], is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if central and not dry_run:
            send_mail(
                "LISA service directory: out-of-date entries",
                report + f"\n\nOut-of-date entries: {_link(reverse('directory:manage'))}?stale=1\n",
                None,
                central,
            )
