"""Payouts: staff approve a partner's payable balance, then mark it paid."""

import pytest

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.earnings.models import LedgerLine, Payout, PayoutStatus
from partnerhub.earnings.selectors import held_balance, payable_balance
from partnerhub.earnings.services import payout_approve, payout_mark_paid
from partnerhub.earnings.tests.builders import (
    MANAGED,
    account,
    close,
    d,
    partner,
    pay,
    refund,
    snapshot,
)
from partnerhub.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(username="payouts@partnerhub.test", is_staff=True)


def _unchanged():
    return [snapshot(m) for m in (Payout, LedgerLine, AuditEvent)]


def _october_earner():
    """Converted 1 October, moved 20 October (bonus 100.00 payable from 19 November), paying
    50.00 on 30 October (revenue share 10.00 payable from 29 November); October closed."""
    p = partner()
    a = account(p, converted_on=d("2026-10-01"), moved_on=d("2026-10-20"))
    invoice = pay(a, "INV-1", d("2026-10-30"), 5000)
    close("2026-10")
    return p, a, invoice


def test_lines_inside_the_holding_period_are_not_payable_yet():
    p, _, _ = _october_earner()

    assert (
        payable_balance(partner_id=p.pk, currency="USD", today=d("2026-11-18")),
        held_balance(partner_id=p.pk, currency="USD", today=d("2026-11-18")),
    ) == (0, 11000)
    assert (
        payable_balance(partner_id=p.pk, currency="USD", today=d("2026-11-19")),
        held_balance(partner_id=p.pk, currency="USD", today=d("2026-11-19")),
    ) == (10000, 1000)
    assert payable_balance(partner_id=p.pk, currency="USD", today=d("2026-11-29")) == 11000


def test_a_clawback_reduces_the_payable_balance_at_once():
    p, _, invoice = _october_earner()
    refund(invoice, "RF-1", d("2026-11-02"), 2500)
    close("2026-11", today=d("2026-12-02"))

    assert payable_balance(partner_id=p.pk, currency="USD", today=d("2026-12-02")) == 10500
    assert payable_balance(partner_id=p.pk, currency="USD", today=d("2026-11-19")) == 9500


def test_approve_refuses_a_balance_under_the_minimum_and_it_carries_forward(staff):
    # Given a managed account whose revenue share so far is 40.00 USD (minimum payout 50.00)
    p = partner()
    a = account(p, converted_on=d("2024-01-01"), moved_on=d("2026-08-01"), kind=MANAGED)
    pay(a, "INV-1", d("2026-08-10"), 20000)
    close("2026-08")
    before = _unchanged()

    with pytest.raises(InvalidTransition) as refused:
        payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))

    assert refused.value.code == "below_minimum"
    assert refused.value.message == (
        "the payable balance 40.00 USD is under the minimum payout 50.00 USD; it carries forward"
    )
    assert _unchanged() == before

    # When September adds 20.00, the 60.00 carried together can be paid
    pay(a, "INV-2", d("2026-09-10"), 10000)
    close("2026-09")
    payout = payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    assert (payout.amount_minor, payout.currency, payout.status) == (6000, "USD", "approved")


def test_each_currency_has_its_own_minimum(staff):
    p = partner()
    gbp = account(
        p, converted_on=d("2024-01-01"), moved_on=d("2026-08-01"), kind=MANAGED, currency="GBP"
    )
    eur = account(
        p, converted_on=d("2024-01-01"), moved_on=d("2026-08-01"), kind=MANAGED, currency="EUR"
    )
    pay(gbp, "INV-1", d("2026-08-10"), 20000)  # 40.00 GBP: the GBP minimum
    pay(eur, "INV-2", d("2026-08-10"), 20000)  # 40.00 EUR: under the EUR minimum of 50.00
    close("2026-08")

    paid = payout_approve(actor=staff, partner_id=p.pk, currency="GBP", today=d("2026-11-26"))
    with pytest.raises(InvalidTransition) as refused:
        payout_approve(actor=staff, partner_id=p.pk, currency="EUR", today=d("2026-11-26"))

    assert (paid.amount_minor, paid.currency) == (4000, "GBP")
    assert refused.value.code == "below_minimum"
    assert Payout.objects.count() == 1


