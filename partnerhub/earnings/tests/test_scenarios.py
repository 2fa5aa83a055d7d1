"""Worked examples of the money rules: a small story with dates and amounts, then the exact
lines the monthly close writes for it.

Default terms (migration earnings/0002): 20% revenue share, a 60-day window, a 30-day holding
period, a new account bonus of 100.00 USD / 90.00 EUR / 80.00 GBP. Partners deployed on
2019-04-01 have no deployment window left, so only the conversion branch can hold for them.
"""

import json
from unittest import mock

import pytest

from partnerhub.access.disclaimers import CURRENT as CURRENT_DISCLAIMER
from partnerhub.access.services import (
    manage_request_confirm,
    manage_request_create,
    partner_access_revoke,
)
from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition
from partnerhub.earnings.close import month_close
from partnerhub.earnings.models import LedgerLine, MonthClose
from partnerhub.earnings.reports import report_csv, report_json
from partnerhub.earnings.selectors import account_eligibility, financial_benefit_report
from partnerhub.earnings.tests.builders import (
    MANAGED,
    REFERRED,
    account,
    assert_ledger,
    close,
    convert,
    d,
    ledger,
    partner,
    pay,
    refund,
    set_kind,
    snapshot,
    terms,
    utc,
)
from partnerhub.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

NAB = "new_account_bonus"
RS = "revenue_share"
CB = "clawback"
ADJ = "adjustment"


# --- the window: both branches, both edges ----------------------------------------------------


def test_referred_account_moved_41_days_after_conversion_earns_bonus_and_revenue_share():
    # Given an account that converted on 10 March and moved under the partnership on 20 April
    p = partner()
    a = account(p, converted_on=d("2026-03-10"), moved_on=d("2026-04-20"))
    pay(a, "INV-1", d("2026-04-25"), 4500)

    # When April closes
    close("2026-04")

    # Then it earns the bonus (accrued the day it moved) and 20% of the invoice
    assert_ledger(
        p,
        [
            (
                "2026-04",
                NAB,
                10000,
                "USD",
                "New account bonus, accrued 2026-04-20 (the later of conversion and moving); "
                "in window: moved under the partnership 2026-04-20, within the window after "
                "conversion",
            ),
            (
                "2026-04",
                RS,
                900,
                "USD",
                "Revenue share 20% of 45.00 USD on invoice INV-1 paid 2026-04-25; referred, in "
                "window: moved under the partnership 2026-04-20, within the window after "
                "conversion",
            ),
        ],
    )


def test_referred_account_moved_soon_after_the_partners_deployment_earns_by_that_branch():
    # Given a partner deployed on 1 February and an account that converted long before
    p = partner(deployed_on=d("2026-02-01"))
    a = account(p, converted_on=d("2025-06-01"), moved_on=d("2026-03-15"))
    pay(a, "INV-1", d("2026-03-20"), 5000)

    close("2026-03")

    assert_ledger(
        p,
        [
            ("2026-03", NAB, 10000, "USD", "within the window after your deployment"),
            (
                "2026-03",
                RS,
                1000,
                "USD",
                "Revenue share 20% of 50.00 USD on invoice INV-1 paid 2026-03-20; referred, in "
                "window: moved under the partnership 2026-03-15, within the window after your "
                "deployment",
            ),
        ],
    )


def test_moved_on_day_60_after_conversion_is_in_window():
    # 1 January + 60 days = 2 March
    p = partner()
    a = account(p, converted_on=d("2026-01-01"), moved_on=d("2026-03-02"))
    pay(a, "INV-1", d("2026-03-02"), 2000)  # paid the day it moved: already in the partnership

    close("2026-03")

    assert_ledger(
        p,
        [
            ("2026-03", NAB, 10000, "USD", "accrued 2026-03-02"),
            ("2026-03", RS, 400, "USD", "on invoice INV-1 paid 2026-03-02; referred, in window"),
        ],
    )
    assert account_eligibility(account=a).bonus_reason == (
        "bonus: in window: moved 60 days after conversion (at most 60)"
    )


def test_moved_on_day_61_after_conversion_earns_nothing():
    p = partner()
    a = account(p, converted_on=d("2026-01-01"), moved_on=d("2026-03-03"))
    pay(a, "INV-1", d("2026-03-03"), 2000)

    close("2026-03")

    assert_ledger(p, [])
    eligibility = account_eligibility(account=a)
    assert eligibility.bonus_reason == (
        "no bonus: moved 61 days after conversion and 2528 days after deployment"
    )
    assert eligibility.revenue_share is False


