"""The address of the person in front of the browser, also behind a reverse proxy.

Behind nginx, ``REMOTE_ADDR`` is the proxy's own address and the client's is in
``X-Forwarded-For``, which anyone can also send: so the header is believed only when
the request came from a proxy named in ``settings.TRUSTED_PROXIES`` (addresses or
networks), and then read from the right, skipping the trusted hops, so that a value a
client put at the left of the header cannot pose as its address. Used for reveal
records, login throttling and the audit history: one rule for all three.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec if item)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as a string, or None when none can be told."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    if not _trusted(remote):
        return str(remote)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a garbled hop: what lies left of it cannot be trusted either
        if not _trusted(address):
            return str(address)
    return str(remote)
