"""*My accounts* with one partner holding 100,000 of 1,000,000 accounts.

For each case (first page, a page 1,000 pages deep, the Referred filter, a search) it times:

- the page: the real ``accounts`` view through the full middleware stack, signed in as a member
  of the big partner (Django's test client, in-process: server time, no network);
- the selectors: the ORM work the view does before rendering (no template);
- the raw SQL: every statement that one request of the page ran, with the same parameters,
  replayed on a DB-API cursor and fully fetched; and the list statements alone (keyset page,
  count, pending requests).

Goals, on SQLite and on PostgreSQL: first page, deep page and Referred filter at p95 under
20 ms and within 2× of the raw SQL; the search at p95 under 30 ms.
"""

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bench.engines import Engine
from bench.timing import Stats, column_stats, loadavg, measure, measure_interleaved

NAME = "accounts"
TITLE = "My accounts (one partner with a tenth of the program's accounts)"
GOAL_P95_MS = 20.0
GOAL_SEARCH_P95_MS = 30.0
GOAL_RATIO = 2.0
PAGE_SIZE = 25
DEEP_PAGES = 1_000

# What each statement of the request is: by the function that ran it, else by what it reads.
CALLERS = {
    "partner_accounts_page": "accounts page",
    "pending_requests_by_account": "pending requests",
    "partner_accounts_count": "count",
    "partner_accounts_count_capped": "count",
    "partner_account_kind_counts": "kind counts",
    "navigation": "nav: owns accounts",
    "partner_member_required.<locals>.wrapper": "membership",
    "get_user": "user",
    "SessionStore.load": "session",
}
QUERY_KINDS = [
    ("session", re.compile(r'FROM "django_session"')),
    ("user", re.compile(r'FROM "auth_user"')),
    ("membership", re.compile(r'FROM "partners_partnermember"')),
    ("pending requests", re.compile(r'FROM "access_managerequest"')),
    ("accounts page", re.compile(r'FROM "clients_clientaccount"')),
]
LIST_KINDS = ("accounts page", "count", "pending requests")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("accounts")
    group.add_argument(
        "--search",
        default="harbor",
        help="the search term of the search case (default: %(default)s)",
    )
    group.add_argument(
        "--explain",
        action="store_true",
        help="print the query plans of the list statements (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE)",
    )


@dataclass
class Statement:
    kind: str
    sql: str
    params: tuple


@dataclass
class CaseResult:
    key: str
    label: str
    url: str
    shown: int = 0
    total: int = 0
    page: Stats | None = None
    selectors: Stats | None = None
    render: Stats | None = None
    page_cpu: Stats | None = None  # CPU time of this process per page (on SQLite: with its SQL)
    raw_all: Stats | None = None
    raw_list: Stats | None = None
    statements: list[Statement] = field(default_factory=list)
    per_statement: list[Stats] = field(default_factory=list)
    note: str = ""
    load: str = ""

    @property
    def ratio_median(self) -> float:
        return self.page.median / self.raw_all.median

    @property
    def ratio_p95(self) -> float:
        return self.page.p95 / self.raw_all.p95

    @property
    def ratio_list_median(self) -> float:
        return self.page.median / self.raw_list.median

    @property
    def goal_p95(self) -> float:
        return GOAL_SEARCH_P95_MS if self.key == "search" else GOAL_P95_MS

    @property
    def meets_p95(self) -> bool:
        return self.page.p95 < self.goal_p95

    @property
    def has_ratio_goal(self) -> bool:
        return self.key != "search"

    @property
    def meets_ratio(self) -> bool:
        return self.ratio_median <= GOAL_RATIO and self.ratio_p95 <= GOAL_RATIO


def _kind_of(sql: str) -> str:
    frame = sys._getframe(1)
    while frame is not None:
        kind = CALLERS.get(frame.f_code.co_qualname)
        if kind is not None:
            return kind
        frame = frame.f_back
    for kind, pattern in QUERY_KINDS:
        if pattern.search(sql):
            return kind
    return "other"


