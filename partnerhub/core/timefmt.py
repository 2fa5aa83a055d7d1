"""One way to write time, everywhere a person reads it: pages, e-mails, the admin.

A date reads ``29 Nov 2026``; a moment reads ``29 Nov 2026, 09:30 CET``, in the reader's time
zone, with the zone named. Machines (CSV, the APIs, ``<time datetime>``) get ISO 8601.
Django's ``DATE_FORMAT`` and ``DATETIME_FORMAT`` (``partnerhub/formats``) are the same two
formats, so the admin and ``|date`` without an argument agree.
"""

import datetime as dt
import zoneinfo
from functools import cache

from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i T"
# ``M`` of DATE_FORMAT: "Jan" … "Dec" (the product is not translated, USE_I18N is off).
_MONTHS = {number: str(name).title() for number, name in MONTHS_3.items()}


@cache
def all_time_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def is_time_zone(name: str) -> bool:
    return name in all_time_zones()


def _in_zone(value: dt.datetime, zone: str | dt.tzinfo | None) -> dt.datetime:
    if timezone.is_naive(value):
        return value
    if zone is None:
        return timezone.localtime(value)
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    return value.astimezone(zone)


def format_date(value: dt.date | dt.datetime | None, *, zone=None) -> str:
    """``29 Nov 2026``. A moment is first put in ``zone`` (the active zone if none)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _in_zone(value, zone)
    # DATE_FORMAT written directly: ``dateformat.format`` parses the format on every call, and
    # a page of rows writes hundreds of dates.
    return f"{value.day} {_MONTHS[value.month]} {value.year:04d}"


def format_datetime(value: dt.datetime | None, *, zone=None) -> str:
    """``29 Nov 2026, 09:30 CET``, in ``zone`` (the active zone if none)."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return format_date(value)
    return dateformat.format(_in_zone(value, zone), DATETIME_FORMAT)


def iso(value: dt.date | dt.datetime | None) -> str:
    """ISO 8601 for machines: ``2026-11-29`` or ``2026-11-29T08:30:00+00:00``."""
    return value.isoformat() if value is not None else ""
