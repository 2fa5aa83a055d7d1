"""Reads of client accounts that the portal pages and the API share."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from partnerhub.access.levels import AccessLevel
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.status import STATUS_FILTERS, AccountStatus
from partnerhub.core.keyset import Cursor, KeysetPage, keyset_page, keyset_seek

# Sortable columns: name in the URL -> (model field, may be empty).
SORTS: dict[str, tuple[str, bool]] = {
    "organization": ("organization_name", False),
    "owner": ("owner_name", False),
    "login": ("login_name", False),
    "contacts": ("contact_count", False),
    "last_login": ("last_login_at", True),
    "moved": ("partnered_on", False),
}
DEFAULT_SORT = "organization"
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
SEARCH_MAX_LENGTH = 100

LIST_COLUMNS = (
    "id",
    "encoded_account_id",
    "organization_name",
    "owner_name",
    "login_name",
    "contact_email",  # the second line of a row, so that rows with the same name differ
    "contact_count",
    "plan_type",  # shown by the API's list; left out, each row would fetch it on its own
    "billing_status",
    "disabled_reason",
    "single_bill",
    "last_login_at",
    "partnership_kind",
    "access_level",
    "partnered_on",
    "partner_id",
)


@dataclass(frozen=True)
class AccountListQuery:
    """The filters of *My accounts*, as they appear in its URL."""

    search: str = ""
    kind: str = ""  # "", "referred" or "managed"
    status: str = ""  # "" or an AccountStatus value
    level: str = ""  # "" or an access level (managed accounts granted it)
    sort: str = DEFAULT_SORT
    descending: bool = False
    size: int = DEFAULT_PAGE_SIZE
    cursor: Cursor | None = None
    page: int | None = None  # a page asked for by number ("Go to page"), instead of a cursor
    errors: list[str] = field(default_factory=list)


def partner_accounts(*, partner_id: int) -> QuerySet[ClientAccount]:
    """Every account currently in the partner's partnership."""
    return ClientAccount.objects.filter(partner_id=partner_id)


def partner_account_get(*, partner_id: int, encoded_account_id: str) -> ClientAccount:
    """One account of the partnership, or ``ClientAccount.DoesNotExist``."""
    return partner_accounts(partner_id=partner_id).get(encoded_account_id=encoded_account_id)


def filtered_partner_accounts(*, partner_id: int, query: AccountListQuery) -> QuerySet:
    qs = partner_accounts(partner_id=partner_id)
    if query.kind:
        qs = qs.filter(partnership_kind=query.kind)
    if query.status:
        qs = qs.filter(STATUS_FILTERS[query.status])
    if query.level:
        qs = qs.filter(access_level=query.level)
    if query.search:
        term = query.search
        qs = qs.filter(
            Q(organization_name__icontains=term)
            | Q(owner_name__icontains=term)
            | Q(login_name__icontains=term)
        )
    return qs


def partner_accounts_page(
    *, partner_id: int, query: AccountListQuery, numbered: bool = False
) -> KeysetPage:
    """One page of *My accounts*.

    ``numbered`` pages (the portal's) know their position and can be asked for by number:
    such a page is found by seeking its first row once (``keyset_seek``); from there, and
    for cursors, pages are keyset reads, and their cursors carry the position. Without it
    (the APIs) cursors stay as they were and ``query.page`` is ignored."""
    column, nullable = SORTS[query.sort]
    qs = filtered_partner_accounts(partner_id=partner_id, query=query).only(*LIST_COLUMNS)
    cursor, start = query.cursor, None
    if not numbered:
        pass
    elif query.page and query.page > 1:
        start = (query.page - 1) * query.size
        cursor = keyset_seek(
            qs, field=column, descending=query.descending, offset=start, nullable=nullable
        )
        if cursor is None:  # past the last row
            start = 0
    elif query.page or cursor is None:
        start = 0
    else:
        start = cursor.offset
    return keyset_page(
        qs,
        field=column,
        descending=query.descending,
        size=query.size,
        cursor=cursor,
        nullable=nullable,
        start=start,
    )