def test_moved_on_day_60_after_deployment_is_in_window():
    p = partner(deployed_on=d("2026-01-01"))
    a = account(p, converted_on=d("2024-05-01"), moved_on=d("2026-03-02"))
    pay(a, "INV-1", d("2026-03-10"), 3000)

    close("2026-03")

    assert_ledger(
        p,
        [
            ("2026-03", NAB, 10000, "USD", "within the window after your deployment"),
            ("2026-03", RS, 600, "USD", "within the window after your deployment"),
        ],
    )


def test_moved_on_day_61_after_deployment_earns_nothing():
    p = partner(deployed_on=d("2026-01-01"))
    a = account(p, converted_on=d("2024-05-01"), moved_on=d("2026-03-03"))
    pay(a, "INV-1", d("2026-03-10"), 3000)

    close("2026-03")

    assert_ledger(p, [])
    assert account_eligibility(account=a).bonus_reason == (
        "no bonus: moved 671 days after conversion and 61 days after deployment"
    )


def test_account_credited_while_a_trial_earns_when_it_converts_months_later():
    # Given a trial credited on 1 February that converts on 15 June (135 days later)
    p = partner()
    a = account(p, moved_on=d("2026-02-01"), converted_on=None)

    # While it is a trial, a close finds nothing
    close("2026-05")
    assert_ledger(p, [])

    # When it converts and pays, and June closes
    convert(a, d("2026-06-15"), external_id="EV-1")
    pay(a, "INV-1", d("2026-06-15"), 3000)
    close("2026-06")

    # Then the bonus accrues on the conversion day, and the invoice earns revenue share
    assert_ledger(
        p,
        [
            (
                "2026-06",
                NAB,
                10000,
                "USD",
                "New account bonus, accrued 2026-06-15 (the later of conversion and moving); "
                "in window: moved under the partnership 2026-02-01, before it converted",
            ),
            (
                "2026-06",
                RS,
                600,
                "USD",
                "referred, in window: moved under the partnership 2026-02-01, before it converted",
            ),
        ],
    )


# --- managed and referred over time ---------------------------------------------------------


def test_managed_account_earns_revenue_share_outside_the_window_but_no_bonus():
    p = partner()
    a = account(p, converted_on=d("2024-01-01"), moved_on=d("2026-03-01"), kind=MANAGED)
    pay(a, "INV-1", d("2026-03-10"), 10000)

    close("2026-03")

    assert_ledger(
        p,
        [
            (
                "2026-03",
                RS,
                2000,
                "USD",
                "Revenue share 20% of 100.00 USD on invoice INV-1 paid 2026-03-10; managed "
                "since 2026-03-01",
            )
        ],
    )


def test_managed_account_in_window_earns_the_bonus_by_the_window():
    p = partner()
    a = account(p, converted_on=d("2026-02-20"), moved_on=d("2026-03-01"), kind=MANAGED)
    pay(a, "INV-1", d("2026-03-10"), 10000)

    close("2026-03")

    assert_ledger(
        p,
        [
            ("2026-03", NAB, 10000, "USD", "within the window after conversion"),
            ("2026-03", RS, 2000, "USD", "managed since 2026-03-01"),
        ],
    )


