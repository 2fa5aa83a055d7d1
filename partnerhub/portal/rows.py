"""The rows of *My accounts*, ready to print: every value a row shows is worked out here once
(labels, dates in the reader's zone, grouped numbers, the row's links) and the row's markup is
written here too, each value escaped once. A page is 25 to 100 rows; resolving
filters, tags and model properties row by row in a template cost most of the page's time.

One shape for both ways a row is drawn: from a page read as values (``with_pending``, the
account and its open request in one statement) and from an account and its open request (the
single row an htmx answer swaps in).
"""

import html
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from partnerhub.access.levels import AccessLevel
from partnerhub.clients.models import PartnershipKind
from partnerhub.clients.selectors import LIST_COLUMNS, PENDING_COLUMNS, pending_of
from partnerhub.clients.status import status_from_values
from partnerhub.core import timefmt

_PLACEHOLDER = "0accountid0"
_LEVEL_LABELS = dict(AccessLevel.choices)
_ROW_URLS = {
    "url": "partner-account",
    "request_url": "partner-request-create",
    "cancel_url": "partner-request-cancel",
}


class RowLinks:
    """The links of a row, reversed once per page and filled in per row (``reverse`` is the
    costliest part of a row otherwise)."""

    def __init__(self):
        self._urls = {
            key: reverse(name, args=[_PLACEHOLDER]).split(_PLACEHOLDER)
            for key, name in _ROW_URLS.items()
        }

    def of(self, encoded_account_id: str) -> dict[str, str]:
        # As ``reverse`` quotes a path argument.
        quoted = quote(encoded_account_id, safe=RFC3986_SUBDELIMS + "/~:@")
        return {key: quoted.join(parts) for key, parts in self._urls.items()}


def _date(value) -> tuple[str, str]:
    """(ISO for ``<time datetime>``, the date as people read it)."""
    return timefmt.iso(value), timefmt.format_date(value)


def account_row(values: dict, links: RowLinks, group_paths: dict[int, str] | None = None) -> dict:
    """What the row prints for one account read ``with_pending``; an organization's rows
    (``group_paths``: group id → "North › Lakeside") also show the account's group."""
    is_managed = values["partnership_kind"] == PartnershipKind.MANAGED
    level = values["access_level"] if is_managed else ""
    status = status_from_values(
        billing_status=values["billing_status"],
        disabled_reason=values["disabled_reason"],
        single_bill=values["single_bill"],
    ).label
    last_login = values["last_login_at"]
    pending = pending_of(values)
    row = {
        "id": values["id"],
        "encoded_account_id": values["encoded_account_id"],
        "organization_name": values["organization_name"],
        "login_name": values["login_name"],
        "owner_name": values["owner_name"],
        "contact_email": values["contact_email"],
        "is_managed": is_managed,
        "level": level or "",
        "level_label": _LEVEL_LABELS.get(level, level) if level else "",
        "status_label": status,
        "status_slug": slugify(status),
        "contacts": f"{values['contact_count']:,}",
        "last_login": _date(last_login) if last_login else None,
        "moved": _date(values["partnered_on"]),
        "pending": _pending_row(pending) if pending else None,
        "show_group": group_paths is not None,
        "group": (group_paths or {}).get(values["group_id"], ""),
        **links.of(values["encoded_account_id"]),
    }
    return row


def _pending_row(pending: dict) -> dict:
    expires = timefmt.format_date(pending["expires_at"])
    return {
        "label": "Extension requested" if pending["kind"] == "extension" else "Request pending",
        "title": f"Asked by {pending['requested_by']}; expires {expires}",
        "sent": timefmt.format_date(pending["created_at"]),
        "expires": expires,
    }


def account_values(account, pending) -> dict:
    """An account and its open request (or None) in the shape of a row read ``with_pending``."""
    values = {column: getattr(account, column) for column in LIST_COLUMNS}
    for column in PENDING_COLUMNS:
        value = None
        if pending is not None:
            value = pending
            for part in column.split("__"):
                value = getattr(value, part) if value is not None else None
        values[f"pending_{column}"] = value
    return values


