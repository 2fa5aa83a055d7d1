"""The account search: a term found anywhere in the organization, owner or login name.

What matches is defined by Django's ``icontains`` on those three columns (the scan): case is
ignored as the engine's ``LIKE`` ignores it, and ``%`` and ``_`` are plain characters. A
substring index (migration ``clients.0004``) finds the candidates without walking the
partner's rows, and the scan's own predicate is kept on them, so the index changes how fast
rows are found, never which:

- SQLite: the FTS5 trigram table ``clients_account_search`` gives the ids of the rows whose
  names contain the term (its case folding is wider than ``LIKE``'s, so it finds at least the
  rows ``LIKE`` finds); the ``LIKE`` then keeps exactly those.
- PostgreSQL: ``pg_trgm`` GIN indexes on ``UPPER(column)``, the expressions ``icontains``
  compares, serve the very same predicate.

Terms shorter than three characters have no trigram: they fall back to the scan.
"""

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

SEARCHED = ("organization_name", "owner_name", "login_name")
MIN_INDEXED_LENGTH = 3
FTS_TABLE = "clients_account_search"


def scan_filter(term: str) -> Q:
    """The definition of a match: the term in any of the searched columns."""
    q = Q()
    for column in SEARCHED:
        q |= Q(**{f"{column}__icontains": term})
    return q


def _fts_phrase(term: str) -> str:
    """The term as one FTS5 string: every character literal, quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


def uses_index(term: str) -> bool:
    return len(term) >= MIN_INDEXED_LENGTH and connection.vendor in ("sqlite", "postgresql")


def search_filter(queryset: QuerySet, term: str) -> QuerySet:
    """``queryset`` narrowed to the rows that match ``term``."""
    queryset = queryset.filter(scan_filter(term))
    if len(term) >= MIN_INDEXED_LENGTH and connection.vendor == "sqlite":
        candidates = RawSQL(  # noqa: S611 (a constant statement, the term is a parameter)
            f'SELECT rowid FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s',  # noqa: S608
            [_fts_phrase(term)],
        )
        queryset = queryset.filter(id__in=candidates)
    return queryset
