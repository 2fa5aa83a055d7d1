"""The data the monthly-close benchmark closes: a program with a year of partnership history and
one month of invoices for every paying account.

Built set-based in the database (``generate_series`` on PostgreSQL, a recursive CTE on SQLite),
from a deterministic integer hash of each row's number, so that both engines hold the same rows:

- 1,000 partners, deployed from 2018 on, a fifth of them during the last year and a half (so that
  moves right after a deployment are in window by deployment);
- the accounts: 75% paying, 6% cancelled, 9% in trial, 10% whose trial ended; 5% of the paying
  ones on a single bill; five currencies;
- a partnership for 93% of the accounts, of 1,000 partners of very different sizes, moved from
  August 2025 to last week: 42% signed up through the partner (credited before conversion, in
  window), the rest moved as existing customers, most of them long after converting (out of
  window), a fifth of them around the 60-day edge; 4% of those moved from another partner first
  (an ended partnership);
- the kind history: one change at midnight UTC of the move (managed for accounts the partner
  created, referred otherwise), then for about 10% a change to managed and for about 2% a
  revocation back to referred;
- one invoice in the month to close (October 2026) for every paying account converted by then,
  the converting invoice for those converted in October; a few thousand refunds, partial ones and
  full refunds of converting invoices (inside and outside the holding period, some after the
  month);
- every month up to September 2026 closed, by the product's own close (the program's first close
  catches up the new-account bonuses of the whole history).

Cached between runs: a database is rebuilt only when its marker (``DATASET_VERSION`` and size) or
its row counts do not match, or when asked to.
"""

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console

from bench.dataset import all_visible_text, progress_bar, secondary_indexes, settle_postgres
from bench.engines import BENCH_DIR, Engine, prepare

DATASET_VERSION = 3
PARTNERS = 1_000
SIZES = {"100k": 100_000, "1m": 1_000_000}

MONTH = dt.date(2026, 10, 1)  # the month the benchmark closes
MONTH_LAST = dt.date(2026, 10, 31)
TODAY = dt.date(2026, 11, 26)
HISTORY_CLOSE = dt.date(2026, 9, 1)  # the last month closed before the benchmark's

EPOCH = dt.date(2018, 1, 1)  # day 0 of the generator's day numbers
MOVES_FROM = dt.date(2025, 8, 1)
LAST_DAY = TODAY - dt.timedelta(days=1)  # the data ends yesterday
RECENT_DEPLOY_FROM = dt.date(2025, 7, 1)
RECENT_DEPLOY_TO = dt.date(2026, 10, 15)

# The tables filled in bulk; their secondary indexes are dropped first and built after the load.
BULK_TABLES = (
    "partners_partner",
    "clients_clientaccount",
    "partnerships_partnership",
    "partnerships_partnershipkindchange",
    "billing_invoice",
    "billing_refund",
)


def day(date: dt.date) -> int:
    return (date - EPOCH).days


# --- Databases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseDatabase:
    """The cached database of one engine and one data size."""

    engine: Engine
    size: str
    accounts: int
    name: str  # the file path (SQLite) or the database name (PostgreSQL)

    @property
    def url(self) -> str:
        if self.engine.is_sqlite:
            return f"sqlite:///{self.name}"
        parts = urlsplit(self.engine.url)
        return urlunsplit(parts._replace(path=f"/{self.name}"))

    @property
    def label(self) -> str:
        return f"{self.accounts:,} accounts"

    @property
    def marker(self) -> str:
        return f"close-bench-v{DATASET_VERSION}-{self.accounts}"


def database(engine: Engine, size: str) -> CloseDatabase:
    suffix = "" if size == "1m" else f"-{size}"
    if engine.is_sqlite:
        return CloseDatabase(engine, size, SIZES[size], str(BENCH_DIR / f"close{suffix}.sqlite3"))
    base = urlsplit(engine.url).path.lstrip("/")
    return CloseDatabase(engine, size, SIZES[size], f"{base}_close{suffix.replace('-', '_')}")


