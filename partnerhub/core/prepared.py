"""Statements the ORM builds once per shape and that run again with new values.

Building a queryset (filters, joins, annotations, ordering) and compiling it costs more than
running the statement it becomes, on the lists every page and API call reads. ``rows`` keeps
the compiled SQL of a queryset (of ``.values()`` dicts, or of model instances with their
``select_related`` rows and annotations) by its *shape* (everything that changes the SQL:
which filters, the sort, the page size) and, on later calls of that shape, fills in the values
that vary (ids, a cursor's boundary) and runs it, without building anything.

It proves each shape before keeping it: the queryset is built once with the real values and
once with stand-ins (a distinct number or text for each value); the two must compile to the
same SQL, and putting the real values where the stand-ins landed must give exactly the
parameters the ORM gave. Anything else (a value the ORM transforms, inlines or parses, such as
a text pattern or a date) leaves the shape unkept, and it is built by the ORM every time. The
rows are those the queryset gives: the same columns, names and converters, and instances made
as Django's ``ModelIterable`` makes them (a queryset that also prefetches, or that knows
related objects, as a related manager's does, is not kept).

Per process, in memory; a statement is tied to the database engine it was compiled for.

On PostgreSQL a kept statement asked to be (``prepare=True``) also binds its values on the
server and is prepared, with a generic plan, on its first run in each connection (where the
settings allow it: ``PARTNERHUB_DATABASE_PREPARE``): later runs skip parsing and planning,
which cost the database more than running a page of *My accounts* does. A generic plan does
not know the values, so only statements whose plan the values cannot change should ask: a
read by key, or a first page that walks an index in its order with every filter among the
index's leading columns. (A filter on another column, or a page's boundary, planned without
its value, is guessed to leave few rows, and the plan then sorts every row it leaves.)
A statement may also name values its plan is made *knowing* (``known``): prepared, it carries
them written into its text (whole numbers only), so each of their values gets a plan of its
own, from the column's statistics for that value. A page after a boundary is planned so: the
boundary is a parameter, and the partner is known, so that a partner's estimate is its own
size, not the program's average one (see ``core.keyset``). psycopg keeps at most
``prepared_max`` statements per connection and drops the least used.
Django's own statements bind on the client and are never prepared. The ORM does not promise
SQL that binds on the server, so each statement is tried once that way (in a savepoint,
within a transaction) and, if the server refuses it, runs as Django runs it from then on.
"""

import datetime as dt
import re
from collections.abc import Callable, Hashable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

MAX_SHAPES = 512
# A stand-in for each value: a number within the range of every integer column but the
# smallest (the ORM leaves out a comparison with a number its column cannot hold, which would
# change the SQL), text no one types, and a day or a moment no account has (in the value's own
# time zone). Where the ORM passes a date or a moment on as it is (PostgreSQL) the shape is
# kept; where it writes it as text (SQLite) the stand-in is not among the parameters, and the
# shape is built every time.
_NUMBER_BASE = 1_987_654_321
_DAY_BASE = dt.date(1901, 2, 3)
_MOMENT_BASE = dt.datetime(1901, 2, 3, 4, 5, 6, 789012)
_UNKEPT = object()
_PLACEHOLDER = re.compile(r"%s|%%")


