"""Billing data in: conversion, plan change, cancellation, invoice paid, refund. Each call is
idempotent on the billing system's id."""

import datetime as dt

import pytest

from partnerhub.billing.models import BillingEvent, BillingEventKind, Invoice, Refund
from partnerhub.billing.services import (
    account_cancel,
    account_plan_change,
    invoice_paid,
    refund_record,
)
from partnerhub.clients.models import BillingStatus, ClientAccount, PlanType
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.earnings.tests.builders import account, partner, snapshot, utc

pytestmark = pytest.mark.django_db

D = dt.date


def _unchanged():
    return [snapshot(m) for m in (ClientAccount, BillingEvent, Invoice, Refund)]


@pytest.fixture
def trial():
    return account(partner(), moved_on=D(2026, 2, 1), converted_on=None)


@pytest.fixture
def paying():
    return account(None, converted_on=D(2026, 1, 10))


# --- plan changes and conversion --------------------------------------------------------------


def test_leaving_trial_is_the_conversion(trial):
    event = account_plan_change(
        external_id="EV-1",
        account_id=trial.pk,
        plan_type=PlanType.GOLD,
        occurred_at=utc(D(2026, 3, 4), 15),
    )

    trial.refresh_from_db()
    assert (trial.plan_type, trial.billing_status, trial.converted_at) == (
        PlanType.GOLD,
        BillingStatus.OPEN,
        utc(D(2026, 3, 4), 15),
    )
    assert (event.kind, event.plan_type, event.account) == (
        BillingEventKind.CONVERSION,
        PlanType.GOLD,
        trial,
    )


def test_a_later_plan_change_is_not_a_conversion(trial):
    account_plan_change(
        external_id="EV-1",
        account_id=trial.pk,
        plan_type=PlanType.BRONZE,
        occurred_at=utc(D(2026, 3, 4)),
    )

    event = account_plan_change(
        external_id="EV-2",
        account_id=trial.pk,
        plan_type=PlanType.GOLD,
        occurred_at=utc(D(2026, 5, 1)),
    )

    trial.refresh_from_db()
    assert event.kind == BillingEventKind.PLAN_CHANGE
    assert (trial.plan_type, trial.billing_status, trial.converted_at) == (
        PlanType.GOLD,
        BillingStatus.OPEN,
        utc(D(2026, 3, 4)),
    )


def test_the_same_plan_change_again_returns_the_first_and_changes_nothing(trial):
    first = account_plan_change(
        external_id="EV-1",
        account_id=trial.pk,
        plan_type=PlanType.SILVER,
        occurred_at=utc(D(2026, 3, 4)),
    )
    before = _unchanged()

    again = account_plan_change(
        external_id="EV-1",
        account_id=trial.pk,
        plan_type=PlanType.SILVER,
        occurred_at=utc(D(2026, 3, 4)),
    )

    assert again.pk == first.pk
    assert _unchanged() == before


@pytest.mark.parametrize(
    "change",
    [
        {"plan_type": PlanType.GOLD},
        {"occurred_at": utc(D(2026, 3, 5))},
    ],
)
def test_the_same_id_with_other_data_is_a_conflict(trial, change):
    account_plan_change(
        external_id="EV-1",
        account_id=trial.pk,
        plan_type=PlanType.SILVER,
        occurred_at=utc(D(2026, 3, 4)),
    )
    before = _unchanged()

    with pytest.raises(Conflict) as refused:
        account_plan_change(
            **{
                "external_id": "EV-1",
                "account_id": trial.pk,
                "plan_type": PlanType.SILVER,
                "occurred_at": utc(D(2026, 3, 4)),
                **change,
            }
        )

    assert refused.value.code == "idempotency_conflict"
    assert _unchanged() == before


def test_the_same_id_for_another_account_is_a_conflict(trial, paying):
    account_plan_change(
        external_id="EV-1",
        account_id=trial.pk,
        plan_type=PlanType.SILVER,
        occurred_at=utc(D(2026, 3, 4)),
    )
    before = _unchanged()

    with pytest.raises(Conflict):
        account_plan_change(
            external_id="EV-1",
            account_id=paying.pk,
            plan_type=PlanType.SILVER,
            occurred_at=utc(D(2026, 3, 4)),
        )

    assert _unchanged() == before


