"""Rate limits counted in the database, so that every server adds to the same count.

A limit allows ``limit`` requests from one client in each fixed window of ``period`` seconds.
The count is one row per client and limit (``lisa.models.RateLimitCount``), bumped by a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement: PostgreSQL locks the row for that
statement, so two servers answering the same client at the same moment can never both read
the same count and both let a request through.

Why not the cache? Django's ``cache.incr`` is atomic with Redis but not with the database
cache, where it reads the value and writes it back (two requests on two servers read 7 and
both write 8). Counting in the database is exact with either cache and needs no Redis. The
window is read from the database's clock, so servers whose clocks differ by a second still
agree on when a window ends.

A client is an IPv4 address, or an IPv6 address's /64 network (:func:`client_key`): one
household, phone or server is usually given a whole /64, and may use any address in it, so
counting single IPv6 addresses would let one client go past the limit by changing address.

Call :func:`hit` outside the request's transaction (the open-data views are not atomic
requests): inside one, the count would be seen by the other servers only when the request
ends, and the client's row would stay locked until then.
"""

from __future__ import annotations

import ipaddress
import math

from django.db import connection
from django.utils.crypto import salted_hmac

from lisa.models import RateLimitCount

_TABLE = RateLimitCount._meta.db_table

# One statement: a new row, or one more in the row's window, or a fresh window once the
# row's has ended. It answers the count so far and the seconds left in the window.
_BUMP = f"""
INSERT INTO {_TABLE} AS counted (bucket, window_ends, count)
VALUES (
    %(bucket)s,
    to_timestamp((floor(extract(epoch FROM statement_timestamp()) / %(period)s) + 1)
                 * %(period)s),
    1
)
ON CONFLICT (bucket) DO UPDATE SET
    count = CASE WHEN counted.window_ends < EXCLUDED.window_ends THEN 1
                 ELSE counted.count + 1 END,
    window_ends = GREATEST(counted.window_ends, EXCLUDED.window_ends)
RETURNING counted.count, extract(epoch FROM counted.window_ends - statement_timestamp())
"""  # noqa: S608 - the table name is the model's own, never input

# Rows another request is bumping are skipped, not waited for: no request ever waits on this.
_FORGET_ENDED = f"""
DELETE FROM {_TABLE} WHERE bucket IN (
    SELECT bucket FROM {_TABLE} WHERE window_ends < statement_timestamp()
    FOR UPDATE SKIP LOCKED
)
"""  # noqa: S608


# One IPv6 client: the network part of the address, which its provider gives it whole.
IPV6_CLIENT_PREFIX = 64
# What every address that cannot be read is counted as: together, so never let through uncounted.
UNKNOWN_CLIENT = "unknown"


def client_key(address: str | None) -> str:
    """Who is counted for ``address``: an IPv4 address alone (one written as IPv6,
    ``::ffff:192.0.2.1``, as that IPv4 address), an IPv6 address by its /64 network, and any
    address that cannot be read as one, all together."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return UNKNOWN_CLIENT
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        # Built from the number, so a zone ("fe80::1%eth0") is dropped with the host part.
        host_bits = 128 - IPV6_CLIENT_PREFIX
        network = ipaddress.IPv6Network((int(ip) >> host_bits << host_bits, IPV6_CLIENT_PREFIX))
        return str(network)
    return str(ip)


def bucket(scope: str, client: str) -> str:
    """The row's key: the limit's name and a keyed hash of the client (an address is personal
    data, and is not needed to count)."""
    return f"{scope}:{salted_hmac('lisa.ratelimit', client, algorithm='sha256').hexdigest()[:40]}"


def hit(scope: str, address: str | None, *, limit: int, period: int) -> int:
    """Count one request from the client at ``address`` (as ``lisa.network.client_ip`` gives
    it) against the limit called ``scope``. Answers 0 if it is allowed, else the whole seconds
    until the window ends (for ``Retry-After``)."""
    key = bucket(scope, client_key(address))
    with connection.cursor() as cursor:
        # One statement, atomic on its own; outside a transaction it is committed at once.
        cursor.execute(_BUMP, {"bucket": key, "period": max(1, period)})
        count, seconds_left = cursor.fetchone()
        if count == 1:
            # A window has begun for this client: a good moment to drop the rows of every
            # window that has ended, so the table holds only the clients of the last period.
            cursor.execute(_FORGET_ENDED)
    if count > limit:
        return max(1, math.ceil(float(seconds_left)))
    return 0
