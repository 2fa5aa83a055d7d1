"""Reads of client accounts that the portal pages and the API share."""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db.models import (
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
)
from django_cte import CTE, with_cte

from partnerhub.access.levels import AccessLevel
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.search import partner_filter, search_filter, uses_index
from partnerhub.clients.status import STATUS_FILTERS, AccountStatus
from partnerhub.core.keyset import Cursor, KeysetPage, Source, keyset_page, keyset_seek
from partnerhub.organizations.models import AccountGroup, AccountTagging
from partnerhub.partners.models import AccountAssignment
from partnerhub.partners.selectors import assigned_kind_counts, assignments_dense, visible_only
from partnerhub.partnerships.counters import partner_kind_counts

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
# The parameters that choose which accounts a view of *My accounts* holds and in what order
# (``parse_account_list_query`` reads them); ``size`` only cuts that view into pages.
FILTER_PARAMS = ("q", "type", "status", "level", "assigned", "group", "tag", "sort")
VIEW_PARAMS = (*FILTER_PARAMS, "size")
ID_MAX = 2**63 - 1  # the largest id either database holds
# Totals that only a walk of the matching rows can give (a search, a status filter) are
# counted up to this many and then shown as "1,000+".
COUNT_CAP = 1000

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
    "group_id",
)
# The "Group" filter's value for the accounts in no group.
NO_GROUP = "none"

# A page read as values (``with_pending``): the list columns, and the account's open manage
# request (at most one: a unique constraint) with who asked and the end of the grant it would
# extend, joined in the same statement as ``pending_<field>``.
PENDING_COLUMNS = (
    "id",
    "kind",
    "status",
    "message",
    "level",
    "duration_days",
    "created_at",
    "expires_at",
    "decided_at",
    "grant__ends_at",
    "requested_by__first_name",
    "requested_by__last_name",
    "requested_by__email",
)
PENDING_STATUS = "pending"  # access.models.RequestStatus.PENDING


def _with_pending_values(qs: QuerySet) -> QuerySet:
    pending = FilteredRelation(
        "manage_requests", condition=Q(manage_requests__status=PENDING_STATUS)
    )
    return qs.annotate(pending=pending).values(
        *LIST_COLUMNS, **{f"pending_{c}": F(f"pending__{c}") for c in PENDING_COLUMNS}
    )


def pending_of(row: dict) -> dict | None:
    """The open request of a row read ``with_pending``, as a dict of ``PENDING_COLUMNS``
    (``grant__ends_at`` as ``grant_ends_at``, who asked as ``requested_by``: their name, else
    their e-mail), or None."""
    if row["pending_id"] is None:
        return None
    found = {c.replace("__", "_"): row[f"pending_{c}"] for c in PENDING_COLUMNS}
    name = f"{found.pop('requested_by_first_name')} {found.pop('requested_by_last_name')}"
    email = found.pop("requested_by_email")
    found["requested_by"] = name.strip() or email
    found["requested_by_email"] = email
    return found


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
    # Only the accounts assigned to this member: the "Assigned to" filter ...
    assigned_to: int | None = None
    # ... and the bound of a member restricted to their assigned accounts, set by the surface
    # from ``partners.selectors.restricted_member_id``, never from the URL.
    visible_to: int | None = None
    # An organization's group (its accounts and its subgroups'), or NO_GROUP; and a tag's id.
    group: str = ""
    tag: int | None = None
    errors: list[str] = field(default_factory=list)


def partner_accounts(*, partner_id: int) -> QuerySet[ClientAccount]:
    """Every account currently in the partner's partnership."""
    return ClientAccount.objects.filter(partner_id=partner_id)


def partner_account_get(
    *, partner_id: int, encoded_account_id: str, visible_to: int | None = None
) -> ClientAccount:
    """One account of the partnership, or ``ClientAccount.DoesNotExist``; with ``visible_to``
    (a member restricted to their assigned accounts) only one of theirs."""
    accounts = visible_only(partner_accounts(partner_id=partner_id), member_id=visible_to)
    return accounts.get(encoded_account_id=encoded_account_id)


def _assigned_only(qs: QuerySet, member_id: int | None, query: AccountListQuery, ordered: bool):
    if member_id is None:
        return qs
    # A page without a search or a status filter follows the sort's index: with many assigned
    # accounts it finds a page's rows among the first ones it reads.
    ordered = (
        ordered and not (query.search or query.status) and assignments_dense(member_id=member_id)
    )
    return visible_only(qs, member_id=member_id, ordered=ordered)