@pytest.mark.parametrize("fixture", ["trial", "paying"])
def test_a_plan_never_goes_back_to_trial(request, fixture):
    acct = request.getfixturevalue(fixture)
    before = _unchanged()

    with pytest.raises(InvalidTransition) as refused:
        account_plan_change(
            external_id="EV-9",
            account_id=acct.pk,
            plan_type=PlanType.TRIAL,
            occurred_at=utc(D(2026, 3, 4)),
        )

    assert refused.value.code == "plan_back_to_trial"
    assert _unchanged() == before


def test_an_unknown_plan_is_refused(paying):
    before = _unchanged()

    with pytest.raises(InvalidTransition) as refused:
        account_plan_change(
            external_id="EV-9",
            account_id=paying.pk,
            plan_type="PLATINUM",
            occurred_at=utc(D(2026, 3, 4)),
        )

    assert refused.value.code == "plan_invalid"
    assert _unchanged() == before


def test_an_unknown_account_is_not_found():
    with pytest.raises(NotFound):
        account_plan_change(
            external_id="EV-9",
            account_id=987654,
            plan_type=PlanType.GOLD,
            occurred_at=utc(D(2026, 3, 4)),
        )
    with pytest.raises(NotFound):
        invoice_paid(
            external_id="INV-9",
            account_id=987654,
            paid_on=D(2026, 3, 4),
            amount_minor=100,
            currency="USD",
        )

    assert (BillingEvent.objects.count(), Invoice.objects.count()) == (0, 0)


# --- cancellation -----------------------------------------------------------------------------


def test_cancel_is_idempotent_and_a_cancelled_account_changes_plan_no_more(paying):
    first = account_cancel(
        external_id="EV-C", account_id=paying.pk, occurred_at=utc(D(2026, 4, 1)), reason="price"
    )
    again = account_cancel(
        external_id="EV-C", account_id=paying.pk, occurred_at=utc(D(2026, 4, 1)), reason="price"
    )
    before = _unchanged()

    with pytest.raises(InvalidTransition) as twice:
        account_cancel(external_id="EV-D", account_id=paying.pk, occurred_at=utc(D(2026, 4, 2)))
    with pytest.raises(InvalidTransition) as plan:
        account_plan_change(
            external_id="EV-E",
            account_id=paying.pk,
            plan_type=PlanType.GOLD,
            occurred_at=utc(D(2026, 4, 3)),
        )

    paying.refresh_from_db()
    assert (again.pk, first.kind, paying.billing_status) == (
        first.pk,
        BillingEventKind.CANCELLATION,
        BillingStatus.CANCELED,
    )
    assert (twice.value.code, plan.value.code) == ("already_cancelled", "account_cancelled")
    assert _unchanged() == before


# --- invoices ---------------------------------------------------------------------------------


def test_an_invoice_paid_twice_with_the_same_id_is_one_invoice(paying):
    first = invoice_paid(
        external_id="INV-1",
        account_id=paying.pk,
        paid_on=D(2026, 3, 4),
        amount_minor=4500,
        currency="USD",
    )
    before = _unchanged()

    again = invoice_paid(
        external_id="INV-1",
        account_id=paying.pk,
        paid_on=D(2026, 3, 4),
        amount_minor=4500,
        currency="USD",
    )

    assert again.pk == first.pk
    assert (first.account, first.paid_on, first.amount_minor, first.currency) == (
        paying,
        D(2026, 3, 4),
        4500,
        "USD",
    )
    assert _unchanged() == before