def create_if_missing(db: CloseDatabase, *, rebuild: bool) -> None:
    """Make sure the database exists (empty if ``rebuild``); Django must not be connected to it."""
    if db.engine.is_sqlite:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db.name}{suffix}").unlink(missing_ok=True)
        return
    prepare(Engine(db.engine.name, db.engine.label, db.url), rebuild=rebuild)


def activate(db: CloseDatabase) -> str:
    """Point Django's default connection at ``db``; returns the name it pointed at before."""
    from django.db import connection

    connection.close()
    before = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = db.name
    return before


def restore(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


# --- SQL spellings ---------------------------------------------------------------------------

# A small integer hash: x -> ((x·A + S) mod P)² mod P, then an affine step. Every product stays
# below 2^63, so SQLite and PostgreSQL compute the same numbers.
P = 2_147_483_647


class Dialect:
    def __init__(self, postgres: bool):
        self.pg = postgres

    def rnd(self, expr: str, stream: int) -> str:
        a = 40_503 + 7_919 * stream
        s = 12_345 + 1_000_003 * stream
        b = 69_069 + 2 * stream
        x = f"(({expr}) * {a} + {s}) % {P}"
        return f"(((({x}) * ({x})) % {P}) * {b} + {stream}) % {P}"

    def seq(self, n: int) -> str:
        """A ``WITH`` clause that defines ``s(i)``, the numbers 1 … n."""
        if self.pg:
            return f"WITH s(i) AS (SELECT generate_series(CAST(1 AS BIGINT), {n}))"
        return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})"

    def date(self, n: str) -> str:
        """The date of day number ``n``."""
        if self.pg:
            return f"(DATE '{EPOCH}' + CAST({n} AS INTEGER))"
        return f"date({_julian(EPOCH)} + ({n}))"

    def ts(self, n: str, clock: str) -> str:
        """A UTC timestamp at ``clock`` on day number ``n``."""
        if self.pg:
            return f"((DATE '{EPOCH}' + CAST({n} AS INTEGER) + TIME '{clock}') AT TIME ZONE 'UTC')"
        return f"(date({_julian(EPOCH)} + ({n})) || ' {clock}')"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"max({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"min({a}, {b})"

    def materialized(self) -> str:
        return "MATERIALIZED"


def _julian(date: dt.date) -> float:
    return date.toordinal() + 1_721_424.5


def _deployed(d: Dialect, partner_expr: str) -> str:
    """The deployment day number of a partner, a function of its id alone."""
    recent_from, recent_to = day(RECENT_DEPLOY_FROM), day(RECENT_DEPLOY_TO)
    return (
        f"(CASE WHEN {d.rnd(partner_expr, 30)} % 100 < 80"
        f" THEN {d.rnd(partner_expr, 31)} % {day(dt.date(2025, 6, 30))}"
        f" ELSE {recent_from} + {d.rnd(partner_expr, 31)} % {recent_to - recent_from} END)"
    )