def _capture(client, url: str) -> tuple[object, list[Statement]]:
    """One request of the page, and every statement it ran with its parameters."""
    from django.db import connection

    statements: list[Statement] = []

    def record(execute, sql, params, many, context):
        statements.append(Statement(_kind_of(sql), sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    return response, statements


def _raw_connection():
    """A DB-API connection of its own, opened with the parameters Django uses (the same
    PRAGMAs on SQLite; client-side parameter binding on PostgreSQL, so the server plans the
    same literal statements), in autocommit."""
    from django.db import connection

    raw = connection.get_new_connection(connection.get_connection_params())
    if connection.vendor == "sqlite":
        raw.isolation_level = None
    else:
        raw.autocommit = True
    return raw


def _raw_runner(raw, statement: Statement):
    """A callable that runs one statement on a plain DB-API cursor and fetches every row."""
    from django.db import connection

    sql = statement.sql
    if connection.vendor == "sqlite":
        # The sqlite3 module takes qmark placeholders; Django's wrapper converts them.
        sql = re.sub(r"(?<!%)%s", "?", sql).replace("%%", "%")
    params = statement.params
    cursor = raw.cursor()

    def run():
        cursor.execute(sql, params)
        return cursor.fetchall()

    return run


def _explain(statement: Statement) -> str:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        sql = re.sub(r"(?<!%)%s", "?", statement.sql).replace("%%", "%")
        rows = raw.execute("EXPLAIN QUERY PLAN " + sql, statement.params).fetchall()
        depth: dict[int, int] = {0: 0}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        return "\n".join(lines)
    with raw.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params)
        return "\n".join(r[0] for r in cursor.fetchall())


def deep_pages_for(partner_accounts: int) -> int:
    """How deep the deep page is: 1,000 pages, or three quarters of a smaller partner's."""
    return min(DEEP_PAGES, partner_accounts * 3 // 4 // PAGE_SIZE)


def _deep_cursor(partner_id: int, offset: int) -> str:
    """The cursor of the row at ``offset`` in the default order (organization, then id)."""
    from django.db import connection

    from partnerhub.core.keyset import Cursor

    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "organization_name", "id" FROM "clients_clientaccount" '
            'WHERE "partner_id" = %s ORDER BY "organization_name", "id" LIMIT 1 OFFSET %s',
            [partner_id, offset - 1],
        )
        value, row_id = cursor.fetchone()
    return Cursor(value, row_id, False, False).encode()


def _offset_page_ids(partner_id: int, offset: int, size: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "id" FROM "clients_clientaccount" WHERE "partner_id" = %s '
            'ORDER BY "organization_name", "id" LIMIT %s OFFSET %s',
            [partner_id, size, offset],
        )
        return [r[0] for r in cursor.fetchall()]


def _selectors(partner_id: int, params: dict):
    """The view's reads, without the request, the middleware or the template."""
    from django.http import QueryDict

    from partnerhub.clients import selectors as account_selectors

    querydict = QueryDict(urlencode(params))

    def run():
        query = account_selectors.parse_account_list_query(querydict)
        # As the view: the counters, then the page (each row's open request in its statement)
        # and the view's total.
        kinds = account_selectors.partner_account_kind_counts(partner_id=partner_id)
        view = account_selectors.partner_accounts_view(
            partner_id=partner_id, query=query, kind_counts=kinds
        )
        page, total = view.page, view.total
        pending = {r["id"]: r["pending_id"] for r in page.rows if r["pending_id"]}
        return page, pending, total, kinds

    return run


def _cpu_stats(fn, *, repeat: int) -> Stats:
    """CPU milliseconds this process spends per call: on a machine shared with other work it
    is steadier than the wall clock, which also counts the time other processes hold the CPUs
    (on PostgreSQL the server's own work is not in it)."""
    samples = []
    for _ in range(repeat):
        start = time.process_time_ns()
        fn()
        samples.append((time.process_time_ns() - start) / 1e6)
    return Stats.of(samples)


class _RenderTimer:
    """Times the template rendering of the view, inside the real requests."""

    def __init__(self):
        from partnerhub.portal.views import partner

        self.module = partner
        self.original = partner.render
        self.samples: list[float] = []

    def __enter__(self):
        original, samples = self.original, self.samples

        def timed_render(*args, **kwargs):
            start = time.perf_counter_ns()
            response = original(*args, **kwargs)
            samples.append((time.perf_counter_ns() - start) / 1e6)
            return response

        self.module.render = timed_render
        return self

    def __exit__(self, *exc):
        self.module.render = self.original


def _connection_cost(*, warmup: int, repeat: int) -> Stats:
    """Opening a connection as a request does when connections are not kept (SQLite here:
    CONN_MAX_AGE is 0), up to its first statement on a table."""
    from django.db import connection

    def reconnect():
        connection.close()
        connection.ensure_connection()
        connection.connection.execute('SELECT 1 FROM "django_session" LIMIT 1').fetchall()

    stats = measure(reconnect, warmup=warmup, repeat=repeat)
    connection.close()
    return stats


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench import dataset

    data = dataset.ensure(engine, console, rebuild=options.rebuild, accounts=options.accounts)
    user = get_user_model().objects.get(pk=data.user_id)
    if not engine.is_sqlite:
        console.print(f"All-visible pages (index-only counts): {dataset.all_visible_text()}")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    base = reverse("partner-accounts")
    deep_pages = deep_pages_for(data.partner_accounts)
    deep_offset = PAGE_SIZE * deep_pages
    deep_cursor = _deep_cursor(data.partner_id, deep_offset)
    cases = [
        ("first", "First page", {}),
        ("deep", f"Page {deep_pages + 1:,} (after row {deep_offset:,})", {"cursor": deep_cursor}),
        ("referred", "Referred filter", {"type": "referred"}),
        ("search", f"Search “{options.search}”", {"q": options.search}),
    ]
    warmup, repeat = options.warmup, options.repeat
    load_before = os.getloadavg()[0]
    raw = _raw_connection()
    results: list[CaseResult] = []
    with console.status(f"Timing My accounts on {engine.label}…") as status:
        for key, label, params in cases:
            url = base + ("?" + urlencode(params) if params else "")
            result = CaseResult(key, label, url)
            status.update(f"{label}: checking the page")
            response, statements = _capture(client, url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            result.statements = statements
            page, _pending, total, _kinds = _selectors(data.partner_id, params)()
            result.shown, result.total = len(page.rows), total
            if key == "deep":
                expected = _offset_page_ids(data.partner_id, deep_offset, PAGE_SIZE)
                if [r["id"] for r in page.rows] != expected:
                    raise RuntimeError("the deep page does not show the rows OFFSET shows")
                result.note = f"rows match OFFSET {deep_offset:,}"
            html = response.content.decode()
            if page.rows and page.rows[0]["encoded_account_id"] not in html:
                raise RuntimeError(f"{url} does not show its first row")

            status.update(f"{label}: page, selectors and raw SQL, interleaved")
            runners = [_raw_runner(raw, s) for s in statements]
            with _RenderTimer() as render:
                page_rounds, selector_rounds, rounds = measure_interleaved(
                    [[lambda u=url: client.get(u)], [_selectors(data.partner_id, params)], runners],
                    warmup=warmup,
                    repeat=repeat,
                )
            result.page = column_stats(page_rounds, [0])
            result.selectors = column_stats(selector_rounds, [0])
            result.render = Stats.of(render.samples[warmup:])
            status.update(f"{label}: CPU time of the page")
            result.page_cpu = _cpu_stats(lambda u=url: client.get(u), repeat=repeat)
            result.per_statement = [column_stats(rounds, [i]) for i in range(len(runners))]
            result.raw_all = column_stats(rounds, list(range(len(runners))))
            result.raw_list = column_stats(
                rounds, [i for i, s in enumerate(statements) if s.kind in LIST_KINDS]
            )
            result.load = loadavg()
            results.append(result)
        connect = None
        if connection.vendor == "sqlite" and not connection.settings_dict["CONN_MAX_AGE"]:
            status.update("Connection cost")
            connect = _connection_cost(warmup=warmup, repeat=repeat)

    raw.close()
    load = (load_before, os.getloadavg()[0])
    _print(console, engine, data, results, connect, options, load)
    if options.explain:
        _print_plans(console, engine, results)
    return _as_json(engine, data, results, connect, load)


# --- Output ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _verdict(ok: bool) -> Text:
    return Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red")


def _print(console, engine, data, results, connect, options, load) -> None:
    table = Table(
        title=(
            f"My accounts on {engine.label}: partner with {data.partner_accounts:,} of "
            f"{data.accounts:,} accounts; {options.repeat} timed runs after {options.warmup} "
            "warm-up, milliseconds"
        ),
        title_justify="left",
        header_style="bold",
    )
    table.add_column("Case")
    table.add_column("Rows / matching", justify="right")
    table.add_column("Page\nmedian", justify="right")
    table.add_column("Page\np95", justify="right")
    table.add_column("Selectors\nmedian", justify="right")
    table.add_column("Template\nmedian", justify="right")
    table.add_column("Page\nCPU\nmedian", justify="right")
    table.add_column("Raw SQL\nall stmts\nmedian", justify="right")
    table.add_column("Raw SQL\nall stmts\np95", justify="right")
    table.add_column("Raw SQL\nlist stmts\nmedian", justify="right")
    table.add_column("Page ÷ raw\nmedian", justify="right")
    table.add_column("Page ÷ raw\np95", justify="right")
    table.add_column("Page ÷\nlist SQL\nmedian", justify="right")
    table.add_column(
        f"p95 <\n{GOAL_P95_MS:.0f} ms\n(search\n{GOAL_SEARCH_P95_MS:.0f})", justify="center"
    )
    table.add_column(f"≤ {GOAL_RATIO:.0f}×\nraw", justify="center")
    for r in results:
        table.add_row(
            r.label,
            f"{r.shown} / {r.total:,}",
            _ms(r.page.median),
            _ms(r.page.p95),
            _ms(r.selectors.median),
            _ms(r.render.median),
            _ms(r.page_cpu.median),
            _ms(r.raw_all.median),
            _ms(r.raw_all.p95),
            _ms(r.raw_list.median),
            f"{r.ratio_median:.2f}×",
            f"{r.ratio_p95:.2f}×",
            f"{r.ratio_list_median:.2f}×",
            _verdict(r.meets_p95),
            _verdict(r.meets_ratio) if r.has_ratio_goal else "",
        )
    console.print(table)

    breakdown = Table(
        title=f"Where the time goes on {engine.label}: median ms per statement (raw cursor)",
        title_justify="left",
        header_style="bold",
    )
    breakdown.add_column("Statement of the request")
    for r in results:
        breakdown.add_column(r.key, justify="right")
    kinds: list[str] = []
    for r in results:
        for s in r.statements:
            if s.kind not in kinds:
                kinds.append(s.kind)
    for kind in kinds:
        cells = []
        for r in results:
            times = [st.median for s, st in zip(r.statements, r.per_statement, strict=True)
                     if s.kind == kind]  # fmt: skip
            cells.append(" + ".join(_ms(t) for t in times) if times else "–")
        breakdown.add_row(kind, *cells)
    breakdown.add_section()
    breakdown.add_row("all statements", *[_ms(r.raw_all.median) for r in results])
    selector_kinds = (*LIST_KINDS, "kind counts")
    breakdown.add_row(
        "ORM: selectors − their raw statements",
        *[_ms(r.selectors.median - _kind_total(r, selector_kinds)) for r in results],
    )
    breakdown.add_row("template rendering", *[_ms(r.render.median) for r in results])
    breakdown.add_row(
        "rest: page − selectors − template − other statements (middleware, auth, view)",
        *[
            _ms(
                r.page.median
                - r.selectors.median
                - r.render.median
                - (r.raw_all.median - _kind_total(r, selector_kinds))
            )
            for r in results
        ],
    )
    if connect is not None:
        breakdown.add_row(
            "opening the connection (every request: CONN_MAX_AGE=0)",
            *[_ms(connect.median) for _ in results],
        )
    console.print(breakdown)
    notes = [f"{r.label}: {r.note}" for r in results if r.note]
    notes.append(
        f"1-minute load average {load[0]:.2f} before, {load[1]:.2f} after "
        f"on {os.cpu_count()} CPUs (other work on the machine shows in the p95)"
    )
    console.print(Text("Notes: " + "; ".join(notes), style="dim"))


def _kind_total(result: CaseResult, kinds) -> float:
    return sum(
        st.median
        for s, st in zip(result.statements, result.per_statement, strict=True)
        if s.kind in kinds
    )


def _print_plans(console: Console, engine: Engine, results: list[CaseResult]) -> None:
    for r in results:
        panels = []
        for s in r.statements:
            if s.kind in (*LIST_KINDS, "kind counts"):
                panels.append(
                    Panel(
                        Group(Text(s.sql, style="dim"), Text(str(s.params), style="dim"),
                              Text(_explain(s))),
                        title=s.kind,
                        title_align="left",
                    )
                )  # fmt: skip
        console.print(Panel(Group(*panels), title=f"Plans on {engine.label}: {r.label}"))


def _as_json(engine, data, results, connect, load) -> dict:
    goals = []
    for r in results:
        goals.append({
            "case": r.label,
            "figure": f"page p95 {_ms(r.page.p95)} ms (median {_ms(r.page.median)}, "
            f"CPU median {_ms(r.page_cpu.median)})",
            "baseline": f"raw SQL p95 {_ms(r.raw_all.p95)} ms (median {_ms(r.raw_all.median)})",
            "goal": f"p95 < {r.goal_p95:.0f} ms",
            "ok": r.meets_p95,
            "load": r.load,
        })  # fmt: skip
        if r.has_ratio_goal:
            goals.append({
                "case": r.label,
                "figure": f"{r.ratio_median:.2f}× raw median, {r.ratio_p95:.2f}× raw p95",
                "baseline": f"raw SQL median {_ms(r.raw_all.median)} ms",
                "goal": f"≤ {GOAL_RATIO:.0f}× raw SQL",
                "ok": r.meets_ratio,
                "load": r.load,
            })  # fmt: skip
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "dataset": {"accounts": data.accounts, "partner_accounts": data.partner_accounts},
        "goals": goals,
        "cases": {
            r.key: {
                "label": r.label,
                "url": r.url,
                "shown": r.shown,
                "total": r.total,
                "page": r.page.as_dict(),
                "selectors": r.selectors.as_dict(),
                "template": r.render.as_dict(),
                "page_cpu": r.page_cpu.as_dict(),
                "raw_all": r.raw_all.as_dict(),
                "raw_list": r.raw_list.as_dict(),
                "statements": [
                    {"kind": s.kind, "sql": s.sql, "median": st.median, "p95": st.p95}
                    for s, st in zip(r.statements, r.per_statement, strict=True)
                ],
            }
            for r in results
        },
        "connection": connect.as_dict() if connect else None,
        "load_average": load,
    }
