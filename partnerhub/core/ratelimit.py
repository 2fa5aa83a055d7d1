"""Counting who asks how often, in the cache every server process shares.

A limit such as ``"600/min"`` allows that many hits per window; a window opens with the first
hit and lasts its length. The count is one atomic increment in the shared cache (the database
cache of ``partnerhub.core.cache``, or Redis), so every gunicorn worker and every server sees
the same number. Used by the native API's per-key rate, the password-reset e-mails and the V3
token endpoint.
"""

import contextlib
import hashlib
import ipaddress
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.http import HttpRequest

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"600/min"``, ``"5/15min"``, ``"10/h"``, ``"100/day"`` (Ninja's rate format)."""
        match = _RATE.match(text or "")
        if match is None or match.group(3) not in _UNITS:
            raise ValueError(f"not a rate (like 600/min): {text!r}")
        count, multiple, unit = match.groups()
        return cls(count=int(count), seconds=int(multiple or 1) * _UNITS[unit])


@dataclass(frozen=True)
class Hit:
    count: int  # hits in the window so far, this one included
    allowed: bool
    retry_after: int  # seconds until the window ends


def _cache():
    return caches[settings.PARTNERHUB_RATELIMIT_CACHE]


def _key(scope: str, ident: str) -> str:
    # Hashed: the identifier may be an e-mail address or a secret's fingerprint, and cache keys
    # must stay short and plain.
    return f"ratelimit:{scope}:{hashlib.sha256(ident.encode()).hexdigest()}"


def hit(scope: str, ident: str, rate: Rate) -> Hit:
    """Count one hit of ``ident`` under ``scope``; allowed while the window's count is within
    ``rate``."""
    cache = _cache()
    key = _key(scope, ident)
    now = time.time()
    for _attempt in range(3):
        try:
            count = cache.incr(key)
            break
        except ValueError:
            if cache.add(key, 1, rate.seconds):
                cache.set(f"{key}:start", now, rate.seconds)
                count = 1
                break
            # Another process opened the window first (and it may have ended since, when
            # windows are short): count again.
    else:
        count = cache.incr(key)
    allowed = count <= rate.count
    retry_after = 0
    if not allowed:
        started = cache.get(f"{key}:start", now)
        retry_after = max(1, math.ceil(started + rate.seconds - now))
    return Hit(count=count, allowed=allowed, retry_after=retry_after)


def count(scope: str, ident: str) -> int:
    """The hits of ``ident`` under ``scope`` in the current window, without counting one."""
    return int(_cache().get(_key(scope, ident)) or 0)


def give_back(scope: str, ident: str) -> None:
    """Take back one counted hit (a try that turned out not to count, e.g. a right secret)."""
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        _cache().decr(_key(scope, ident))


def client_address(request: HttpRequest) -> str:
    """The address of the person asking. Behind ``PARTNERHUB_TRUSTED_PROXIES`` proxies, each of
    which appends the address it saw to ``X-Forwarded-For``, that is the entry the outermost
    proxy added; without proxies, the connection's own address. Entries a client sent itself
    are never believed."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.PARTNERHUB_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:  # not an address: the proxy is not the one the setting describes
        return remote


RATE_SETTINGS = (
    "PARTNERHUB_API_RATE",
    "PARTNERHUB_PASSWORD_RESET_RATE_PER_ADDRESS",
    "PARTNERHUB_PASSWORD_RESET_RATE_PER_EMAIL",
    "PARTNERHUB_V3_TOKEN_FAILURES_PER_CLIENT",
    "PARTNERHUB_V3_TOKEN_FAILURES_PER_ADDRESS",
    "PARTNERHUB_REQUEST_CODE_FAILURES",
    "PARTNERHUB_JOIN_RATE_PER_ADDRESS",
    "PARTNERHUB_MOVE_RATE_PER_PARTNER",
    "PARTNERHUB_V3_RATE_PER_SECOND",
    "PARTNERHUB_V3_RATE_PER_DAY",
)


def check_rates(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A system check: every rate setting reads as a rate, so a typo stops the start, not a
    request."""
    errors = []
    for name in RATE_SETTINGS:
        try:
            Rate.parse(getattr(settings, name))
        except ValueError as error:
            errors.append(
                checks.Error(f"{name}: {error}", hint="e.g. 600/min, 5/15min, 10/h", id="core.E001")
            )
    return errors
