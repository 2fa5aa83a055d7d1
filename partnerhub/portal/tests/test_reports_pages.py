"""My Organization › Reports: the roll-up, its chart and CSV; the discount column where bulk
pricing applies (an organization, a partner on Single Bill), not for other agencies."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from partnerhub.billing.models import Invoice
from partnerhub.onboarding.tests.story import build
from partnerhub.reports import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    s = build()
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    for n, (shop, day, cents, currency) in enumerate(
        [
            (s.shops[0], this_month, 4999, "USD"),
            (s.shops[1], this_month, 2501, "USD"),
            (s.shops[2], this_month, 1, "USD"),
            (s.shops[3], last_month, 12345, "USD"),
            (s.shops[2], last_month, 700, "EUR"),
        ]
    ):
        Invoice.objects.create(
            external_id=f"inv-{n}", account=shop, paid_on=day, amount_minor=cents, currency=currency
        )
    s.this_month, s.last_month = this_month, last_month
    return s


def test_the_worked_example_adds_up_to_the_cent(story):
    report = selectors.rollup_report(partner_id=story.org.pk, today=timezone.localdate())
    assert [m.month for m in report.months][-2:] == [story.last_month, story.this_month]
    assert report.months[-1].spend == {"USD": 7501}
    assert report.months[-2].spend == {"USD": 12345, "EUR": 700}
    assert report.spend_totals == {"EUR": 700, "USD": 19846}
    assert report.by_status_plan == {("Open", "SILVER"): 2, ("Open", "BRONZE"): 2}
    # An organization: bulk pricing applies, no statement yet, so nothing was taken off.
    assert report.has_discount is True
    assert report.discount_totals == {"EUR": 0, "USD": 0}
    south = selectors.rollup_report(
        partner_id=story.org.pk, group_id=story.south.pk, today=timezone.localdate()
    )
    assert south.spend_totals == {"EUR": 700, "USD": 12346}
    rows = list(selectors.rollup_csv_rows(report))
    assert rows[0] == ["month", "currency", "spend", "discount"]
    assert [f"{story.this_month:%Y-%m}", "EUR", Decimal("0.00"), Decimal("0.00")] in rows
    assert [f"{story.this_month:%Y-%m}", "USD", Decimal("75.01"), Decimal("0.00")] in rows
    assert len(rows) == 1 + 12 * 2


def test_a_viewer_reads_the_report_with_its_chart_and_csv(client, story):
    client.force_login(story.viewer.user)
    page = client.get("/portal/reports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Spend per month, USD" in text and "<svg" in text
    assert "75.01 USD" in text and "198.46 USD" in text
    assert "Discount USD" in text  # an organization: bulk pricing applies
    csv = b"".join(client.get("/portal/reports.csv").streaming_content).decode()
    assert f"{story.this_month:%Y-%m},USD,75.01" in csv
    assert f"{story.last_month:%Y-%m},EUR,7.00" in csv


def test_a_group_manager_reports_on_their_groups_only(client, story):
    client.force_login(story.manager.user)
    page = client.get("/portal/reports/")
    assert page.context["report"].accounts == 2
    assert page.context["report"].spend_totals == {"USD": 7500}


def test_the_discount_column_comes_from_bulk_pricing(client, story, monkeypatch):
    calls = []

    def discount_by_month(*, partner_id, months, group_id=None):
        calls.append((partner_id, len(months), group_id))
        return {story.this_month: {"USD": 750}}

    monkeypatch.setattr(selectors, "discount_by_month", discount_by_month)
    client.force_login(story.owner.user)
    text = client.get(f"/portal/reports/?group={story.north.pk}").content.decode()
    assert "Discount USD" in text and "7.50 USD" in text
    assert calls == [(story.org.pk, 12, story.north.pk)]
    csv = b"".join(client.get("/portal/reports.csv").streaming_content).decode()
    assert csv.splitlines()[0] == "month,currency,spend,discount"
    assert f"{story.this_month:%Y-%m},USD,75.01,7.50" in csv


def test_an_agency_without_single_bill_has_no_discount_figures(story):
    from partnerhub.tests.factories import PartnerFactory, credited_account

    agency = PartnerFactory()
    credited_account(agency)
    report = selectors.rollup_report(partner_id=agency.pk, today=timezone.localdate())
    assert report.has_discount is False
    assert next(selectors.rollup_csv_rows(report)) == ["month", "currency", "spend"]


def test_another_organizations_group_is_not_found(client, story):
    from partnerhub.tests.factories import MemberFactory, PartnerFactory

    outsider = MemberFactory(partner=PartnerFactory(), role="owner")
    client.force_login(outsider.user)
    assert client.get(f"/portal/reports/?group={story.north.pk}").status_code == 404
    assert client.get("/portal/reports/").context["report"].accounts == 0