def _plan_sql(d: Dialect, n: int) -> str:
    """``close_gen``: one row per account with every number its rows are built from."""
    moves_from, last = day(MOVES_FROM), day(LAST_DAY)
    first, month_last = day(MONTH), day(MONTH_LAST)
    rnd = ", ".join(f"{d.rnd('i', k)} AS r{k}" for k in range(1, 23))
    lo = d.greatest(str(moves_from), "dep")
    return f"""
CREATE TEMP TABLE close_gen AS
{d.seq(n)},
r AS {d.materialized()} (
  SELECT i, {rnd} FROM s
),
a AS {d.materialized()} (
  SELECT r.*,
    CASE WHEN r1 % 1000 < 750 THEN 'open' WHEN r1 % 1000 < 810 THEN 'cancelled'
         WHEN r1 % 1000 < 900 THEN 'trial' ELSE 'trial_end' END AS status0,
    CASE WHEN r3 % 100 < 93
         THEN 1 + ((r2 % 1000000) * (r2 % 1000000)) / 1000000000 END AS partner_id,
    CASE WHEN r4 % 100 < 42 THEN 1 ELSE 0 END AS brought
  FROM r
),
b AS {d.materialized()} (
  SELECT a.*, CASE WHEN partner_id IS NOT NULL THEN {_deployed(d, "partner_id")} END AS dep
  FROM a
),
c AS {d.materialized()} (
  SELECT b.*,
    CASE WHEN partner_id IS NOT NULL THEN {lo} + r5 % ({last} - {lo} + 1) END AS moved0
  FROM b
),
e AS {d.materialized()} (
  SELECT c.*,
    CASE
      WHEN status0 = 'trial' THEN {last} - r6 % 28
      WHEN partner_id IS NOT NULL AND brought = 1 THEN moved0
      WHEN partner_id IS NOT NULL THEN {d.greatest("0", "moved0 - CASE WHEN r7 % 100 < 20 THEN 3 + r6 % 120 ELSE 30 + r6 % 2500 END")}
      ELSE r6 % ({last} - 20)
    END AS signed
  FROM c
),
f AS {d.materialized()} (
  SELECT e.*,
    CASE WHEN partner_id IS NOT NULL THEN {d.greatest("moved0", "signed")} END AS moved,
    CASE WHEN status0 IN ('open', 'cancelled') AND signed + 3 + r8 % 43 <= {last}
         THEN signed + 3 + r8 % 43 END AS conv,
    CASE WHEN brought = 1 AND r12 % 100 < 40 THEN 'managed' ELSE 'referred' END AS kind0,
    CASE WHEN r11 % 10 < 5 THEN 'BRONZE' WHEN r11 % 10 < 8 THEN 'SILVER' ELSE 'GOLD' END AS plan,
    1 + (partner_id + r18 % 998) % 1000 AS prev_partner
  FROM e
),
g AS {d.materialized()} (
  SELECT f.*,
    CASE WHEN status0 IN ('open', 'cancelled') AND conv IS NULL THEN 'trial' ELSE status0 END
      AS status,
    CASE WHEN partner_id IS NOT NULL AND kind0 = 'referred' AND r13 % 100 < 12
         THEN {d.least("moved + 1 + r14 % 120", str(last))} END AS confirm,
    CASE WHEN partner_id IS NOT NULL AND brought = 0 AND r17 % 100 < 4
              AND moved - {moves_from} >= 60
         THEN {moves_from} + r19 % (moved - {moves_from} - 30) END AS prev_moved0,
    CASE plan WHEN 'BRONZE' THEN 1500 + r20 % 3000 WHEN 'SILVER' THEN 5000 + r20 % 7000
         ELSE 15000 + r20 % 25000 END AS amount
  FROM f
),
h AS {d.materialized()} (
  SELECT g.*,
    CASE WHEN confirm IS NOT NULL AND r15 % 100 < 20
         THEN {d.least("confirm + 5 + r16 % 200", str(last))} END AS revoke,
    CASE WHEN prev_moved0 IS NOT NULL AND prev_moved0 >= signed
              AND prev_moved0 >= {_deployed(d, "prev_partner")}
         THEN prev_moved0 END AS prev_moved,
    CASE WHEN status = 'open' AND conv <= {month_last}
         THEN CASE WHEN conv >= {first} THEN conv ELSE {first} + conv % 31 END END AS paid
  FROM g
)
SELECT i, status, partner_id, brought, moved, signed, conv, kind0, confirm, revoke,
  prev_partner, prev_moved, paid, plan, amount,
  CASE WHEN revoke IS NOT NULL THEN 'referred' WHEN confirm IS NOT NULL THEN 'managed'
       ELSE kind0 END AS kind_now,
  CASE WHEN status IN ('open', 'cancelled') AND r9 % 100 < 5 THEN 1 ELSE 0 END AS single_bill,
  CASE WHEN r10 % 100 < 80 THEN 'USD' WHEN r10 % 100 < 89 THEN 'EUR'
       WHEN r10 % 100 < 95 THEN 'GBP' WHEN r10 % 100 < 98 THEN 'CAD' ELSE 'AUD' END AS currency,
  (r10 / 100) % 5000 AS contacts,
  CASE WHEN paid IS NOT NULL AND conv >= {first} AND r21 % 100 < 6 THEN amount
       WHEN paid IS NOT NULL AND r21 % 1000 < 6
       THEN {d.greatest("1", "amount * (10 + r22 % 80) / 100")} END AS refund_amount,
  CASE WHEN paid IS NOT NULL AND conv >= {first} AND r21 % 100 < 6
       THEN {d.least("paid + r22 % 45", str(last))}
       WHEN paid IS NOT NULL AND r21 % 1000 < 6
       THEN {d.least("paid + r22 % 25", str(last))} END AS refund_day
FROM h
"""


