"""Keyset pagination: each page starts after the last row of the one before, on an index,
so page 1,000 costs what page 1 costs. Cursors are opaque strings.

A page can also be reached by number: ``keyset_seek`` finds the boundary row before a given
position (one index range walked up to that position, reading only the column and ``id``)
and turns it into an ordinary cursor, so the page itself and every page after it are keyset
reads again. A cursor may carry the position of the page it leads to; the pages show it as
"26–50 of 324", and it is only a label (rows added or removed since make it approximate).

Rows are ordered by one column and then by ``id``. Rows whose column is empty (NULL) come
last in both directions, as their own segment ordered by ``id``, which keeps the ordering
the same on SQLite and PostgreSQL without relying on their different NULL orders.
"""

import base64
import datetime as dt
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q, QuerySet

from partnerhub.core import prepared


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
    offset: int | None = None  # position of the first row of the page it leads to, if known

    def encode(self) -> str:
        parts = [self.value, self.id, int(self.null_segment), int(self.backward)]
        if self.offset is not None:
            parts.append(self.offset)
        raw = json.dumps(parts, cls=_CursorEncoder)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            parts = json.loads(base64.urlsafe_b64decode(padded))
            if not isinstance(parts, list) or len(parts) not in (4, 5):
                raise ValueError
            value, row_id, null_segment, backward, *rest = parts
            offset = rest[0] if rest else None
            if not isinstance(row_id, int) or isinstance(value, (list, dict)):
                raise ValueError
            if offset is not None and (
                not isinstance(offset, int) or isinstance(offset, bool) or offset < 0
            ):
                raise ValueError
            return cls(value, row_id, bool(null_segment), bool(backward), offset)
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidCursor("this page link is no longer valid") from exc


@dataclass(frozen=True)
class Source:
    """A ``.values()`` queryset not built yet, for ``keyset_page`` to read through
    ``core.prepared``: ``build(values)`` builds it, using ``values`` only as filter values;
    ``shape`` names everything else that changes it. ``generic``: the plan of its first page
    does not depend on the values (``prepared.rows``'s ``prepare``). A page after a boundary
    is planned once only where ``known`` names the values that tell how many rows it holds
    (a partner's): their own values are written into it and planned with (``prepared``),
    the boundary is not; otherwise it is planned with every value, on every run."""

    shape: Hashable
    build: Callable[[dict], QuerySet]
    values: dict[str, Any]
    using: str = DEFAULT_DB_ALIAS
    generic: bool = False
    known: tuple[str, ...] = ()


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None
    start: int | None = None  # position of the first row (0-based), when known
    total: int | None = None  # how many rows the whole view holds, when read with the page


def _boundary(row, field: str) -> tuple[Any, int]:
    """The sort value and id of a row: a model instance, or a dict from ``.values()``."""
    if isinstance(row, dict):
        return row[field], row["id"]
    return getattr(row, field), row.pk


