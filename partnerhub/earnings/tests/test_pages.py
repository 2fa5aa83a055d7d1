"""The partner's Earnings page and its CSV, and the staff page that closes months and pays
partners. Only the people they are for may use them; anyone else learns nothing and changes
nothing."""

import csv
import io
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerhub.audit.models import AuditEvent
from partnerhub.core import timefmt
from partnerhub.earnings.models import LedgerLine, MonthClose, Payout
from partnerhub.earnings.services import payout_approve, payout_mark_paid
from partnerhub.earnings.tests.builders import MANAGED, TODAY, account, close, d, pay, snapshot
from partnerhub.partners.selectors import membership_of
from partnerhub.tests.factories import MemberFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

EARNINGS = "/portal/earnings/"
LINES = "/portal/earnings/lines/"
OPPORTUNITIES = "/portal/earnings/would-earn-as-managed/"
CSV = "/portal/earnings/lines.csv"
PAGES = [EARNINGS, LINES, OPPORTUNITIES, CSV]


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


class World:
    """Two partners; each test closes the months it needs.

    * Lumen (member ``lumen``): Harbourview, managed, paid 300.00 on 10 August (revenue share
      60.00); Tidewater Books, referred, converted 1 October, moved 2 October, paid 45.00 on
      5 October (bonus 100.00, revenue share 9.00).
    * Fresh (member ``fresh``): Copper Kettle, managed, paid 120.00 on 6 October (24.00).
    """

    def __init__(self):
        self.lumen = MemberFactory(partner=PartnerFactory(name="Lumen Marketing")).user
        self.fresh = MemberFactory(partner=PartnerFactory(name="Fresh Start Digital")).user
        self.lumen_partner = membership_of(self.lumen).partner
        self.fresh_partner = membership_of(self.fresh).partner
        harbourview = account(
            self.lumen_partner,
            converted_on=d("2024-08-01"),
            moved_on=d("2026-08-01"),
            kind=MANAGED,
            organization_name="Harbourview",
        )
        self.tidewater = account(
            self.lumen_partner,
            converted_on=d("2026-10-01"),
            moved_on=d("2026-10-02"),
            organization_name="Tidewater Books",
        )
        self.copper = account(
            self.fresh_partner,
            converted_on=d("2024-10-01"),
            moved_on=d("2026-09-01"),
            kind=MANAGED,
            organization_name="Copper Kettle",
        )
        pay(harbourview, "INV-HARBOUR-1", d("2026-08-10"), 30000)
        pay(self.tidewater, "INV-TIDE-1", d("2026-10-05"), 4500)
        pay(self.copper, "INV-COPPER-1", d("2026-10-06"), 12000)
        self.customer = self.tidewater.owner
        self.staff = UserFactory(
            username="staff@partnerhub.test", first_name="Sam", last_name="Staff", is_staff=True
        )


def _state():
    return [snapshot(m) for m in (LedgerLine, MonthClose, Payout, AuditEvent)]


@pytest.fixture
def world():
    w = World()
    close("2026-08", "2026-09", "2026-10")
    return w


# --- the partner's Earnings page --------------------------------------------------------------


def test_a_partner_member_sees_the_report_and_only_its_own_lines(client, world):
    client.force_login(world.lumen)

    summary = client.get(EARNINGS)
    lines = client.get(LINES)

    page = summary.content.decode()
    assert summary.status_code == 200
    assert "Financial Benefit Report · October 2026" in page
    assert "<dt>Revenue share</dt><dd>9.00 USD</dd>" in page
    assert "<dt>Incentives</dt><dd>100.00 USD</dd>" in page
    assert "<dt>Earnings</dt><dd>109.00 USD</dd>" in page
    page = lines.content.decode()
    assert lines.status_code == 200
    assert "Lines · October 2026" in page
    assert "Tidewater Books" in page
    assert "Revenue share 20% of 45.00 USD on invoice INV-TIDE-1 paid 2026-10-05" in page
    for response in (summary, lines):
        assert "Copper Kettle" not in response.content.decode()
        assert "INV-COPPER-1" not in response.content.decode()


def test_the_other_partner_sees_its_own_lines_only(client, world):
    client.force_login(world.fresh)

    summary = client.get(EARNINGS).content.decode()
    lines = client.get(LINES).content.decode()

    assert "on invoice INV-COPPER-1 paid 2026-10-06; managed since 2026-09-01" in lines
    assert "Copper Kettle" in lines
    assert "<dt>Earnings</dt><dd>24.00 USD</dd>" in summary
    assert "Tidewater Books" not in summary + lines
    assert "INV-TIDE-1" not in summary + lines


