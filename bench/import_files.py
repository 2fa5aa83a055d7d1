"""``partnerhub import`` of a generated file set of 200,000 rows (and of 20,000, to show that its
memory does not grow with the files).

The file set (written once under ``var/bench/import/``, deterministic): per 200,000 rows 1,000
partners, 60,000 accounts (one owner each, 90% converted), 50,000 partnerships (a quarter
managed, half of those after a referred start), 80,000 invoices and 9,000 refunds.

For each size, each run on a fresh, migrated, empty database (a copy of a template) and in a
fresh Python process, so that its peak memory is its own:

- the import: ``import_directory`` (every check, users, login names, partnerships with their kind
  history, audit rows, one transaction): wall time, rows per second,
  CPU time and how far resident memory rose (not traced: tracemalloc slows Python down);
- the import of the same files again, under tracemalloc (the peak of Python allocations while
  every row is read and checked again): nothing may change (every row counted unchanged);
- the baseline: the rows of the five files read with ``csv`` and written with one
  ``executemany`` per table into the same tables, in one transaction, without checks, users,
  kind history or audit rows (a lower bound, not the same work).

Goals: 200,000 rows in under 60 s on each engine, and the import's memory the same at 20,000 and
at 200,000 rows.
"""

import argparse
import csv
import datetime as dt
import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.dataset import progress_bar
from bench.earnings_close import _reset_peak_rss, _rss
from bench.engines import BASE_DIR, BENCH_DIR, ENGINES, Engine, configure_django