def test_approve_then_mark_paid_writes_one_disbursement_line_and_the_balance_drops(staff):
    p, _, _ = _october_earner()

    payout = payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    line = payout_mark_paid(
        actor=staff, payout_id=payout.pk, reference=" WIRE-77 ", today=d("2026-11-26")
    )

    payout.refresh_from_db()
    assert (payout.amount_minor, payout.status, payout.reference, payout.paid_by) == (
        10000,
        PayoutStatus.PAID,
        "WIRE-77",
        staff,
    )
    assert LedgerLine.objects.filter(line_type="disbursement").get() == line
    assert (line.amount_minor, line.currency, line.month, line.fact_on, line.payout) == (
        -10000,
        "USD",
        d("2026-11-01"),
        d("2026-11-26"),
        payout,
    )
    assert line.reason == "Paid out on 2026-11-26 (reference WIRE-77)"
    assert payable_balance(partner_id=p.pk, currency="USD", today=d("2026-11-26")) == 0
    # the revenue share still in its holding period is paid with a later payout
    assert payable_balance(partner_id=p.pk, currency="USD", today=d("2026-11-29")) == 1000


def test_a_second_approval_while_one_waits_is_refused(staff):
    p, _, _ = _october_earner()
    payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    before = _unchanged()

    with pytest.raises(Conflict) as refused:
        payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-29"))

    assert refused.value.code == "payout_pending"
    assert _unchanged() == before


def test_a_payout_is_paid_once(staff):
    p, _, _ = _october_earner()
    payout = payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    payout_mark_paid(actor=staff, payout_id=payout.pk, today=d("2026-11-26"))
    before = _unchanged()

    with pytest.raises(InvalidTransition) as refused:
        payout_mark_paid(actor=staff, payout_id=payout.pk, today=d("2026-11-27"))

    assert refused.value.code == "payout_paid"
    assert _unchanged() == before


def test_unknown_partner_or_payout_is_not_found(staff):
    before = _unchanged()

    with pytest.raises(NotFound):
        payout_approve(actor=staff, partner_id=987654, currency="USD", today=d("2026-11-26"))
    with pytest.raises(NotFound):
        payout_mark_paid(actor=staff, payout_id=987654, today=d("2026-11-26"))

    assert _unchanged() == before


def test_only_program_staff_handle_payouts(staff):
    p, _, _ = _october_earner()
    member = MemberFactory(partner=p)
    payout = payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    before = _unchanged()

    for actor in (member.user, UserFactory(), None):
        with pytest.raises(PermissionDenied):
            payout_approve(actor=actor, partner_id=p.pk, currency="USD", today=d("2026-11-29"))
        with pytest.raises(PermissionDenied):
            payout_mark_paid(actor=actor, payout_id=payout.pk, today=d("2026-11-26"))

    assert _unchanged() == before


def test_approving_and_paying_are_audited(staff):
    p, _, _ = _october_earner()

    payout = payout_approve(actor=staff, partner_id=p.pk, currency="USD", today=d("2026-11-26"))
    line = payout_mark_paid(
        actor=staff, payout_id=payout.pk, reference="WIRE-1", today=d("2026-11-26")
    )

    approved = AuditEvent.objects.get(action="earnings.payout_approved")
    paid = AuditEvent.objects.get(action="earnings.payout_paid")
    assert (approved.actor, approved.partner, approved.target_id, approved.after) == (
        staff,
        p,
        str(payout.pk),
        {"amount_minor": 10000, "currency": "USD", "status": "approved"},
    )
    assert (paid.actor, paid.partner, paid.before, paid.after) == (
        staff,
        p,
        {"status": "approved"},
        {"status": "paid", "reference": "WIRE-1", "ledger_line": line.pk},
    )
