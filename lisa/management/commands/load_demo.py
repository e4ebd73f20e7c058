"""Load invented demonstration data. Safe to run again: nothing is duplicated."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lisa.demo.people import AGENCIES, DEMO_PASSWORD, PEOPLE, ROLE_TRAINED, TRAINED
from lisa.models import Agency, User


class Command(BaseCommand):
    help = "Load invented agencies and users of every role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo data even when LISA_ENV=production (for a training copy only).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError("Refusing to load demo data into production.")
        agencies = []
        created_agencies = 0
        for name, kind, sensitive, phone, email in AGENCIES:
            agency, created = Agency.objects.get_or_create(
                name=name,
                defaults={
                    "agency_type": kind,
                    "sensitive_service": sensitive,
                    "phone": phone,
                    "email": email,
                },
            )
            agencies.append(agency)
            created_agencies += created
        created_users = 0
        for username, first, last, agency_index, roles, title, phone, trained in PEOPLE:
            if User.objects.filter(username__iexact=username).exists():
                continue
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                agency=agencies[agency_index],
                roles=[str(role) for role in roles],
                job_title=title,
                phone=phone,
                training_date=TRAINED if trained else None,
                lead_professional_trained_on=TRAINED if username in ROLE_TRAINED else None,
                chair_trained_on=TRAINED if username in ROLE_TRAINED else None,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            created_users += 1
        # Each domain adds its own invented records, in dependency order.
        for module in (
            "children.demo",
            "directory.demo",
            "concerns.demo",
            "consent.demo",
            "messaging.demo",
            "meetings.demo",
            "subject_access.demo",
            "figures.demo",
        ):
            import_module(module).load(self.stdout)
        self.stdout.write(
            f"Demo data: {created_agencies} agencies and {created_users} users added "
            f"({Agency.objects.count()} agencies, {User.objects.count()} users in all)."
        )
