"""One close of a month at a time: two runs at once, a run killed half-way and then run again,
and the month on the command line.

The threaded tests run on PostgreSQL only (separate connections that really overlap; the row
lock makes the second run wait). On SQLite, whose IMMEDIATE transactions queue writers, the
killed run (a real process, killed with SIGKILL) and the rolled-back run are tested alike.
"""

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from partnerhub.audit.models import AuditEvent
from partnerhub.core.locks import lock_named
from partnerhub.earnings import close as close_module
from partnerhub.earnings.close import CLOSE_LOCK, CloseRunning, month_close
from partnerhub.earnings.models import LedgerLine, MonthClose
from partnerhub.imports.services import import_directory
from partnerhub.tests.program import migration_rows_restore

ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
BASE_DIR = Path(__file__).resolve().parents[3]
EXAMPLES = BASE_DIR / "examples" / "import"
AUGUST = dt.date(2026, 8, 1)
TODAY = dt.date(2026, 11, 26)

postgres_only = pytest.mark.skipif(
    ON_SQLITE,
    reason="threaded closes need concurrent connections and row locks (PostgreSQL)",
)


def _program() -> None:
    """The example files imported, with the program's first terms and the close's lock row, as
    the migrations leave them (a transactional test starts from empty tables)."""
    migration_rows_restore()
    import_directory(EXAMPLES)


def _ledger() -> list[tuple]:
    return sorted(
        LedgerLine.objects.values_list(
            "month", "line_type", "amount_minor", "currency", "source_key", "account__external_id"
        )
    )


def _state() -> dict:
    return {
        "closes": list(MonthClose.objects.values_list("month", "line_count")),
        "lines": _ledger(),
        "audit": AuditEvent.objects.count(),
    }


AUGUST_LINES = [(AUGUST, "new_account_bonus", 10000, "USD", "A-1001")]


def _august() -> list[tuple]:
    return [(m, t, a, c, acct) for m, t, a, c, _key, acct in _ledger()]


# --- the month on the command line ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["2026-1", "2026-001", "26-01", "2026-01-01", "2026/01", ""])
def test_close_accepts_only_yyyy_mm(month):
    _program()
    before = _state()

    with pytest.raises(CommandError) as refused:
        call_command("close", month=month, stdout=io.StringIO())

    assert str(refused.value) == f"{month!r} is not a month; use YYYY-MM"
    assert _state() == before


@pytest.mark.django_db
def test_a_month_that_has_not_ended_is_refused():
    _program()
    before = _state()
    this_month = dt.date.today().strftime("%Y-%m")

    with pytest.raises(CommandError, match="has not ended yet"):
        call_command("close", month=this_month, stdout=io.StringIO())

    assert _state() == before


# --- a close rolled back half-way, then run again ---------------------------------------------


@pytest.mark.django_db
def test_a_close_that_fails_half_way_leaves_nothing_and_the_next_one_closes_in_full(monkeypatch):
    # Given the examples, and a close that breaks after writing its lines, before its audit row
    _program()
    before = _state()

    def breaks(*args, **kwargs):
        raise RuntimeError("the connection went away")

    with monkeypatch.context() as patched:
        patched.setattr(close_module, "_lines_summary", breaks)
        with pytest.raises(RuntimeError):
            month_close(month=AUGUST, today=TODAY)

    # Then nothing of it is left
    assert _state() == before

    # When the month is closed again
    result = month_close(month=AUGUST, today=TODAY)

    # Then it is closed in full, once
    assert (result.created, result.close.line_count) == (True, 1)
    assert _august() == AUGUST_LINES


# --- a close killed with SIGKILL, then run again (a real process) -----------------------------

CHILD = """
import datetime as dt, sys, time
import django
django.setup()
from partnerhub.earnings import close

def stuck(*args, **kwargs):
    print("HALF-WAY", flush=True)  # the lines are written, nothing is committed
    time.sleep(600)

close._lines_summary = stuck
close.month_close(month=dt.date(2026, 8, 1), today=dt.date(2026, 11, 26))
"""


def _database_url() -> str:
    db = connection.settings_dict
    if ON_SQLITE:
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def _start_close_and_kill_it_half_way() -> None:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "partnerhub.test_settings",
    }
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", CHILD], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "HALF-WAY"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.django_db(transaction=True)
def test_a_killed_close_leaves_nothing_and_a_rerun_right_after_closes_in_full():
    # Given the examples, and a close killed (SIGKILL) after it wrote its lines
    _program()
    before = _state()
    _start_close_and_kill_it_half_way()

    # Then nothing of it is left
    assert _state() == before

    # When the close runs again right away, from the command line
    call_command("close", month="2026-08")

    # Then the month is closed in full, once
    assert MonthClose.objects.get().line_count == 1
    assert _august() == AUGUST_LINES


# --- two runs at once (PostgreSQL) -----------------------------------------------------------