class NoIndex(Func):
    """A column, which on SQLite no index serves (``+column``, SQLite's documented way to keep
    a term from choosing an index, as ``earnings.sql.unindexed`` writes it in raw SQL). On
    PostgreSQL it is the plain column: its planner weighs the index with each value's
    statistics, and ``+column`` would hide those from it."""

    template = "%(expressions)s"

    def __init__(self, column: str):
        super().__init__(F(column), output_field=IntegerField())

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


# The joined assignment row of the member whose assignments order a view (``keyset_columns``),
# and its copies of the account's name and id.
ASSIGNED_ROW = "assigned_row"
ASSIGNED_NAME = "assigned_name"
ASSIGNED_ID = "assigned_account"


def _members(query: AccountListQuery) -> set[int]:
    """The members whose assignments bound the view: the "Assigned to" filter's and the
    reader's own, when they see only their assigned accounts."""
    return {m for m in (query.visible_to, query.assigned_to) if m is not None}


def _name_order_member(query: AccountListQuery) -> int | None:
    """The member whose assignments give the view its order: in a view of one member's
    accounts (theirs, or "Assigned to" them) in the default order, by organization name, with
    no search or status filter, each assignment's copy of the name (an index per member) gives
    the page's rows one by one. None for every other view."""
    if query.sort != DEFAULT_SORT or query.search or query.status or narrowed(query):
        return None
    return query.visible_to if query.visible_to is not None else query.assigned_to


def keyset_columns(query: AccountListQuery) -> tuple[str, str] | None:
    """The columns that order and bound the view's pages in place of its sort column and
    ``id`` (``core.keyset``'s ``columns``), or None to use those."""
    if _name_order_member(query) is None:
        return None
    return ASSIGNED_NAME, ASSIGNED_ID


def filtered_partner_accounts(
    *, partner_id: int, query: AccountListQuery, ordered: bool = False, fence: bool = True
) -> QuerySet:
    """The partner's accounts that ``query`` holds (``fence``: ``search_filter``'s)."""
    qs = ClientAccount.objects.filter(partner_filter(partner_id, query.search))
    by_name = _name_order_member(query)
    if by_name is not None:
        # The member's assignments joined (one row per account: a unique constraint), in
        # place of a test of each account against them. They are some of the partner's
        # accounts, so the statement reads them first and tests each account's partner as it
        # goes; with the partner's index usable, SQLite, which knows only the average partner,
        # would read the partner's accounts and sort them.
        mine = FilteredRelation("assignments", condition=Q(assignments__member_id=by_name))
        # The copies are named once, here: each later filter on the joined row itself would
        # join the assignments again.
        qs = (
            ClientAccount.objects.annotate(**{ASSIGNED_ROW: mine})
            .annotate(
                **{
                    ASSIGNED_NAME: F(f"{ASSIGNED_ROW}__organization_name"),
                    ASSIGNED_ID: F(f"{ASSIGNED_ROW}__account_id"),
                }
            )
            .alias(partner_tested=NoIndex("partner_id"))
            .filter(**{f"{ASSIGNED_ID}__isnull": False}, partner_tested=partner_id)
        )
    for member_id in (query.visible_to, query.assigned_to):
        if member_id != by_name:
            qs = _assigned_only(qs, member_id, query, ordered)
    if query.kind:
        qs = qs.filter(partnership_kind=query.kind)
    if query.status:
        qs = qs.filter(STATUS_FILTERS[query.status])
    if query.level:
        qs = qs.filter(access_level=query.level)
    if query.group == NO_GROUP:
        qs = qs.filter(group__isnull=True)
    elif query.group:
        group_id = int(query.group)
        groups = AccountGroup.objects.filter(
            Q(pk=group_id) | Q(parent_id=group_id), partner_id=partner_id
        ).values_list("id", flat=True)
        # One group, read on the (partner, group, organization_name, id) index; a group with
        # subgroups reads each of them.
        qs = qs.filter(group_id__in=list(groups) or [0])
    if query.tag:
        qs = qs.filter(
            pk__in=AccountTagging.objects.filter(
                tag_id=query.tag, tag__partner_id=partner_id
            ).values("account_id")
        )
    if query.search:
        qs = search_filter(qs, query.search, partner_id=partner_id, fence=fence)
    return qs


