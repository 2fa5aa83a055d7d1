from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()

# Parameters that describe the view; anything that changes them starts again at page one.
_VIEW_PARAMS = ("q", "type", "status", "assigned", "sort", "size")


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