def test_referred_then_managed_then_revoked_earns_only_while_managed():
    # Given a referred account outside the window, whose owner later grants and revokes access
    member = MemberFactory(partner=partner())
    p = member.partner
    a = account(p, converted_on=d("2024-01-01"), moved_on=d("2026-01-10"))
    pay(a, "INV-1", d("2026-01-20"), 4000)  # referred, out of window: nothing
    with mock.patch("django.utils.timezone.now", return_value=utc(d("2026-02-14"), 10, 30)):
        request = manage_request_create(actor=member.user, account_id=a.pk)
    pay(a, "INV-2", d("2026-02-14"), 4000)  # asked, not yet granted: nothing
    with mock.patch("django.utils.timezone.now", return_value=utc(d("2026-02-15"), 11)):
        manage_request_confirm(
            actor=a.owner,
            request_id=request.pk,
            ip_address="203.0.113.9",
            user_agent="test",
            disclaimer_version=CURRENT_DISCLAIMER.version,
        )
    pay(a, "INV-3", d("2026-02-20"), 4000)  # managed
    pay(a, "INV-4", d("2026-03-20"), 4000)  # managed
    with mock.patch("django.utils.timezone.now", return_value=utc(d("2026-04-05"), 16)):
        partner_access_revoke(actor=a.owner, account_id=a.pk)
    pay(a, "INV-5", d("2026-04-20"), 4000)  # referred again: nothing

    # When January to April close
    close("2026-01", "2026-02", "2026-03", "2026-04")

    # Then only the two invoices paid while managed earn
    assert_ledger(
        p,
        [
            (
                "2026-02",
                RS,
                800,
                "USD",
                "on invoice INV-3 paid 2026-02-20; managed since 2026-02-15",
            ),
            (
                "2026-03",
                RS,
                800,
                "USD",
                "on invoice INV-4 paid 2026-03-20; managed since 2026-02-15",
            ),
        ],
    )


def test_referred_in_window_keeps_earning_across_managed_and_revoked_with_the_reason_changing():
    p = partner()
    a = account(p, converted_on=d("2026-01-05"), moved_on=d("2026-01-10"))
    pay(a, "INV-1", d("2026-01-20"), 1000)
    set_kind(a, MANAGED, utc(d("2026-02-03"), 14))
    pay(a, "INV-2", d("2026-02-20"), 1000)
    set_kind(a, REFERRED, utc(d("2026-03-01"), 8))
    pay(a, "INV-3", d("2026-03-20"), 1000)

    close("2026-01", "2026-02", "2026-03")

    assert_ledger(
        p,
        [
            ("2026-01", NAB, 10000, "USD", "accrued 2026-01-10"),
            ("2026-01", RS, 200, "USD", "INV-1 paid 2026-01-20; referred, in window"),
            ("2026-02", RS, 200, "USD", "INV-2 paid 2026-02-20; managed since 2026-02-03"),
            ("2026-03", RS, 200, "USD", "INV-3 paid 2026-03-20; referred, in window"),
        ],
    )


def test_several_kind_changes_on_the_paid_day_the_last_of_the_day_decides():
    # Given a referred account outside the window whose kind changes several times a day
    p = partner()
    a = account(p, converted_on=d("2024-01-01"), moved_on=d("2026-01-10"))
    set_kind(a, MANAGED, utc(d("2026-02-15"), 10))
    set_kind(a, REFERRED, utc(d("2026-02-15"), 15))
    pay(a, "INV-1", d("2026-02-15"), 4000)  # managed in the morning, referred by the evening
    pay(a, "INV-2", d("2026-02-18"), 4000)  # referred since 2026-02-15
    # three changes at the same instant: the last one written decides
    set_kind(a, MANAGED, utc(d("2026-02-20"), 9))
    set_kind(a, REFERRED, utc(d("2026-02-20"), 9))
    set_kind(a, MANAGED, utc(d("2026-02-20"), 9))
    pay(a, "INV-3", d("2026-02-20"), 4000)
    pay(a, "INV-4", d("2026-02-19"), 4000)  # the day before: still referred

    # When January and February close
    close("2026-01", "2026-02")

    # Then only the invoice paid on a day that ended managed earns, managed since that day
    assert_ledger(
        p,
        [("2026-02", RS, 800, "USD", "on invoice INV-3 paid 2026-02-20; managed since 2026-02-20")],
    )


def test_an_invoice_paid_before_the_account_moved_earns_no_revenue_share():
    p = partner()
    a = account(p, converted_on=d("2026-05-20"), moved_on=d("2026-06-10"))
    pay(a, "INV-1", d("2026-05-20"), 4500)  # the converting invoice, before the move
    pay(a, "INV-2", d("2026-06-20"), 4500)

    close("2026-05", "2026-06")

    assert_ledger(
        p,
        [
            ("2026-06", NAB, 10000, "USD", "accrued 2026-06-10"),
            ("2026-06", RS, 900, "USD", "on invoice INV-2 paid 2026-06-20"),
        ],
    )


