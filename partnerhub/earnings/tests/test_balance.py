"""Why a balance is, or is not yet, paid out: the split of a balance (a pure rule) and its words,
one sentence per reason; then the same split read from real lines."""

import pytest
from django.utils import timezone

from partnerhub.earnings import selectors
from partnerhub.earnings.explain import balance_reasons, balance_since_report
from partnerhub.earnings.rules import balance_split
from partnerhub.earnings.services import payout_approve, payout_mark_paid
from partnerhub.earnings.tests.builders import MANAGED, account, close, d, partner, pay
from partnerhub.tests.factories import UserFactory

MINIMUM = 5000  # 50.00 USD


def _reasons(split, holding_days=30):
    return balance_reasons(split, currency="USD", holding_days=holding_days)


# --- the rule and its words, without a database ---------------------------------------------


def test_lines_in_the_holding_period_say_until_when():
    # Given 8,473.50 held: 1,200.00 payable from 5 December, the rest from 29 December
    split = balance_split(
        payable=0,
        held_by_day=[(d("2026-12-29"), 727350), (d("2026-12-05"), 120000)],
        minimum=MINIMUM,
    )

    assert (split.balance, split.held, split.held_until) == (847350, 847350, d("2026-12-29"))
    assert _reasons(split) == [
        "8,473.50 USD is within the holding period: a line becomes payable 30 days after the day "
        "it was earned. The next 1,200.00 USD becomes payable on 5 Dec 2026; all of it by "
        "29 Dec 2026."
    ]


def test_held_lines_of_one_day_name_that_day_and_mixed_holding_periods_name_no_number():
    split = balance_split(payable=0, held_by_day=[(d("2026-12-05"), 2300)], minimum=MINIMUM)

    assert _reasons(split, holding_days=None) == [
        "23.00 USD is within the holding period: a line becomes payable when its holding period "
        "ends. It becomes payable on 5 Dec 2026."
    ]


def test_a_payable_balance_below_the_minimum_carries_forward():
    split = balance_split(payable=2400, held_by_day=[], minimum=MINIMUM)

    assert split.payable_state == "below_minimum"
    assert _reasons(split) == [
        "24.00 USD is payable but below the minimum payout of 50.00 USD: it carries forward "
        "until it reaches the minimum."
    ]


def test_a_payable_balance_at_the_minimum_is_ready_to_be_approved():
    split = balance_split(payable=5000, held_by_day=[], minimum=MINIMUM)

    assert split.payable_state == "ready"
    assert _reasons(split) == [
        "50.00 USD is payable: it is at least the minimum payout of 50.00 USD, so program staff "
        "approve it for payment after the next close."
    ]


def test_an_approved_payout_waits_to_be_paid_and_what_came_after_goes_later():
    # Given 169.00 approved on 27 November, and 12.00 more that became payable since
    split = balance_split(
        payable=18100,
        held_by_day=[(d("2026-12-20"), 900)],
        minimum=MINIMUM,
        approved=16900,
        approved_on=d("2026-11-27"),
    )

    assert _reasons(split) == [
        "169.00 USD was approved for payout on 27 Nov 2026 and is waiting to be paid; it leaves "
        "the balance when it is paid.",
        "12.00 USD more became payable after that approval; it goes with a later payout.",
        "9.00 USD is within the holding period: a line becomes payable 30 days after the day it "
        "was earned. It becomes payable on 20 Dec 2026.",
    ]


def test_clawbacks_beyond_what_is_payable_are_set_against_later_earnings():
    split = balance_split(payable=-3000, held_by_day=[(d("2026-12-02"), 9000)], minimum=MINIMUM)

    assert (split.payable_state, split.balance) == ("negative", 6000)
    assert _reasons(split)[0] == (
        "Clawbacks exceed what is payable by 30.00 USD: later earnings make up for it before "
        "anything is paid out."
    )


def test_a_balance_paid_out_in_full_says_nothing_is_owed():
    split = balance_split(payable=0, held_by_day=[], minimum=MINIMUM)

    assert _reasons(split) == ["Nothing is owed: every line so far has been paid out."]


def test_the_reports_balance_is_reconciled_with_today():
    month = d("2026-11-01")

    paid = balance_since_report(
        month=month, report_balance=1047350, paid_out=-966850, earned=0, currency="USD"
    )
    both = balance_since_report(
        month=month, report_balance=1047350, paid_out=-966850, earned=2500, currency="USD"
    )
    same = balance_since_report(
        month=month, report_balance=1047350, paid_out=0, earned=0, currency="USD"
    )

    assert paid == (
        "The report's Balance at the end of November 2026 was 10,473.50 USD; since then "
        "9,668.50 USD was paid out, so the balance today is 805.00 USD."
    )
    assert both == (
        "The report's Balance at the end of November 2026 was 10,473.50 USD; since then "
        "9,668.50 USD was paid out and 25.00 USD came from later months, so the balance today "
        "is 830.00 USD."
    )
    assert same == ""


# --- the split read from real lines ---------------------------------------------------------


@pytest.mark.django_db
def test_the_split_of_a_partners_lines_follows_holding_period_minimum_and_payouts():
    # Given a managed account that paid 300.00 on 10 August (60.00 payable from 9 September)
    # and an account in window that converted 1 October and paid 45.00 on 5 October (bonus
    # 100.00 payable from 1 November, revenue share 9.00 from 4 November)
    p = partner()
    managed = account(p, converted_on=d("2024-08-01"), moved_on=d("2026-08-01"), kind=MANAGED)
    referred = account(p, converted_on=d("2026-10-01"), moved_on=d("2026-10-02"))
    pay(managed, "INV-M-1", d("2026-08-10"), 30000)
    pay(referred, "INV-R-1", d("2026-10-05"), 4500)
    close("2026-08", "2026-09", "2026-10")
    staff = UserFactory(is_staff=True)

    on_20_october = selectors.balance_split(partner_id=p.pk, currency="USD", today=d("2026-10-20"))
    on_26_november = selectors.balance_split(partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    payout = payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    approved = selectors.balance_split(partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    payout_mark_paid(actor=staff, payout_id=payout.pk, today=d("2026-11-27"))
    paid = selectors.balance_split(partner_id=p.pk, currency="USD", today=d("2026-11-27"))

    assert on_20_october == balance_split(
        payable=6000,
        held_by_day=[(d("2026-11-01"), 10000), (d("2026-11-04"), 900)],
        minimum=MINIMUM,
    )
    assert on_26_november == balance_split(payable=16900, held_by_day=[], minimum=MINIMUM)
    assert (approved.payable_state, approved.approved, approved.approved_on) == (
        "approved",
        16900,
        timezone.localdate(payout.approved_at),
    )
    assert (paid.payable_state, paid.balance) == ("none", 0)
    assert selectors.lines_after(partner_id=p.pk, currency="USD", month=d("2026-10-01")) == {
        "paid_out": -16900,
        "earned": 0,
    }
    assert selectors.holding_days() == 30
