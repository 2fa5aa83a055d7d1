"""Billing data coming in: conversion, plan change, invoice paid, refund, cancellation.

Each call carries the billing system's own id. Sending the same id again with the same content
changes nothing and returns what the first call made; the same id with other content is refused.
"""

import datetime as dt

from django.db import transaction

from partnerhub.billing.models import BillingEvent, BillingEventKind, Invoice, Refund
from partnerhub.clients.models import BillingStatus, ClientAccount, DisabledReason, PlanType
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.locks import lock_one
from partnerhub.webhooks.emit import emit_account, emit_plan_change

SUPPORTED_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")


def _earlier(
    external_id: str, *, kinds: tuple[str, ...], account: ClientAccount, payload: dict
) -> BillingEvent | None:
    """The event already received under ``external_id``, if any; refused if it differs."""
    existing = BillingEvent.objects.filter(external_id=external_id).first()
    if existing is None:
        return None
    if (
        existing.kind not in kinds
        or existing.account_id != account.pk
        or existing.payload != payload
    ):
        raise Conflict(
            f"id {existing.external_id} was already used for different data",
            code="idempotency_conflict",
        )
    return existing


def _record(
    external_id: str,
    kind: str,
    account: ClientAccount,
    occurred_at: dt.datetime,
    payload: dict,
    **extra,
) -> BillingEvent:
    return BillingEvent.objects.create(
        external_id=external_id,
        kind=kind,
        account=account,
        occurred_at=occurred_at,
        payload=payload,
        **extra,
    )


def _lock_account(account_id: int) -> ClientAccount:
    try:
        return lock_one(ClientAccount.objects.all(), pk=account_id)
    except ClientAccount.DoesNotExist:
        raise NotFound("no such account") from None


@transaction.atomic
def account_plan_change(
    *, external_id: str, account_id: int, plan_type: str, occurred_at: dt.datetime
) -> BillingEvent:
    """Move an account to another plan. Leaving TRIAL is the conversion: billing status turns
    from Trial to Open. A plan never goes back to TRIAL."""
    account = _lock_account(account_id)
    payload = {"plan_type": plan_type, "occurred_at": occurred_at.isoformat()}
    kinds = (BillingEventKind.CONVERSION, BillingEventKind.PLAN_CHANGE)
    if (
        earlier := _earlier(external_id, kinds=kinds, account=account, payload=payload)
    ) is not None:
        return earlier
    if plan_type not in PlanType.values:
        raise InvalidTransition(f"unknown plan {plan_type!r}", code="plan_invalid")
    if plan_type == PlanType.TRIAL:
        raise InvalidTransition("a plan never goes back to TRIAL", code="plan_back_to_trial")
    if account.billing_status == BillingStatus.CANCELED:
        raise InvalidTransition("the account is cancelled", code="account_cancelled")
    converting = account.plan_type == PlanType.TRIAL
    old_plan = account.plan_type
    account.plan_type = plan_type
    fields = ["plan_type"]
    if converting:
        account.billing_status = BillingStatus.OPEN
        account.converted_at = occurred_at
        fields += ["billing_status", "converted_at"]
    account.save(update_fields=fields)
    emit_plan_change(account, old_plan, converting)
    kind = BillingEventKind.CONVERSION if converting else BillingEventKind.PLAN_CHANGE
    return _record(external_id, kind, account, occurred_at, payload, plan_type=plan_type)


@transaction.atomic
def account_cancel(
    *, external_id: str, account_id: int, occurred_at: dt.datetime, reason: str = ""
) -> BillingEvent:
    account = _lock_account(account_id)
    payload = {"occurred_at": occurred_at.isoformat(), "reason": reason}
    kinds = (BillingEventKind.CANCELLATION,)
    if (
        earlier := _earlier(external_id, kinds=kinds, account=account, payload=payload)
    ) is not None:
        return earlier
    if account.billing_status == BillingStatus.CANCELED:
        raise InvalidTransition("the account is already cancelled", code="already_cancelled")
    account.billing_status = BillingStatus.CANCELED
    account.save(update_fields=["billing_status"])
    emit_account(account, "account.cancelled", reason=reason)
    return _record(external_id, BillingEventKind.CANCELLATION, account, occurred_at, payload)


