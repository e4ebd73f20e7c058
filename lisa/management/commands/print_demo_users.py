from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from lisa.demo.people import DEMO_PASSWORD, SHOWCASE


class Command(BaseCommand):
    help = "Print sign-in details of the demonstration users."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="Where LISA is being served.")

    def handle(self, *args, **options):
        width = max(len(label) for label, _ in SHOWCASE)
        lines = [
            "",
            f"LISA is starting on {options['url'] or settings.LISA_SITE_URL}",
            f"Demo sign-in details (invented people; every password is '{DEMO_PASSWORD}'):",
        ]
        for label, username in SHOWCASE:
            lines.append(f"  {label.ljust(width)}  {username}")
        lines.append("")
        self.stdout.write("\n".join(lines))
