"""The Single Bill statement of a month for an organization with 10,000 children.

Its own cached database per engine (``statement.sqlite3`` / ``<bench>_statement``), built once
through the product's models: one organization on Single Bill since September 2026 with
``--statement-children`` child accounts (10,000 by default) of three plans, two currencies
and all five contact tiers; 2% joined during October (billed from their day), 2.5% cancelled
during October (billed to the day before), 1% disabled and 1% still on a trial (not billed).
September's statements are closed when the data is built, so October's close also checks
September for late changes (none), as every close does. The organization is a program of its
own size: ``--accounts`` (the size of the partner program) does not apply to it.

It times, for October 2026:

- the statement's build (every child's period, plan, price, tier and discount, and the pass
  over the closed month for corrections): the open month's preview;
- the close: the build, writing the statement and its lines, the audit row with the
  checksum, in one transaction (rolled back after each run, so every run closes the month);
- beside them, one SQL statement that computes the same per-currency sums (list amounts,
  discounts, totals, accounts billed) straight from the accounts, the price book and the
  cancellations: what the work costs without Python in between. The sums of the three must
  be equal to the cent.

Goal: the close under 10 s at p95 on each engine (a monthly job); the ratio to the one SQL
statement is reported.
"""

import argparse
import datetime as dt
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.close_dataset import Dialect
from bench.engines import BENCH_DIR, Engine, prepare
from bench.timing import loadavg, measure

NAME = "statement"
TITLE = "Single Bill statement of a month (organization with 10,000 children)"
DATASET_VERSION = 1
MONTH = dt.date(2026, 10, 1)
MONTH_LAST = dt.date(2026, 10, 31)
HISTORY = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 26)
GOAL_CLOSE_P95_MS = 10_000.0
PLANS = ("BRONZE", "SILVER", "GOLD")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("statement")
    group.add_argument(
        "--statement-children",
        type=int,
        default=10_000,
        help="child accounts of the organization (default: %(default)s; each size cached)",
    )
    group.add_argument(
        "--statement-repeat", type=int, default=5, help="timed runs per case (%(default)s)"
    )


def _database(engine: Engine, children: int) -> str:
    suffix = "" if children == 10_000 else f"-{children}"
    if engine.is_sqlite:
        return str(BENCH_DIR / f"statement{suffix}.sqlite3")
    base = urlsplit(engine.url).path.lstrip("/")
    return f"{base}_statement{suffix.replace('-', '_')}"


def _activate(engine: Engine, name: str, *, rebuild: bool) -> None:
    from django.db import connection

    if engine.is_sqlite:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        parts = urlsplit(engine.url)
        prepare(
            Engine(engine.name, engine.label, parts._replace(path=f"/{name}").geturl()),
            rebuild=rebuild,
        )
    connection.close()
    connection.settings_dict["NAME"] = name


def _marker(children: int) -> str:
    return f"statement-bench-v{DATASET_VERSION}-{children}"