def _page_source(*, partner_id: int, query: AccountListQuery, with_pending: bool) -> Source | None:
    """The page's statement as a ``Source`` (built once per shape, see ``core.prepared``)
    where only the partner and the type, status and level filters shape it; None where a
    search, a member's assignments, a group or a tag do (those read more than the page, and
    are built each time)."""
    if query.search or query.visible_to or query.assigned_to or narrowed(query):
        return None
    plain = AccountListQuery(kind=query.kind, status=query.status, level=query.level)

    def build(values: dict) -> QuerySet:
        qs = filtered_partner_accounts(partner_id=values["partner_id"], query=plain, ordered=True)
        return _with_pending_values(qs) if with_pending else qs.values(*LIST_COLUMNS)

    shape = ("partner_accounts_page", plain.kind, plain.status, plain.level, with_pending)
    # Planned once per connection (a page after a boundary: once per partner, ``Source``)
    # where the page walks an index in the sort's order that leads with every filter: the
    # partner's (``acct_p_<sort>``), or the partner's and the type's in organization order
    # (``acct_p_kind_org``). A status or level filter is on no index: planned without its
    # value it is guessed rare, and the plan would sort them all.
    generic = not (query.status or query.level) and (not query.kind or query.sort == "organization")
    return Source(shape, build, {"partner_id": partner_id}, generic=generic, known=("partner_id",))


def _seek_rows(*, partner_id: int, query: AccountListQuery) -> QuerySet:
    """The rows ``keyset_seek`` walks to find where a numbered page starts. A member's
    accounts in name order, of every type and level, are their assignments with the partner:
    an assignment ends with the account's partnership (``partnerships.services``), so these
    hold the same rows, in the same order, and their index alone gives the position without
    a lookup of each account. The position only places the page: its rows are read from the
    accounts, with every filter."""
    by_name = _name_order_member(query)
    if by_name is not None and _members(query) == {by_name} and not (query.kind or query.level):
        return AccountAssignment.objects.filter(member_id=by_name, partner_id=partner_id).annotate(
            **{ASSIGNED_NAME: F("organization_name"), ASSIGNED_ID: F("account_id")}
        )
    return filtered_partner_accounts(partner_id=partner_id, query=query).only(*LIST_COLUMNS)


def total_with_page(query: AccountListQuery) -> bool:
    """Whether the first page of the view can bring its total along (``with_total``): a
    search read through the substring index, whose every match the statement reads anyway
    to sort them, in a sort without empty values (one statement per page)."""
    return (
        bool(query.search)
        and uses_index(query.search)
        and not SORTS[query.sort][1]
        and query.cursor is None
        and not query.page
    )


# The page's own copy of its sort value and id, which order and bound it
# (``keyset_page``'s ``columns``) in ``_matches_first_page``.
MATCH_VALUE, MATCH_ID = "match_value", "match_id"


def _matches_first_page(
    *, partner_id: int, query: AccountListQuery, with_pending: bool
) -> QuerySet:
    """A search's first page and its total (``view_total``) in one statement: the matches
    read once (a materialized CTE) and counted there, the page's rows taken from them in the
    view's order, and only those joined to their accounts and open requests. Folded into one
    query, every match was read again by id and joined to its open request before the sort
    and the count, which cost PostgreSQL half as much again."""
    column, _ = SORTS[query.sort]
    order = [f"-{c}" if query.descending else c for c in (column, "id")]
    found = filtered_partner_accounts(partner_id=partner_id, query=query, ordered=True, fence=False)
    matches = CTE(found.order_by().values("id", column), name="matches", materialized=True)
    # ``keyset_page`` takes one row past the page, to know whether another follows.
    page = CTE(
        matches.queryset().order_by(*order).values("id", column)[: query.size + 1], name="page"
    )
    total = matches.queryset().order_by().annotate(n=Func("id", function="COUNT")).values("n")
    qs = page.join(ClientAccount.objects.all(), id=page.col.id).annotate(
        **{MATCH_VALUE: getattr(page.col, column), MATCH_ID: page.col.id}
    )
    qs = with_cte(matches, page, select=qs)
    qs = _with_pending_values(qs) if with_pending else qs.values(*LIST_COLUMNS)
    return qs.annotate(view_total=Subquery(total, output_field=IntegerField()))