@dataclass(frozen=True)
class _Instances:
    """How the rows become model instances, as ``ModelIterable`` makes them: read from the
    compiler once, when the statement is kept."""

    model: type
    fields: slice  # the model's own columns in the row
    init_list: tuple[str, ...]  # their attribute names
    select: tuple  # the compiler's columns and klass_info, for the related rows' populators
    klass_info: dict
    annotations: dict[str, int]  # annotation name -> position in the row

    @classmethod
    def of(cls, compiler) -> "_Instances":
        klass_info, select = compiler.klass_info, tuple(compiler.select)
        fields = slice(klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1)
        init_list = tuple(column[0].target.attname for column in select[fields])
        return cls(
            klass_info["model"],
            fields,
            init_list,
            select,
            klass_info,
            dict(compiler.annotation_col_map),
        )

    def made(self, alias: str, rows: list[list]) -> list:
        # The populators hold the alias the instances are read from: made per run.
        populators = get_related_populators(self.klass_info, self.select, alias)
        out = []
        for row in rows:
            obj = self.model.from_db(alias, self.init_list, row[self.fields])
            for populator in populators:
                populator.populate(row, obj)
            for attr_name, position in self.annotations.items():
                setattr(obj, attr_name, row[position])
            out.append(obj)
        return out


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple  # the stand-in compile's parameters: a constant, or the name of a value
    slots: tuple[str | None, ...]  # per parameter, the value it takes, or None (a constant)
    names: tuple[str, ...]  # the row's keys, as ``.values()`` names them
    columns: int
    converters: tuple  # (position, converters, expression), as the compiler applies them
    types: tuple  # (name, kind) of each value it was proved with (``_kind``)
    models: _Instances | None = None  # None: the rows are dicts

    def fits(self, values: dict[str, Any]) -> bool:
        """Whether ``values`` are of the types it was proved with (a None, say, would need
        other SQL: ``IS NULL``)."""
        return len(values) == len(self.types) and all(
            _kind(values.get(name)) == kind for name, kind in self.types
        )

    def run(
        self, alias: str, values: dict[str, Any], prepare: bool = False, known: tuple = ()
    ) -> list:
        params = [
            values[s] if s is not None else p for s, p in zip(self.slots, self.params, strict=True)
        ]
        connection = connections[alias]
        sql = self.sql
        if prepare and known and _prepares(connection):
            sql, params = self.knowing(values, known, params)
        fetched = _fetch(connection, sql, params, prepare, kept_as=self.sql)
        names, columns = self.names, self.columns
        rows = []
        for raw in fetched:
            row = list(raw[:columns])
            for pos, convs, expression in self.converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            rows.append(row)
        if self.models is not None:
            return self.models.made(alias, rows)
        return [dict(zip(names, row, strict=True)) for row in rows]

    @cached_property
    def pieces(self) -> tuple[str, ...]:
        """The text of the SQL around its parameters (``%s``; ``%%`` is a percent sign)."""
        pieces, start = [], 0
        for found in _PLACEHOLDER.finditer(self.sql):
            if found.group() == "%s":
                pieces.append(self.sql[start : found.start()])
                start = found.end()
        pieces.append(self.sql[start:])
        return tuple(pieces)

    def knowing(self, values: dict[str, Any], known: tuple, params: list) -> tuple[str, list]:
        """The SQL with the ``known`` values that are whole numbers written in place of their
        parameters, and the parameters left."""
        written = {name for name in known if type(values.get(name)) is int}
        if not written:
            return self.sql, params
        out, left = [self.pieces[0]], []
        for slot, param, piece in zip(self.slots, params, self.pieces[1:], strict=True):
            if slot in written:
                out.append(str(int(param)))
            else:
                out.append("%s")
                left.append(param)
            out.append(piece)
        return "".join(out), left


_kept: dict[tuple, Any] = {}
# Per statement (its SQL): whether it runs bound on the server, once tried (PostgreSQL).
_server_bound: dict[str, bool] = {}


def _fetch(
    connection, sql: str, params: list, prepare: bool, kept_as: str | None = None
) -> list[tuple]:
    """The rows of ``sql``; ``kept_as``: the kept statement it was written from (whether it
    binds on the server is known per kept statement, whatever values it was written with)."""
    kept_as = kept_as or sql
    bound = _server_bound.get(kept_as) if prepare and _prepares(connection) else False
    if bound is not False:
        try:
            # The first try, in a transaction, in a savepoint: a failure must not end it.
            first_in_transaction = bound is None and connection.in_atomic_block
            trying = (
                transaction.atomic(using=connection.alias)
                if first_in_transaction
                else nullcontext()
            )
            with trying, _preparing_cursor(connection) as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        except DatabaseError as error:
            if bound or not _untypable(error):
                raise
            _server_bound[kept_as] = False  # SQL the server cannot type alone: bind on the client
        else:
            _server_bound[kept_as] = True
            return fetched
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _untypable(error: DatabaseError) -> bool:
    """Whether the server refused the statement itself (SQLSTATE class 42: a parameter whose
    type it cannot tell, an operator it has not for that type), not the moment (a lock, a
    timeout, a transaction already failed)."""
    return str(getattr(error.__cause__, "sqlstate", "") or "").startswith("42")


