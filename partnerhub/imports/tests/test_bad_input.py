"""``partnerhub import`` on hostile or clumsy files: every bad cell is refused with its file, line
and column (never a traceback, never a database error), and nothing is imported. Also: files
read a chunk at a time import exactly as they would in one piece."""

import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from partnerhub.billing.models import MAX_AMOUNT_MINOR, Invoice
from partnerhub.clients.models import ClientAccount
from partnerhub.earnings.models import LedgerLine
from partnerhub.earnings.tests.builders import close
from partnerhub.imports import services
from partnerhub.imports.services import ImportFailed, import_directory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "import"
ACCOUNTS_HEADER = (
    "account_id,organization_name,owner_name,owner_email,signed_up_on,converted_on,plan_type,"
    "billing_status,currency,single_bill"
)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def examples(tmp_path) -> Path:
    folder = tmp_path / "import"
    shutil.copytree(EXAMPLES, folder)
    return folder


def _replace(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")


def _errors(folder: Path) -> list[str]:
    with pytest.raises(ImportFailed) as failed:
        import_directory(folder)
    return [str(e) for e in failed.value.errors]


# --- cells that are refused -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "old", "new", "error"),
    [
        (
            "invoices.csv",
            "INV-5001,A-1001,2026-05-20,45.00",
            "INV-5001,A-1001,2026-05-20,99999999999999999999.99",
            "invoices.csv:2 column amount: is more than 9,999,999,999.99",
        ),
        (
            "refunds.csv",
            "RF-9001,INV-5004,2026-10-18,40.00",
            "RF-9001,INV-5004,2026-10-18,1e3",
            "refunds.csv:2 column amount: '1e3' is not an amount like 45.00",
        ),
        (
            "invoices.csv",
            "INV-5001,A-1001,2026-05-20,45.00",
            "INV-5001,A-1001,2026-05-20,-45.00",
            "invoices.csv:2 column amount: '-45.00' is not an amount like 45.00",
        ),
        (
            "accounts.csv",
            "Tidewater Books",
            "Tidewater\x00Books",
            "accounts.csv:2 column organization_name: contains a NUL character, which cannot be stored",
        ),
        (
            "accounts.csv",
            "grace@tidewaterbooks.example",
            "grace\x00@tidewaterbooks.example",
            "accounts.csv:2 column owner_email: contains a NUL character, which cannot be stored",
        ),
        (
            "partners.csv",
            "Lumen Marketing Group",
            "Lumen\x1b[2J Marketing",
            "partners.csv:2 column name: must be one line, without line breaks, tabs or control characters",
        ),
        (
            "accounts.csv",
            "Tidewater Books",
            '"Tidewater\r\nBcc: x@example.com"',
            "accounts.csv:2 column organization_name: must be one line, without line breaks, tabs or control characters",
        ),
        (
            "accounts.csv",
            "Grace Lin",
            "Grace\u2028Lin",
            "accounts.csv:2 column owner_name: must be one line, without line breaks, tabs or control characters",
        ),
        (
            "accounts.csv",
            "SILVER,Open,USD",
            "[/x],Open,USD",
            "accounts.csv:2 column plan_type: '[/x]' is not one of TRIAL, BRONZE, SILVER, GOLD",
        ),
        (
            "partners.csv",
            "2019-04-01",
            "20190401",
            "partners.csv:2 column deployed_on: '20190401' is not a date (YYYY-MM-DD)",
        ),
        (
            "invoices.csv",
            "INV-5001,A-1001,2026-05-20",
            "INV-5001,A-1001,9999-12-31",
            "invoices.csv:2 column paid_on: 9999-12-31 is not between 1990-01-01 and 2099-12-31",
        ),
        (
            "accounts.csv",
            "grace@tidewaterbooks.example",
            "grace@" + "t" * 150 + ".example",
            "accounts.csv:2 column owner_email: is longer than 150 characters",
        ),
        (
            "partners.csv",
            "P-100,Lumen",
            "P-100\x00,Lumen",
            "partners.csv:2 column partner_id: contains a NUL character, which cannot be stored",
        ),
    ],
)
def test_a_bad_cell_is_refused_with_file_line_and_column(examples, name, old, new, error):
    # Given the example set with one bad cell
    _replace(examples, name, old, new)
    before = _row_counts()

    # When it is imported, then the cell is named and nothing is written
    assert _errors(examples) == [error]
    assert _row_counts() == before