def test_the_bonus_is_paid_once_however_many_invoices_follow():
    p = partner()
    a = account(p, converted_on=d("2026-01-05"), moved_on=d("2026-01-05"))
    for n, day in enumerate(["2026-01-05", "2026-02-05", "2026-03-05"], start=1):
        pay(a, f"INV-{n}", d(day), 2500)

    close("2026-01", "2026-02", "2026-03")

    assert_ledger(
        p,
        [
            ("2026-01", NAB, 10000, "USD", "accrued 2026-01-05"),
            ("2026-01", RS, 500, "USD", "INV-1"),
            ("2026-02", RS, 500, "USD", "INV-2"),
            ("2026-03", RS, 500, "USD", "INV-3"),
        ],
    )


def test_single_bill_accounts_earn_the_bonus_but_no_revenue_share():
    p = partner()
    referred = account(p, converted_on=d("2026-03-01"), moved_on=d("2026-03-05"), single_bill=True)
    managed = account(
        p, converted_on=d("2024-03-01"), moved_on=d("2026-03-05"), single_bill=True, kind=MANAGED
    )
    pay(referred, "INV-1", d("2026-03-10"), 6000)
    pay(managed, "INV-2", d("2026-03-10"), 6000)

    close("2026-03")

    assert_ledger(p, [("2026-03", NAB, 10000, "USD", "accrued 2026-03-05")])
    assert LedgerLine.objects.get().account == referred


# --- refunds ----------------------------------------------------------------------------------


def _converted_in_april(p):
    """An account converted on 1 April, moved on 5 April, paying 45.00 USD on 5 April."""
    a = account(p, converted_on=d("2026-04-01"), moved_on=d("2026-04-05"))
    return a, pay(a, "INV-1", d("2026-04-05"), 4500)


def test_partial_refunds_claw_back_the_rate_of_what_was_refunded():
    p = partner()
    a, first = _converted_in_april(p)
    second = pay(a, "INV-2", d("2026-05-05"), 4500)
    refund(first, "RF-1", d("2026-04-20"), 1000)  # partial, in the holding period: no reversal
    refund(second, "RF-2", d("2026-05-20"), 2000)

    close("2026-04", "2026-05")

    assert_ledger(
        p,
        [
            ("2026-04", NAB, 10000, "USD", "accrued 2026-04-05"),
            ("2026-04", RS, 900, "USD", "INV-1"),
            (
                "2026-04",
                CB,
                -200,
                "USD",
                "Clawback 20% of 10.00 USD refunded 2026-04-20 on invoice INV-1, which had "
                "earned revenue share",
            ),
            ("2026-05", RS, 900, "USD", "INV-2"),
            (
                "2026-05",
                CB,
                -400,
                "USD",
                "Clawback 20% of 20.00 USD refunded 2026-05-20 on invoice INV-2, which had "
                "earned revenue share",
            ),
        ],
    )


def test_full_refund_of_the_converting_invoice_on_day_30_reverses_the_bonus():
    p = partner()
    _, first = _converted_in_april(p)
    refund(first, "RF-1", d("2026-05-05"), 4500)  # 5 April + 30 days

    close("2026-04", "2026-05")

    assert_ledger(
        p,
        [
            ("2026-04", NAB, 10000, "USD", "accrued 2026-04-05"),
            ("2026-04", RS, 900, "USD", "INV-1"),
            ("2026-05", CB, -900, "USD", "Clawback 20% of 45.00 USD refunded 2026-05-05"),
            (
                "2026-05",
                CB,
                -10000,
                "USD",
                "Bonus reversed: the converting invoice INV-1 was fully refunded by 2026-05-05, "
                "within the holding period",
            ),
        ],
    )


def test_full_refund_of_the_converting_invoice_on_day_31_keeps_the_bonus():
    p = partner()
    _, first = _converted_in_april(p)
    refund(first, "RF-1", d("2026-05-06"), 4500)

    close("2026-04", "2026-05")

    assert_ledger(
        p,
        [
            ("2026-04", NAB, 10000, "USD", "accrued 2026-04-05"),
            ("2026-04", RS, 900, "USD", "INV-1"),
            ("2026-05", CB, -900, "USD", "refunded 2026-05-06 on invoice INV-1"),
        ],
    )


