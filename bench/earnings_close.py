"""The monthly close of October 2026 over 1,000,000 accounts (and over 100,000, to show that its
memory does not grow with the number of accounts).

For each data size (see ``bench.close_dataset``) it measures, on a fresh copy of the month each
time (the month's lines, audit rows and close record deleted first):

- the close: ``month_close(month=2026-10-01, today=2026-11-26)``, each run in a fresh Python
  process so that its peak memory is its own: wall time, lines written and lines per second,
  the peak of Python allocations during the close (tracemalloc) and how far the process's
  resident memory rose above where it stood before the close (the engine's own memory counts
  here: SQLite runs inside the process), told apart into the process's own (anonymous)
  memory and the database file's pages that SQLite reads through a memory map (file-backed,
  the system's file cache);
- the baseline: one hand-written SQL statement that computes the same per-partner totals (each
  line type, per partner and currency) without writing anything;
- a cross-check: the totals the close wrote must equal the baseline's.

Goals: the close within 2× of the baseline at every size on both engines, under 8 s on SQLite
at 1,000,000 accounts, and its memory (Python's allocations and the process's own) the same at
100,000 and at 1,000,000 accounts. With
``--accounts 100000`` only the smaller size runs (no memory comparison then).
"""

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bench import close_dataset
from bench.engines import BASE_DIR, ENGINES, Engine, configure_django
from bench.engines import MAIN_SIZE as ENGINE_MAIN_SIZE
from bench.timing import Stats, loadavg

NAME = "close"
TITLE = "Monthly close (October 2026)"
GOAL_SECONDS_SQLITE = 8.0  # at 1,000,000 accounts
GOAL_RATIO = 2.0
# What must not grow with the program: the Python allocations and the process's own memory.
MEMORY_GOAL_KEYS = ("traced_peak", "anon_growth")
# "Does not grow with the number of accounts": at ten times the accounts, the peak stays within
# this share of the smaller run's, plus a fixed allowance for allocator noise.
MEMORY_GROWTH_SHARE = 0.25
MEMORY_NOISE_BYTES = 2 * 1024 * 1024
SIZES = ("100k", "1m")
MAIN_SIZE = "1m"
RESULT_MARK = "CLOSE-RESULT "

# The statements of the close, by what they write; anything else is the ORM's bookkeeping.
STATEMENTS = (
    "bonuses and revenue share (PostgreSQL: one statement)",
    "new-account bonuses",
    "revenue share",
    "clawbacks",
    "bonus reversals",
    "audit rows",
)
COMMIT = "commit (PostgreSQL: the deferred foreign-key checks)"
REST = "rest: ORM statements, Python"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("close")
    group.add_argument(
        "--close-repeat", type=int, default=3, help="timed runs of the close (%(default)s)"
    )
    group.add_argument(
        "--close-plans",
        action="store_true",
        help="print the plan of each statement of the close at 1,000,000 accounts "
        "(EXPLAIN QUERY PLAN / EXPLAIN (ANALYZE, BUFFERS))",
    )


def _label(sql: str) -> str:
    if "INSERT INTO earnings_ledgerline" in sql:
        if "'nabrev:'" in sql:
            return "bonus reversals"
        if "'cb:'" in sql:
            return "clawbacks"
        if "'nab:'" in sql and "'rs:'" in sql:
            return STATEMENTS[0]
        if "'nab:'" in sql:
            return "new-account bonuses"
        if "'rs:'" in sql:
            return "revenue share"
    if "INSERT INTO audit_auditevent" in sql and "FROM earnings_ledgerline" in sql:
        return "audit rows"
    return REST


# --- The month, fresh ------------------------------------------------------------------------


def reset_month() -> None:
    """Delete the benchmark month's close, its lines and their audit rows, as if it had never
    been closed; on PostgreSQL vacuum the tables so that the next close finds them at rest."""
    from django.db import connection, transaction

    from partnerhub.audit import events

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, closed_at FROM earnings_monthclose WHERE month >= %s",
            [close_dataset.MONTH],
        )
        closes = cursor.fetchall()
        for close_id, closed_at in closes:
            cursor.execute(
                "DELETE FROM audit_auditevent WHERE action = %s AND at >= %s",
                [events.LEDGER_LINE_WRITTEN.code, closed_at],
            )
            cursor.execute(
                "DELETE FROM audit_auditevent WHERE action = %s AND target_id = %s",
                [events.MONTH_CLOSED.code, str(close_id)],
            )
            cursor.execute("DELETE FROM earnings_ledgerline WHERE close_id = %s", [close_id])
            cursor.execute("DELETE FROM earnings_monthclose WHERE id = %s", [close_id])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if closes:
                cursor.execute(
                    "VACUUM (ANALYZE) earnings_ledgerline, audit_auditevent, earnings_monthclose"
                )
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- One close, in its own process -----------------------------------------------------------