@transaction.atomic
def account_disable(
    *, external_id: str, account_id: int, occurred_at: dt.datetime, reason: str
) -> BillingEvent:
    """Disable an account for compliance or a balance due (its status shows why)."""
    account = _lock_account(account_id)
    payload = {"occurred_at": occurred_at.isoformat(), "reason": reason}
    kinds = (BillingEventKind.DISABLEMENT,)
    if (
        earlier := _earlier(external_id, kinds=kinds, account=account, payload=payload)
    ) is not None:
        return earlier
    if reason not in (DisabledReason.COMPLIANCE, DisabledReason.BALANCE_DUE):
        raise InvalidTransition("the reason is compliance or balance_due", code="reason_invalid")
    if account.disabled_reason:
        raise InvalidTransition("the account is already disabled", code="already_disabled")
    account.disabled_reason = reason
    account.save(update_fields=["disabled_reason"])
    emit_account(account, "account.disabled", reason=reason)
    return _record(external_id, BillingEventKind.DISABLEMENT, account, occurred_at, payload)


def _check_currency(currency: str) -> None:
    if currency not in SUPPORTED_CURRENCIES:
        raise InvalidTransition(
            f"currency {currency!r} is not one of {', '.join(SUPPORTED_CURRENCIES)}",
            code="currency_invalid",
        )


@transaction.atomic
def invoice_paid(
    *, external_id: str, account_id: int, paid_on: dt.date, amount_minor: int, currency: str
) -> Invoice:
    existing = Invoice.objects.filter(external_id=external_id).first()
    if existing is not None:
        same = (
            existing.account_id,
            existing.paid_on,
            existing.amount_minor,
            existing.currency,
        ) == (
            account_id,
            paid_on,
            amount_minor,
            currency,
        )
        if not same:
            raise Conflict(
                f"invoice {external_id} was already received with other data",
                code="idempotency_conflict",
            )
        return existing
    account = _lock_account(account_id)
    _check_currency(currency)
    if currency != account.currency:
        raise InvalidTransition(
            f"the account is billed in {account.currency}, not {currency}", code="currency_mismatch"
        )
    if amount_minor <= 0:
        raise InvalidTransition("an invoice amount is positive", code="amount_invalid")
    return Invoice.objects.create(
        external_id=external_id,
        account=account,
        paid_on=paid_on,
        amount_minor=amount_minor,
        currency=currency,
    )


@transaction.atomic
def refund_record(
    *, external_id: str, invoice_id: int, refunded_on: dt.date, amount_minor: int
) -> Refund:
    existing = Refund.objects.filter(external_id=external_id).first()
    if existing is not None:
        same = (existing.invoice_id, existing.refunded_on, existing.amount_minor) == (
            invoice_id,
            refunded_on,
            amount_minor,
        )
        if not same:
            raise Conflict(
                f"refund {external_id} was already received with other data",
                code="idempotency_conflict",
            )
        return existing
    try:
        invoice = lock_one(Invoice.objects.all(), pk=invoice_id)
    except Invoice.DoesNotExist:
        raise NotFound("no such invoice") from None
    if amount_minor <= 0:
        raise InvalidTransition("a refund amount is positive", code="amount_invalid")
    if refunded_on < invoice.paid_on:
        raise InvalidTransition("a refund cannot precede its invoice", code="refund_before_invoice")
    refunded = sum(invoice.refunds.values_list("amount_minor", flat=True))
    if refunded + amount_minor > invoice.amount_minor:
        raise InvalidTransition(
            "refunds would exceed the invoice amount", code="refund_exceeds_invoice"
        )
    return Refund.objects.create(
        external_id=external_id, invoice=invoice, refunded_on=refunded_on, amount_minor=amount_minor
    )