def _child(i: int) -> dict:
    """Child ``i``'s plan, currency, contacts and story, a function of ``i`` alone."""
    h = (i * 2654435761) % 4294967296
    story = "whole"
    if i % 100 == 3:
        story = "disabled"
    elif i % 100 == 5:
        story = "trial"
    elif i % 50 == 7:
        story = "joined"
    elif i % 40 == 9:
        story = "cancelled"
    return {
        "plan": PLANS[h % 3],
        "currency": "EUR" if h % 10 == 0 else "USD",
        "contacts": (h // 7) % 8000,
        "story": story,
        "day": 2 + h % 27,
    }


def _build(children: int, console: Console) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from partnerhub.billing.models import BillingEvent
    from partnerhub.clients.models import ClientAccount
    from partnerhub.core.bulk import insert_many
    from partnerhub.partners.models import Partner, PartnerKind
    from partnerhub.partnerships.models import Partnership
    from partnerhub.pricing.services import single_bill_enable, statements_close

    call_command("migrate", interactive=False, verbosity=0)
    long_ago = dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC)
    with transaction.atomic():
        org = Partner.objects.create(
            name="Bench Bakeries",
            kind=PartnerKind.ORGANIZATION,
            deployed_on=dt.date(2025, 5, 1),
            external_id=_marker(children),
        )
        rows = []
        for i in range(1, children + 1):
            c = _child(i)
            joined = long_ago
            if c["story"] == "joined":
                joined = dt.datetime(2026, 10, c["day"], 9, tzinfo=dt.UTC)
            trial = c["story"] == "trial"
            rows.append(
                (
                    f"bench{i:06x}stmt",
                    f"Bench Bakeries {i:05d}",
                    f"Owner {i:05d}",
                    f"stmtchild{i:06d}",
                    f"child{i}@bench.example",
                    c["contacts"],
                    "TRIAL" if trial else c["plan"],
                    "Trial" if trial else ("Canceled" if c["story"] == "cancelled" else "Open"),
                    "compliance" if c["story"] == "disabled" else "",
                    True,
                    c["currency"],
                    joined - dt.timedelta(days=10),
                    None if trial else joined,
                )
            )
        insert_many(
            ClientAccount,
            (
                "encoded_account_id",
                "organization_name",
                "owner_name",
                "login_name",
                "contact_email",
                "contact_count",
                "plan_type",
                "billing_status",
                "disabled_reason",
                "single_bill",
                "currency",
                "signed_up_at",
                "converted_at",
            ),
            rows,
        )
        accounts = list(
            ClientAccount.objects.filter(login_name__startswith="stmtchild")
            .order_by("login_name")
            .values_list("id", "converted_at", "signed_up_at")
        )
        insert_many(
            Partnership,
            ("partner_id", "account_id", "kind", "moved_on", "source"),
            [
                (org.pk, pk, "managed", (conv or up).date(), "organization_child")
                for pk, conv, up in accounts
            ],
        )
        ClientAccount.objects.filter(login_name__startswith="stmtchild").update(
            partner=org, partnership_kind="managed", partnered_on=dt.date(2025, 6, 1)
        )
        insert_many(
            BillingEvent,
            ("external_id", "kind", "account_id", "occurred_at", "plan_type", "payload"),
            [
                (
                    f"stmt-cancel-{i}",
                    "cancellation",
                    pk,
                    dt.datetime(2026, 10, _child(i)["day"], 12, tzinfo=dt.UTC),
                    "",
                    {},
                )
                for i, (pk, _, _) in enumerate(accounts, start=1)
                if _child(i)["story"] == "cancelled"
            ],
        )
        single_bill_enable(partner_id=org.pk, since_month=HISTORY)
    statements_close(month=HISTORY, today=TODAY)


def _ensure(engine: Engine, children: int, console: Console, *, rebuild: bool):
    from django.core.management import call_command
    from django.db import connection

    from partnerhub.partners.models import Partner
    from partnerhub.pricing.models import StatementClose

    name = _database(engine, children)
    _activate(engine, name, rebuild=rebuild)
    call_command("migrate", interactive=False, verbosity=0)
    current = (
        Partner.objects.filter(external_id=_marker(children)).first()
        if StatementClose.objects.filter(month=HISTORY).exists()
        else None
    )
    if current is None:
        if Partner.objects.exists():
            connection.close()
            _activate(engine, name, rebuild=True)
        console.print(f"Building the statement data ({children:,} children) on {engine.label}…")
        start = time.perf_counter()
        _build(children, console)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        console.print(f"Built in {time.perf_counter() - start:.0f} s (cached afterwards)")
        current = Partner.objects.get(external_id=_marker(children))
    return current