def _status(*keys: str) -> list[int]:
    """The named memory figures of this process (``/proc/self/status``), in bytes (0 where
    the kernel does not give one)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in keys:
                values[key] = int(rest.split()[0]) * 1024
    return [values.get(key, 0) for key in keys]


def _rss() -> tuple[int, int]:
    """(resident, peak resident) of this process in bytes."""
    resident, peak = _status("VmRSS", "VmHWM")
    return resident, peak


def _resident_parts() -> tuple[int, int]:
    """(anonymous, file-backed) resident memory of this process in bytes. The file-backed
    part holds the pages of the database file SQLite maps into memory (``mmap_size``): the
    system's file cache, shared and given back under pressure, not memory of the process."""
    anonymous, file_backed = _status("RssAnon", "RssFile")
    return anonymous, file_backed


class _ResidentSampler:
    """The peak of each part of ``_resident_parts`` while it runs, read every 10 ms."""

    def __init__(self):
        self.peak = _resident_parts()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.01):
            anon, file = _resident_parts()
            self.peak = (max(self.peak[0], anon), max(self.peak[1], file))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        anon, file = _resident_parts()
        self.peak = (max(self.peak[0], anon), max(self.peak[1], file))


def _reset_peak_rss() -> bool:
    """Start the peak-RSS counter afresh (Linux: writing 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _warm_up() -> None:
    """What a server process has done before it ever closes a month: the URLs loaded (the
    close links its notice to the earnings page) and the modules the close calls imported.
    Otherwise the first ``reverse`` would import every view and API schema inside the clock,
    under tracemalloc."""
    from django.urls import get_resolver, reverse

    import partnerhub.audit.services  # noqa: F401
    import partnerhub.notices.services  # noqa: F401
    import partnerhub.webhooks.services  # noqa: F401

    get_resolver().url_patterns  # noqa: B018
    reverse("partner-earnings")


def _measure_close() -> dict:
    """Close the month once; this process must do nothing else of note."""
    from django.db import connection

    from partnerhub.earnings.close import month_close
    from partnerhub.earnings.models import MonthClose

    connection.ensure_connection()
    if MonthClose.objects.filter(month=close_dataset.MONTH).exists():
        raise RuntimeError("the month is closed already: it was not reset")
    _warm_up()
    timings: list[tuple[str, float]] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((_label(sql), time.perf_counter() - start))

    commits: list[float] = []
    commit = connection._commit

    def timed_commit():
        start = time.perf_counter()
        try:
            return commit()
        finally:
            commits.append(time.perf_counter() - start)

    connection._commit = timed_commit
    gc.collect()
    cleared = _reset_peak_rss()
    rss_before, peak_before = _rss()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    anon_before, file_before = _resident_parts()
    tracemalloc.start()
    with connection.execute_wrapper(timed), _ResidentSampler() as resident:
        start = time.perf_counter()
        result = month_close(month=close_dataset.MONTH, today=close_dataset.TODAY)
        wall = time.perf_counter() - start
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    _rss_after, peak_after = _rss()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    by_statement: dict[str, float] = {}
    for label, seconds in timings:
        if label != REST:
            by_statement[label] = by_statement.get(label, 0.0) + seconds
    by_statement[COMMIT] = sum(commits)
    by_statement[REST] = wall - sum(by_statement.values())
    return {
        "wall": wall,
        "lines": result.close.line_count,
        "close_id": result.close.pk,
        "traced_peak": traced_peak,
        "rss_before": rss_before,
        "rss_peak": peak_after if cleared else max(peak_after, peak_before),
        "rss_growth": (peak_after - rss_before) if cleared else maxrss_after - maxrss_before,
        "anon_growth": resident.peak[0] - anon_before,
        "file_growth": resident.peak[1] - file_before,
        "peak_counter_reset": cleared,
        "statements": by_statement,
    }


def _child(argv: list[str]) -> int:
    engine_name, size = argv
    engine = ENGINES[engine_name]
    configure_django(engine)
    close_dataset.activate(close_dataset.database(engine, size))
    result = _measure_close()
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


def _close_in_child(engine: Engine, size: str) -> dict:
    from django.db import connection

    connection.close()
    command = [sys.executable, "-m", "bench.earnings_close", "--child", engine.name, size]
    done = subprocess.run(  # noqa: S603
        command, cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"the close failed:\n{done.stdout}\n{done.stderr}")


# --- The baseline: one hand-written statement ------------------------------------------------


def baseline_sql(postgres: bool) -> str:
    """Per partner, currency and line type: the sum and count of the lines closing the month
    would write, computed in one read-only statement. Parameters: ``first``, ``last``."""
    if postgres:

        def day(ts: str) -> str:
            return f"CAST(({ts} AT TIME ZONE 'UTC') AS DATE)"

        def plus(date: str, days: str) -> str:
            return f"({date} + CAST({days} AS INTEGER))"

        def key(prefix: str, expr: str) -> str:
            return f"('{prefix}:' || CAST({expr} AS TEXT))"

        first, last = "CAST(%(first)s AS DATE)", "CAST(%(last)s AS DATE)"
        lowest, highest = "DATE '0001-01-01'", "DATE '9999-12-31'"
        later, false = "GREATEST", "FALSE"
    else:

        def day(ts: str) -> str:
            return f"substr({ts}, 1, 10)"

        def plus(date: str, days: str) -> str:
            return f"date({date}, '+' || ({days}) || ' days')"

        def key(prefix: str, expr: str) -> str:
            return f"('{prefix}:' || {expr})"

        first, last = "%(first)s", "%(last)s"
        lowest, highest = "'0001-01-01'", "'9999-12-31'"
        later, false = "max", "0"

    def typed(line_type: str) -> str:
        # A fact dated in a month already closed is an adjustment of that month.
        return (
            f"CASE WHEN fact_on < {first} AND fact_on >= (SELECT COALESCE(MIN(m.month), {first})"
            f" FROM earnings_monthclose m) THEN 'adjustment' ELSE '{line_type}' END"
        )

    return f"""