def keyset_page(
    queryset: QuerySet | Source,
    *,
    field: str,
    descending: bool,
    size: int,
    cursor: Cursor | None = None,
    nullable: bool = False,
    start: int | None = None,
    columns: tuple[str, str] | None = None,
) -> KeysetPage:
    """One page of ``queryset`` ordered by ``field`` then ``id``, after or before ``cursor``.

    ``columns`` names other columns of the statement that hold the same values as ``field``
    and ``id`` (copies in a joined table whose index gives the order); the page is then
    ordered and bounded by them, and its rows' boundaries still read from ``field`` and ``id``.

    ``start`` is the position of the page's first row when the caller knows it; the page then
    keeps it and its cursors carry the positions of the pages they lead to.

    ``queryset`` may be a ``Source``: each statement of the page is then built once per shape
    and run again with the page's values (``core.prepared``), the same rows."""
    backward = bool(cursor and cursor.backward)
    column, id_column = columns or (field, "id")
    # Walk order: forward walks the display order; backward walks it in reverse and flips.
    walk_desc = descending != backward
    value_order = f"-{column}" if walk_desc else column
    id_order = f"-{id_column}" if walk_desc else id_column
    null_order = f"-{id_column}" if backward else id_column

    def valued(qs: QuerySet) -> QuerySet:
        if nullable:
            qs = qs.filter(**{f"{column}__isnull": False})
        return qs.order_by(value_order, id_order)

    def nulls(qs: QuerySet) -> QuerySet:
        return qs.filter(**{f"{column}__isnull": True}).order_by(null_order)

    def after_in_valued(value, row_id) -> Q:
        op = "lt" if walk_desc else "gt"
        after = Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"{id_column}__{op}": row_id})
        # The same rows, plus a plain bound on the column that SQLite and PostgreSQL use as the
        # start of an index range; without it they walk the index from the first row and
        # discard everything before the cursor, so deep pages cost what OFFSET costs.
        return Q(**{f"{column}__{op}e": value}) & after

    take = size + 1

    def fetch(step: str, limit: int, after: tuple[Any, int] | None = None) -> list:
        """The rows of one segment (``valued`` or ``nulls``), after a boundary if given."""

        def make(qs: QuerySet, values: dict) -> QuerySet:
            if step == "nulls":
                qs = nulls(qs)
                if after is not None:
                    op = "lt" if backward else "gt"
                    qs = qs.filter(**{f"{id_column}__{op}": values["after_id"]})
            else:
                qs = valued(qs)
                if after is not None:
                    qs = qs.filter(after_in_valued(values["after_value"], values["after_id"]))
            return qs[:limit]

        extra = {}
        if after is not None:
            extra = {"after_id": after[1]}
            if step != "nulls":
                extra["after_value"] = after[0]
        if not isinstance(queryset, Source):
            return list(make(queryset, extra))
        source = queryset
        values = {**source.values, **extra}
        if limit != take:  # the rest of a page after its first segment: one of many sizes
            return list(make(source.build(values), values))
        shape = (
            source.shape,
            field,
            columns,
            walk_desc,
            backward,
            nullable,
            step,
            limit,
            after is None,
        )
        # Planned without its value, a boundary is guessed to leave a third of the rows after
        # it (a ninth, with the ``id`` tie-break). Of an average partner's rows that is
        # fewer than a page, and the plan then reads every row after the boundary and sorts
        # them instead of walking the index: 13 ms instead of 0.2 for a page deep into a
        # partner's 10,000 accounts, where partners average 100. Planned knowing the partner,
        # the guess starts from the partner's own size, and the plan walks the index where
        # that size is large (a small partner's rows are few to sort).
        return prepared.rows(
            shape,
            lambda v: make(source.build(v), v),
            values,
            using=source.using,
            prepare=source.generic and (after is None or bool(source.known)),
            known=source.known if after is not None else (),
        )

    # Segments in walk order: forward = valued then nulls; backward = nulls then valued.
    rows: list = []
    boundary = None if cursor is None else (cursor.value, cursor.id)
    if not backward:
        if cursor is None:
            rows = fetch("valued", take)
            if nullable and len(rows) < take:
                rows += fetch("nulls", take - len(rows))
        elif cursor.null_segment:
            rows = fetch("nulls", take, boundary)
        else:
            rows = fetch("valued", take, boundary)
            if nullable and len(rows) < take:
                rows += fetch("nulls", take - len(rows))
    else:
        if cursor.null_segment:
            rows = fetch("nulls", take, boundary)
            if len(rows) < take:
                rows += fetch("valued", take - len(rows))
        else:
            rows = fetch("valued", take, boundary)

    has_more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()

    def cursor_at(row, *, going_back: bool) -> str:
        value, row_id = _boundary(row, field)
        offset = None
        if start is not None:
            offset = max(0, start - size) if going_back else start + len(rows)
        return Cursor(value, row_id, value is None, going_back, offset).encode()

    if not rows:
        return KeysetPage([], None, None, start)
    if backward:
        prev_cursor = cursor_at(rows[0], going_back=True) if has_more else None
        next_cursor = cursor_at(rows[-1], going_back=False)
    else:
        next_cursor = cursor_at(rows[-1], going_back=False) if has_more else None
        prev_cursor = cursor_at(rows[0], going_back=True) if cursor is not None else None
    return KeysetPage(rows, next_cursor, prev_cursor, start)


def keyset_seek(
    queryset: QuerySet,
    *,
    field: str,
    descending: bool,
    offset: int,
    nullable: bool = False,
    columns: tuple[str, str] | None = None,
) -> Cursor | None:
    """The cursor of the page that starts at row ``offset`` (0-based) of ``queryset`` in the
    order ``keyset_page`` uses (``columns`` as there), or None for the first page or a
    position past the last row.

    It reads the one row before that position: an index range walked up to ``offset``, the
    column and ``id`` only. Every page from there on is a keyset read again."""
    if offset <= 0:
        return None
    field, id_column = columns or (field, "id")
    value_order = f"-{field}" if descending else field
    id_order = f"-{id_column}" if descending else id_column
    valued = queryset
    if nullable:
        valued = valued.filter(**{f"{field}__isnull": False})
    found = list(
        valued.order_by(value_order, id_order).values_list(field, id_column)[offset - 1 : offset]
    )
    if found:
        value, row_id = found[0]
        return Cursor(value, row_id, False, False, offset)
    if not nullable:
        return None
    in_nulls = offset - 1 - valued.count()
    if in_nulls < 0:
        return None
    nulls = queryset.filter(**{f"{field}__isnull": True}).order_by(id_column)
    found = list(nulls.values_list(id_column, flat=True)[in_nulls : in_nulls + 1])
    return Cursor(None, found[0], True, False, offset) if found else None
