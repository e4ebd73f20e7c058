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

from lisa import ratelimit
from lisa.models import RateLimitCount

TAXONOMIES = "/api/directory/taxonomies"


@pytest.mark.django_db(transaction=True)
# Windows are fixed stretches of time: one of about eleven days, so that the requests do not
# fall on both sides of a window's end (a minute's end, with the usual period).
@override_settings(LISA_DIRECTORY_API_RATE=15, LISA_DIRECTORY_API_PERIOD=1_000_000)
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


@pytest.mark.django_db
@override_settings(LISA_DIRECTORY_API_RATE=2, LISA_DIRECTORY_API_PERIOD=60)
def test_an_ipv6_client_is_counted_by_its_64_network_so_changing_address_does_not_help(client):
    for address in ("2001:db8:1:2::a", "2001:db8:1:2:ffff:ffff:ffff:ffff"):
        assert client.get(TAXONOMIES, REMOTE_ADDR=address).status_code == 200
    assert client.get(TAXONOMIES, REMOTE_ADDR="2001:db8:1:2:1234::9").status_code == 429
    # The neighbouring /64 is another household.
    assert client.get(TAXONOMIES, REMOTE_ADDR="2001:db8:1:3::a").status_code == 200


@pytest.mark.django_db
@override_settings(LISA_DIRECTORY_API_RATE=2, LISA_DIRECTORY_API_PERIOD=60)
def test_an_ipv4_client_is_counted_by_its_address_however_it_is_written(client):
    assert client.get(TAXONOMIES, REMOTE_ADDR="192.0.2.10").status_code == 200
    assert client.get(TAXONOMIES, REMOTE_ADDR="::ffff:192.0.2.10").status_code == 200
    assert client.get(TAXONOMIES, REMOTE_ADDR="::ffff:c000:20a").status_code == 429
    # Its neighbour is counted apart.
    assert client.get(TAXONOMIES, REMOTE_ADDR="192.0.2.11").status_code == 200


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("::ffff:192.0.2.10", "192.0.2.10"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", ratelimit.UNKNOWN_CLIENT),
        ("", ratelimit.UNKNOWN_CLIENT),
        (None, ratelimit.UNKNOWN_CLIENT),
    ],
)
def test_who_is_counted_for_an_address(address, key):
    assert ratelimit.client_key(address) == key


@pytest.mark.django_db
def test_addresses_that_cannot_be_read_are_counted_together():
    assert ratelimit.hit("test", "not an address", limit=2, period=60) == 0
    assert ratelimit.hit("test", None, limit=2, period=60) == 0
    assert ratelimit.hit("test", "300.1.2.3", limit=2, period=60) > 0
    assert ratelimit.hit("test", "192.0.2.10", limit=2, period=60) == 0