def test_a_full_refund_in_two_parts_reverses_the_bonus_on_the_day_it_became_full():
    p = partner()
    _, first = _converted_in_april(p)
    refund(first, "RF-1", d("2026-04-10"), 2500)
    refund(first, "RF-2", d("2026-04-25"), 2000)

    close("2026-04")

    assert_ledger(
        p,
        [
            ("2026-04", NAB, 10000, "USD", "accrued 2026-04-05"),
            ("2026-04", RS, 900, "USD", "INV-1"),
            ("2026-04", CB, -500, "USD", "Clawback 20% of 25.00 USD refunded 2026-04-10"),
            ("2026-04", CB, -400, "USD", "Clawback 20% of 20.00 USD refunded 2026-04-25"),
            ("2026-04", CB, -10000, "USD", "fully refunded by 2026-04-25, within the holding"),
        ],
    )


def test_full_refund_of_a_later_invoice_claws_back_revenue_share_only():
    p = partner()
    a, _ = _converted_in_april(p)
    second = pay(a, "INV-2", d("2026-04-15"), 3000)
    refund(second, "RF-1", d("2026-04-16"), 3000)

    close("2026-04")

    assert_ledger(
        p,
        [
            ("2026-04", NAB, 10000, "USD", "accrued 2026-04-05"),
            ("2026-04", RS, 900, "USD", "INV-1"),
            ("2026-04", RS, 600, "USD", "INV-2"),
            (
                "2026-04",
                CB,
                -600,
                "USD",
                "Clawback 20% of 30.00 USD refunded 2026-04-16 on invoice INV-2",
            ),
        ],
    )


def test_refund_of_an_invoice_that_earned_nothing_claws_nothing_back():
    # Given a referred account out of window (nothing earned) and an invoice paid before a move
    p = partner()
    out = account(p, converted_on=d("2024-01-01"), moved_on=d("2026-03-01"))
    early = account(p, converted_on=d("2026-03-01"), moved_on=d("2026-03-20"))
    unearned = pay(out, "INV-1", d("2026-03-05"), 5000)
    before_move = pay(early, "INV-2", d("2026-03-01"), 5000)
    refund(unearned, "RF-1", d("2026-03-10"), 5000)
    refund(before_move, "RF-2", d("2026-03-25"), 1000)

    close("2026-03")

    assert_ledger(p, [("2026-03", NAB, 10000, "USD", "accrued 2026-03-20")])


# --- terms and rounding -----------------------------------------------------------------------


def test_terms_change_keeps_the_rate_an_account_moved_under_and_never_rewrites_past_lines():
    # Given an account that moved in May under the first terms, and May closed
    p = partner()
    before = account(p, converted_on=d("2026-05-01"), moved_on=d("2026-05-20"))
    pay(before, "INV-1", d("2026-05-25"), 10000)
    close("2026-05")
    may = snapshot(LedgerLine)

    # When staff add terms from 1 June (25%, a 120.00 USD bonus) and an account moves after it
    terms(d("2026-06-01"), "0.25", bonuses={"USD": (12000, 6000)})
    after = account(p, converted_on=d("2026-06-05"), moved_on=d("2026-06-10"))
    pay(after, "INV-2", d("2026-06-12"), 10000)
    pay(before, "INV-3", d("2026-07-25"), 10000)
    pay(after, "INV-4", d("2026-07-12"), 10000)
    close("2026-06", "2026-07")

    # Then each account keeps the terms in force on the day it moved
    assert_ledger(
        p,
        [
            ("2026-05", NAB, 10000, "USD", "accrued 2026-05-20"),
            ("2026-05", RS, 2000, "USD", "Revenue share 20% of 100.00 USD on invoice INV-1"),
            ("2026-06", NAB, 12000, "USD", "accrued 2026-06-10"),
            ("2026-06", RS, 2500, "USD", "Revenue share 25% of 100.00 USD on invoice INV-2"),
            ("2026-07", RS, 2000, "USD", "Revenue share 20% of 100.00 USD on invoice INV-3"),
            ("2026-07", RS, 2500, "USD", "Revenue share 25% of 100.00 USD on invoice INV-4"),
        ],
    )
    # and May's lines are exactly as they were
    assert snapshot(LedgerLine)[: len(may)] == may


