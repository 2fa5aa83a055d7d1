"""The few SQL spellings that differ between SQLite and PostgreSQL, for the set-based close."""

from contextlib import contextmanager

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def date_param() -> str:
    return "CAST(%s AS DATE)" if is_postgres() else "%s"


def add_days(date_expr: str, days_expr: str) -> str:
    if is_postgres():
        return f"({date_expr} + CAST({days_expr} AS INTEGER))"
    return f"date({date_expr}, '+' || ({days_expr}) || ' days')"


def day_of(timestamp_expr: str) -> str:
    """The UTC calendar day of a stored timestamp."""
    if is_postgres():
        return f"CAST(({timestamp_expr} AT TIME ZONE 'UTC') AS DATE)"
    return f"substr({timestamp_expr}, 1, 10)"


def month_of(date_expr: str) -> str:
    if is_postgres():
        return f"CAST(date_trunc('month', {date_expr}) AS DATE)"
    return f"strftime('%%Y-%%m-01', {date_expr})"


def greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if is_postgres() else f"max({a}, {b})"


def key(prefix: str, id_expr: str) -> str:
    return (
        f"('{prefix}:' || CAST({id_expr} AS TEXT))"
        if is_postgres()
        else f"('{prefix}:' || {id_expr})"
    )


def not_written(alias: str, key_expr: str) -> str:
    """The condition that the ledger holds no line of ``key_expr`` yet, for an INSERT that
    ends with ``skip_written``: each fact earns at most once, through the ledger's unique
    ``source_key``.

    SQLite probes the unique index for each line (a NOT EXISTS). On PostgreSQL the INSERT
    itself skips a key already written (``ON CONFLICT … DO NOTHING``), on the probe of that
    index that every insert makes anyway. Written as an anti-join there, a close into an
    empty ledger was planned as a scan of the ledger for every line, and that scan reread the
    lines the statement had written so far: the first close of a program of 1,000,000
    accounts (326,145 lines) took 688 s."""
    if is_postgres():
        return "TRUE"
    return (
        f"NOT EXISTS (SELECT 1 FROM earnings_ledgerline {alias}"
        f" WHERE {alias}.source_key = {key_expr})"
    )


def skip_written() -> str:
    """The end of an INSERT of ledger lines whose condition names ``not_written``."""
    return " ON CONFLICT (source_key) DO NOTHING" if is_postgres() else ""


def false() -> str:
    return "FALSE" if is_postgres() else "0"


def unindexed(expr: str) -> str:
    """``expr`` in a condition that nearly every row meets: SQLite would otherwise walk the
    table through that column's index, row by row in index order, instead of reading it
    straight through (a unary ``+`` keeps it off the index; PostgreSQL weighs it itself)."""
    return expr if is_postgres() else f"+{expr}"


@contextmanager
def page_cache(kib: int):
    """On SQLite, a page cache of ``kib`` KiB for the statements inside, then the previous size
    again: statements that read and write across whole tables otherwise go back to the file
    for the same pages over and over. The cache is a fixed budget, whatever the tables hold."""
    if is_postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