def _load_statements(d: Dialect, db: CloseDatabase) -> list[tuple[str, str]]:
    """(what, SQL) of each step of the load, in order."""
    n = db.accounts
    true, false = ("TRUE", "FALSE") if d.pg else ("1", "0")
    deployed = _deployed(d, "i")
    return [
        (
            "Partners",
            f"INSERT INTO partners_partner (id, name, deployed_on, invite_code, external_id,"
            f" created_at, time_zone) {d.seq(PARTNERS)}"
            f" SELECT i, 'Close Bench Partner ' || i, {d.date(deployed)}, 'close-bench-' || i,"
            f" CASE WHEN i = 1 THEN '{db.marker}' END, {d.ts(deployed, '09:00:00')}, 'UTC'"
            " FROM s",
        ),
        ("Plan of every account", _plan_sql(d, n)),
        (
            "Client accounts",
            "INSERT INTO clients_clientaccount (id, encoded_account_id, external_id,"
            " organization_name, owner_name, login_name, contact_email, owner_id, contact_count,"
            " plan_type, billing_status, disabled_reason, single_bill, currency, signed_up_at,"
            " converted_at, last_login_at, partner_id, partnership_kind, partnered_on)"
            " SELECT i, 'cb' || i, NULL, 'Close Bench Organization ' || i, 'Owner ' || i,"
            " 'closebench' || i, 'owner' || i || '@org' || i || '.example', NULL, contacts,"
            " CASE WHEN status IN ('trial', 'trial_end') THEN 'TRIAL' ELSE plan END,"
            " CASE status WHEN 'open' THEN 'Open' WHEN 'cancelled' THEN 'Canceled'"
            " WHEN 'trial' THEN 'Trial' ELSE 'Trial End' END,"
            f" '', CASE WHEN single_bill = 1 THEN {true} ELSE {false} END, currency,"
            f" {d.ts('signed', '10:15:00')},"
            f" CASE WHEN conv IS NOT NULL THEN {d.ts('conv', '12:00:00')} END, NULL,"
            " partner_id, CASE WHEN partner_id IS NOT NULL THEN kind_now ELSE '' END,"
            f" CASE WHEN partner_id IS NOT NULL THEN {d.date('moved')} END"
            " FROM close_gen",
        ),
        (
            "Partnerships",
            "INSERT INTO partnerships_partnership (id, partner_id, account_id, kind, moved_on,"
            " source, created_at, ended_at)"
            f" SELECT i, partner_id, i, kind_now, {d.date('moved')},"
            " CASE WHEN kind0 = 'managed' THEN 'created_by_partner'"
            " WHEN brought = 1 THEN 'invite_link' ELSE 'approved_move' END,"
            f" {d.ts('moved', '00:00:00')}, NULL FROM close_gen WHERE partner_id IS NOT NULL",
        ),
        (
            "Ended partnerships",
            "INSERT INTO partnerships_partnership (id, partner_id, account_id, kind, moved_on,"
            " source, created_at, ended_at)"
            f" SELECT {n} + i, prev_partner, i, 'referred', {d.date('prev_moved')},"
            f" 'approved_move', {d.ts('prev_moved', '00:00:00')}, {d.ts('moved', '00:00:00')}"
            " FROM close_gen WHERE prev_moved IS NOT NULL",
        ),
        (
            "Kind changes",
            "INSERT INTO partnerships_partnershipkindchange (partnership_id, kind, effective_at,"
            " cause)"
            f" SELECT {n} + i, 'referred', {d.ts('prev_moved', '00:00:00')}, 'credited'"
            " FROM close_gen WHERE prev_moved IS NOT NULL"
            " UNION ALL"
            f" SELECT i, kind0, {d.ts('moved', '00:00:00')}, 'credited'"
            " FROM close_gen WHERE partner_id IS NOT NULL"
            " UNION ALL"
            f" SELECT i, 'managed', {d.ts('confirm', '14:00:00')}, 'access_confirmed'"
            " FROM close_gen WHERE confirm IS NOT NULL"
            " UNION ALL"
            f" SELECT i, 'referred', {d.ts('revoke', '16:30:00')}, 'access_revoked'"
            " FROM close_gen WHERE revoke IS NOT NULL",
        ),
        (
            "Invoices",
            "INSERT INTO billing_invoice (id, external_id, account_id, paid_on, amount_minor,"
            " currency, received_at)"
            f" SELECT i, 'inv-' || i, i, {d.date('paid')}, amount, currency,"
            f" {d.ts('paid', '06:00:00')} FROM close_gen WHERE paid IS NOT NULL",
        ),
        (
            "Refunds",
            "INSERT INTO billing_refund (id, external_id, invoice_id, refunded_on, amount_minor,"
            " received_at)"
            f" SELECT i, 'ref-' || i, i, {d.date('refund_day')}, refund_amount,"
            f" {d.ts('refund_day', '08:00:00')} FROM close_gen WHERE refund_day IS NOT NULL",
        ),
        ("Drop the plan", "DROP TABLE close_gen"),
    ]


