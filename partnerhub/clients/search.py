"""The account search: a term found anywhere in the organization, owner or login name.

What matches is defined by Django's ``icontains`` on those three columns (the scan): case is
ignored as the engine's ``LIKE`` ignores it, and ``%`` and ``_`` are plain characters. A
substring index (migration ``clients.0004``) finds the candidates without walking the
partner's rows, and the scan's own predicate is kept on them, so the index changes how fast
rows are found, never which:

- SQLite: the FTS5 trigram table ``clients_account_search`` gives the ids of the rows whose
  names contain the term (its case folding is wider than ``LIKE``'s, so it finds at least the
  rows ``LIKE`` finds); the ``LIKE`` then keeps exactly those. It also holds each account's
  partner as a key of its own (``partner_key``, migration ``clients.0007``): a partner's
  search asks for its key and the term together, and reads its own matches only.
- PostgreSQL: ``pg_trgm`` GIN indexes on ``UPPER(column)``, the expressions ``icontains``
  compares, serve the very same predicate. They lead with the account's partner
  (``btree_gin``, migration ``clients.0008``), which a partner's search compares with a
  ``bigint`` value (``partner_filter``: ``btree_gin`` has no cross-type operators, and a plain
  integer would leave the partner to another index, all of the partner's rows read to
  intersect them). The matches are read in a subquery of their own (its ``LIMIT`` keeps the
  planner from folding it into the page's statement), then sorted: folded in, PostgreSQL may
  instead walk the sort's index, expecting a page's matches among its first rows, and read
  most of the partner's rows when they lie further on. A search's first page with its total
  reads them in a materialized CTE instead (``clients.selectors``).

Terms shorter than three characters have no trigram: they fall back to the scan.
"""

from django.db import connection
from django.db.models import BigIntegerField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

SEARCHED = ("organization_name", "owner_name", "login_name")
MIN_INDEXED_LENGTH = 3
FTS_TABLE = "clients_account_search"
# A bound no set of matches reaches: the ``LIMIT`` of PostgreSQL's subquery of matches.
_ALL_ROWS = 2**63 - 1


def scan_filter(term: str) -> Q:
    """The definition of a match: the term in any of the searched columns."""
    q = Q()
    for column in SEARCHED:
        q |= Q(**{f"{column}__icontains": term})
    return q


def _fts_phrase(term: str) -> str:
    """The term as one FTS5 string: every character literal, quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


# An account's partner in the trigram table: three characters from a block of 20,000 (CJK
# ideographs, which no case folding changes), so that the key is one trigram of its own.
# The triggers of migration ``clients.0007`` compute the same key in SQL.
_KEY_BASE, _KEY_SPAN = 0x4E00, 20_000


def partner_key(partner_id: int) -> str:
    return "".join(
        chr(_KEY_BASE + (partner_id // _KEY_SPAN**power) % _KEY_SPAN) for power in (2, 1, 0)
    )


def _fts_query(term: str, partner_id: int | None) -> str:
    names = "{organization_name owner_name login_name} : " + _fts_phrase(term)
    if partner_id is None:
        return names
    return f'partner : "{partner_key(partner_id)}" AND {names}'


def uses_index(term: str) -> bool:
    return len(term) >= MIN_INDEXED_LENGTH and connection.vendor in ("sqlite", "postgresql")


def partner_filter(partner_id: int, term: str) -> Q:
    """The partner's accounts, as a search for ``term`` reads them: the partner as a
    ``bigint`` where PostgreSQL's trigram indexes serve the term, so that their partner
    column serves it too."""
    if uses_index(term) and connection.vendor == "postgresql":
        return Q(partner_id=Cast(Value(partner_id), BigIntegerField()))
    return Q(partner_id=partner_id)


def search_filter(
    queryset: QuerySet, term: str, *, partner_id: int | None = None, fence: bool = True
) -> QuerySet:
    """``queryset`` narrowed to the rows that match ``term``; ``partner_id`` says that it holds
    only that partner's accounts (the SQLite index then reads only theirs). ``fence=False``
    leaves PostgreSQL's matches unfenced, for a caller that reads them in a statement of
    their own already (a materialized CTE)."""
    queryset = queryset.filter(scan_filter(term))
    if not uses_index(term):
        return queryset
    if connection.vendor == "postgresql":
        if not fence:
            return queryset
        matches = queryset.order_by().values("id")[:_ALL_ROWS]
        return queryset.model.objects.filter(pk__in=matches)
    candidates = RawSQL(  # noqa: S611 (a constant statement, the term is a parameter)
        f'SELECT rowid FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s',  # noqa: S608
        [_fts_query(term, partner_id)],
    )
    return queryset.filter(id__in=candidates)