NAME = "import"
TITLE = "Import (200,000 rows of CSV)"
GOAL_SECONDS = 60.0
MEMORY_GROWTH_SHARE = 0.25
MEMORY_NOISE_BYTES = 2 * 1024 * 1024
SIZES = {"20k": 20_000, "200k": 200_000}
MAIN_SIZE = "200k"
FILES_VERSION = 1
RESULT_MARK = "IMPORT-RESULT "
EPOCH = dt.date(2024, 1, 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("import")
    group.add_argument(
        "--import-repeat", type=int, default=2, help="timed imports per size (%(default)s)"
    )


# --- The files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    partners: int
    accounts: int
    partnerships: int
    invoices: int
    refunds: int

    @classmethod
    def of(cls, rows: int) -> "Shape":
        partners, accounts = rows // 200, rows * 3 // 10
        partnerships, invoices = rows // 4, rows * 2 // 5
        return cls(
            partners,
            accounts,
            partnerships,
            invoices,
            rows - partners - accounts - partnerships - invoices,
        )

    @property
    def rows(self) -> int:
        return self.partners + self.accounts + self.partnerships + self.invoices + self.refunds


def _day(offset: int) -> str:
    return (EPOCH + dt.timedelta(days=offset)).isoformat()


def _account(i: int) -> dict:
    trial = i % 10 == 9
    signed = i % 600
    return {
        "signed": signed,
        "converted": None if trial else signed + 10,
        "currency": ("USD", "EUR", "GBP", "CAD", "AUD")[i % 5],
    }


def files_dir(size: str) -> Path:
    return BENCH_DIR / "import" / f"v{FILES_VERSION}-{size}"


def write_files(size: str, console: Console) -> Path:
    """The file set of ``size`` rows, written once and cached."""
    folder = files_dir(size)
    if (folder / "refunds.csv").exists():
        return folder
    shape = Shape.of(SIZES[size])
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with progress_bar(console) as progress:
        task = progress.add_task(f"Files of {shape.rows:,} rows", total=shape.rows)

        def write(name: str, header: list[str], rows) -> None:
            with (tmp / name).open("w", newline="") as handle:
                out = csv.writer(handle, lineterminator="\n")
                out.writerow(header)
                for n, row in enumerate(rows, start=1):
                    out.writerow(row)
                    if n % 5000 == 0:
                        progress.advance(task, 5000)
                progress.advance(task, n % 5000)

        write(
            "partners.csv",
            ["partner_id", "name", "deployed_on"],
            (
                [f"P-{p:06d}", f"Partner {p} Marketing", _day(-800 + p % 1000)]
                for p in range(shape.partners)
            ),
        )

        def accounts():
            for i in range(shape.accounts):
                a = _account(i)
                yield [
                    f"A-{i:07d}",
                    f"Organization {i} Ltd",
                    f"Owner {i}",
                    f"owner{i}@example.com",
                    _day(a["signed"]),
                    "" if a["converted"] is None else _day(a["converted"]),
                    "TRIAL" if a["converted"] is None else ("BRONZE", "SILVER", "GOLD")[i % 3],
                    "Trial" if a["converted"] is None else "Open",
                    a["currency"],
                    "true" if i % 20 == 0 else "false",
                ]

        write(
            "accounts.csv",
            [
                "account_id",
                "organization_name",
                "owner_name",
                "owner_email",
                "signed_up_on",
                "converted_on",
                "plan_type",
                "billing_status",
                "currency",
                "single_bill",
            ],
            accounts(),
        )

        def partnerships():
            for i in range(shape.partnerships):
                moved = _account(i)["signed"] + 5
                managed = i % 4 == 0
                yield [
                    f"P-{i % shape.partners:06d}",
                    f"A-{i:07d}",
                    "managed" if managed else "referred",
                    _day(moved),
                    _day(moved + 30) if i % 8 == 0 else "",
                ]

        write(
            "partnerships.csv",
            ["partner_id", "account_id", "kind", "moved_on", "managed_on"],
            partnerships(),
        )

        def invoice(j: int) -> tuple[int, int, dict]:
            i = j % shape.accounts
            if _account(i)["converted"] is None:
                i = (i + 1) % shape.accounts
            a = _account(i)
            return i, a["converted"] + (j // shape.accounts) * 30, a

        def invoices():
            for j in range(shape.invoices):
                i, paid, a = invoice(j)
                yield [f"INV-{j:08d}", f"A-{i:07d}", _day(paid), f"{19 + j % 80}.99", a["currency"]]

        write(
            "invoices.csv",
            ["invoice_id", "account_id", "paid_on", "amount", "currency"],
            invoices(),
        )

        def refunds():
            for r in range(shape.refunds):
                j = (r * 8) % shape.invoices
                _i, paid, _a = invoice(j)
                yield [f"RF-{r:07d}", f"INV-{j:08d}", _day(paid + 3), "5.00"]

        write("refunds.csv", ["refund_id", "invoice_id", "refunded_on", "amount"], refunds())
    tmp.rename(folder)
    return folder


# --- Databases: a migrated template, copied fresh for every run -------------------------------


def _sqlite_paths() -> tuple[Path, Path]:
    return BENCH_DIR / "import-template.sqlite3", BENCH_DIR / "import-run.sqlite3"


def _pg_names(engine: Engine) -> tuple[str, str]:
    base = urlsplit(engine.url).path.lstrip("/")
    return f"{base}_import_tpl", f"{base}_import"


def _url(engine: Engine, name: str) -> str:
    if engine.is_sqlite:
        return f"sqlite:///{name}"
    parts = urlsplit(engine.url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(engine: Engine):
    from bench.engines import _postgres_admin_connect

    return _postgres_admin_connect(engine.url)


def prepare_template(engine: Engine, console: Console) -> None:
    """A migrated, empty database to copy from; built once (again after new migrations)."""
    env = {**os.environ, "PARTNERHUB_DEBUG": "0"}
    if engine.is_sqlite:
        template, _run = _sqlite_paths()
        env["DATABASE_URL"] = _url(engine, str(template))
    else:
        from psycopg import sql

        template, _run = _pg_names(engine)
        with _admin(engine) as admin:
            if not admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [template]
            ).fetchone():
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
        env["DATABASE_URL"] = _url(engine, template)
    with console.status(f"Migrating the import template on {engine.label}…"):
        subprocess.run(  # noqa: S603
            [str(Path(sys.executable).with_name("partnerhub")), "migrate", "--no-input", "-v0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
    if engine.is_sqlite:
        with sqlite3.connect(template) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def fresh_database(engine: Engine) -> str:
    """A copy of the template; returns its ``DATABASE_URL``."""
    if engine.is_sqlite:
        template, run = _sqlite_paths()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{run}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, run)
        return _url(engine, str(run))
    from psycopg import sql

    template, run = _pg_names(engine)
    with _admin(engine) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(run))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(run), sql.Identifier(template)
            )
        )
    return _url(engine, run)


# --- One run, in its own process -------------------------------------------------------------


def _measure_import(folder: Path) -> dict:
    import resource

    from django.db import connection

    from partnerhub.imports.services import import_directory

    connection.ensure_connection()
    gc.collect()
    cleared = _reset_peak_rss()
    rss_before, _peak = _rss()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start, cpu = time.perf_counter(), time.process_time()
    result = import_directory(folder)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    _rss_after, peak_after = _rss()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # The same files again, traced (tracemalloc slows Python down a few times over, so the
    # timed run above is not traced): it reads and checks every row as the first run did.
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    again = import_directory(folder)
    again_wall = time.perf_counter() - start
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "wall": wall,
        "cpu": cpu,
        "created": result.created,
        "traced_peak": traced_peak,
        "rss_growth": (peak_after - rss_before) if cleared else maxrss_after - maxrss_before,
        "again_wall": again_wall,
        "again_created": again.created,
        "again_unchanged": again.unchanged,
    }


