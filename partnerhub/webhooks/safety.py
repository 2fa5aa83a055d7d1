"""Where webhooks may go: http(s) only, and never to this network's private addresses unless a
setting allows it (tests and the demo deliver to 127.0.0.1)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from partnerhub.core.errors import InvalidTransition


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_target(url: str, *, require_https: bool = False) -> None:
    """Raise ``InvalidTransition`` unless ``url`` may receive webhooks."""
    parts = urlsplit(url)
    allowed = ("https",) if require_https else ("http", "https")
    if parts.scheme not in allowed or not parts.hostname:
        raise InvalidTransition(
            f"the URL must be {' or '.join(allowed)} with a host", code="url_invalid"
        )
    if len(url) > 512:
        raise InvalidTransition("the URL is longer than 512 characters", code="url_invalid")
    if settings.PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise InvalidTransition(
            f"{parts.hostname} does not resolve", code="url_unresolvable"
        ) from None
    if any(_blocked(info[4][0]) for info in infos):
        raise InvalidTransition(
            f"{parts.hostname} resolves to a private, loopback or link-local address",
            code="url_private",
        )
