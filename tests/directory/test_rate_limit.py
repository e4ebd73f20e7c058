"""The open-data rate limit is counted in the database, exactly, however many connections (and
so servers) answer the same client at once; tests/lisa/test_two_servers.py runs two servers."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from lisa.models import RateLimitCount

TAXONOMIES = "/api/directory/taxonomies"


@pytest.mark.django_db(transaction=True)
@override_settings(LISA_DIRECTORY_API_RATE=15)
def test_simultaneous_requests_on_separate_connections_are_all_counted():
    """Six connections, five requests each, all at once: exactly the limit gets through. (A
    count read and written back, as the database cache's incr does, lets more through.)"""
    start = threading.Barrier(6)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client_thread():
        client = Client()
        try:
            start.wait()
            for _ in range(5):
                status = client.get(TAXONOMIES).status_code
                with lock:
                    statuses[status] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client_thread) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == {200: 15, 429: 15}


@pytest.mark.django_db
@override_settings(LISA_DIRECTORY_API_RATE=2, LISA_DIRECTORY_API_PERIOD=60)
def test_a_new_window_starts_afresh_and_ended_windows_are_forgotten(client):
    assert client.get(TAXONOMIES, REMOTE_ADDR="192.0.2.10").status_code == 200
    for _ in range(2):
        assert client.get(TAXONOMIES).status_code == 200
    refused = client.get(TAXONOMIES)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Both windows end (as a minute passing would do).
    RateLimitCount.objects.update(window_ends=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(TAXONOMIES).status_code == 200
    # The first request of a window removed the other client's ended one.
    (row,) = RateLimitCount.objects.all()
    assert row.count == 1
    assert row.window_ends > timezone.now()


@pytest.mark.django_db
def test_the_count_does_not_keep_the_address(client):
    client.get(TAXONOMIES, REMOTE_ADDR="198.51.100.23")
    (row,) = RateLimitCount.objects.all()
    assert row.bucket.startswith("directory-api:")
    assert "198.51.100.23" not in row.bucket
    assert "198.51.100.23" not in str(row)