def test_each_invoice_and_refund_rounds_half_up_to_the_cent():
    # Given terms of 25% from 2026, so that halves of a cent occur
    terms(d("2026-01-01"), "0.25")
    p = partner()
    a = account(p, converted_on=d("2026-03-01"), moved_on=d("2026-03-01"))
    invoice = pay(a, "INV-1", d("2026-03-01"), 1002)  # 250.5 cents
    refund(invoice, "RF-1", d("2026-04-10"), 2)  # 0.5 cent
    refund(invoice, "RF-2", d("2026-04-11"), 1)  # 0.25 cent: nothing to claw back

    close("2026-03", "2026-04")

    assert_ledger(
        p,
        [
            ("2026-03", NAB, 10000, "USD", "accrued 2026-03-01"),
            ("2026-03", RS, 251, "USD", "Revenue share 25% of 10.02 USD"),
            ("2026-04", CB, -1, "USD", "Clawback 25% of 0.02 USD refunded 2026-04-10"),
        ],
    )


# --- late data --------------------------------------------------------------------------------


def test_an_invoice_arriving_after_its_month_closed_lands_in_the_next_close_as_an_adjustment():
    # Given September closed with one invoice
    p = partner()
    a = account(p, converted_on=d("2026-09-01"), moved_on=d("2026-09-01"))
    pay(a, "INV-1", d("2026-09-10"), 4500)
    close("2026-09")
    september = snapshot(LedgerLine)

    # When an invoice paid on 20 September arrives in October, and October closes
    pay(a, "INV-2", d("2026-09-20"), 4500)
    pay(a, "INV-3", d("2026-10-10"), 4500)
    close("2026-10")

    # Then it is an adjustment in October naming September; September is unchanged
    assert_ledger(
        p,
        [
            ("2026-09", NAB, 10000, "USD", "accrued 2026-09-01"),
            ("2026-09", RS, 900, "USD", "INV-1"),
            (
                "2026-10",
                ADJ,
                900,
                "USD",
                "Adjustment for September 2026 (earned then, entered in a later close): "
                "revenue share 20% of 45.00 USD on invoice INV-2 paid 2026-09-20; referred, in "
                "window: moved under the partnership 2026-09-01, within the window after "
                "conversion",
            ),
            ("2026-10", RS, 900, "USD", "INV-3"),
        ],
    )
    adjustment = LedgerLine.objects.get(line_type=ADJ)
    assert (adjustment.corrects_month, adjustment.corrected_type) == (d("2026-09-01"), RS)
    assert snapshot(LedgerLine)[: len(september)] == september


def test_a_refund_arriving_late_is_a_negative_adjustment_naming_its_month():
    p = partner()
    a = account(p, converted_on=d("2026-08-01"), moved_on=d("2026-08-01"))
    invoice = pay(a, "INV-1", d("2026-08-01"), 4500)
    close("2026-08", "2026-09")
    refund(invoice, "RF-1", d("2026-09-15"), 1500)  # dated in September, known in October

    close("2026-10")

    assert_ledger(
        p,
        [
            ("2026-08", NAB, 10000, "USD", "accrued 2026-08-01"),
            ("2026-08", RS, 900, "USD", "INV-1"),
            (
                "2026-10",
                ADJ,
                -300,
                "USD",
                "Adjustment for September 2026 (earned then, entered in a later close): "
                "clawback 20% of 15.00 USD refunded 2026-09-15 on invoice INV-1",
            ),
        ],
    )
    assert LedgerLine.objects.get(line_type=ADJ).corrected_type == CB


def test_a_conversion_reported_late_brings_its_bonus_as_an_adjustment():
    # Given a trial credited in July, and July and August closed
    p = partner()
    a = account(p, moved_on=d("2026-07-01"), converted_on=None)
    close("2026-07", "2026-08")

    # When its conversion on 20 August is reported in September
    convert(a, d("2026-08-20"), external_id="EV-1")
    close("2026-09")

    assert_ledger(
        p,
        [
            (
                "2026-09",
                ADJ,
                10000,
                "USD",
                "Adjustment for August 2026 (earned then, entered in a later close): new account "
                "bonus, accrued 2026-08-20",
            )
        ],
    )