WITH terms AS (
  SELECT t.id,
    CASE WHEN ROW_NUMBER() OVER (ORDER BY t.effective_from) = 1 THEN {lowest}
         ELSE t.effective_from END AS eff_from,
    COALESCE(LEAD(t.effective_from) OVER (ORDER BY t.effective_from), {highest}) AS next_from,
    CAST(ROUND(t.revenue_share_rate * 1000000) AS BIGINT) AS rate_ppm,
    t.window_days, t.holding_days
  FROM earnings_terms t
),
ps AS (
  SELECT p.id, p.partner_id, p.account_id, p.moved_on, {day("p.ended_at")} AS ended_on,
    a.currency, a.single_bill, {day("a.converted_at")} AS converted_on,
    t.id AS terms_id, t.rate_ppm,
    CASE WHEN a.converted_at IS NULL
           OR p.moved_on <= {plus(day("a.converted_at"), "t.window_days")}
           OR p.moved_on <= {plus("pr.deployed_on", "t.window_days")}
         THEN 1 ELSE 0 END AS in_window
  FROM partnerships_partnership p
  JOIN clients_clientaccount a ON a.id = p.account_id
  JOIN partners_partner pr ON pr.id = p.partner_id
  JOIN terms t ON p.moved_on >= t.eff_from AND p.moved_on < t.next_from
),
spans AS (
  SELECT k.partnership_id, k.kind, {day("k.effective_at")} AS since_on,
    LEAD({day("k.effective_at")})
      OVER (PARTITION BY k.partnership_id ORDER BY k.effective_at, k.id) AS until_on
  FROM partnerships_partnershipkindchange k
),
nab AS (
  SELECT x.id AS partnership_id, x.partner_id, x.account_id, x.currency, x.acc_day AS fact_on,
    b.new_account_bonus_minor AS amount
  FROM (SELECT ps.*, {later}(ps.converted_on, ps.moved_on) AS acc_day FROM ps
        WHERE ps.converted_on IS NOT NULL AND ps.in_window = 1) x
  JOIN earnings_termscurrency b ON b.terms_id = x.terms_id AND b.currency = x.currency
  WHERE x.acc_day <= {last} AND b.new_account_bonus_minor > 0
    AND (x.ended_on IS NULL OR x.ended_on >= x.acc_day)
    AND NOT EXISTS (SELECT 1 FROM earnings_ledgerline l WHERE l.source_key = {key("nab", "x.id")})
),
rs AS (
  SELECT i.id AS invoice_id, ps.partner_id, ps.currency, ps.rate_ppm, i.paid_on AS fact_on,
    (i.amount_minor * ps.rate_ppm * 2 + 1000000) / 2000000 AS amount
  FROM billing_invoice i
  JOIN ps ON ps.account_id = i.account_id AND ps.moved_on <= i.paid_on
    AND (ps.ended_on IS NULL OR ps.ended_on > i.paid_on)
  LEFT JOIN spans k ON k.partnership_id = ps.id AND k.since_on <= i.paid_on
    AND (k.until_on IS NULL OR k.until_on > i.paid_on)
  WHERE i.paid_on <= {last} AND ps.single_bill = {false}
    AND (k.kind = 'managed' OR ps.in_window = 1)
    AND NOT EXISTS (SELECT 1 FROM earnings_ledgerline l WHERE l.source_key = {key("rs", "i.id")})
),
cb AS (
  SELECT COALESCE(l.partner_id, s.partner_id) AS partner_id,
    COALESCE(l.currency, s.currency) AS currency, r.refunded_on AS fact_on,
    -((r.amount_minor * COALESCE(l.rate_ppm, s.rate_ppm) * 2 + 1000000) / 2000000) AS amount
  FROM billing_refund r
  LEFT JOIN earnings_ledgerline l ON l.source_key = {key("rs", "r.invoice_id")}
  LEFT JOIN rs s ON s.invoice_id = r.invoice_id
  WHERE r.refunded_on <= {last} AND (l.id IS NOT NULL OR s.invoice_id IS NOT NULL)
    AND (r.amount_minor * COALESCE(l.rate_ppm, s.rate_ppm) * 2 + 1000000) / 2000000 > 0
    AND NOT EXISTS (SELECT 1 FROM earnings_ledgerline c WHERE c.source_key = {key("cb", "r.id")})
),
converting_refunded AS (
  SELECT ci.account_id, ci.paid_on, MAX(r.refunded_on) AS full_on
  FROM billing_refund r JOIN billing_invoice ci ON ci.id = r.invoice_id
  WHERE r.refunded_on <= {last}
    AND ci.id = (SELECT e.id FROM billing_invoice e WHERE e.account_id = ci.account_id
                 ORDER BY e.paid_on, e.id LIMIT 1)
  GROUP BY ci.id, ci.account_id, ci.paid_on, ci.amount_minor
  HAVING SUM(r.amount_minor) = ci.amount_minor
),
bonuses AS (
  SELECT partnership_id, partner_id, account_id, currency, amount FROM nab
  UNION ALL
  SELECT l.partnership_id, l.partner_id, l.account_id, l.currency, l.amount_minor
  FROM earnings_ledgerline l
  WHERE l.line_type = 'new_account_bonus' OR l.corrected_type = 'new_account_bonus'
),
reversals AS (
  SELECT b.partner_id, b.currency, f.full_on AS fact_on, -b.amount AS amount
  FROM converting_refunded f
  JOIN bonuses b ON b.account_id = f.account_id
  JOIN partnerships_partnership pp ON pp.id = b.partnership_id
  JOIN terms t ON pp.moved_on >= t.eff_from AND pp.moved_on < t.next_from
  WHERE f.full_on <= {plus("f.paid_on", "t.holding_days")}
    AND NOT EXISTS (SELECT 1 FROM earnings_ledgerline c
                    WHERE c.source_key = {key("nabrev", "b.partnership_id")})
)
SELECT partner_id, currency, line_type, SUM(amount), COUNT(*) FROM (
  SELECT partner_id, currency, {typed("new_account_bonus")} AS line_type, amount FROM nab
  UNION ALL
  SELECT partner_id, currency, {typed("revenue_share")}, amount FROM rs
  UNION ALL
  SELECT partner_id, currency, {typed("clawback")}, amount FROM cb
  UNION ALL
  SELECT partner_id, currency, {typed("clawback")}, amount FROM reversals
) x
GROUP BY partner_id, currency, line_type
"""


Totals = dict[tuple[int, str, str], tuple[int, int]]


def _baseline_runner():
    from django.db import connection

    sql = baseline_sql(connection.vendor == "postgresql")
    params = {
        "first": close_dataset.MONTH.isoformat(),
        "last": close_dataset.MONTH_LAST.isoformat(),
    }

    def run() -> Totals:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {(p, c, t): (int(s), n) for p, c, t, s, n in cursor.fetchall()}

    return run


def _written_totals(close_id: int) -> Totals:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partner_id, currency, line_type, SUM(amount_minor), COUNT(*)"
            " FROM earnings_ledgerline WHERE close_id = %s"
            " GROUP BY partner_id, currency, line_type",
            [close_id],
        )
        return {(p, c, t): (int(s), n) for p, c, t, s, n in cursor.fetchall()}


@dataclass
class CrossCheck:
    groups: int
    differing: list[tuple] = field(default_factory=list)
    by_type: dict[str, tuple[int, int]] = field(default_factory=dict)
    runs_lines: list[int] = field(default_factory=list)  # lines written by each run

    @property
    def consistent(self) -> bool:
        return len(set(self.runs_lines)) <= 1

    @property
    def ok(self) -> bool:
        return not self.differing and self.consistent

    def summary(self) -> str:
        lines = sum(n for _s, n in self.by_type.values())
        runs = (
            f"every run wrote {self.runs_lines[0]:,} lines"
            if self.consistent
            else f"the runs wrote different numbers of lines: {self.runs_lines}"
        )
        if not self.differing:
            return (
                f"{'OK' if self.ok else 'MISMATCH'}: {self.groups:,} partner × currency × "
                f"line-type totals equal the baseline's ({lines:,} lines); {runs}"
            )
        return (
            f"MISMATCH: {len(self.differing):,} of {self.groups:,} partner × currency × line-type "
            f"totals differ from the baseline's (first: {self.differing[:3]}); {runs}"
        )


def _cross_check(written: Totals, expected: Totals) -> CrossCheck:
    keys = sorted(set(written) | set(expected))
    check = CrossCheck(groups=len(keys))
    for k in keys:
        if written.get(k) != expected.get(k):
            check.differing.append((k, written.get(k), expected.get(k)))
    for (_p, _c, line_type), (total, n) in written.items():
        s, c = check.by_type.get(line_type, (0, 0))
        check.by_type[line_type] = (s + total, c + n)
    return check


# --- Plans -----------------------------------------------------------------------------------


def _plans(console: Console) -> list[tuple[str, float, str]]:
    """Close the month once inside a transaction that is rolled back, capturing the plan of each
    statement (PostgreSQL: EXPLAIN ANALYZE, which runs it; SQLite: EXPLAIN QUERY PLAN, then the
    statement)."""
    from django.db import connection, transaction

    from partnerhub.earnings.close import month_close

    pg = connection.vendor == "postgresql"
    plans: list[tuple[str, float, str]] = []

    def explain(execute, sql, params, many, context):
        label = _label(sql)
        if label == REST:
            return execute(sql, params, many, context)
        cursor = context["cursor"]
        if pg:
            start = time.perf_counter()
            execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, many, context)
            text = "\n".join(row[0] for row in cursor.fetchall())
            plans.append((label, time.perf_counter() - start, text))
            return None
        execute("EXPLAIN QUERY PLAN " + sql, params, many, context)
        depth: dict[int, int] = {0: 0}
        lines = []
        for node, parent, _unused, detail in cursor.fetchall():
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        start = time.perf_counter()
        result = execute(sql, params, many, context)
        plans.append((label, time.perf_counter() - start, "\n".join(lines)))
        return result

    reset_month()
    with console.status("Plans of the close…"), transaction.atomic():
        with connection.execute_wrapper(explain):
            month_close(month=close_dataset.MONTH, today=close_dataset.TODAY)
        transaction.set_rollback(True)
    if pg:
        with connection.cursor() as cursor:  # the rolled-back rows
            cursor.execute("VACUUM (ANALYZE) earnings_ledgerline, audit_auditevent")
    return plans


# --- The benchmark ---------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: str
    accounts: int
    counts: close_dataset.Counts
    runs: list[dict]
    baseline: Stats  # under the close's memory budget
    check: CrossCheck
    baseline_default_cache: Stats | None = None  # SQLite: with the connection's default cache
    load: str = ""

    @property
    def close(self) -> Stats:
        return Stats.of([r["wall"] * 1000 for r in self.runs])

    @property
    def lines(self) -> int:
        return self.runs[-1]["lines"]

    @property
    def ratio(self) -> float:
        return self.close.median / self.baseline.median

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.runs)

    def statement(self, label: str) -> float:
        return statistics.median(r["statements"].get(label, 0.0) for r in self.runs)

    def has_time_goal(self, engine: Engine) -> bool:
        return engine.is_sqlite and self.size == MAIN_SIZE

    @property
    def meets_time(self) -> bool:
        return self.close.median < GOAL_SECONDS_SQLITE * 1000

    @property
    def meets_ratio(self) -> bool:
        return self.ratio <= GOAL_RATIO


def _measure_size(engine: Engine, size: str, options, console: Console) -> SizeResult:
    from django.db import connection

    from partnerhub.earnings.close import CLOSE_PAGE_CACHE_KIB
    from partnerhub.earnings.sql import page_cache

    db = close_dataset.database(engine, size)
    counts = close_dataset.ensure(db, console, rebuild=options.rebuild)
    reset_month()
    with console.status(f"{db.label}: the baseline statement…"):
        baseline = _baseline_runner()
        # Under the memory budget the close gives itself (SQLite's page cache), so that the
        # two compare as SQL; on SQLite also with the connection's default cache, to show it.
        with page_cache(CLOSE_PAGE_CACHE_KIB):
            expected = baseline()  # warm-up, and the totals to check the close against
            samples = _time_baseline(baseline, expected)
        default_cache = None
        if engine.is_sqlite:
            default_cache = Stats.of(_time_baseline(baseline, expected))
    runs = []
    for k in range(options.close_repeat):
        with console.status(f"{db.label}: close {k + 1} of {options.close_repeat}…"):
            reset_month()
            runs.append(_close_in_child(engine, size))
    connection.close()
    check = _cross_check(_written_totals(runs[-1]["close_id"]), expected)
    check.runs_lines = [r["lines"] for r in runs]
    return SizeResult(
        size, db.accounts, counts, runs, Stats.of(samples), check, default_cache, loadavg()
    )


def _time_baseline(baseline, expected: Totals) -> list[float]:
    samples = []
    for _ in range(3):
        start = time.perf_counter()
        again = baseline()
        samples.append((time.perf_counter() - start) * 1000)
        if again != expected:
            raise RuntimeError("the baseline statement is not deterministic")
    return samples


def _memory_verdict(small: float, big: float) -> bool:
    return big <= small * (1 + MEMORY_GROWTH_SHARE) + MEMORY_NOISE_BYTES


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.db import connection

    original = connection.settings_dict["NAME"]
    results: dict[str, SizeResult] = {}
    plans = []
    load_before = os.getloadavg()[0]
    try:
        sizes = SIZES if options.accounts == ENGINE_MAIN_SIZE else SIZES[:1]
        for size in sizes:
            results[size] = _measure_size(engine, size, options, console)
        if options.close_plans:
            plans = _plans(console)
    finally:
        close_dataset.restore(original)
    load = (load_before, os.getloadavg()[0])
    _print(console, engine, results, options, load)
    if plans:
        _print_plans(console, engine, plans)
    return _as_json(engine, results, load)


# --- Output ----------------------------------------------------------------------------------


def _s(ms: float) -> str:
    return f"{ms / 1000:.2f}"


def _mib(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if abs(n) >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def _verdict(ok: bool) -> Text:
    return Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red")


def _print(console: Console, engine: Engine, results: dict[str, SizeResult], options, load) -> None:
    data = Table(
        title=f"Close data on {engine.label} (the month closed: October 2026)",
        title_justify="left",
        header_style="bold",
    )
    data.add_column("Accounts", justify="right")
    data.add_column("Partners", justify="right")
    data.add_column("Partnerships\n(ended)", justify="right")
    data.add_column("Kind\nchanges", justify="right")
    data.add_column("Invoices\n(October)", justify="right")
    data.add_column("Refunds", justify="right")
    data.add_column("Lines before\n(months closed)", justify="right")
    for r in results.values():
        c = r.counts
        data.add_row(
            f"{c.accounts:,}",
            f"{c.partners:,}",
            f"{c.partnerships:,} ({c.ended_partnerships:,})",
            f"{c.kind_changes:,}",
            f"{c.invoices:,}",
            f"{c.refunds:,}",
            f"{c.history_lines:,}",
        )
    console.print(data)

    table = Table(
        title=(
            f"month_close(October 2026) on {engine.label}: median of {options.close_repeat} runs "
            "(each in a fresh process, on a fresh copy of the month) beside the baseline "
            "statement (median of 3 after a warm-up), seconds"
        ),
        title_justify="left",
        header_style="bold",
    )
    table.add_column("Accounts", justify="right")
    table.add_column("Close\nmedian", justify="right")
    table.add_column("Close\nmin–max", justify="right")
    table.add_column("Lines\nwritten", justify="right")
    table.add_column("Lines/s", justify="right")
    table.add_column("Baseline\nSQL median", justify="right")
    if engine.is_sqlite:
        table.add_column("Baseline,\n2 MiB cache\n(default)", justify="right")
    table.add_column("Close ÷\nbaseline", justify="right")
    table.add_column("Python peak\n(tracemalloc)", justify="right")
    table.add_column("RSS rise\nduring close", justify="right")
    table.add_column(f"SQLite,\n1,000,000:\n< {GOAL_SECONDS_SQLITE:.0f} s", justify="center")
    table.add_column(f"≤ {GOAL_RATIO:.0f}×", justify="center")
    for r in results.values():
        close = r.close
        table.add_row(
            f"{r.accounts:,}",
            _s(close.median),
            f"{_s(close.min)}–{_s(close.max)}",
            f"{r.lines:,}",
            f"{r.lines / (close.median / 1000):,.0f}",
            _s(r.baseline.median),
            *([_s(r.baseline_default_cache.median)] if engine.is_sqlite else []),
            f"{r.ratio:.2f}×",
            _mib(r.median("traced_peak")),
            _mib(r.median("rss_growth")),
            _verdict(r.meets_time) if r.has_time_goal(engine) else "",
            _verdict(r.meets_ratio),
        )
    console.print(table)

    where = Table(
        title=f"Where the close spends its time on {engine.label}: median seconds per statement",
        title_justify="left",
        header_style="bold",
    )
    where.add_column("Statement")
    for r in results.values():
        where.add_column(f"{r.accounts:,}", justify="right")
    for label in (*STATEMENTS, COMMIT, REST):
        where.add_row(label, *[f"{r.statement(label):.2f}" for r in results.values()])
    where.add_section()
    where.add_row("close", *[_s(r.close.median) for r in results.values()])
    where.add_row("baseline statement", *[_s(r.baseline.median) for r in results.values()])
    console.print(where)

    if SIZES[-1] in results:
        _print_memory(console, engine, results[SIZES[0]], results[SIZES[-1]])

    for r in results.values():
        types = ", ".join(
            f"{t} {n:,} lines ({s:+,} minor units)" for t, (s, n) in sorted(r.check.by_type.items())
        )
        style = "green" if r.check.ok else "bold red"
        console.print(
            Text(f"Cross-check at {r.accounts:,} accounts: {r.check.summary()}", style=style)
        )
        console.print(Text(f"  written: {types}", style="dim"))
    from partnerhub.earnings.close import CLOSE_PAGE_CACHE_KIB

    notes = [
        "RSS rise = peak resident memory during the close minus resident memory just before it",
        "SQLite's page cache and sorter run inside the process and count there (the close "
        f"sets a fixed {CLOSE_PAGE_CACHE_KIB // 1024} MiB page cache; the baseline runs with "
        "the same, and on SQLite also with the connection's default)",
        "PostgreSQL's memory is the server's; its commit runs the deferred foreign-key checks "
        "of every line and audit row",
        f"memory passes when the 1,000,000-account figure is at most "
        f"{1 + MEMORY_GROWTH_SHARE:.2f}× the 100,000-account one + {_mib(MEMORY_NOISE_BYTES)}",
        f"1-minute load average {load[0]:.2f} before, {load[1]:.2f} after on "
        f"{os.cpu_count()} CPUs (other work on the machine shows in the times)",
    ]
    console.print(Text("Notes: " + "; ".join(notes), style="dim"))


def _print_memory(console: Console, engine: Engine, small, big) -> None:
    memory = Table(
        title=f"Peak memory of the close on {engine.label}, by number of accounts (medians)",
        title_justify="left",
        header_style="bold",
    )
    memory.add_column("Measure")
    memory.add_column(f"{small.accounts:,} accounts", justify="right")
    memory.add_column(f"{big.accounts:,} accounts", justify="right")
    memory.add_column("Ratio", justify="right")
    memory.add_column("Does not grow", justify="center")
    for label, key in (
        ("Python allocations, peak (tracemalloc)", "traced_peak"),
        ("Process memory (anonymous resident), rise during the close", "anon_growth"),
        ("Mapped database file pages (file-backed resident), rise", "file_growth"),
        ("Resident memory (both), rise during the close", "rss_growth"),
        ("Resident memory (both), peak of the process", "rss_peak"),
    ):
        a, b = small.median(key), big.median(key)
        goal = key in MEMORY_GOAL_KEYS
        memory.add_row(
            label,
            _mib(a),
            _mib(b),
            f"{b / a:.2f}×" if a else "–",
            _verdict(_memory_verdict(a, b)) if goal else Text("(not a goal)", style="dim"),
        )
    console.print(memory)
    console.print(
        "The goal is the process's own memory: the file-backed pages are the database file's "
        "pages in the system's cache, which SQLite reads through a memory map (mmap_size)."
    )


def _print_plans(console: Console, engine: Engine, plans) -> None:
    panels = [
        Panel(Text(text), title=f"{label}: {seconds:.2f} s", title_align="left")
        for label, seconds, text in plans
    ]
    console.print(Panel(Group(*panels), title=f"Plans of the close on {engine.label}"))


def _as_json(engine: Engine, results: dict[str, SizeResult], load) -> dict:
    goals = []
    for r in results.values():
        ratio_case = f"close ÷ baseline SQL, {r.accounts:,} accounts"
        if r.has_time_goal(engine):
            goals.append({
                "case": f"close, {r.accounts:,} accounts",
                "figure": f"{_s(r.close.median)} s median ({r.lines:,} lines)",
                "baseline": f"SQL {_s(r.baseline.median)} s",
                "goal": f"< {GOAL_SECONDS_SQLITE:.0f} s",
                "ok": r.meets_time,
                "load": r.load,
            })  # fmt: skip
        goals.append({
            "case": ratio_case,
            "figure": f"{r.ratio:.2f}× ({_s(r.close.median)} s, {r.lines:,} lines)",
            "baseline": f"SQL {_s(r.baseline.median)} s",
            "goal": f"≤ {GOAL_RATIO:.0f}×",
            "ok": r.meets_ratio,
            "load": r.load,
        })  # fmt: skip
    if MAIN_SIZE in results:
        big, small = results[MAIN_SIZE], results[SIZES[0]]
        memory_ok = all(_memory_verdict(small.median(k), big.median(k)) for k in MEMORY_GOAL_KEYS)
        goals.append({
            "case": "close memory, 100,000 → 1,000,000 accounts",
            "figure": (
                f"Python peak {_mib(small.median('traced_peak'))} → "
                f"{_mib(big.median('traced_peak'))}; process memory rise "
                f"{_mib(small.median('anon_growth'))} → {_mib(big.median('anon_growth'))} "
                f"(with mapped file pages {_mib(small.median('rss_growth'))} → "
                f"{_mib(big.median('rss_growth'))})"
            ),
            "baseline": "the 100,000-account close",
            "goal": "does not grow with accounts",
            "ok": memory_ok,
        })  # fmt: skip
    goals.append({
        "case": "close totals = baseline totals",
        "figure": "; ".join(
            f"{r.accounts:,}: {'OK' if r.check.ok else 'MISMATCH'}" for r in results.values()
        ),
        "baseline": "the baseline SQL's totals",
        "goal": "equal",
        "ok": all(r.check.ok for r in results.values()),
    })  # fmt: skip
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "goals": goals,
        "sizes": {
            r.size: {
                "counts": r.counts.as_dict(),
                "close": r.close.as_dict(),
                "baseline": r.baseline.as_dict(),
                "baseline_default_cache": (
                    r.baseline_default_cache.as_dict() if r.baseline_default_cache else None
                ),
                "ratio": r.ratio,
                "lines": r.lines,
                "runs": r.runs,
                "cross_check": {
                    "ok": r.check.ok,
                    "groups": r.check.groups,
                    "differing": [str(d) for d in r.check.differing[:20]],
                    "by_type": r.check.by_type,
                },
            }
            for r in results.values()
        },
        "load_average": load,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_child(sys.argv[2:]))
    sys.exit("usage: python -m bench close [--engine sqlite|postgres|both]")