def test_the_command_prints_cells_that_look_like_markup_as_they_are(examples, capsys):
    # Given a cell that rich would read as a closing tag
    _replace(examples, "accounts.csv", "SILVER,Open,USD", "[/x],Open,USD")
    before = _row_counts()

    # When the command imports it
    with pytest.raises(CommandError, match=r"nothing was imported: 1 error\(s\)"):
        call_command("import", str(examples))

    # Then the error is printed as it is, and nothing is written
    assert capsys.readouterr().out == (
        "accounts.csv:2 column plan_type: '[/x]' is not one of TRIAL, BRONZE, SILVER, GOLD\n"
    )
    assert _row_counts() == before


def test_a_name_that_spans_lines_names_the_line_it_starts_on_and_the_lines_after(examples):
    # Given an organization name over two lines (a quoted cell), and a bad date on the next row
    _replace(examples, "accounts.csv", "Tidewater Books", '"Tidewater\nBooks"')
    _replace(examples, "accounts.csv", "2025-01-10", "2025-01-32")

    # Then the errors name the line each row starts on
    assert _errors(examples) == [
        "accounts.csv:2 column organization_name: must be one line, without line breaks, tabs or control characters",
        "accounts.csv:4 column signed_up_on: '2025-01-32' is not a date (YYYY-MM-DD)",
    ]


def test_many_bad_rows_keep_the_first_thousand_errors_and_count_all(examples, capsys):
    # Given 1,500 invoices with a bad amount
    with (examples / "invoices.csv").open("a") as handle:
        for n in range(1500):
            handle.write(f"INV-X{n},A-1001,2026-10-02,lots,USD\n")
    before = _row_counts()

    with pytest.raises(ImportFailed) as failed:
        import_directory(examples)
    with pytest.raises(CommandError, match=r"nothing was imported: 1500 error\(s\)"):
        call_command("import", str(examples))

    assert (len(failed.value.errors), failed.value.count) == (1000, 1500)
    assert str(failed.value.errors[0]) == (
        "invoices.csv:10 column amount: 'lots' is not an amount like 45.00"
    )
    assert capsys.readouterr().out.splitlines()[-1] == "… and 1,300 more"
    assert _row_counts() == before


# --- the largest amount -----------------------------------------------------------------------


def test_the_largest_amount_imports_and_closes(examples):
    # Given an invoice of 9,999,999,999.99 USD for A-1002 (managed, 20%)
    _replace(
        examples,
        "invoices.csv",
        "INV-5004,A-1002,2026-10-01,120.00",
        "INV-5004,A-1002,2026-10-01,9999999999.99",
    )

    import_directory(examples)
    close("2026-08", "2026-09", "2026-10")

    # Then it is stored whole and earns 20% of it, to the cent (the 40.00 refund claws back 8.00)
    assert Invoice.objects.get(external_id="INV-5004").amount_minor == MAX_AMOUNT_MINOR
    line = LedgerLine.objects.get(invoice__external_id="INV-5004", line_type="revenue_share")
    assert line.amount_minor == 200_000_000_000


# --- chunks -----------------------------------------------------------------------------------


def test_an_id_twice_in_different_chunks_names_its_first_line(examples, monkeypatch):
    # Given files read two rows at a time, and A-1001 again at the end of accounts.csv
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    with (examples / "accounts.csv").open("a") as handle:
        handle.write(
            "A-1001,Tidewater Books,Grace Lin,grace@tidewaterbooks.example,2026-05-02,"
            "2026-05-20,SILVER,Open,USD,false\n"
            "A-1002,Copper Kettle Cafe,Omar Haddad,omar@copperkettle.example,2025-01-10,"
            "2025-02-01,GOLD,Open,USD,false\n"
        )
    before = _row_counts()

    assert _errors(examples) == [
        "accounts.csv:8 column account_id: 'A-1001' appears twice (first on line 2)",
        "accounts.csv:9 column account_id: 'A-1002' appears twice (first on line 3)",
    ]
    assert _row_counts() == before


