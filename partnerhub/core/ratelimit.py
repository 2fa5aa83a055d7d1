"""Counting who asks how often, where every server process sees the same number.

A limit such as ``"600/min"`` allows that many hits per window; a window opens with the first
hit and lasts its length. By default the count is kept in the database's own counter table
(``core.RateCount``): a hit is one statement, an insert that counts one more in the window's
row, or opens a new window in its place when the last one has ended. Where the settings name a
cache (``PARTNERHUB_RATELIMIT_CACHE``: Redis, when ``PARTNERHUB_CACHE_URL`` names one) the count
is one atomic increment there. Used by the native API's per-key rate, the password-reset
e-mails, the V3 limits and token endpoint, request codes and moves.
"""

import contextlib
import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
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


# One hit to count: (scope, identifier, rate).
Ask = tuple[str, str, Rate]


def _cache():
    """The cache that counts, or None for the database's counter table."""
    alias = settings.PARTNERHUB_RATELIMIT_CACHE
    return caches[alias] if alias else None


def _key(scope: str, ident: str) -> str:
    # Hashed: the identifier may be an e-mail address or a secret's fingerprint, and keys must
    # stay short and plain.
    return f"ratelimit:{scope}:{hashlib.sha256(ident.encode()).hexdigest()}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def hit(scope: str, ident: str, rate: Rate) -> Hit:
    """Count one hit of ``ident`` under ``scope``; allowed while the window's count is within
    ``rate``."""
    return hits([(scope, ident, rate)])[0]


def hits(asks: Sequence[Ask]) -> list[Hit]:
    """Count one hit of each ``(scope, ident, rate)`` (of distinct scopes or identifiers), in
    one statement where the database counts; answers in the order asked."""
    cache = _cache()
    if cache is None:
        return _table_hits(asks)
    return [_cache_hit(cache, scope, ident, rate) for scope, ident, rate in asks]


def _table():
    from partnerhub.core.models import RateCount

    return connection.ops.quote_name(RateCount._meta.db_table)


def _table_hits(asks: Sequence[Ask]) -> list[Hit]:
    now = _now_ms()
    keys = [_key(scope, ident) for scope, ident, _rate in asks]
    # In key order, so that two statements counting the same keys never wait on each other's
    # rows in opposite orders (PostgreSQL).
    rows = sorted(
        (key, now + rate.seconds * 1000) for key, (_s, _i, rate) in zip(keys, asks, strict=True)
    )
    table = _table()
    with connection.cursor() as cursor:
        # The right-hand sides read the row as it was: an ended window starts again at one.
        cursor.execute(
            f"INSERT INTO {table} (key, ends_ms, count) "  # noqa: S608
            f"VALUES {', '.join(['(%s, %s, 1)'] * len(rows))} "
            "ON CONFLICT (key) DO UPDATE SET "
            f"count = CASE WHEN {table}.ends_ms <= %s THEN 1 ELSE {table}.count + 1 END, "
            f"ends_ms = CASE WHEN {table}.ends_ms <= %s THEN excluded.ends_ms "
            f"ELSE {table}.ends_ms END "
            "RETURNING key, count, ends_ms",
            [value for row in rows for value in row] + [now, now],
        )
        counted = {key: (count, ends) for key, count, ends in cursor.fetchall()}
    out = []
    for key, (_scope, _ident, rate) in zip(keys, asks, strict=True):
        count, ends = counted[key]
        allowed = count <= rate.count
        retry_after = 0 if allowed else max(1, math.ceil((ends - now) / 1000))
        out.append(Hit(count=count, allowed=allowed, retry_after=retry_after))
    return out


def _cache_hit(cache, scope: str, ident: str, rate: Rate) -> Hit:
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
    key = _key(scope, ident)
    cache = _cache()
    if cache is not None:
        return int(cache.get(key) or 0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count FROM {_table()} WHERE key = %s AND ends_ms > %s",  # noqa: S608
            [key, _now_ms()],
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def give_back(scope: str, ident: str) -> None:
    """Take back one counted hit (a try that turned out not to count, e.g. a right secret)."""
    key = _key(scope, ident)
    cache = _cache()
    if cache is not None:
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            cache.decr(key)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET count = count - 1 "  # noqa: S608
            "WHERE key = %s AND ends_ms > %s AND count > 0",
            [key, _now_ms()],
        )


def ended_sweep() -> int:
    """Delete the windows that have ended (the worker's periodic sweep); returns how many."""
    from partnerhub.core.models import RateCount

    deleted, _ = RateCount.objects.filter(ends_ms__lte=_now_ms()).delete()
    return deleted


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
    alias = settings.PARTNERHUB_RATELIMIT_CACHE
    if alias and isinstance(caches[alias], DatabaseCache):
        errors.append(
            checks.Error(
                f"PARTNERHUB_RATELIMIT_CACHE names {alias!r}, a database cache: its increments "
                "are not atomic, so processes counting at once would lose hits",
                hint="leave it unset to count in the database's own table, or name a Redis cache",
                id="core.E002",
            )
        )
    return errors
