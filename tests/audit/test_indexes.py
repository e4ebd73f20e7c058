"""The audit trail's indexes for questions pages ask of it on every showing."""

import pytest
from django.db import connection

from meetings.record import RECORD

pytestmark = pytest.mark.django_db


def test_whether_a_record_of_decisions_was_opened_is_answered_from_a_small_index():
    """The home page asks, for each record of decisions listed, whether the reader has viewed
    it: the partial index holds only those views, under the object type the page asks for."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'audit_auditevent' "
            "AND indexname = 'audit_record_opened'"
        )
        (definition,) = cursor.fetchone()
    assert "(user_id, object_id)" in definition
    assert "(action)::text = 'view'::text" in definition
    assert f"(object_type)::text = '{RECORD}'::text" in definition
