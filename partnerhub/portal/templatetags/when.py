"""Dates and moments on pages, in the one format of ``partnerhub.core.timefmt`` and the
reader's time zone (activated per request): ``{{ x|local_date }}``, ``{{ x|local_datetime }}``,
``<time datetime="{{ x|iso }}">``."""

import datetime as dt

from django import template

from partnerhub.core import timefmt

register = template.Library()


@register.filter
def local_date(value) -> str:
    """A date or a moment; also an ISO date kept as text (e.g. in an audit row)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return timefmt.format_date(value)


@register.filter
def local_datetime(value) -> str:
    return timefmt.format_datetime(value)


@register.filter
def iso(value) -> str:
    return timefmt.iso(value)
