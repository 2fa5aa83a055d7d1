"""``partnerhub import DIR``: the example set, re-imports, all-or-nothing errors that name file,
line and column; then ``close`` and ``report`` on what was imported."""

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from partnerhub.billing.models import Invoice
from partnerhub.clients.models import BillingStatus, ClientAccount, PlanType
from partnerhub.earnings.tests.builders import assert_ledger, close
from partnerhub.imports.services import ImportFailed, import_directory
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import Partnership

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "import"
D = dt.date
NAB, RS, CB = "new_account_bonus", "revenue_share", "clawback"


def _row_counts() -> dict[str, int]:
    """How many rows every table of the project holds."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def examples(tmp_path) -> Path:
    """A copy of the example set, to change one cell at a time."""
    folder = tmp_path / "import"
    shutil.copytree(EXAMPLES, folder)
    return folder


def _edit(folder: Path, name: str, line: int, column: str, value: str) -> None:
    """Set ``column`` on ``line`` (the header is line 1) of ``name``."""
    path = folder / name
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _append(folder: Path, name: str, line: str) -> None:
    with (folder / name).open("a") as handle:
        handle.write(line + "\n")


def _errors(folder: Path) -> list[str]:
    with pytest.raises(ImportFailed) as failed:
        import_directory(folder)
    return [str(e) for e in failed.value.errors]


# --- the example set --------------------------------------------------------------------------


def test_the_example_set_imports():
    result = import_directory(EXAMPLES)

    assert result.created == {
        "partners": 2,
        "accounts": 6,
        "partnerships": 6,
        "invoices": 8,
        "refunds": 2,
    }
    assert result.unchanged == {}
    lumen = Partner.objects.get(external_id="P-100")
    assert (lumen.name, lumen.deployed_on) == ("Lumen Marketing Group", D(2019, 4, 1))
    trial = ClientAccount.objects.get(external_id="A-1005")
    assert (trial.plan_type, trial.billing_status, trial.converted_at) == (
        PlanType.TRIAL,
        BillingStatus.TRIAL,
        None,
    )
    # A-1002 moved as referred on 1 March and became managed on 15 September
    copper = Partnership.objects.get(account__external_id="A-1002")
    assert [
        (c.kind, c.effective_at.date(), c.cause)
        for c in copper.kind_changes.order_by("effective_at")
    ] == [("referred", D(2026, 3, 1), "credited"), ("managed", D(2026, 9, 15), "imported")]
    assert (copper.partner, copper.kind, copper.moved_on) == (lumen, "managed", D(2026, 3, 1))
    assert Invoice.objects.get(external_id="INV-5007").amount_minor == 2999


def test_importing_the_same_files_again_changes_nothing():
    import_directory(EXAMPLES)
    before = _row_counts()
    accounts = list(ClientAccount.objects.order_by("pk").values())

    result = import_directory(EXAMPLES)

    assert result.created == {
        "partners": 0,
        "accounts": 0,
        "partnerships": 0,
        "invoices": 0,
        "refunds": 0,
    }
    assert result.unchanged == {
        "partners": 2,
        "accounts": 6,
        "partnerships": 6,
        "invoices": 8,
        "refunds": 2,
    }
    assert _row_counts() == before
    assert list(ClientAccount.objects.order_by("pk").values()) == accounts


def test_the_example_set_earns_what_the_rules_say():
    import_directory(EXAMPLES)

    close("2026-08", "2026-09", "2026-10")

    lumen = Partner.objects.get(external_id="P-100")
    fresh = Partner.objects.get(external_id="P-200")
    assert_ledger(
        lumen,
        [
            # A-1001 moved 21 days after converting: its bonus accrued on 10 June, before the
            # first close, which takes it in.
            ("2026-08", NAB, 10000, "USD", "accrued 2026-06-10"),
            # INV-5001 was paid before A-1001 moved: nothing. INV-5003 was paid while A-1002
            # was referred and out of window: nothing. A-1003 is out of window: nothing.
            ("2026-10", RS, 900, "USD", "on invoice INV-5002 paid 2026-10-20; referred, in window"),
            (
                "2026-10",
                RS,
                2400,
                "USD",
                "on invoice INV-5004 paid 2026-10-01; managed since 2026-09-15",
            ),
            (
                "2026-10",
                CB,
                -800,
                "USD",
                "Clawback 20% of 40.00 USD refunded 2026-10-18 on invoice INV-5004",
            ),
        ],
    )
    assert_ledger(
        fresh,
        [
            # A-1004 is Single Bill (no revenue share) and moved before it converted
            (
                "2026-09",
                NAB,
                10000,
                "USD",
                "accrued 2026-09-12 (the later of conversion and moving); in window: moved under the partnership 2026-09-05, before it converted",
            ),
            # A-1006's converting invoice INV-5007 was refunded in full 11 days later
            ("2026-09", NAB, 8000, "GBP", "accrued 2026-09-01"),
            (
                "2026-09",
                CB,
                -8000,
                "GBP",
                "Bonus reversed: the converting invoice INV-5007 was fully refunded by 2026-09-10",
            ),
            ("2026-10", RS, 600, "GBP", "Revenue share 20% of 29.99 GBP on invoice INV-5008"),
        ],
    )


# --- errors: all or nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "column", "value", "error"),
    [
        (
            "accounts.csv",
            2,
            "signed_up_on",
            "2026-02-30",
            "accounts.csv:2 column signed_up_on: '2026-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            "partnerships.csv",
            3,
            "partner_id",
            "P-999",
            "partnerships.csv:3 column partner_id: no partner 'P-999' in partners.csv or stored",
        ),
        (
            "accounts.csv",
            6,
            "converted_on",
            "2026-11-01",
            "accounts.csv:6 column converted_on: a TRIAL account has not converted; leave it empty",
        ),
        (
            "refunds.csv",
            2,
            "amount",
            "120.01",
            "refunds.csv:2 column amount: refunds of this invoice would exceed its amount",
        ),
        (
            "invoices.csv",
            4,
            "amount",
            "12.345",
            "invoices.csv:4 column amount: '12.345' has more than two decimals",
        ),
        (
            "invoices.csv",
            6,
            "currency",
            "USD",
            "invoices.csv:6 column currency: the account is billed in EUR",
        ),
        (
            "refunds.csv",
            3,
            "refunded_on",
            "2026-08-29",
            "refunds.csv:3 column refunded_on: is before the invoice was paid (2026-08-30)",
        ),
    ],
)
def test_a_bad_cell_names_file_line_and_column_and_nothing_is_imported(
    examples, name, line, column, value, error
):
    _edit(examples, name, line, column, value)
    before = _row_counts()

    assert _errors(examples) == [error]
    assert _row_counts() == before


def test_an_unknown_column_is_named_and_nothing_is_imported(examples):
    path = examples / "invoices.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",note"] + [row + ",x" for row in lines[1:]]) + "\n")
    before = _row_counts()

    assert _errors(examples) == [
        "invoices.csv:1: header: unknown note (expected invoice_id,account_id,paid_on,amount,currency)"
    ]
    assert _row_counts() == before


def test_every_error_is_reported_at_once(examples):
    _edit(examples, "partners.csv", 2, "deployed_on", "yesterday")
    _edit(examples, "invoices.csv", 9, "paid_on", "2026/10/30")
    before = _row_counts()

    assert _errors(examples) == [
        "partners.csv:2 column deployed_on: 'yesterday' is not a date (YYYY-MM-DD)",
        "invoices.csv:9 column paid_on: '2026/10/30' is not a date (YYYY-MM-DD)",
    ]
    assert _row_counts() == before


def test_refunds_over_the_invoice_count_what_was_imported_before(examples):
    # Given the example set imported: INV-5004 (120.00) has 40.00 refunded
    import_directory(EXAMPLES)
    # and a later import refunding 70.00 more, which fits (110.00)
    _append(examples, "refunds.csv", "RF-9003,INV-5004,2026-10-25,70.00")
    import_directory(examples)
    before = _row_counts()

    # When the same files come again with one more refund of 10.01 on it
    _append(examples, "refunds.csv", "RF-9004,INV-5004,2026-10-26,10.01")

    # Then 120.01 would be refunded on 120.00: refused, and nothing is written
    assert _errors(examples) == [
        "refunds.csv:5 column amount: refunds of this invoice would exceed its amount"
    ]
    assert _row_counts() == before


def test_the_same_id_with_other_values_is_an_error(examples):
    import_directory(EXAMPLES)
    _edit(examples, "invoices.csv", 2, "amount", "46.00")
    before = _row_counts()

    assert _errors(examples) == [
        "invoices.csv:2 column amount: 4600 differs from 4500 imported before under the same id"
    ]
    assert _row_counts() == before


# --- the commands -----------------------------------------------------------------------------


def test_the_import_command_reports_what_it_created(capsys):
    call_command("import", str(EXAMPLES))

    out = capsys.readouterr().out
    assert [line.split() for line in out.splitlines()] == [
        ["partners", "2", "new"],
        ["accounts", "6", "new"],
        ["partnerships", "6", "new"],
        ["invoices", "8", "new"],
        ["refunds", "2", "new"],
    ]


def test_the_import_command_prints_the_errors_and_imports_nothing(examples, capsys):
    _edit(examples, "accounts.csv", 2, "signed_up_on", "2026-02-30")
    before = _row_counts()

    with pytest.raises(CommandError, match=r"nothing was imported: 1 error\(s\)"):
        call_command("import", str(examples))

    assert (
        "accounts.csv:2 column signed_up_on: '2026-02-30' is not a date" in capsys.readouterr().out
    )
    assert _row_counts() == before


def test_close_and_report_commands(capsys):
    import_directory(EXAMPLES)
    for month in ("2026-08", "2026-09", "2026-10"):
        call_command("close", month=month)
    closed = capsys.readouterr().out
    call_command("close", month="2026-10")
    again = capsys.readouterr().out

    out = io.StringIO()
    call_command("report", partner="P-100", month="2026-10", format="csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    out = io.StringIO()
    call_command("report", partner="P-100", month="2026-10", format="json", stdout=out)
    report = json.loads(out.getvalue())

    # October: three lines for P-100 and one for P-200
    assert "Closed October 2026: 4 lines" in closed
    assert "Already closed October 2026: 4 lines" in again
    assert list(rows[0]) == ["account_id", "line_type", "amount", "currency", "reason"]
    assert sorted((r["account_id"], r["line_type"], r["amount"], r["currency"]) for r in rows) == [
        ("A-1001", "revenue_share", "9.00", "USD"),
        ("A-1002", "clawback", "-8.00", "USD"),
        ("A-1002", "revenue_share", "24.00", "USD"),
    ]
    assert [r["reason"] != "" for r in rows] == [True, True, True]
    assert report["month"] == "2026-10"
    assert len(report["lines"]) == 3
    assert report["totals"] == {
        "USD": {
            "revenue_share": "33.00",
            "incentives": "0.00",
            "adjustments": "-8.00",
            "earnings": "25.00",
            "disbursements": "0.00",
            "opening_balance": "100.00",
            "closing_balance": "125.00",
        }
    }


def test_the_report_csv_header_is_fixed_even_without_lines():
    import_directory(EXAMPLES)
    out = io.StringIO()

    call_command("report", partner="P-200", month="2026-07", stdout=out)

    assert out.getvalue() == "account_id,line_type,amount,currency,reason\n"


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("close", {"month": "2026-13"}, "'2026-13' is not a month; use YYYY-MM"),
        ("close", {"month": "2099-01"}, "January 2099 has not ended yet"),
        ("report", {"partner": "P-999", "month": "2026-10"}, "no partner with id 'P-999'"),
        ("report", {"partner": "P-100", "month": "Oct"}, "'Oct' is not a month; use YYYY-MM"),
    ],
)
def test_commands_refuse_bad_input(command, options, message):
    import_directory(EXAMPLES)
    before = _row_counts()

    with pytest.raises(CommandError) as refused:
        call_command(command, stdout=io.StringIO(), **options)

    assert str(refused.value) == message
    assert _row_counts() == before