def partner_accounts_page(
    *,
    partner_id: int,
    query: AccountListQuery,
    numbered: bool = False,
    as_values: bool = False,
    with_pending: bool = False,
    with_total: bool = False,
) -> KeysetPage:
    """One page of *My accounts*.

    The rows are accounts; with ``as_values``, dicts of ``LIST_COLUMNS``; with
    ``with_pending``, those dicts and each account's open request (``pending_of``), read in the
    same statement. With ``with_total`` (where ``total_with_page`` allows it; dicts only)
    the page's statement also counts the view's rows, as ``page.total``.

    ``numbered`` pages (the portal's) know their position and can be asked for by number:
    such a page is found by seeking its first row once (``keyset_seek``); from there, and
    for cursors, pages are keyset reads, and their cursors carry the position. Without it
    (the APIs) cursors stay as they were and ``query.page`` is ignored."""
    column, nullable = SORTS[query.sort]
    columns = keyset_columns(query)
    qs = None
    if with_total:
        if not (total_with_page(query) and (with_pending or as_values)):
            raise ValueError("this view's total is not read with its page")
        qs = _matches_first_page(partner_id=partner_id, query=query, with_pending=with_pending)
        columns = (MATCH_VALUE, MATCH_ID)
    elif with_pending or as_values:
        qs = _page_source(partner_id=partner_id, query=query, with_pending=with_pending)
    if qs is None:
        qs = filtered_partner_accounts(partner_id=partner_id, query=query, ordered=True)
        if with_pending:
            qs = _with_pending_values(qs)
        elif as_values:
            qs = qs.values(*LIST_COLUMNS)
        else:
            qs = qs.only(*LIST_COLUMNS)
    cursor, start = query.cursor, None
    if not numbered:
        pass
    elif query.page and query.page > 1:
        start = (query.page - 1) * query.size
        # Seeking far into a member's assigned accounts walks their assignments' index in name
        # order (``keyset_columns``); in another order it reads them first (one lookup each).
        # The page from there follows the sort (see ``filtered_partner_accounts``).
        seek_qs = _seek_rows(partner_id=partner_id, query=query)
        cursor = keyset_seek(
            seek_qs,
            field=column,
            descending=query.descending,
            offset=start,
            nullable=nullable,
            columns=keyset_columns(query),
        )
        if cursor is None:  # past the last row
            start = 0
    elif query.page or cursor is None:
        start = 0
    else:
        start = cursor.offset
    page = keyset_page(
        qs,
        field=column,
        descending=query.descending,
        size=query.size,
        cursor=cursor,
        nullable=nullable,
        start=start,
        columns=columns,
    )
    if with_total:
        page.total = page.rows[0]["view_total"] if page.rows else 0
    return page


@dataclass(frozen=True)
class AccountsView:
    """A numbered page of *My accounts* as the portal shows it, with the view's total."""

    query: AccountListQuery  # as asked, or moved to the last page when asked past it
    page: KeysetPage
    total: int
    capped: bool  # ``total`` is ``COUNT_CAP`` and there are more


def partner_accounts_view(
    *, partner_id: int, query: AccountListQuery, kind_counts: dict[str, int]
) -> AccountsView:
    """The page (``with_pending``) and its total, in as few statements as the view allows:
    a search's first page counts its matches in its own statement; a view of one type (or
    all) takes its total from ``kind_counts`` (``partner_account_kind_counts``); any other
    filter is counted, up to ``COUNT_CAP``."""
    if total_with_page(query):
        page = partner_accounts_page(
            partner_id=partner_id, query=query, numbered=True, with_pending=True, with_total=True
        )
        return AccountsView(query, page, page.total, False)
    capped = False
    if query.search or query.status or query.level or query.assigned_to or narrowed(query):
        total, capped = partner_accounts_count_capped(partner_id=partner_id, query=query)
    else:
        total = kind_counts[query.kind] if query.kind else sum(kind_counts.values())
    last_page = max(1, math.ceil(total / query.size))
    if query.page and query.page > last_page:
        query = replace(query, page=last_page)
    page = partner_accounts_page(
        partner_id=partner_id, query=query, numbered=True, with_pending=True
    )
    return AccountsView(query, page, total, capped)


