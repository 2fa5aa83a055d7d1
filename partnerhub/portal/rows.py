"""The rows of *My accounts*, ready to print: every value the row template shows is worked out
here once (labels, dates in the reader's zone, grouped numbers, the row's links), so that the
template only places them. A page is 25 to 100 of these; building them in Python costs a
fraction of resolving filters, tags and model properties row by row in the template.

One shape for both ways a row is drawn: from a page read as values (``with_pending``, the
account and its open request in one statement) and from an account and its open request (the
single row an htmx answer swaps in).
"""

from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
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


def account_row(values: dict, links: RowLinks) -> dict:
    """What the row template prints for one account read ``with_pending``."""
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
