"""Every CSV of earnings (the portal download and ``partnerhub report``) is safe to open in a
spreadsheet: an account id such as ``-1-1`` or ``=cmd`` is neutralised, and amounts, negative
ones too, stay plain numbers."""

import csv
import io

import pytest
from django.core.management import call_command

from partnerhub.earnings.tests.builders import account, close, d, pay, refund
from partnerhub.tests.factories import MemberFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    """Lumen (P-100) has two imported accounts, ids ``-1-1`` and ``=HYPERLINK("x")``, that
    converted on 1 October and moved on 2 October; each paid 45.00 on 5 October, and the
    second was refunded 10.00 on 6 November (a clawback of 2.00 in November)."""
    lumen = PartnerFactory(name="Lumen Marketing", external_id="P-100")
    for external_id, invoice in (("-1-1", "INV-1"), ('=HYPERLINK("x")', "INV-2")):
        acct = account(
            lumen, converted_on=d("2026-10-01"), moved_on=d("2026-10-02"), external_id=external_id
        )
        paid = pay(acct, invoice, d("2026-10-05"), 4500)
    refund(paid, "RF-1", d("2026-11-06"), 1000)
    close("2026-10", "2026-11", today=d("2026-12-20"))
    return MemberFactory(partner=lumen).user


def _download(client, month: str) -> str:
    """The portal's CSV download of ``month``, which is streamed."""
    response = client.get("/portal/earnings/lines.csv", {"month": month})
    return b"".join(response.streaming_content).decode()


def _rows(text: str) -> list[tuple]:
    return sorted((r[0], r[1], r[2]) for r in list(csv.reader(io.StringIO(text)))[1:])


def _download(client, month: str) -> str:
    response = client.get("/portal/earnings/lines.csv", {"month": month})
    return b"".join(response.streaming_content).decode()


def test_the_portal_download_neutralises_formulas_and_keeps_numbers(client, member):
    client.force_login(member)

    october = _download(client, "2026-10")
    november = _download(client, "2026-11")

    assert _rows(october) == [
        ("'-1-1", "new_account_bonus", "100.00"),
        ("'-1-1", "revenue_share", "9.00"),
        ('\'=HYPERLINK("x")', "new_account_bonus", "100.00"),
        ('\'=HYPERLINK("x")', "revenue_share", "9.00"),
    ]
    assert _rows(november) == [('\'=HYPERLINK("x")', "clawback", "-2.00")]


def test_the_report_command_neutralises_formulas_and_keeps_numbers(member):
    out = io.StringIO()

    call_command("report", partner="P-100", month="2026-11", format="csv", stdout=out)

    assert _rows(out.getvalue()) == [('\'=HYPERLINK("x")', "clawback", "-2.00")]