def test_rows_refused_in_an_earlier_chunk_do_not_blame_the_rows_that_refer_to_them(
    examples, monkeypatch
):
    # Given files read one row at a time, and A-1005 refused (a trial with a conversion day)
    monkeypatch.setattr(services, "CHUNK_ROWS", 1)
    _replace(examples, "accounts.csv", "2026-10-28,,TRIAL", "2026-10-28,2026-11-01,TRIAL")

    # Then only that row is named, not its partnership
    assert _errors(examples) == [
        "accounts.csv:6 column converted_on: a TRIAL account has not converted; leave it empty"
    ]


@pytest.mark.parametrize("chunk_rows", [1, 3])
def test_files_read_in_small_chunks_import_as_in_one(monkeypatch, chunk_rows):
    # Given the example set imported in one piece, as the reference
    import_directory(EXAMPLES)
    close("2026-08", "2026-09", "2026-10")
    reference = _snapshot()
    _forget_everything()

    # When the same files are imported a few rows at a time
    monkeypatch.setattr(services, "CHUNK_ROWS", chunk_rows)
    result = import_directory(EXAMPLES)
    close("2026-08", "2026-09", "2026-10")

    # Then the same rows are created and the same lines earned
    assert result.created == {
        "partners": 2,
        "accounts": 6,
        "partnerships": 6,
        "invoices": 8,
        "refunds": 2,
    }
    assert _snapshot() == reference


def _snapshot() -> dict:
    return {
        "accounts": sorted(
            ClientAccount.objects.values_list(
                "external_id",
                "login_name",
                "owner__username",
                "partner__external_id",
                "partnership_kind",
                "partnered_on",
            )
        ),
        "lines": sorted(
            LedgerLine.objects.values_list(
                "month",
                "line_type",
                "amount_minor",
                "currency",
                "account__external_id",
                "invoice__external_id",
            )
        ),
    }


def _forget_everything() -> None:
    """Roll the test's database back to before the reference import."""
    from django.db import connection

    # The audit log and the ledger refuse deletes; the test transaction is undone at the end
    # anyway, so the reference rows are removed with raw SQL in dependency order.
    tables = [
        "audit_auditevent",
        "webhooks_webhookevent",
        "earnings_ledgerline",
        "earnings_monthclose",
        "billing_refund",
        "billing_invoice",
        "partnerships_partnershipkindchange",
        "partnerships_partnership",
        "partnerships_partneraccountcount",
        "clients_clientaccount",
        "partners_partner",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        cursor.execute("DELETE FROM auth_user WHERE NOT is_staff")


# --- what the import tells partners -----------------------------------------------------------


def test_imported_partnerships_are_told_to_the_partners_webhooks_as_one_by_one(examples):
    # Given P-100 stored before, with an endpoint for every event, and P-200 without one
    from partnerhub.partners.models import Partner
    from partnerhub.webhooks.models import WebhookEndpoint, WebhookEvent

    lumen = Partner.objects.create(
        name="Lumen Marketing Group", deployed_on="2019-04-01", external_id="P-100"
    )
    WebhookEndpoint.objects.create(partner=lumen, url="https://hooks.example/in", secret="whsec_x")

    # When the example set is imported
    import_directory(examples)

    # Then each of P-100's three accounts is told once, with the kind it started as
    told = [
        (e.event_type, e.payload["organization_name"], e.payload["kind"], e.payload["moved_on"])
        for e in WebhookEvent.objects.filter(partner=lumen).order_by("payload__organization_name")
    ]
    assert told == [
        ("account.credited", "Copper Kettle Cafe", "referred", "2026-03-01"),
        ("account.credited", "Northside Physio", "referred", "2024-12-01"),
        ("account.credited", "Tidewater Books", "referred", "2026-06-10"),
    ]
    assert WebhookEvent.objects.exclude(partner=lumen).count() == 0