def _in_threads(*calls) -> list:
    """Run the calls at the same moment, one thread and one connection each; return what each
    returned, or the name of the error it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_closes_of_a_month_at_the_same_moment_close_it_once():
    _program()

    outcomes = _in_threads(
        lambda: month_close(month=AUGUST, today=TODAY).created,
        lambda: month_close(month=AUGUST, today=TODAY).created,
    )

    # Then one run closed it and the other found it closed: no error, the lines written once
    assert sorted(outcomes) == [False, True]
    assert MonthClose.objects.get().line_count == 1
    assert _august() == AUGUST_LINES


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_closes_of_two_months_at_the_same_moment_refuse_the_later_one_cleanly():
    # Given no month closed yet: August may close; September only after it
    _program()

    outcomes = _in_threads(
        lambda: month_close(month=AUGUST, today=TODAY).created,
        lambda: month_close(month=dt.date(2026, 9, 1), today=TODAY).created,
    )

    # Then each run either closed its month or was refused in words; never a database error
    assert set(outcomes) <= {True, False, "InvalidTransition"}
    assert True in outcomes
    months = set(MonthClose.objects.values_list("month", flat=True))
    assert AUGUST in months or months == {dt.date(2026, 9, 1)}


def _hold_the_close_lock(taken: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            lock_named(CLOSE_LOCK)
            taken.set()
            release.wait(timeout=30)
    finally:
        connection.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_close_asked_not_to_wait_says_another_close_is_running_and_changes_nothing():
    _program()
    before = _state()
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_the_close_lock, args=(taken, release))
    holder.start()
    try:
        assert taken.wait(timeout=10)

        with pytest.raises(CloseRunning) as running:
            month_close(month=AUGUST, today=TODAY, wait=False)
    finally:
        release.set()
        holder.join(timeout=30)

    assert running.value.code == "close_running"
    assert running.value.message == (
        "another close is running; the month is closed once, by whichever run comes first"
    )
    assert _state() == before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_close_command_during_another_close_waits_then_says_already_closed(monkeypatch, capsys):
    # Given a close of August under way in another thread (it takes a second to finish)
    _program()
    started = threading.Event()
    emit = close_module._emit_month_closed

    def slow_emit(close):
        if threading.current_thread().name == "first-close":
            started.set()
            time.sleep(1)
        return emit(close)

    monkeypatch.setattr(close_module, "_emit_month_closed", slow_emit)

    def first():
        try:
            month_close(month=AUGUST, today=TODAY)
        finally:
            connection.close()

    other = threading.Thread(target=first, name="first-close")
    other.start()
    assert started.wait(timeout=30)

    # When the command closes August too
    call_command("close", month="2026-08")
    other.join(timeout=30)

    # Then it says a close is running, waits, and finds August closed: one close, no error
    printed = capsys.readouterr().out
    assert "Another close is running; the month is closed once" in printed
    assert "Already closed August 2026: 1 lines" in printed
    assert MonthClose.objects.get().line_count == 1
    assert _august() == AUGUST_LINES


# --- the staff page ---------------------------------------------------------------------------


def _staff(client):
    from partnerhub.tests.factories import UserFactory

    client.force_login(UserFactory(username="staff@partnerhub.test", is_staff=True))


@pytest.mark.django_db
def test_the_staff_page_refuses_a_month_that_is_not_yyyy_mm(client):
    _program()
    _staff(client)
    before = _state()

    response = client.post("/staff/earnings/close/", {"month": "2026-8"}, follow=True)

    assert "&#x27;2026-8&#x27; is not a month; use YYYY-MM" in response.content.decode()
    assert _state() == before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_staff_page_during_another_close_says_one_is_running_and_changes_nothing(client):
    _program()
    _staff(client)
    before = _state()
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_the_close_lock, args=(taken, release))
    holder.start()
    try:
        assert taken.wait(timeout=10)

        response = client.post("/staff/earnings/close/", {"month": "2026-08"}, follow=True)
    finally:
        release.set()
        holder.join(timeout=30)

    assert "Another close is running; the month is closed once" in response.content.decode()
    assert _state() == before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_first_close_into_an_empty_ledger_never_plans_a_scan_of_the_ledger_per_line():
    """On PostgreSQL the close's inserts skip a written source key on the ledger's unique index
    (``ON CONFLICT``) instead of testing each line against the ledger: planned against an
    empty ledger, that test was a scan of the ledger for every line, which reread the lines
    the statement was writing (688 s for the first close of 326,145 lines)."""
    _program()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE earnings_ledgerline")  # known empty, as in a new program
    inserts = []

    def record(execute, sql, params, many, context):
        if "INSERT INTO earnings_ledgerline" in sql and not sql.startswith("EXPLAIN"):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}", params)
                inserts.append((sql, " ".join(row[0] for row in cursor.fetchall())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        month_close(month=AUGUST, today=TODAY)

    assert len(inserts) >= 3  # the earned lines, the clawbacks, the bonus reversals
    for sql, plan in inserts:
        assert "Conflict Resolution: NOTHING" in plan
        assert "NOT EXISTS (SELECT 1 FROM earnings_ledgerline" not in sql
    assert _august() == AUGUST_LINES