def test_the_three_tabs_link_to_each_other_for_the_chosen_month(client, world):
    client.force_login(world.lumen)

    pages = {url: client.get(url, {"month": "2026-09"}).content.decode() for url in PAGES[:3]}

    tabs = (
        '<nav class="tabs" aria-label="Earnings">'
        '<a href="/portal/earnings/?month=2026-09"{0}>Summary</a>'
        '<a href="/portal/earnings/lines/?month=2026-09"{1}>Lines</a>'
        '<a href="/portal/earnings/would-earn-as-managed/?month=2026-09"{2}>Would earn as managed</a>'
        "</nav>"
    )
    current = ' class="current" aria-current="page"'
    assert tabs.format(current, "", "") in pages[EARNINGS]
    assert tabs.format("", current, "") in pages[LINES]
    assert tabs.format("", "", current) in pages[OPPORTUNITIES]


def test_the_page_lists_referred_accounts_that_would_earn_as_managed(client):
    # Given a referred account of Lumen's, out of window, that paid 35.00 in October
    w = World()
    northside = account(
        w.lumen_partner,
        converted_on=d("2024-04-01"),
        moved_on=d("2024-12-01"),
        organization_name="Northside Physio",
    )
    pay(northside, "INV-NORTH-1", d("2026-10-03"), 3500)
    close("2026-08", "2026-09", "2026-10")
    client.force_login(w.lumen)

    page = client.get(OPPORTUNITIES).content.decode()
    summary = client.get(EARNINGS).content.decode()

    # Then it earns nothing, and the page shows what it would have earned as managed
    assert LedgerLine.objects.filter(account=northside).count() == 0
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "Northside Physio" in row
    assert "35.00 USD" in row
    assert "<strong>7.00 USD</strong>" in row
    assert f'action="/portal/accounts/{northside.encoded_account_id}/request/"' in row
    assert (
        '<button class="btn btn-small" type="submit">Request permission to manage</button>' in row
    )
    assert "1 account, 7.00 USD in all" in page
    # Accounts that already earn are not offered
    assert "Tidewater Books" not in row
    assert "Harbourview" not in row
    # The summary points to them
    assert "1 referred account would have earned 7.00 USD as managed in October 2026." in summary