# --- Loading ---------------------------------------------------------------------------------


def _load(db: CloseDatabase, console: Console) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from partnerhub.billing.models import Invoice, Refund
    from partnerhub.clients.models import ClientAccount
    from partnerhub.partners.models import Partner
    from partnerhub.partnerships.counters import recount
    from partnerhub.partnerships.models import Partnership, PartnershipKindChange

    d = Dialect(connection.vendor == "postgresql")
    steps = _load_statements(d, db)
    with connection.cursor() as cursor:
        if d.pg:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET synchronous_commit = off")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB while loading
            cursor.execute("PRAGMA temp_store = MEMORY")
            cursor.execute("PRAGMA synchronous = OFF")
    with (
        progress_bar(console, width=40) as progress,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        if d.pg:
            # The rows are consistent by construction: skip the per-row foreign-key triggers.
            cursor.execute("SET LOCAL session_replication_role = replica")
        indexes = [ix for t in BULK_TABLES for ix in secondary_indexes(connection, t)]
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        task = progress.add_task("Load", total=len(steps) + len(indexes))
        for what, statement in steps:
            progress.update(task, description=what)
            cursor.execute(statement)
            progress.advance(task)
        for name, statement in indexes:
            progress.update(task, description=f"Index {name[:34]}")
            cursor.execute(statement)
            progress.advance(task)
        recount()  # the partners' account counters, as the services would have kept them
        progress.update(task, description="Loaded")
        if d.pg:
            models = [Partner, ClientAccount, Partnership, PartnershipKindChange, Invoice, Refund]
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
    if not d.pg:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = ON")
    connection.close()  # back to the production connection settings
    analyze(console)


def analyze(console: Console) -> None:
    """Refresh the planner's statistics (on PostgreSQL with the visibility map, as autovacuum
    would have done on tables at rest)."""
    from django.db import connection

    with progress_bar(console, width=40) as progress, connection.cursor() as cursor:
        task = progress.add_task("ANALYZE", total=None)
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            settle_postgres(cursor, BULK_TABLES)
        progress.update(task, total=1, completed=1)
    if connection.vendor == "postgresql":
        console.print(f"All-visible pages after VACUUM: {all_visible_text(BULK_TABLES)}")


def _close_history(console: Console) -> None:
    """Close every month before the benchmark's, with the product's close."""
    from partnerhub.earnings.close import month_close

    with console.status(f"Closing {HISTORY_CLOSE:%B %Y} (the history before the benchmark)…"):
        start = time.perf_counter()
        result = month_close(month=HISTORY_CLOSE, today=TODAY)
    console.print(
        f"Closed {HISTORY_CLOSE:%B %Y}: {result.close.line_count:,} lines "
        f"in {time.perf_counter() - start:.1f} s"
    )


# --- Entry point -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    accounts: int
    partners: int
    partnerships: int
    ended_partnerships: int
    kind_changes: int
    invoices: int
    refunds: int
    history_lines: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def counts() -> Counts:
    from django.db import connection

    queries = [
        "SELECT COUNT(*) FROM clients_clientaccount",
        "SELECT COUNT(*) FROM partners_partner",
        "SELECT COUNT(*) FROM partnerships_partnership",
        "SELECT COUNT(*) FROM partnerships_partnership WHERE ended_at IS NOT NULL",
        "SELECT COUNT(*) FROM partnerships_partnershipkindchange",
        "SELECT COUNT(*) FROM billing_invoice",
        "SELECT COUNT(*) FROM billing_refund",
        "SELECT COUNT(*) FROM earnings_ledgerline WHERE month < %s",
    ]
    values = []
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql, [MONTH] if "%s" in sql else [])
            values.append(cursor.fetchone()[0])
    return Counts(*values)