@pytest.mark.parametrize(
    "change", [{"amount_minor": 4600}, {"paid_on": D(2026, 3, 5)}, {"currency": "EUR"}]
)
def test_an_invoice_id_with_other_data_is_a_conflict(paying, change):
    invoice_paid(
        external_id="INV-1",
        account_id=paying.pk,
        paid_on=D(2026, 3, 4),
        amount_minor=4500,
        currency="USD",
    )
    before = _unchanged()

    with pytest.raises(Conflict) as refused:
        invoice_paid(
            **{
                "external_id": "INV-1",
                "account_id": paying.pk,
                "paid_on": D(2026, 3, 4),
                "amount_minor": 4500,
                "currency": "USD",
                **change,
            }
        )

    assert refused.value.code == "idempotency_conflict"
    assert _unchanged() == before


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (4500, "EUR", "currency_mismatch"),
        (4500, "JPY", "currency_invalid"),
        (0, "USD", "amount_invalid"),
        (-100, "USD", "amount_invalid"),
    ],
)
def test_an_invalid_invoice_is_refused(paying, amount, currency, code):
    with pytest.raises(InvalidTransition) as refused:
        invoice_paid(
            external_id="INV-1",
            account_id=paying.pk,
            paid_on=D(2026, 3, 4),
            amount_minor=amount,
            currency=currency,
        )

    assert refused.value.code == code
    assert Invoice.objects.count() == 0


# --- refunds ----------------------------------------------------------------------------------


@pytest.fixture
def invoice(paying):
    return invoice_paid(
        external_id="INV-1",
        account_id=paying.pk,
        paid_on=D(2026, 3, 4),
        amount_minor=4500,
        currency="USD",
    )


def test_refunds_may_add_up_to_the_invoice_and_not_beyond(invoice):
    refund_record(
        external_id="RF-1", invoice_id=invoice.pk, refunded_on=D(2026, 3, 10), amount_minor=2000
    )
    refund_record(
        external_id="RF-2", invoice_id=invoice.pk, refunded_on=D(2026, 3, 11), amount_minor=2500
    )
    before = _unchanged()

    with pytest.raises(InvalidTransition) as refused:
        refund_record(
            external_id="RF-3", invoice_id=invoice.pk, refunded_on=D(2026, 3, 12), amount_minor=1
        )

    assert refused.value.code == "refund_exceeds_invoice"
    assert _unchanged() == before
    assert sorted(invoice.refunds.values_list("amount_minor", flat=True)) == [2000, 2500]


def test_a_single_refund_larger_than_the_invoice_is_refused(invoice):
    with pytest.raises(InvalidTransition) as refused:
        refund_record(
            external_id="RF-1", invoice_id=invoice.pk, refunded_on=D(2026, 3, 10), amount_minor=4501
        )

    assert refused.value.code == "refund_exceeds_invoice"
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("refunded_on", "amount", "code"),
    [
        (D(2026, 3, 3), 100, "refund_before_invoice"),
        (D(2026, 3, 10), 0, "amount_invalid"),
    ],
)
def test_an_invalid_refund_is_refused(invoice, refunded_on, amount, code):
    with pytest.raises(InvalidTransition) as refused:
        refund_record(
            external_id="RF-1", invoice_id=invoice.pk, refunded_on=refunded_on, amount_minor=amount
        )

    assert refused.value.code == code
    assert Refund.objects.count() == 0


def test_a_refund_is_idempotent_on_its_id(invoice):
    first = refund_record(
        external_id="RF-1", invoice_id=invoice.pk, refunded_on=D(2026, 3, 10), amount_minor=4500
    )
    before = _unchanged()

    again = refund_record(
        external_id="RF-1", invoice_id=invoice.pk, refunded_on=D(2026, 3, 10), amount_minor=4500
    )
    with pytest.raises(Conflict) as refused:
        refund_record(
            external_id="RF-1", invoice_id=invoice.pk, refunded_on=D(2026, 3, 10), amount_minor=4000
        )

    assert again.pk == first.pk
    assert refused.value.code == "idempotency_conflict"
    assert _unchanged() == before


def test_a_refund_of_an_unknown_invoice_is_not_found():
    with pytest.raises(NotFound):
        refund_record(
            external_id="RF-1", invoice_id=987654, refunded_on=D(2026, 3, 10), amount_minor=100
        )

    assert Refund.objects.count() == 0
