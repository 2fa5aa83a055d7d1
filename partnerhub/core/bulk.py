"""``insert_many``: many rows of one model in one prepared INSERT, for imports.

``bulk_create`` builds a model instance per row and prepares every value of it through the
field; at a few hundred thousand rows that is most of an import's time. This writes plain
tuples with one prepared INSERT run by ``executemany`` (SQLite) or with ``COPY``
(PostgreSQL). Columns left out take the field's default (called per row when it is a callable)
or ``now`` for ``auto_now_add``, as ``bulk_create`` would.
"""

import json
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, models
from django.utils import timezone


def _adapter(field: models.Field) -> Callable:
    kind = field.get_internal_type()
    if connection.vendor == "postgresql":
        # COPY sends text; the server parses each value as its column's type.
        return (lambda value: json.dumps(value)) if kind == "JSONField" else (lambda value: value)
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    if kind == "JSONField":
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


def insert_many(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """Insert ``rows`` (tuples of Python values in the order of ``columns``, field names or
    ``<fk>_id``) into ``model``'s table. Nothing is validated: the caller checked the rows."""
    opts = model._meta
    given = [opts.get_field(name) for name in columns]  # a name or an attname (``owner_id``)
    now = timezone.now()
    rest = [
        f
        for f in opts.concrete_fields
        if f not in given and not (f.primary_key and isinstance(f, models.AutoField))
    ]
    fill: list[Callable[[], object]] = []
    for f in rest:
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            fill.append(lambda: now)
        elif f.has_default() and callable(f.default):
            fill.append(f.get_default)
        else:
            value = f.get_default()
            fill.append(lambda value=value: value)
    fields = given + rest
    adapters = [_adapter(f) for f in fields]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(opts.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    params = [
        [adapt(v) for adapt, v in zip(adapters, (*row, *(make() for make in fill)), strict=True)]
        for row in rows
    ]
    if not params:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows stream to the server without a statement per row.
            copy_sql = f"COPY {connection.ops.quote_name(opts.db_table)} ({names}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, params)