_ROW = (
    '<tbody id="row-{id}" class="account-row{managed_class}">\n<tr>\n'
    "{select}"
    '  <td data-label="Organization" class="org">\n'
    '    <a href="{url}">{org}</a>\n'
    '    <span class="row-sub mono" title="Login name">{login}</span>\n'
    "  </td>\n"
    "{group}"
    '  <td data-label="Type" class="kind">{kind}</td>\n'
    '  <td data-label="Access" class="level">{level}</td>\n'
    '  <td data-label="Owner" class="owner"><span>{owner}<span class="row-sub" title="{email}">'
    "{email}</span></span></td>\n"
    '  <td data-label="Status"><span class="status status-{status_slug}">{status}</span></td>\n'
    '  <td data-label="Contacts" class="num">{contacts}</td>\n'
    '  <td data-label="Last login" class="date">{last_login}</td>\n'
    '  <td data-label="Moved in" class="date"><time datetime="{moved_iso}">{moved}</time></td>\n'
    '  <td class="actions">\n{action}  </td>\n'
    "</tr>\n</tbody>\n"
)
_SELECT = (
    '  <td class="select" data-label="Select"><input type="checkbox" name="account" value="{}"'
    ' form="selection" aria-label="Select {}"></td>\n'
)
_NO_SELECT = mark_safe('  <td class="select"></td>\n')  # noqa: S308
_GROUP = '  <td data-label="Group" class="group">{}</td>\n'
_MANAGED = mark_safe('<span class="badge badge-managed">Managed</span>')  # noqa: S308
_REFERRED = mark_safe('<span class="badge badge-referred">Referred</span>')  # noqa: S308
_NO_LEVEL = mark_safe('<span class="muted">—</span>')  # noqa: S308
_NEVER = mark_safe('<span class="muted">Never</span>')  # noqa: S308
# An open request: what it is, then (for a reader who may act) the form that cancels it.
_PENDING_SAYS = (
    '    <div class="pending">\n'
    '      <span class="pill pill-pending" title="{title}">{label}</span>\n'
    '      <span class="pending-meta">sent {sent} · expires {expires}</span>\n'
)
_PENDING_READ_ONLY = _PENDING_SAYS + "    </div>\n"
_PENDING = _PENDING_SAYS + (
    '      <form method="post" action="{cancel_url}" hx-post="{cancel_url}"'
    ' hx-target="#row-{id}" hx-swap="outerHTML">\n'
    '        <input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">'
    '<input type="hidden" name="next" value="{next}">\n'
    '        <button class="btn btn-small btn-quiet" type="submit">Cancel permission request'
    "</button>\n"
    "      </form>\n"
    "    </div>\n"
)
_LEVEL = '<span class="level-label level-{}">{}</span>'
_TIME = '<time datetime="{}">{}</time>'
_REQUEST = (
    '    <form method="get" action="{request_url}" hx-get="{request_url}" hx-target="#overlay">\n'
    '      <input type="hidden" name="next" value="{next}">\n'
    '      <button class="btn btn-small" type="submit">Request permission to manage</button>\n'
    "    </form>\n"
)


def row_html(row: dict, *, csrf_token: str, next_url: str, can_act: bool = True) -> SafeString:
    """The row's markup (a ``<tbody>`` an htmx answer can swap whole): its cells, and its
    action: cancel the open request, or ask for permission to manage a referred account. A
    reader who may not act (a viewer) gets neither, nor the row's checkbox.

    Each value is escaped once, here, as Django's ``escape`` does (``html.escape``), and the
    row is written by one ``str.format``: a page of 100 rows made some 800 ``format_html``
    calls before, most of the page's time."""
    pending = row["pending"]
    account_id = _e(row["encoded_account_id"])
    if pending:
        pending = {key: _e(value) for key, value in pending.items()}
    if pending and not can_act:
        action = _PENDING_READ_ONLY.format(**pending)
    elif pending:
        action = _PENDING.format(
            id=account_id,
            cancel_url=_e(row["cancel_url"]),
            csrf_token=_e(csrf_token),
            next=_e(next_url),
            **pending,
        )
    elif not row["is_managed"] and can_act:
        action = _REQUEST.format(request_url=_e(row["request_url"]), next=_e(next_url))
    else:
        action = ""
    level = _NO_LEVEL
    if row["level"]:
        level = _LEVEL.format(_e(row["level"]), _e(row["level_label"]))
    last_login = _NEVER
    if row["last_login"]:
        last_login = _TIME.format(*map(_e, row["last_login"]))
    select = _NO_SELECT
    if can_act:
        select = _SELECT.format(_e(row["id"]), _e(row["organization_name"]))
    group = ""
    if row["show_group"]:
        group = _GROUP.format(_e(row["group"]) if row["group"] else _NO_LEVEL)
    email = _e(row["contact_email"])
    return mark_safe(  # noqa: S308 (every value above is escaped)
        _ROW.format(
            select=select,
            group=group,
            id=account_id,
            managed_class=" is-managed" if row["is_managed"] else "",
            org=_e(row["organization_name"]),
            url=_e(row["url"]),
            login=_e(row["login_name"]),
            kind=_MANAGED if row["is_managed"] else _REFERRED,
            level=level,
            owner=_e(row["owner_name"]),
            email=email,
            status_slug=_e(row["status_slug"]),
            status=_e(row["status_label"]),
            contacts=_e(row["contacts"]),
            last_login=last_login,
            moved_iso=_e(row["moved"][0]),
            moved=_e(row["moved"][1]),
            action=action,
        )
    )


def _e(value) -> str:
    return html.escape(str(value))
