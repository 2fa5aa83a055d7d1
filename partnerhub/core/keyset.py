"""Keyset pagination: each page starts after the last row of the one before, on an index,
so page 1,000 costs what page 1 costs. Cursors are opaque strings.

Rows are ordered by one column and then by ``id``. Rows whose column is empty (NULL) come
last in both directions, as their own segment ordered by ``id``, which keeps the ordering
the same on SQLite and PostgreSQL without relying on their different NULL orders.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet


class InvalidCursor(ValueError):
    pass


class _CursorEncoder(DjangoJSONEncoder):
    """Keeps a datetime's microseconds (DjangoJSONEncoder cuts them to milliseconds): a
    boundary that lost them sorts before its own row, and the next page repeats it."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return super().default(o)


@dataclass(frozen=True)
class Cursor:
    value: Any  # the column value of the boundary row (None in the NULL segment)
    id: int
    null_segment: bool
    backward: bool  # True: the page *before* this boundary

    def encode(self) -> str:
        raw = json.dumps(
            [self.value, self.id, int(self.null_segment), int(self.backward)], cls=_CursorEncoder
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            value, row_id, null_segment, backward = json.loads(base64.urlsafe_b64decode(padded))
            if not isinstance(row_id, int) or isinstance(value, (list, dict)):
                raise ValueError
            return cls(value, row_id, bool(null_segment), bool(backward))
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidCursor("this page link is no longer valid") from exc


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None


def _boundary(row, field: str) -> tuple[Any, int]:
    return getattr(row, field), row.pk


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    descending: bool,
    size: int,
    cursor: Cursor | None = None,
    nullable: bool = False,
) -> KeysetPage:
    """One page of ``queryset`` ordered by ``field`` then ``id``, after or before ``cursor``."""
    backward = bool(cursor and cursor.backward)
    # Walk order: forward walks the display order; backward walks it in reverse and flips.
    walk_desc = descending != backward
    value_order = f"-{field}" if walk_desc else field
    id_order = "-id" if walk_desc else "id"
    null_order = "-id" if backward else "id"

    def valued(qs: QuerySet) -> QuerySet:
        if nullable:
            qs = qs.filter(**{f"{field}__isnull": False})
        return qs.order_by(value_order, id_order)

    def nulls(qs: QuerySet) -> QuerySet:
        return qs.filter(**{f"{field}__isnull": True}).order_by(null_order)

    def after_in_valued(value, row_id) -> Q:
        op = "lt" if walk_desc else "gt"
        after = Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": row_id})
        # The same rows, plus a plain bound on the column that SQLite and PostgreSQL use as the
        # start of an index range; without it they walk the index from the first row and
        # discard everything before the cursor, so deep pages cost what OFFSET costs.
        return Q(**{f"{field}__{op}e": value}) & after

    take = size + 1
    # Segments in walk order: forward = valued then nulls; backward = nulls then valued.
    rows: list = []
    if not backward:
        if cursor is None:
            rows = list(valued(queryset)[:take])
            if nullable and len(rows) < take:
                rows += list(nulls(queryset)[: take - len(rows)])
        elif cursor.null_segment:
            rows = list(nulls(queryset).filter(id__gt=cursor.id)[:take])
        else:
            rows = list(valued(queryset).filter(after_in_valued(cursor.value, cursor.id))[:take])
            if nullable and len(rows) < take:
                rows += list(nulls(queryset)[: take - len(rows)])
    else:
        if cursor.null_segment:
            rows = list(nulls(queryset).filter(id__lt=cursor.id)[:take])
            if len(rows) < take:
                rows += list(valued(queryset)[: take - len(rows)])
        else:
            rows = list(valued(queryset).filter(after_in_valued(cursor.value, cursor.id))[:take])

    has_more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()

    def cursor_at(row, *, going_back: bool) -> str:
        value, row_id = _boundary(row, field)
        return Cursor(value, row_id, value is None, going_back).encode()

    if not rows:
        return KeysetPage([], None, None)
    if backward:
        prev_cursor = cursor_at(rows[0], going_back=True) if has_more else None
        next_cursor = cursor_at(rows[-1], going_back=False)
    else:
        next_cursor = cursor_at(rows[-1], going_back=False) if has_more else None
        prev_cursor = cursor_at(rows[0], going_back=True) if cursor is not None else None
    return KeysetPage(rows, next_cursor, prev_cursor)
