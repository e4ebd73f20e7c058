"""The client's real address, taken safely behind a configured number of proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """Return the address of the client that made ``request``.

    With ``LISA_TRUSTED_PROXY_COUNT`` = N, each of our N proxies appends the address it received
    the request from to X-Forwarded-For, so the client is the N-th entry from the right. Entries
    further left were written by the client and are never trusted.
    """
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if len(forwarded) < hops:
        return remote
    return _valid(forwarded[-hops]) or remote