def _baseline(folder: Path) -> dict:
    """The five files read with ``csv`` and written with ``executemany``, nothing else."""
    import secrets

    from django.db import connection, transaction
    from django.utils import timezone

    def rows(name):
        with (folder / name).open(newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            yield from reader

    def minor(text: str) -> int:
        whole, _, cents = text.partition(".")
        return int(whole) * 100 + int(cents.ljust(2, "0"))

    def midnight(day: str):
        return (
            connection.ops.adapt_datetimefield_value(
                dt.datetime.combine(dt.date.fromisoformat(day), dt.time.min, tzinfo=dt.UTC)
            )
            if day
            else None
        )

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    connection.ensure_connection()
    start, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cur:
        from partnerhub.partners.models import Partner

        zone = Partner._meta.get_field("time_zone").get_default()
        cur.executemany(
            "INSERT INTO partners_partner (id, name, deployed_on, invite_code, external_id,"
            " created_at, time_zone) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (n, r[1], r[2], secrets.token_urlsafe(9), r[0], now, zone)
                for n, r in enumerate(rows("partners.csv"), 1)
            ],
        )
        partners = {r[0]: n for n, r in enumerate(rows("partners.csv"), 1)}
        moved = {r[1]: (partners[r[0]], r[2], r[3]) for r in rows("partnerships.csv")}
        accounts = {}
        params = []
        for n, r in enumerate(rows("accounts.csv"), 1):
            accounts[r[0]] = n
            p = moved.get(r[0])
            params.append(
                (
                    n,
                    secrets.token_hex(8),
                    r[0],
                    r[1],
                    r[2],
                    f"acct{n}",
                    r[3],
                    r[6],
                    r[7],
                    "",
                    r[9] == "true",
                    r[8],
                    midnight(r[4]),
                    midnight(r[5]),
                    p and p[0],
                    p[1] if p else "",
                    p and p[2],
                )
            )
        cur.executemany(
            "INSERT INTO clients_clientaccount (id, encoded_account_id, external_id, organization_name,"
            " owner_name, login_name, contact_email, contact_count, plan_type, billing_status,"
            " disabled_reason, single_bill, currency, signed_up_at, converted_at, partner_id,"
            " partnership_kind, partnered_on)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            params,
        )
        cur.executemany(
            "INSERT INTO partnerships_partnership (partner_id, account_id, kind, moved_on, source,"
            " created_at) VALUES (%s, %s, %s, %s, 'approved_move', %s)",
            [(partners[r[0]], accounts[r[1]], r[2], r[3], now) for r in rows("partnerships.csv")],
        )
        invoices = {}
        params = []
        for n, r in enumerate(rows("invoices.csv"), 1):
            invoices[r[0]] = n
            params.append((n, r[0], accounts[r[1]], r[2], minor(r[3]), r[4], now))
        cur.executemany(
            "INSERT INTO billing_invoice (id, external_id, account_id, paid_on, amount_minor,"
            " currency, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            params,
        )
        cur.executemany(
            "INSERT INTO billing_refund (external_id, invoice_id, refunded_on, amount_minor,"
            " received_at) VALUES (%s, %s, %s, %s, %s)",
            [(r[0], invoices[r[1]], r[2], minor(r[3]), now) for r in rows("refunds.csv")],
        )
    return {"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def _child(argv: list[str]) -> int:
    engine_name, url, what, folder = argv
    engine = ENGINES[engine_name]
    configure_django(Engine(engine.name, engine.label, url))
    result = _measure_import(Path(folder)) if what == "import" else _baseline(Path(folder))
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


def _in_child(engine: Engine, what: str, folder: Path) -> dict:
    url = fresh_database(engine)
    command = [
        sys.executable,
        "-m",
        "bench.import_files",
        "--child",
        engine.name,
        url,
        what,
        str(folder),
    ]
    done = subprocess.run(  # noqa: S603
        command, cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"the {what} failed:\n{done.stdout}\n{done.stderr}")


# --- The benchmark ---------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.db import connection

    connection.close()
    prepare_template(engine, console)
    load_before = os.getloadavg()
    results = {}
    for size, rows in SIZES.items():
        folder = write_files(size, console)
        imports, baselines = [], []
        for k in range(options.import_repeat):
            with console.status(f"{rows:,} rows: import {k + 1} of {options.import_repeat}…"):
                imports.append(_in_child(engine, "import", folder))
            with console.status(f"{rows:,} rows: baseline {k + 1} of {options.import_repeat}…"):
                baselines.append(_in_child(engine, "baseline", folder))
        results[size] = {
            "rows": rows,
            "shape": Shape.of(rows).__dict__,
            "imports": imports,
            "baselines": baselines,
        }
    load = (load_before[0], os.getloadavg()[0])
    _print(console, engine, results, load)
    return _as_json(engine, results, load)


def _figures(r: dict) -> dict:
    wall = _median([i["wall"] for i in r["imports"]])
    return {
        "wall": wall,
        "cpu": _median([i["cpu"] for i in r["imports"]]),
        "baseline_cpu": _median([b["cpu"] for b in r["baselines"]]),
        "again": _median([i["again_wall"] for i in r["imports"]]),
        "baseline": _median([b["wall"] for b in r["baselines"]]),
        "peak": _median([i["traced_peak"] for i in r["imports"]]),
        "rss": _median([i["rss_growth"] for i in r["imports"]]),
        "rate": r["rows"] / wall,
        "created": sum(r["imports"][-1]["created"].values()),
        "unchanged_again": sum(r["imports"][-1]["again_unchanged"].values()),
        "created_again": sum(r["imports"][-1]["again_created"].values()),
    }


def _mib(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def _memory_ok(small: float, big: float) -> bool:
    return big <= small * (1 + MEMORY_GROWTH_SHARE) + MEMORY_NOISE_BYTES


def _verdict(ok: bool) -> Text:
    return Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red")


def _print(console: Console, engine: Engine, results: dict, load) -> None:
    table = Table(
        title=(
            f"import_directory on {engine.label}: median of each size's runs (fresh database and "
            "process each), beside csv + executemany of the same rows, seconds"
        ),
        title_justify="left",
        header_style="bold",
    )
    for column in (
        "Rows",
        "Import",
        "Import\nCPU",
        "Rows/s",
        "Import again\n(no change,\ntraced)",
        "Baseline\nexecutemany",
        "Baseline\nCPU",
        "Import ÷\nbaseline",
        "Python peak\n(again,\ntracemalloc)",
        "RSS rise\n(import)",
        f"< {GOAL_SECONDS:.0f} s",
    ):
        table.add_column(column, justify="right")
    for r in results.values():
        f = _figures(r)
        table.add_row(
            f"{r['rows']:,}",
            f"{f['wall']:.1f}",
            f"{f['cpu']:.1f}",
            f"{f['rate']:,.0f}",
            f"{f['again']:.1f}",
            f"{f['baseline']:.1f}",
            f"{f['baseline_cpu']:.1f}",
            f"{f['wall'] / f['baseline']:.1f}×",
            _mib(f["peak"]),
            _mib(f["rss"]),
            _verdict(f["wall"] < GOAL_SECONDS),
        )
    console.print(table)
    small, big = (_figures(results[s]) for s in SIZES)
    console.print(
        Text(
            f"Memory, {SIZES['20k']:,} → {SIZES['200k']:,} rows: Python peak {_mib(small['peak'])} → "
            f"{_mib(big['peak'])}, RSS rise {_mib(small['rss'])} → {_mib(big['rss'])} "
            f"(passes at ≤ {1 + MEMORY_GROWTH_SHARE:.2f}× + {_mib(MEMORY_NOISE_BYTES)})",
            style="green" if _memory_ok(small["peak"], big["peak"]) else "bold red",
        )
    )
    console.print(
        Text(
            "Notes: the import does every check, creates a user per owner, the kind history and "
            "an audit row per partner, account and partnership; the baseline only inserts the "
            "files' rows; SQLite runs inside the process, so its page cache counts in the RSS; "
            f"1-minute load average {load[0]:.2f} before, {load[1]:.2f} after on "
            f"{os.cpu_count()} CPUs",
            style="dim",
        )
    )


def _as_json(engine: Engine, results: dict, load) -> dict:
    small, big = (_figures(results[s]) for s in SIZES)
    goals = [
        {
            "case": f"import, {SIZES[MAIN_SIZE]:,} rows",
            "figure": f"{big['wall']:.1f} s, {big['cpu']:.1f} s CPU in the process "
            f"({big['wall'] / big['baseline']:.1f}× executemany; load {load[0]:.1f})",
            "goal": f"< {GOAL_SECONDS:.0f} s",
            "ok": big["wall"] < GOAL_SECONDS,
        },
        {
            "case": "import memory, 20,000 → 200,000 rows",
            "figure": f"Python peak {_mib(small['peak'])} → {_mib(big['peak'])}; RSS rise "
            f"{_mib(small['rss'])} → {_mib(big['rss'])}",
            "goal": "does not grow with the files",
            "ok": _memory_ok(small["peak"], big["peak"]) and _memory_ok(small["rss"], big["rss"]),
        },
        {
            "case": "import again",
            "figure": f"{big['created_again']} created, {big['unchanged_again']:,} unchanged",
            "goal": "changes nothing",
            "ok": big["created_again"] == 0 and big["unchanged_again"] == big["created"],
        },
    ]
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "goals": goals,
        "sizes": results,
        "load_average": load,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_child(sys.argv[2:]))
    sys.exit("usage: python -m bench import [--engine sqlite|postgres|both]")