def partner_accounts_iter(
    *, partner_id: int, query: AccountListQuery, chunk_size: int = 1000
) -> Iterator[ClientAccount]:
    """Every account of the filtered view, in its order, read in keyset chunks: memory stays
    at one chunk however many accounts the partner has."""
    column, nullable = SORTS[query.sort]
    qs = filtered_partner_accounts(partner_id=partner_id, query=query).only(*LIST_COLUMNS)
    cursor = None
    while True:
        page = keyset_page(
            qs,
            field=column,
            descending=query.descending,
            size=chunk_size,
            cursor=cursor,
            nullable=nullable,
        )
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = Cursor.decode(page.next_cursor)


def partner_account_ids(*, partner_id: int, query: AccountListQuery, limit: int) -> list[int]:
    """The ids of the filtered view's accounts, in its order, at most ``limit`` of them."""
    column, _ = SORTS[query.sort]
    order = [f"-{column}" if query.descending else column, "-id" if query.descending else "id"]
    qs = filtered_partner_accounts(partner_id=partner_id, query=query)
    return list(qs.order_by(*order).values_list("id", flat=True)[:limit])


def partner_accounts_count(*, partner_id: int, query: AccountListQuery) -> int:
    return filtered_partner_accounts(partner_id=partner_id, query=query).count()


def partner_account_kind_counts(*, partner_id: int) -> dict[str, int]:
    # One count per kind, each a range of the acct_p_kind_org index: a GROUP BY over all of a
    # large partner's rows costs about twice as much.
    accounts = partner_accounts(partner_id=partner_id)
    return {kind: accounts.filter(partnership_kind=kind).count() for kind in PartnershipKind.values}


def parse_account_list_query(params) -> AccountListQuery:
    """Read the list filters from a URL's query parameters; bad values fall back to defaults
    and are reported, never raised."""
    errors: list[str] = []
    search = (params.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
    kind = params.get("type") or ""
    if kind not in ("", *PartnershipKind.values):
        errors.append("Unknown account type; showing all types.")
        kind = ""
    status = params.get("status") or ""
    if status not in ("", *AccountStatus.values):
        errors.append("Unknown status; showing every status.")
        status = ""
    level = params.get("level") or ""
    if level not in ("", *AccessLevel.values):
        errors.append("Unknown access level; showing every level.")
        level = ""
    sort = params.get("sort") or DEFAULT_SORT
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    if sort not in SORTS:
        errors.append("Unknown sort; sorted by organization.")
        sort, descending = DEFAULT_SORT, False
    try:
        size = int(params.get("size") or DEFAULT_PAGE_SIZE)
    except ValueError:
        size = DEFAULT_PAGE_SIZE
    if size not in PAGE_SIZES:
        size = DEFAULT_PAGE_SIZE
    page = None
    if params.get("page"):
        try:
            page = int(params["page"])
            if page < 1:
                raise ValueError
        except ValueError:
            errors.append("There is no such page; showing the first page.")
            page = None
    cursor = None
    token = params.get("cursor")
    if token:
        column, nullable = SORTS[sort]
        try:
            cursor = Cursor.decode(token)
            # A cursor fits the view only if its boundary could be a row of this sort: empty
            # exactly in the empty segment, which only a column that may be empty has.
            if cursor.null_segment != (cursor.value is None) or (
                cursor.null_segment and not nullable
            ):
                raise ValueError("the cursor does not fit this sort")
            if cursor.value is not None:
                ClientAccount._meta.get_field(column).to_python(cursor.value)
        except (ValueError, TypeError, OverflowError, ValidationError):
            cursor = None
            errors.append("That page link no longer fits this view; showing the first page.")
    return AccountListQuery(
        search=search,
        kind=kind,
        status=status,
        level=level,
        sort=sort,
        descending=descending,
        size=size,
        cursor=cursor,
        page=page,
        errors=errors,
    )
