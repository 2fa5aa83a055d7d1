import datetime as dt
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from partnerhub.access.durations import duration_label
from partnerhub.access.levels import DEFAULT_LEVEL, level_info, level_words
from partnerhub.clients import selectors as account_selectors
from partnerhub.core.timefmt import format_date

register = template.Library()

# Parameters that describe the view; anything that changes them starts again at page one.
_VIEW_PARAMS = account_selectors.VIEW_PARAMS


@register.simple_tag(takes_context=True)
def list_url(context, **changes) -> str:
    """The current list URL with some parameters changed. Changing a filter drops the cursor."""
    request = context["request"]
    params = {k: request.GET.get(k) for k in _VIEW_PARAMS if request.GET.get(k)}
    if "cursor" not in changes:
        params.pop("cursor", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return request.path + ("?" + urlencode(params) if params else "")


@register.simple_tag(takes_context=True)
def view_params(context) -> list[tuple[str, str]]:
    """The parameters that describe the current view, for a form that keeps them."""
    request = context["request"]
    return [(k, request.GET[k]) for k in _VIEW_PARAMS if request.GET.get(k)]


@register.simple_tag(takes_context=True)
def export_url(context, name: str) -> str:
    """The URL named ``name`` with the parameters of the current view (no page, no cursor)."""
    params = view_params(context)
    return reverse(name) + ("?" + urlencode(params) if params else "")


@register.simple_tag(takes_context=True)
def sort_url(context, column: str) -> str:
    query = context["query"]
    if query.sort == column and not query.descending:
        return list_url(context, sort=f"-{column}")
    return list_url(context, sort=column)


@register.simple_tag(takes_context=True)
def sort_state(context, column: str) -> str:
    query = context["query"]
    if query.sort != column:
        return "none"
    return "descending" if query.descending else "ascending"


@register.filter
def initials(name: str) -> str:
    parts = [p for p in (name or "").split() if p[:1].isalpha()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def timeline_title(event) -> str:
    """An access timeline entry's title; a confirmation names the level granted."""
    level = (event.after or {}).get("level")
    if event.action == "access.confirmed" and level and level != DEFAULT_LEVEL:
        return f"Customer confirmed: partner has {level_words(level)}"
    return event.label


@register.filter
def access_notes(event) -> list[str]:
    """What an access timeline entry adds about levels and end dates, as short sentences."""
    after, before = event.after or {}, event.before or {}

    def label(level):
        return level_info(level).label if level else ""

    def day(text):
        return format_date(dt.datetime.fromisoformat(text)) if text else ""

    notes = []
    if event.action == "access.requested" and after.get("level"):
        notes.append(
            f"Asked for {label(after['level'])}, {duration_label(after.get('duration_days')).lower()}"
        )
    elif event.action == "access.confirmed" and after.get("ends_at"):
        renews = ", renews automatically" if after.get("auto_renew") else ""
        notes.append(f"Until {day(after['ends_at'])}{renews}")
    elif event.action == "access.level_changed":
        notes.append(f"From {label(before.get('level'))} to {label(after.get('level'))}")
    elif event.action == "access.extended" and after.get("ends_at"):
        how = "renewed automatically" if after.get("automatic") else "extended"
        notes.append(f"Access {how} until {day(after['ends_at'])}")
    return notes