@cache
def _asked_only_class():
    """The class, or None where psycopg no longer has the record it extends (its
    ``_preparing`` module is its own): psycopg then keeps what it keeps."""
    try:
        from psycopg._preparing import Prepare, PrepareManager
    except ImportError:
        return None
    if not callable(getattr(PrepareManager, "maybe_add_to_cache", None)):
        return None

    class AskedOnly(PrepareManager):
        """psycopg's record of a connection's prepared statements, keeping only statements
        asked to be prepared. psycopg counts every statement it runs, to prepare one run
        ``prepare_threshold`` times, and keeps the text of the last ``prepared_max`` it
        counted. Django's statements bind on the client, their values written into the text:
        they are never prepared and seldom run twice, yet each was kept (an import's lookup of
        a thousand ids, 20 KiB of text, kept 100 times over: 2 MiB). A statement not asked is
        still read for the commands that end the server's prepared statements (``ROLLBACK``,
        ``DEALLOCATE ALL``, ``DROP``)."""

        def maybe_add_to_cache(self, query, prep, name):
            if prep is Prepare.NO and self.prepare_threshold is not None:
                return self.key(query)  # checked by ``validate``, kept nowhere
            return super().maybe_add_to_cache(query, prep, name)

    return AskedOnly


def keep_asked_only(sender, connection, **kwargs) -> None:
    """On each new PostgreSQL connection that prepares (``connection_created``): psycopg
    keeps only the statements asked to be prepared (``_asked_only_class``)."""
    if connection.vendor != "postgresql":
        return
    raw, asked_only = connection.connection, _asked_only_class()
    if raw.prepare_threshold is None or asked_only is None or not hasattr(raw, "_prepared"):
        return
    manager = asked_only()
    manager.prepare_threshold = raw.prepare_threshold
    manager.prepared_max = raw.prepared_max
    raw._prepared = manager


def _prepares(connection) -> bool:
    """Whether the connection prepares the statements asked to be: PostgreSQL, with
    ``prepare_threshold`` set (Django leaves it unset, which turns preparing off)."""
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    return connection.connection.prepare_threshold is not None


@cache
def _preparing_class():
    from psycopg import Cursor

    class PreparingCursor(Cursor):
        """Binds values on the server and prepares each statement on its first run."""

        logged = False  # Django logs each statement (``connection.queries_logged``)

        def execute(self, query, params=None, *, prepare=True, binary=None):
            super().execute(query, params, prepare=prepare, binary=binary)
            if self.logged and self._query is None:
                # What Django's query log reads (``_query.query``); a prepared run leaves it
                # unset.
                self._query = self._convert_query(query, params)
            return self

    return PreparingCursor


