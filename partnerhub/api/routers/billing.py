"""Billing data in, for program staff keys: each call carries the billing system's own id and
may be repeated safely."""

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema
from pydantic import Field

from partnerhub.api.errors import ApiError
from partnerhub.api.idempotency import idempotent
from partnerhub.api.responses import json_response
from partnerhub.api.routers.accounts import ERRORS, require_write
from partnerhub.billing import services as billing
from partnerhub.billing.models import Invoice
from partnerhub.clients.models import ClientAccount
from partnerhub.core.text import Line
from partnerhub.earnings.rules import decimal_to_minor

router = Router(tags=["billing (staff)"])


class Received(Schema):
    external_id: str
    kind: str
    replayed: bool = False


class PlanChangeIn(Schema):
    external_id: Line(64)
    encoded_account_id: Line(32)
    plan_type: str = Field(pattern="^(BRONZE|SILVER|GOLD)$")
    occurred_at: dt.datetime


class CancellationIn(Schema):
    external_id: Line(64)
    encoded_account_id: Line(32)
    occurred_at: dt.datetime
    reason: Line(200, required=False) = ""


class DisablementIn(Schema):
    external_id: Line(64)
    encoded_account_id: Line(32)
    occurred_at: dt.datetime
    reason: str = Field(pattern="^(compliance|balance_due)$")


class InvoiceIn(Schema):
    external_id: Line(64)
    encoded_account_id: Line(32)
    paid_on: dt.date
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str = Field(pattern="^[A-Z]{3}$")


class RefundIn(Schema):
    external_id: Line(64)
    invoice_external_id: Line(64)
    refunded_on: dt.date
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)


def _account_id(encoded: str) -> int:
    pk = (
        ClientAccount.objects.filter(encoded_account_id=encoded)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        raise ApiError(404, "not_found", "no such account")
    return pk


def _received(external_id: str, kind: str):
    return json_response(Received(external_id=external_id, kind=kind), status=201)


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ApiError(
            422, "timezone_required", "timestamps need a UTC offset, e.g. 2026-11-01T09:00:00Z"
        )
    return value


@router.post(
    "/billing/plan-changes", response={201: Received, **ERRORS}, summary="Plan change or conversion"
)
@idempotent
def plan_change(request, body: PlanChangeIn):
    """Leaving TRIAL is the conversion: billing status turns Open."""
    require_write(request)
    event = billing.account_plan_change(
        external_id=body.external_id,
        account_id=_account_id(body.encoded_account_id),
        plan_type=body.plan_type,
        occurred_at=_aware(body.occurred_at),
    )
    return _received(event.external_id, event.kind)


@router.post("/billing/cancellations", response={201: Received, **ERRORS}, summary="Cancellation")
@idempotent
def cancellation(request, body: CancellationIn):
    require_write(request)
    event = billing.account_cancel(
        external_id=body.external_id,
        account_id=_account_id(body.encoded_account_id),
        occurred_at=_aware(body.occurred_at),
        reason=body.reason,
    )
    return _received(event.external_id, event.kind)


@router.post("/billing/disablements", response={201: Received, **ERRORS}, summary="Disablement")
@idempotent
def disablement(request, body: DisablementIn):
    """An account disabled for compliance or a balance due."""
    require_write(request)
    event = billing.account_disable(
        external_id=body.external_id,
        account_id=_account_id(body.encoded_account_id),
        occurred_at=_aware(body.occurred_at),
        reason=body.reason,
    )
    return _received(event.external_id, event.kind)


@router.post("/billing/invoices", response={201: Received, **ERRORS}, summary="Invoice paid")
@idempotent
def invoice(request, body: InvoiceIn):
    require_write(request)
    paid = billing.invoice_paid(
        external_id=body.external_id,
        account_id=_account_id(body.encoded_account_id),
        paid_on=body.paid_on,
        amount_minor=decimal_to_minor(body.amount),
        currency=body.currency,
    )
    return _received(paid.external_id, "invoice")


@router.post("/billing/refunds", response={201: Received, **ERRORS}, summary="Refund")
@idempotent
def refund(request, body: RefundIn):
    require_write(request)
    invoice_pk = (
        Invoice.objects.filter(external_id=body.invoice_external_id)
        .values_list("pk", flat=True)
        .first()
    )
    if invoice_pk is None:
        raise ApiError(404, "not_found", "no such invoice")
    done = billing.refund_record(
        external_id=body.external_id,
        invoice_id=invoice_pk,
        refunded_on=body.refunded_on,
        amount_minor=decimal_to_minor(body.amount),
    )
    return _received(done.external_id, "refund")
