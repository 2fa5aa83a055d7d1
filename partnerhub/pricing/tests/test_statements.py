"""Worked examples of Single Bill statements. The first price book (migration pricing/0002):
SILVER 20.00 and GOLD 45.00 a month for up to 500 contacts (the factories' accounts have 120),
BRONZE 12.00; 1–4 paying accounts 0 %, 5–24 −10 %, 25+ −20 %."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition
from partnerhub.earnings.models import LedgerLine
from partnerhub.earnings.tests.builders import close as earnings_close
from partnerhub.earnings.tests.builders import d, partner, pay
from partnerhub.pricing.models import Statement, StatementClose, StatementLine
from partnerhub.pricing.selectors import discount_by_month, statement_totals
from partnerhub.pricing.services import single_bill_enable
from partnerhub.pricing.statements import statement_build
from partnerhub.pricing.tests.builders import cancel, child, children, close, organization

pytestmark = pytest.mark.django_db

NOV = d("2026-11-01")


def lines_of(org, month: str):
    return list(
        StatementLine.objects.filter(statement__partner=org, statement__month=d(f"{month}-01"))
        .select_related("account")
        .order_by("kind", "currency", "id")
    )


@pytest.mark.parametrize(
    ("paying", "percent", "total"),
    [
        (4, "0.00", 4 * 2000),
        (5, "10.00", 5 * 1800),
        (24, "10.00", 24 * 1800),
        (25, "20.00", 25 * 1600),
    ],
)
def test_the_tier_edges_on_a_statement(paying, percent, total):
    # Given an organization with ``paying`` SILVER children, all paying the whole month
    org = organization()
    children(org, paying)
    # When November's statements close
    close("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
    close("2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
    statement = Statement.objects.get(partner=org, month=NOV)
    # Then the tier and the total follow the number of paying children
    assert (statement.paying_accounts, statement.discount_percent) == (paying, Decimal(percent))
    assert statement_totals(statement)["USD"]["total"] == total


def test_currencies_are_totalled_apart_and_share_one_tier():
    # Given 3 USD and 2 EUR children (5 paying: −10 % for all)
    org = organization()
    children(org, 3, currency="USD")
    children(org, 2, currency="EUR", plan_type="GOLD")
    built = statement_build(org, NOV)
    assert built.tier.discount_percent == Decimal("10.00")
    assert built.totals() == {
        "EUR": {"amount": 9000, "discount": 900, "total": 8100},
        "USD": {"amount": 6000, "discount": 600, "total": 5400},
    }


def test_a_child_added_on_the_17th_and_one_cancelled_on_the_10th_to_the_cent():
    # Given four whole-month SILVER children, one GOLD child that joined on 17 November and
    # one SILVER child cancelled on 10 November (6 billed: −10 %)
    org = organization()
    children(org, 4)
    added = child(org, moved_on=d("2026-11-17"), converted_on=d("2026-11-17"), plan_type="GOLD")
    gone = child(org)
    cancel(gone, d("2026-11-10"), "CANCEL-1")
    # When the month is built
    built = statement_build(org, NOV)
    by_account = {line.account_id: line for line in built.lines}
    # Then the added child pays 14 of 30 days: 45.00 × 14/30 = 21.00, −2.10 → 18.90
    a = by_account[added.pk]
    assert (a.billed_from, a.billed_to, a.days_billed) == (d("2026-11-17"), d("2026-11-30"), 14)
    assert (a.amount_minor, a.discount_minor, a.total_minor) == (2100, 210, 1890)
    # the cancelled child pays 9 days: 20.00 × 9/30 = 6.00, −0.60 → 5.40
    g = by_account[gone.pk]
    assert (g.billed_from, g.billed_to, g.days_billed) == (d("2026-11-01"), d("2026-11-09"), 9)
    assert (g.amount_minor, g.discount_minor, g.total_minor) == (600, 60, 540)
    # and the totals are the sums of the lines, to the cent: 4 × 18.00 + 18.90 + 5.40
    assert built.paying_accounts == 6
    assert built.totals() == {"USD": {"amount": 10700, "discount": 1070, "total": 9630}}


def test_trials_disabled_and_unbilled_accounts_are_left_out():
    org = organization()
    children(org, 2)
    child(org, converted_on=None)  # a trial
    child(org, disabled_reason="compliance")
    child(org, moved_on=d("2026-12-01"), converted_on=d("2026-12-01"))  # joined after November
    assert statement_build(org, NOV).paying_accounts == 2


def test_a_late_cancellation_is_an_adjustment_on_the_next_statement():
    # Given October closed with a SILVER child billed the whole month (20.00)
    org = organization()
    a = child(org)
    close(*[f"2026-{m:02d}" for m in range(1, 11)])
    october = lines_of(org, "2026-10")
    assert [(x.days_billed, x.total_minor) for x in october] == [(31, 2000)]
    # When a cancellation dated 10 October arrives late, and November closes
    cancel(a, d("2026-10-10"), "CANCEL-LATE")
    close("2026-11")
    # Then October is unchanged, and November carries one adjustment naming October:
    # 9 days billed instead of 31 (20.00 × 9/31 = 5.81), so −22 days and −14.19
    assert [(x.days_billed, x.total_minor) for x in lines_of(org, "2026-10")] == [(31, 2000)]
    november = lines_of(org, "2026-11")
    assert [
        (x.kind, x.corrects_month, x.days_billed, x.amount_minor, x.discount_minor, x.total_minor)
        for x in november
    ] == [("adjustment", d("2026-10-01"), -22, -1419, 0, -1419)]
    # and closing December finds nothing more to correct
    close("2026-12", today=dt.date(2027, 1, 2))
    assert lines_of(org, "2026-12") == []


def test_a_close_is_written_once_in_order_and_audited_once():
    org = organization()
    children(org, 2)
    with pytest.raises(InvalidTransition) as ended:
        close("2026-12")
    assert ended.value.code == "month_not_ended"
    (first,) = close("2026-01")
    with pytest.raises(InvalidTransition) as order:
        close("2026-03")
    assert order.value.code == "month_out_of_order"
    (again,) = close("2026-01")
    assert first.created and not again.created and again.close == first.close
    assert StatementClose.objects.count() == 1
    audits = AuditEvent.objects.filter(action="pricing.statements_closed")
    assert audits.count() == 1
    assert audits.get().after["totals"] == [
        {"currency": "USD", "amount_minor": 4000, "discount_minor": 0, "total_minor": 4000}
    ]
    statement = Statement.objects.get(partner=org)
    with pytest.raises(TypeError):
        statement.save()
    with pytest.raises(TypeError):
        statement.lines.first().save()


def test_an_agency_on_single_bill_gets_the_discount_instead_of_revenue_share():
    # Given an agency whose five managed clients go on Single Bill, one of them paying 45.00
    agency = partner(name="Brightwave")
    clients = children(agency, 5)
    single_bill_enable(partner_id=agency.pk, since_month=d("2026-10-01"))
    pay(clients[0], "INV-SB", d("2026-10-12"), 4500)
    # When October closes in earnings and in statements
    earnings_close("2026-10")
    close(*[f"2026-{m:02d}" for m in range(1, 11)])
    # Then no revenue share is paid on those accounts
    assert not LedgerLine.objects.filter(partner=agency, line_type="revenue_share").exists()
    # and the statement gives the −10 % on all five
    statement = Statement.objects.get(partner=agency, month=d("2026-10-01"))
    assert statement_totals(statement)["USD"] == {"amount": 10000, "discount": 1000, "total": 9000}


def test_discount_by_month_reads_closed_statements_and_the_open_preview():
    org = organization()
    children(org, 5)
    close(*[f"2026-{m:02d}" for m in range(1, 11)])
    found = discount_by_month(
        partner_id=org.pk,
        months=[d("2025-12-01"), d("2026-10-01"), d("2026-11-01"), d("2027-01-01")],
        today=dt.date(2026, 12, 2),
    )
    assert found == {
        d("2025-12-01"): {},  # before Single Bill
        d("2026-10-01"): {"USD": 1000},  # closed
        d("2026-11-01"): {"USD": 1000},  # not closed yet: the preview
        d("2027-01-01"): {},  # still to come
    }
    agency = partner()
    assert discount_by_month(partner_id=agency.pk, months=[NOV]) == {NOV: {}}


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    kids=st.lists(
        st.tuples(
            st.sampled_from(["BRONZE", "SILVER", "GOLD"]),
            st.sampled_from(["USD", "EUR"]),
            st.integers(min_value=1, max_value=30),
            st.integers(min_value=0, max_value=6000),
        ),
        min_size=0,
        max_size=8,
    )
)
def test_a_statement_total_is_the_sum_of_its_lines_and_no_discount_is_negative(kids):
    from django.db import transaction

    with transaction.atomic():
        org = organization()
        for plan, currency, day, contacts in kids:
            joined = dt.date(2026, 11, day)
            child(
                org,
                moved_on=joined,
                converted_on=joined,
                plan_type=plan,
                currency=currency,
                contact_count=contacts,
            )
        built = statement_build(org, NOV)
        for currency, t in built.totals().items():
            mine = [x for x in built.lines if x.currency == currency]
            assert t["total"] == sum(x.total_minor for x in mine)
            assert t["total"] == t["amount"] - t["discount"]
        assert all(x.discount_minor >= 0 and x.total_minor >= 0 for x in built.lines)
        transaction.set_rollback(True)