def _preparing_cursor(connection):
    """A preparing cursor of ``connection``, wrapped as Django wraps its own (query logging,
    execute wrappers) and reading moments in the same time zone."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    raw = connection.connection
    cursor = _preparing_class()(raw)
    cursor.logged = connection.queries_logged
    tzloader = raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != tzloader.timezone:
        register_tzloader(connection.timezone, cursor)
    return connection._prepare_cursor(cursor)


def _kind(value: Any) -> Any:
    """What a value must share with the one a statement was proved with: its type, and for a
    moment whether it is aware (the ORM makes a naive one aware, where a kept statement would
    pass it on as it is)."""
    if isinstance(value, dt.datetime):
        return (dt.datetime, value.tzinfo is None)
    return type(value)


def _keepable(value: Any) -> bool:
    """Whether a value can have a stand-in: a number (not a truth value), text, a date or a
    moment."""
    return isinstance(value, (int, str, dt.date)) and not isinstance(value, bool)


def _stand_in(index: int, value: Any) -> Any:
    if not _keepable(value):
        return _UNKEPT
    if isinstance(value, int):
        return _NUMBER_BASE - 1009 * index
    if isinstance(value, str):
        return f"\x1e{index}\x1estand-in\x1e"
    if isinstance(value, dt.datetime):
        return _MOMENT_BASE.replace(tzinfo=value.tzinfo) + dt.timedelta(seconds=1009 * index)
    return _DAY_BASE + dt.timedelta(days=index)


def _compile(qs: QuerySet):
    compiler = qs.query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


def _prepare(build: Callable[[dict], QuerySet], values: dict[str, Any]) -> _Statement | None:
    names = list(values)
    stand_ins = {name: _stand_in(i, values[name]) for i, name in enumerate(names)}
    if any(s is _UNKEPT for s in stand_ins.values()):
        return None
    real = build(values)
    as_models = real._iterable_class is ModelIterable
    if not as_models and real._iterable_class is not ValuesIterable:
        return None
    if as_models and (real._known_related_objects or real._prefetch_related_lookups):
        return None
    try:
        standing = build(stand_ins)
        compiler, sql, params = _compile(standing)
    except Exception:  # noqa: BLE001 - a stand-in the ORM cannot take: not a keepable shape
        return None
    _, real_sql, real_params = _compile(real)
    if sql != real_sql or len(params) != len(real_params):
        return None
    by_stand_in = {s: name for name, s in stand_ins.items()}
    slots = tuple(by_stand_in.get(p) if _keepable(p) else None for p in params)
    filled = tuple(values[s] if s is not None else p for s, p in zip(slots, params, strict=True))
    if filled != real_params or set(s for s in slots if s) != set(names):
        return None
    query = standing.query
    # As ``ValuesIterable`` names a row's columns.
    if as_models:
        row_names = tuple(range(compiler.col_count))
    elif query.selected:
        row_names = tuple(query.selected)
    else:
        row_names = (*query.extra_select, *query.values_select, *query.annotation_select)
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    if compiler.has_composite_fields(fields) or len(row_names) != compiler.col_count:
        return None
    converters = tuple(
        (pos, tuple(convs), expression)
        for pos, (convs, expression) in compiler.get_converters(fields).items()
    )
    types = tuple((name, _kind(values[name])) for name in names)
    models = _Instances.of(compiler) if as_models else None
    return _Statement(sql, params, slots, row_names, compiler.col_count, converters, types, models)


def rows(
    shape: Hashable,
    build: Callable[[dict], QuerySet],
    values: dict[str, Any],
    *,
    using: str = DEFAULT_DB_ALIAS,
    prepare: bool = False,
    known: tuple[str, ...] = (),
) -> list:
    """The rows of ``build(values)`` as a list: dicts for a ``.values()`` queryset, model
    instances (with their ``select_related`` rows and annotations) for one of models.

    ``shape`` must name everything that changes the statement besides ``values``; ``build``
    must use ``values`` only as filter values. The first call of a shape builds it (twice, to
    prove it); later calls only run it. ``prepare``: the statement's plan does not depend on
    the values (see the module's notes), so PostgreSQL may plan it once per connection;
    ``known``: the values it is planned knowing, once for each of theirs."""
    key = (connections[using].vendor, using, shape)
    statement = _kept.get(key)
    if statement is None:
        statement = _prepare(build, values) or _UNKEPT
        if len(_kept) >= MAX_SHAPES:
            forget()
        _kept[key] = statement
    if statement is _UNKEPT or not statement.fits(values):
        return list(build(values))
    return statement.run(using, values, prepare, known)


def forget() -> None:
    """Drop every kept statement (tests that change the schema or the engine)."""
    _kept.clear()
    _server_bound.clear()