def _one_statement(org_id: int) -> dict[str, tuple[int, int, int, int]]:
    """The month's sums per currency in one SQL statement: (accounts, amount, discount, total)."""
    from django.db import connection

    from partnerhub.earnings import sql
    from partnerhub.pricing.statements import book_for

    d = Dialect(connection.vendor == "postgresql")
    book = book_for(MONTH)
    dp = sql.date_param()
    month_days = (MONTH_LAST - MONTH).days + 1
    conv = sql.day_of("a.converted_at")
    cancel = sql.day_of("e.occurred_at")
    day_before = f"({cancel} - 1)" if d.pg else f"date({cancel}, '-1 days')"
    span = (
        "(x.last_day - x.first_day + 1)"
        if d.pg
        else ("(CAST(julianday(x.last_day) - julianday(x.first_day) AS INTEGER) + 1)")
    )
    tier = (
        "CASE WHEN a.contact_count <= 500 THEN 1 WHEN a.contact_count <= 1000 THEN 2"
        " WHEN a.contact_count <= 2500 THEN 3 WHEN a.contact_count <= 5000 THEN 4 ELSE 5 END"
    )
    query = (
        "WITH x AS ("
        " SELECT a.currency, pp.list_price_minor AS price,"
        f" {d.greatest(d.greatest(dp, 'p.moved_on'), conv)} AS first_day,"
        f" CASE WHEN a.billing_status = 'Canceled' THEN {d.least(dp, 'MIN(' + day_before + ')')}"
        f" ELSE {dp} END AS last_day"
        " FROM partnerships_partnership p"
        " JOIN clients_clientaccount a ON a.id = p.account_id"
        " JOIN pricing_planprice pp ON pp.book_id = %s AND pp.plan = a.plan_type"
        f" AND pp.currency = a.currency AND pp.contact_tier = {tier}"
        " LEFT JOIN billing_billingevent e ON e.account_id = a.id AND e.kind = 'cancellation'"
        f" WHERE p.partner_id = %s AND p.ended_at IS NULL AND p.moved_on <= {dp}"
        " AND a.converted_at IS NOT NULL AND a.disabled_reason = '' AND a.plan_type <> 'TRIAL'"
        " AND (a.billing_status <> 'Canceled' OR e.id IS NOT NULL)"
        " GROUP BY a.id, a.currency, pp.list_price_minor, a.billing_status, p.moved_on,"
        " a.converted_at"
        "), billed AS ("
        f" SELECT x.currency, (x.price * {span} * 2 + {month_days}) / {2 * month_days} AS amount"
        f" FROM x WHERE x.last_day >= x.first_day"
        "), tier AS ("
        " SELECT CAST(ROUND(v.discount_percent * 100) AS INTEGER) AS pct FROM pricing_volumediscount v"
        " WHERE v.book_id = %s AND v.min_accounts <= (SELECT COUNT(*) FROM billed)"
        " ORDER BY v.min_accounts DESC LIMIT 1"
        ")"
        " SELECT b.currency, COUNT(*), SUM(b.amount),"
        " SUM((b.amount * t.pct * 2 + 10000) / 20000),"
        " SUM(b.amount - (b.amount * t.pct * 2 + 10000) / 20000)"
        " FROM billed b CROSS JOIN tier t GROUP BY b.currency ORDER BY b.currency"
    )
    first, last = MONTH.isoformat(), MONTH_LAST.isoformat()
    params = [first, last, last, book.pk, org_id, last, book.pk]
    with connection.cursor() as cur:
        cur.execute(query, params)
        return {c: (int(n), int(a), int(di), int(t)) for c, n, a, di, t in cur.fetchall()}


