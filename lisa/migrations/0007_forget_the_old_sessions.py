"""Sessions moved to ``lisa_session`` (0006): the rows left in Django's own table may hold the
terms of searches (a child's name, date of birth or postcode) and would never expire now, so
they are deleted. Everyone signs in again once."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("lisa", "0006_sessions_with_their_person"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM django_session", reverse_sql=migrations.RunSQL.noop),
    ]
