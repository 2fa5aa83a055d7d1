"""The few SQL spellings that differ between SQLite and PostgreSQL, for the set-based close."""

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


def false() -> str:
    return "FALSE" if is_postgres() else "0"