def partner_accounts_iter(
    *, partner_id: int, query: AccountListQuery, chunk_size: int = 1000
) -> Iterator[ClientAccount]:
    """Every account of the filtered view, in its order, read in keyset chunks: memory stays
    at one chunk however many accounts the partner has."""
    column, nullable = SORTS[query.sort]
    qs = filtered_partner_accounts(partner_id=partner_id, query=query, ordered=True).only(
        *LIST_COLUMNS
    )
    cursor = None
    while True:
        page = keyset_page(
            qs,
            field=column,
            descending=query.descending,
            size=chunk_size,
            cursor=cursor,
            nullable=nullable,
            columns=keyset_columns(query),
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


def _member_counted(*, partner_id: int, query: AccountListQuery) -> int | None:
    """The view's exact total from a member's counters (``partnerships.counters``) when only
    one member's assignments and the type narrow it; None otherwise."""
    members = _members(query)
    if len(members) != 1 or query.search or query.status or query.level or narrowed(query):
        return None
    counts = assigned_kind_counts(member_id=members.pop(), partner_id=partner_id)
    return counts.get(query.kind, 0) if query.kind else sum(counts.values())


def partner_accounts_count(*, partner_id: int, query: AccountListQuery) -> int:
    counted = _member_counted(partner_id=partner_id, query=query)
    if counted is not None:
        return counted
    return filtered_partner_accounts(partner_id=partner_id, query=query).count()


def partner_accounts_total(*, partner_id: int, query: AccountListQuery) -> int:
    """The exact number of accounts the filtered view holds: from the counters when only the
    type narrows it, else counted."""
    if query.search or query.status or query.level or query.assigned_to or narrowed(query):
        return partner_accounts_count(partner_id=partner_id, query=query)
    counts = partner_account_kind_counts(partner_id=partner_id, visible_to=query.visible_to)
    return counts[query.kind] if query.kind else sum(counts.values())


def partner_accounts_count_capped(
    *, partner_id: int, query: AccountListQuery, cap: int | None = None
) -> tuple[int, bool]:
    """How many accounts the filtered view holds, counted up to ``cap``: ``(n, False)``, or
    ``(cap, True)`` when there are more ("1,000+"). A status filter or a search too short for
    the substring index can only be counted by walking the matching rows; the cap bounds that
    walk. A search through the index reads its matches only, and is counted exactly, as its
    first page counts it (``total_with_page``). A member's assigned accounts alone are
    counted exactly, from their counters."""
    counted = _member_counted(partner_id=partner_id, query=query)
    if counted is not None:
        return counted, False
    qs = filtered_partner_accounts(partner_id=partner_id, query=query)
    if query.search and uses_index(query.search):
        return qs.count(), False
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by().values("id")[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def partner_account_kind_counts(
    *, partner_id: int, visible_to: int | None = None
) -> dict[str, int]:
    """The partner's accounts by kind, from the counters the partnership and assignment
    services keep (``partnerships.counters``): the partner's, or for a member who sees only
    their assigned accounts, theirs; a few rows however many accounts either holds."""
    if visible_to is not None:
        return assigned_kind_counts(member_id=visible_to, partner_id=partner_id)
    return partner_kind_counts(partner_id=partner_id)


def group_paths(*, partner_id: int) -> dict[int, str]:
    """Each of the partner's groups by id, as its path ("North › Lakeside"): one query, for
    the Group column of a page or a file."""
    groups = AccountGroup.objects.filter(partner_id=partner_id).select_related("parent")
    return {g.pk: g.path for g in groups}


def narrowed(query: AccountListQuery) -> bool:
    """Whether an organization's group or tag filter narrows the view."""
    return bool(query.group or query.tag)


def _id_param(value: str) -> int | None:
    if value.isdigit() and 1 <= int(value) <= ID_MAX:
        return int(value)
    return None


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
    assigned_to = None
    if params.get("assigned"):
        try:
            assigned_to = int(params["assigned"])
            if not 1 <= assigned_to <= ID_MAX:
                raise ValueError
        except ValueError:
            errors.append("Unknown team member; showing accounts whoever they are assigned to.")
            assigned_to = None
    group = (params.get("group") or "").strip()
    if group and group != NO_GROUP and _id_param(group) is None:
        errors.append("Unknown group; showing accounts in every group.")
        group = ""
    tag = None
    if params.get("tag"):
        tag = _id_param(str(params["tag"]).strip())
        if tag is None:
            errors.append("Unknown tag; showing accounts with any tag.")
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
                # As the column's own value (a date, a moment), as the ORM would read it:
                # the page's kept statement then takes it as it is (``core.prepared``).
                value = ClientAccount._meta.get_field(column).to_python(cursor.value)
                cursor = replace(cursor, value=value)
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
        assigned_to=assigned_to,
        group=group,
        tag=tag,
        errors=errors,
    )