def _is_current(db: CloseDatabase) -> bool:
    from partnerhub.clients.models import ClientAccount
    from partnerhub.earnings.models import MonthClose
    from partnerhub.partners.models import Partner

    return (
        Partner.objects.filter(pk=1, external_id=db.marker).exists()
        and MonthClose.objects.filter(month=HISTORY_CLOSE).exists()
        and ClientAccount.objects.count() == db.accounts
    )


def _is_empty() -> bool:
    from partnerhub.clients.models import ClientAccount
    from partnerhub.partners.models import Partner

    return not Partner.objects.exists() and not ClientAccount.objects.exists()


def _migrate() -> bool:
    """Apply the product's migrations; True when there were any to apply."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    return bool(pending)


def ensure(db: CloseDatabase, console: Console, *, rebuild: bool = False) -> Counts:
    """``db`` loaded, analysed and closed up to the month before the benchmark's; Django's
    default connection is left pointing at it (see ``activate``)."""
    from django.db import connection

    create_if_missing(db, rebuild=rebuild)
    activate(db)
    migrated = _migrate()
    if _is_current(db):
        if migrated:
            # A migration may have added or rebuilt indexes and tables: the planner's
            # statistics are refreshed as after a build.
            analyze(console)
    else:
        if not _is_empty():
            console.print(
                f"[yellow]The cached close database ({db.label}) does not match; rebuilding it.[/]"
            )
            connection.close()
            create_if_missing(db, rebuild=True)
            _migrate()
        console.print(
            f"Building the close data ({db.label}) on {db.engine.label} (cached afterwards)…"
        )
        start = time.perf_counter()
        _load(db, console)
        _close_history(console)
        analyze(console)
        console.print(f"Built in {time.perf_counter() - start:.0f} s")
        if not _is_current(db):
            raise RuntimeError("the close data did not load as expected")
    return counts()