def _summary_on(client, day, **params) -> str:
    """The summary page as it reads on ``day``."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return day if value is None else real(value, timezone)

    with mock.patch("django.utils.timezone.localdate", side_effect=localdate):
        return client.get(EARNINGS, params).content.decode()


def _why(page: str) -> list[str]:
    section = page[page.index('<ul class="balance-why">') :]
    return re.findall(r"<li>([^<]+)</li>", section[: section.index("</ul>")])


def test_the_summary_explains_a_balance_in_the_holding_period(client, world):
    # Given Lumen on 20 October: August's 60.00 is payable, October's 109.00 is held
    client.force_login(world.lumen)

    page = _summary_on(client, d("2026-10-20"))

    assert "<dt>Balance today</dt><dd>169.00 USD</dd>" in page
    assert "<dt>Payable now</dt><dd>60.00 USD</dd>" in page
    assert "<dt>In holding period</dt><dd>109.00 USD</dd>" in page
    assert "<h3>Why not all of it is paid yet</h3>" in page
    assert _why(page) == [
        "60.00 USD is payable: it is at least the minimum payout of 50.00 USD, so program staff "
        "approve it for payment after the next close.",
        "109.00 USD is within the holding period: a line becomes payable 30 days after the day "
        "it was earned. The next 100.00 USD becomes payable on 1 Nov 2026; all of it by "
        "4 Nov 2026.",
    ]


def test_the_summary_explains_a_balance_below_the_minimum(client, world):
    client.force_login(world.fresh)

    page = _summary_on(client, d("2026-11-26"))

    assert _why(page) == [
        "24.00 USD is payable but below the minimum payout of 50.00 USD: it carries forward "
        "until it reaches the minimum."
    ]


def test_the_summary_explains_an_approved_payout_and_then_the_payout_itself(client, world):
    # Given Lumen's 169.00 approved on 26 November, then paid on 27 November
    client.force_login(world.lumen)
    payout = payout_approve(
        actor=world.staff, partner_id=world.lumen_partner.pk, currency="USD", today=TODAY
    )
    approved_on = timefmt.format_date(timezone.localdate(payout.approved_at))

    waiting = _summary_on(client, TODAY)
    payout_mark_paid(actor=world.staff, payout_id=payout.pk, reference="WIRE-9", today=TODAY)
    paid = _summary_on(client, d("2026-11-27"))

    assert _why(waiting) == [
        f"169.00 USD was approved for payout on {approved_on} and is waiting to be paid; it "
        "leaves the balance when it is paid."
    ]
    assert "Approved, waiting to be paid" in waiting
    # October's report still shows 169.00; today's balance is what is left after the payout
    assert "<dt>Balance</dt><dd>169.00 USD</dd>" in paid
    assert "<dt>Balance today</dt><dd>0.00 USD</dd>" in paid
    assert _why(paid) == [
        "The report&#x27;s Balance at the end of October 2026 was 169.00 USD; since then "
        "169.00 USD was paid out, so the balance today is 0.00 USD.",
        "Nothing is owed: every line so far has been paid out.",
    ]
    payouts = paid[paid.index("<h3>Latest payouts</h3>") :]
    assert '<td data-label="Amount" class="num amount">169.00 USD</td>' in payouts
    assert f"Paid {timefmt.format_date(timezone.localdate(Payout.objects.get().paid_at))}" in (
        payouts
    )
    assert '<td data-label="Reference" class="mono">WIRE-9</td>' in payouts


def test_an_earlier_month_can_be_chosen_and_a_bad_month_is_not_found(client, world):
    client.force_login(world.lumen)

    september = client.get(EARNINGS, {"month": "2026-09"}).content.decode()
    september_lines = client.get(LINES, {"month": "2026-09"}).content.decode()
    bad = [client.get(url, {"month": "September"}).status_code for url in PAGES]

    assert "No lines this month." in september_lines
    # August's 60.00 carries into September's balance; nothing was earned in September
    assert "<dt>Earnings</dt><dd>0.00 USD</dd>" in september
    assert '<dd>60.00 USD</dd><dd class="fbr-sub">from 60.00 USD</dd>' in september
    assert "Tidewater Books" not in september + september_lines
    assert bad == [404, 404, 404, 404]


def test_the_csv_download_holds_the_partners_lines_for_the_month(client, world):
    client.force_login(world.lumen)

    response = client.get(CSV, {"month": "2026-10"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="earnings-2026-10.csv"'
    rows = _csv_rows(response)
    assert rows[0] == ["account_id", "line_type", "amount", "currency", "reason"]
    assert sorted((r[0], r[1], r[2], r[3]) for r in rows[1:]) == [
        (world.tidewater.encoded_account_id, "new_account_bonus", "100.00", "USD"),
        (world.tidewater.encoded_account_id, "revenue_share", "9.00", "USD"),
    ]


def test_the_csv_without_a_month_is_the_latest_closed_month(client, world):
    client.force_login(world.fresh)

    response = client.get(CSV)

    assert response["Content-Disposition"] == 'attachment; filename="earnings-2026-10.csv"'
    assert [r[1:4] for r in _csv_rows(response)][1:] == [["revenue_share", "24.00", "USD"]]


def test_before_any_close_the_page_says_so_and_there_is_no_csv(client):
    member = MemberFactory()
    client.force_login(member.user)

    pages = [client.get(url) for url in PAGES[:3]]
    download = client.get(CSV)

    for page in pages:
        assert page.status_code == 200
        assert "No month has been closed yet." in page.content.decode()
    assert download.status_code == 404


@pytest.mark.parametrize(("who", "status"), [("customer", 403), ("staff", 403), ("stranger", 404)])
@pytest.mark.parametrize("url", PAGES)
def test_people_who_are_not_partner_members_learn_nothing(client, world, who, status, url):
    # Customers and staff are sent to their own pages; anyone else is told nothing exists
    user = {"customer": world.customer, "staff": world.staff, "stranger": UserFactory()}[who]
    client.force_login(user)
    before = _state()

    response = client.get(url, {"month": "2026-10"})

    assert response.status_code == status
    assert "Tidewater Books" not in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, url):
    before = _state()

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert _state() == before


# --- the staff page ---------------------------------------------------------------------------


def test_staff_close_the_next_month_from_the_page(client):
    w = World()
    close("2026-08", "2026-09")
    client.force_login(w.staff)

    page = client.get("/staff/earnings/").content.decode()
    response = client.post("/staff/earnings/close/", {"month": "2026-10"}, follow=True)

    assert "The next month to close is <strong>October 2026</strong>" in page
    assert response.redirect_chain == [("/staff/earnings/", 302)]
    assert "Closed October 2026, 3 lines." in response.content.decode()
    october = MonthClose.objects.get(month=d("2026-10-01"))
    assert (october.closed_by, october.line_count) == (w.staff, 3)
    audited = AuditEvent.objects.get(action="earnings.month_closed", target_id=str(october.pk))
    assert audited.actor == w.staff


def test_staff_closing_out_of_order_see_why_and_nothing_changes(client):
    w = World()
    close("2026-08")
    client.force_login(w.staff)
    before = _state()

    response = client.post("/staff/earnings/close/", {"month": "2026-10"}, follow=True)

    assert (
        "Months close in order: the next month to close is September 2026."
        in response.content.decode()
    )
    assert _state() == before


def test_staff_approve_and_pay_a_partner_from_the_page(client, world):
    client.force_login(world.staff)
    lumen = world.lumen_partner

    page = client.get("/staff/earnings/").content.decode()
    approved = client.post(
        "/staff/earnings/payouts/approve/",
        {"partner_id": lumen.pk, "currency": "USD"},
        follow=True,
    )
    payout = Payout.objects.get()
    paid = client.post(
        f"/staff/earnings/payouts/{payout.pk}/paid/", {"reference": "WIRE-9"}, follow=True
    )

    # Fresh's 24.00 is under the minimum and carries forward; Lumen's 169.00 can be paid
    assert "Approve 169.00 USD" in page
    assert "Under the minimum; carries forward" in page
    assert "Payout to Lumen Marketing approved." in approved.content.decode()
    assert "Marked paid; Lumen Marketing&#x27;s balance is reduced." in paid.content.decode()
    payout.refresh_from_db()
    assert (payout.partner, payout.amount_minor, payout.status, payout.reference) == (
        lumen,
        16900,
        "paid",
        "WIRE-9",
    )
    line = LedgerLine.objects.get(line_type="disbursement")
    assert (line.partner, line.amount_minor, line.payout) == (lumen, -16900, payout)


def test_staff_approving_under_the_minimum_see_why_and_nothing_changes(client, world):
    client.force_login(world.staff)
    before = _state()

    response = client.post(
        "/staff/earnings/payouts/approve/",
        {"partner_id": world.fresh_partner.pk, "currency": "USD"},
        follow=True,
    )

    assert (
        "The payable balance 24.00 USD is under the minimum payout 50.00 USD; it carries forward."
        in response.content.decode()
    )
    assert _state() == before


def _staff_posts(world):
    """August and September closed and Lumen's 60.00 approved: every staff action, ready to
    post, each of which would change something."""
    close("2026-08", "2026-09")
    waiting = payout_approve(
        actor=world.staff, partner_id=world.lumen_partner.pk, currency="USD", today=TODAY
    )
    return [
        ("/staff/earnings/close/", {"month": "2026-10"}),
        (
            "/staff/earnings/payouts/approve/",
            {"partner_id": world.lumen_partner.pk, "currency": "USD"},
        ),
        (f"/staff/earnings/payouts/{waiting.pk}/paid/", {"reference": "X"}),
    ]


@pytest.mark.parametrize("who", ["lumen", "fresh", "customer", "stranger"])
def test_people_who_are_not_staff_cannot_use_the_staff_page(client, who):
    w = World()
    posts = _staff_posts(w)
    user = {
        "lumen": w.lumen,
        "fresh": w.fresh,
        "customer": w.customer,
        "stranger": UserFactory(),
    }[who]
    client.force_login(user)
    before = _state()

    responses = [client.post(url, data) for url, data in posts]
    overview = client.get("/staff/earnings/")

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert overview.status_code == 404
    assert _state() == before


def test_anonymous_visitors_cannot_use_the_staff_page(client):
    w = World()
    posts = _staff_posts(w)
    before = _state()

    responses = [client.post(url, data) for url, data in posts]

    assert [(r.status_code, r["Location"].split("?")[0]) for r in responses] == [
        (302, reverse("login"))
    ] * 3
    assert _state() == before


def test_staff_actions_only_answer_to_post(client, world):
    client.force_login(world.staff)
    before = _state()

    responses = [
        client.get("/staff/earnings/close/", {"month": "2026-11"}),
        client.get("/staff/earnings/payouts/approve/"),
    ]

    assert [r.status_code for r in responses] == [405, 405]
    assert _state() == before