def test_the_first_close_takes_in_older_history_as_ordinary_lines():
    # Given an account that earned through 2025, before the program's first close
    p = partner()
    a = account(p, converted_on=d("2025-11-01"), moved_on=d("2025-11-03"))
    pay(a, "INV-1", d("2025-11-03"), 1000)
    pay(a, "INV-2", d("2026-01-03"), 1000)

    # When January 2026 is the first month closed
    close("2026-01")
    # and then data arrive for December (never closed) and for January (closed)
    pay(a, "INV-3", d("2025-12-03"), 1000)
    pay(a, "INV-4", d("2026-01-20"), 1000)
    close("2026-02")

    # Then nothing before January is an adjustment: no closed month is being corrected
    assert_ledger(
        p,
        [
            ("2026-01", NAB, 10000, "USD", "New account bonus, accrued 2025-11-03"),
            (
                "2026-01",
                RS,
                200,
                "USD",
                "Revenue share 20% of 10.00 USD on invoice INV-1 paid 2025-11-03",
            ),
            (
                "2026-01",
                RS,
                200,
                "USD",
                "Revenue share 20% of 10.00 USD on invoice INV-2 paid 2026-01-03",
            ),
            (
                "2026-02",
                ADJ,
                200,
                "USD",
                "Adjustment for January 2026 (earned then, entered in a later close): revenue share 20% of 10.00 USD on invoice INV-4",
            ),
            (
                "2026-02",
                RS,
                200,
                "USD",
                "Revenue share 20% of 10.00 USD on invoice INV-3 paid 2025-12-03",
            ),
        ],
    )


# --- currencies -------------------------------------------------------------------------------


def test_each_account_earns_in_its_own_currency_and_reports_never_mix_them():
    p = partner()
    usd = account(p, converted_on=d("2026-10-01"), moved_on=d("2026-10-02"))
    eur = account(p, converted_on=d("2026-10-01"), moved_on=d("2026-10-02"), currency="EUR")
    gbp = account(p, converted_on=d("2026-10-01"), moved_on=d("2026-10-02"), currency="GBP")
    pay(usd, "INV-1", d("2026-10-05"), 4500)
    pay(eur, "INV-2", d("2026-10-05"), 3500)
    pay(gbp, "INV-3", d("2026-10-05"), 2999)

    close("2026-10")

    assert_ledger(
        p,
        [
            ("2026-10", NAB, 9000, "EUR", "accrued 2026-10-02"),
            ("2026-10", NAB, 8000, "GBP", "accrued 2026-10-02"),
            ("2026-10", NAB, 10000, "USD", "accrued 2026-10-02"),
            ("2026-10", RS, 600, "GBP", "Revenue share 20% of 29.99 GBP on invoice INV-3"),
            ("2026-10", RS, 700, "EUR", "Revenue share 20% of 35.00 EUR on invoice INV-2"),
            ("2026-10", RS, 900, "USD", "Revenue share 20% of 45.00 USD on invoice INV-1"),
        ],
    )
    reports = financial_benefit_report(partner_id=p.pk, month=d("2026-10-01"))
    assert [(r.currency, r.revenue_share, r.incentives, r.earnings) for r in reports] == [
        ("EUR", 700, 9000, 9700),
        ("GBP", 600, 8000, 8600),
        ("USD", 900, 10000, 10900),
    ]
    totals = json.loads(report_json(partner_id=p.pk, month=d("2026-10-01")))["totals"]
    assert {c: t["earnings"] for c, t in totals.items()} == {
        "EUR": "97.00",
        "GBP": "86.00",
        "USD": "109.00",
    }


def test_a_partner_sees_only_its_own_lines():
    mine, theirs = partner(), partner()
    a = account(mine, converted_on=d("2026-10-01"), moved_on=d("2026-10-01"))
    b = account(theirs, converted_on=d("2024-10-01"), moved_on=d("2026-10-01"), kind=MANAGED)
    pay(a, "INV-1", d("2026-10-05"), 1000)
    pay(b, "INV-2", d("2026-10-05"), 5000)

    close("2026-10")

    assert_ledger(
        mine, [("2026-10", NAB, 10000, "USD", "accrued"), ("2026-10", RS, 200, "USD", "INV-1")]
    )
    assert_ledger(theirs, [("2026-10", RS, 1000, "USD", "INV-2")])
    assert report_csv(partner_id=theirs.pk, month=d("2026-10-01")).splitlines() == [
        "account_id,line_type,amount,currency,reason",
        f"{b.encoded_account_id},revenue_share,10.00,USD,Revenue share 20% of 50.00 USD on "
        "invoice INV-2 paid 2026-10-05; managed since 2026-10-01",
    ]


# --- the close itself -------------------------------------------------------------------------


def _program_with_lines():
    p = partner()
    a = account(p, converted_on=d("2026-08-01"), moved_on=d("2026-08-01"))
    pay(a, "INV-1", d("2026-08-10"), 4500)
    return p, a