def _python_sums(built) -> dict[str, tuple[int, int, int, int]]:
    out: dict[str, list[int]] = {}
    for line in built.lines:
        s = out.setdefault(line.currency, [0, 0, 0, 0])
        s[0] += 1 if line.kind == "charge" else 0
        s[1] += line.amount_minor
        s[2] += line.discount_minor
        s[3] += line.total_minor
    return {c: tuple(v) for c, v in sorted(out.items())}


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.db import transaction

    from partnerhub.pricing.services import statements_close
    from partnerhub.pricing.statements import statement_build

    children = options.statement_children
    org = _ensure(engine, children, console, rebuild=options.rebuild)
    built = statement_build(org, MONTH)
    python = _python_sums(built)
    one = _one_statement(org.pk)
    closed = {}

    def close_once():
        with transaction.atomic():
            result = statements_close(month=MONTH, today=TODAY)
            rows = result.close.statements.get().lines.values_list(
                "currency", "kind", "amount_minor", "discount_minor", "total_minor"
            )
            sums: dict[str, list[int]] = {}
            for currency, kind, amount, discount, total in rows:
                s = sums.setdefault(currency, [0, 0, 0, 0])
                s[0] += 1 if kind == "charge" else 0
                s[1], s[2], s[3] = s[1] + amount, s[2] + discount, s[3] + total
            closed.update({c: tuple(v) for c, v in sums.items()})
            transaction.set_rollback(True)

    repeat = options.statement_repeat
    load_before = loadavg()
    with console.status(f"Timing the statement on {engine.label}…"):
        build_stats = measure(lambda: statement_build(org, MONTH), warmup=1, repeat=repeat)
        close_stats = measure(close_once, warmup=1, repeat=repeat)
        sql_stats = measure(lambda: _one_statement(org.pk), warmup=1, repeat=repeat)
    load_after = loadavg()
    same = python == one == closed
    table = Table(
        title=(
            f"October 2026 statement on {engine.label}: {children:,} children, "
            f"{built.paying_accounts:,} billed ({built.tier.discount_label}); {repeat} timed runs "
            "after 1 warm-up, milliseconds"
        ),
        title_justify="left",
    )
    for column in ("Case", "Median", "p95", "Max", "× one SQL statement"):
        table.add_column(column, justify="left" if column == "Case" else "right")
    for label, stats in (
        ("Build (the preview)", build_stats),
        ("Close (build, write, audit; rolled back)", close_stats),
        ("One SQL statement, the same sums", sql_stats),
    ):
        table.add_row(
            label,
            f"{stats.median:.1f}",
            f"{stats.p95:.1f}",
            f"{stats.max:.1f}",
            f"{stats.median / sql_stats.median:.1f}",
        )
    console.print(table)
    sums = Table(title="Sums per currency (accounts, amount, discount, total in cents)")
    for column in ("Currency", "Build", "Close", "One SQL statement"):
        sums.add_column(column)
    for currency in sorted(set(python) | set(one)):
        sums.add_row(
            currency, str(python.get(currency)), str(closed.get(currency)), str(one.get(currency))
        )
    console.print(sums)
    verdict = (
        Text("the same to the cent", style="bold green")
        if same
        else Text("MISMATCH", style="bold red")
    )
    console.print("Sums: ", verdict)
    console.print(f"Load average before {load_before}, after {load_after} (pid {os.getpid()})")
    ok = close_stats.p95 < GOAL_CLOSE_P95_MS and same
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "dataset": {"children": children, "billed": built.paying_accounts},
        "load": {"before": load_before, "after": load_after},
        "goals": [
            {
                "case": f"Close of a month, {children:,} children",
                "figure": f"p95 {close_stats.p95:.0f} ms (median {close_stats.median:.0f})",
                "baseline": f"one SQL statement {sql_stats.median:.0f} ms "
                f"(× {close_stats.median / sql_stats.median:.1f})",
                "goal": f"p95 < {GOAL_CLOSE_P95_MS / 1000:.0f} s, sums equal",
                "ok": ok,
                "load": {"before": load_before, "after": load_after},
            },
            {
                "case": f"Build (preview), {children:,} children",
                "figure": f"p95 {build_stats.p95:.0f} ms (median {build_stats.median:.0f})",
                "baseline": f"one SQL statement {sql_stats.median:.0f} ms "
                f"(× {build_stats.median / sql_stats.median:.1f})",
                "goal": "reported",
                "ok": None,
            },
        ],
        "cases": {
            "build": build_stats.as_dict(),
            "close": close_stats.as_dict(),
            "one_sql": sql_stats.as_dict(),
        },
        "sums_equal": same,
    }
