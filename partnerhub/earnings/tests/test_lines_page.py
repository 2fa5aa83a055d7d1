"""Earnings > Lines: a month's lines, filtered by type and account, in pages, and the CSV of
exactly the filtered view."""

import csv
import io
import re

import pytest

from partnerhub.earnings.tests.builders import MANAGED, account, close, d, partner, pay
from partnerhub.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

LINES = "/portal/earnings/lines/"
CSV = "/portal/earnings/lines.csv"


class Story:
    """One partner, October 2026 closed:

    * Client 01 … Client 27, managed, each paid 10.00 + n cents on day n of October: revenue
      share of 2.00 each;
    * Aster Cafe, in window (converted 1 October, moved 2 October), paid 50.00 on 28 October:
      a bonus of 100.00 accrued 2 October and revenue share of 10.00;
    * Birch Dental, managed, paid 80.00 on 29 October: revenue share of 16.00.

    30 lines, more than a page of 25. Another partner's line is never shown.
    """

    def __init__(self):
        self.partner = partner()
        self.member = MemberFactory(partner=self.partner).user
        self.aster = account(
            self.partner,
            converted_on=d("2026-10-01"),
            moved_on=d("2026-10-02"),
            organization_name="Aster Cafe",
            external_id="BILL-ASTER",
        )
        self.birch = account(
            self.partner,
            converted_on=d("2024-01-01"),
            moved_on=d("2026-09-01"),
            kind=MANAGED,
            organization_name="Birch Dental",
        )
        pay(self.aster, "INV-ASTER", d("2026-10-28"), 5000)
        pay(self.birch, "INV-BIRCH", d("2026-10-29"), 8000)
        for n in range(1, 28):
            client_account = account(
                self.partner,
                converted_on=d("2024-01-01"),
                moved_on=d("2026-09-01"),
                kind=MANAGED,
                organization_name=f"Client {n:02d}",
            )
            pay(client_account, f"INV-C{n:02d}", d(f"2026-10-{n:02d}"), 1000 + n)
        other = account(
            partner(), converted_on=d("2024-01-01"), moved_on=d("2026-09-01"), kind=MANAGED
        )
        pay(other, "INV-OTHER", d("2026-10-05"), 9000)
        close("2026-10", today=d("2026-11-26"))


@pytest.fixture
def story(client):
    s = Story()
    client.force_login(s.member)
    return s


def _invoices(page: str) -> list[str]:
    return re.findall(r"on invoice (INV-[A-Z0-9]+) paid", page)


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_lines_come_in_pages_of_25_in_date_order(client, story):
    first = client.get(LINES, {"month": "2026-10"}).content.decode()
    next_url = re.search(r'<a class="btn" rel="next" href="([^"]+)"', first).group(1)
    second = client.get(next_url.replace("&amp;", "&")).content.decode()
    prev_url = re.search(r'<a class="btn" rel="prev" href="([^"]+)"', second).group(1)
    back = client.get(prev_url.replace("&amp;", "&")).content.decode()

    # The bonus (accrued 2 October, no invoice) sits between Client 01 and Client 02
    assert "30 lines" in first
    assert _invoices(first) == [f"INV-C{n:02d}" for n in range(1, 25)]
    assert (
        first.index("INV-C01") < first.index("New account bonus, accrued") < first.index("INV-C02")
    )
    assert next_url.startswith("/portal/earnings/lines/?month=2026-10&amp;cursor=")
    assert _invoices(second) == ["INV-C25", "INV-C26", "INV-C27", "INV-ASTER", "INV-BIRCH"]
    assert '<span class="btn disabled" aria-disabled="true">Next ›</span>' in second
    assert _invoices(back) == _invoices(first)
    assert "INV-OTHER" not in first + second


def test_the_type_filter_shows_only_that_type_and_keeps_the_month(client, story):
    page = client.get(LINES, {"month": "2026-10", "type": "new_account_bonus"}).content.decode()

    assert "1 line" in page
    assert "New account bonus, accrued 2026-10-02" in page
    assert _invoices(page) == []
    assert '<option value="new_account_bonus" selected>New account bonus</option>' in page
    assert 'href="/portal/earnings/lines.csv?month=2026-10&amp;type=new_account_bonus"' in page
    assert '<a href="/portal/earnings/lines/?month=2026-10">Clear filters</a>' in page


@pytest.mark.parametrize("search", ["aster", "BILL-ASTER", "encoded"])
def test_the_account_filter_finds_an_account_by_name_or_id(client, story, search):
    if search == "encoded":
        search = story.aster.encoded_account_id

    page = client.get(LINES, {"month": "2026-10", "account": search}).content.decode()

    assert "2 lines" in page
    assert _invoices(page) == ["INV-ASTER"]
    assert "New account bonus" in page
    assert "Birch Dental" not in page


def test_filters_that_match_nothing_say_so(client, story):
    page = client.get(
        LINES, {"month": "2026-10", "type": "clawback", "account": "Birch"}
    ).content.decode()

    assert "0 lines" in page
    assert "No lines match this view." in page


def test_an_unknown_type_or_a_broken_page_link_shows_everything_and_says_so(client, story):
    bad_type = client.get(LINES, {"month": "2026-10", "type": "bonus'--"})
    bad_cursor = client.get(LINES, {"month": "2026-10", "cursor": "not-a-cursor"})
    nul = client.get(LINES, {"month": "2026-10", "account": "Aster\x00"})

    assert bad_type.status_code == bad_cursor.status_code == 200
    assert nul.status_code == 400  # an address no database could store is refused for every page
    assert "Unknown line type; showing every type." in bad_type.content.decode()
    assert "30 lines" in bad_type.content.decode()
    assert (
        "That page link no longer fits this view; showing the first page."
        in bad_cursor.content.decode()
    )
    assert _invoices(bad_cursor.content.decode())[:2] == ["INV-C01", "INV-C02"]


def test_the_csv_holds_exactly_the_filtered_lines(client, story):
    everything = client.get(CSV, {"month": "2026-10"})
    bonuses = client.get(CSV, {"month": "2026-10", "type": "new_account_bonus"})
    birch = client.get(CSV, {"month": "2026-10", "account": "Birch"})

    assert everything["Content-Type"] == "text/csv; charset=utf-8"
    assert everything.streaming
    rows = _rows(everything)
    assert rows[0] == ["account_id", "line_type", "amount", "currency", "reason"]
    assert len(rows) == 1 + 30
    assert _rows(bonuses)[1:] == [
        [
            story.aster.external_id,
            "new_account_bonus",
            "100.00",
            "USD",
            "New account bonus, accrued 2026-10-02 (the later of conversion and moving); in "
            "window: moved under the partnership 2026-10-02, within the window after conversion",
        ]
    ]
    assert [r[:4] for r in _rows(birch)[1:]] == [
        [story.birch.encoded_account_id, "revenue_share", "16.00", "USD"]
    ]


def test_the_month_picker_keeps_the_filters(client, story):
    page = client.get(LINES, {"month": "2026-10", "type": "revenue_share", "account": "Client"})

    form = page.content.decode().split('<form method="get" class="month-picker">')[1]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="type" value="revenue_share">' in form
    assert '<input type="hidden" name="account" value="Client">' in form
    assert "27 lines" in page.content.decode()