def test_closing_a_month_again_changes_nothing():
    _program_with_lines()
    first = month_close(month=d("2026-08-01"), today=d("2026-11-26"))
    lines, closes, audit = snapshot(LedgerLine), snapshot(MonthClose), snapshot(AuditEvent)

    again = month_close(month=d("2026-08-01"), today=d("2026-12-31"))

    assert (first.created, again.created) == (True, False)
    assert again.close == first.close
    assert first.close.line_count == 2
    assert (snapshot(LedgerLine), snapshot(MonthClose), snapshot(AuditEvent)) == (
        lines,
        closes,
        audit,
    )


def test_a_close_is_audited_once_with_its_lines_count_totals_and_checksum():
    p, _ = _program_with_lines()
    audit_before = AuditEvent.objects.count()

    result = month_close(month=d("2026-08-01"), today=d("2026-11-26"))

    # The ledger is the record of every line; the audit log records the close once.
    assert not AuditEvent.objects.filter(action="earnings.line_written").exists()
    closed = AuditEvent.objects.get(action="earnings.month_closed")
    assert closed.target_id == str(result.close.pk)
    lines = LedgerLine.objects.filter(close=result.close)
    totals = {}
    for line in lines:
        key = (line.line_type, line.currency)
        n, amount = totals.get(key, (0, 0))
        totals[key] = (n + 1, amount + line.amount_minor)
    assert closed.after["month"] == "2026-08-01"
    assert closed.after["lines"] == 2 == lines.count()
    assert {
        (t["line_type"], t["currency"]): (t["lines"], t["amount_minor"])
        for t in closed.after["totals"]
    } == totals
    assert closed.after["checksum"] == _checksum(lines)
    assert AuditEvent.objects.count() == audit_before + 1


def _checksum(lines) -> str:
    """The close's checksum of its lines, recomputed here from its definition."""
    from partnerhub.earnings.close import CHECKSUM_MODULUS

    def term(line):
        value = line.pk * 1000003 + line.amount_minor * 1009 + line.partner_id * 101
        value += len(line.source_key)
        # The databases' % keeps the sign of the dividend, as math.fmod does.
        return int(value - CHECKSUM_MODULUS * int(value / CHECKSUM_MODULUS))

    return f"{sum(term(line) for line in lines) % CHECKSUM_MODULUS:08x}"


def test_the_checksum_changes_when_a_line_changes():
    _program_with_lines()
    result = month_close(month=d("2026-08-01"), today=d("2026-11-26"))
    lines = list(LedgerLine.objects.filter(close=result.close))
    recorded = AuditEvent.objects.get(action="earnings.month_closed").after["checksum"]
    lines[0].amount_minor += 1
    assert _checksum(lines) != recorded


def test_months_close_in_order_and_a_refused_close_writes_nothing():
    _program_with_lines()
    close("2026-07")
    before = (snapshot(LedgerLine), snapshot(MonthClose), snapshot(AuditEvent))

    with pytest.raises(InvalidTransition) as refused:
        month_close(month=d("2026-09-01"), today=d("2026-11-26"))

    assert refused.value.code == "month_out_of_order"
    assert refused.value.message == "months close in order: the next month to close is August 2026"
    assert (snapshot(LedgerLine), snapshot(MonthClose), snapshot(AuditEvent)) == before


def test_a_month_that_has_not_ended_cannot_be_closed():
    _program_with_lines()
    before = (snapshot(LedgerLine), snapshot(MonthClose), snapshot(AuditEvent))

    with pytest.raises(InvalidTransition) as current:
        month_close(month=d("2026-11-01"), today=d("2026-11-26"))
    with pytest.raises(InvalidTransition) as last_day:
        month_close(month=d("2026-08-01"), today=d("2026-08-31"))

    assert (current.value.code, last_day.value.code) == ("month_not_ended", "month_not_ended")
    assert current.value.message == "November 2026 has not ended yet"
    assert (snapshot(LedgerLine), snapshot(MonthClose), snapshot(AuditEvent)) == before
    # The day after the month ends it can close
    assert month_close(month=d("2026-08-01"), today=d("2026-09-01")).created is True


def test_a_month_with_nothing_earned_closes_with_no_lines():
    p = partner()
    account(p, moved_on=d("2026-10-01"), converted_on=None)

    (result,) = close("2026-10")

    assert result.close.line_count == 0
    assert ledger(p) == []
