"""Payouts: staff approve a partner's payable balance, then mark it paid."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.earnings.models import (
    LedgerLine,
    LineType,
    Payout,
    PayoutStatus,
    ReasonCode,
)
from partnerhub.earnings.rules import format_minor, minor_to_decimal
from partnerhub.earnings.selectors import minimum_payout, payable_balance
from partnerhub.notices.models import NoticeKind
from partnerhub.notices.services import notice_create
from partnerhub.partners.models import Partner
from partnerhub.webhooks.services import event_emit

PAYOUT_TRANSITIONS = {
    PayoutStatus.APPROVED: frozenset({PayoutStatus.PAID}),
    PayoutStatus.PAID: frozenset(),
}


def _require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("only program staff handle payouts")


@transaction.atomic
def payout_approve(
    *, actor, partner_id: int, currency: str, today: dt.date | None = None
) -> Payout:
    """Approve the partner's payable balance for payment. A balance under the minimum payout
    is refused and carries forward to a later month."""
    _require_staff(actor)
    today = today or timezone.localdate()
    try:
        partner = lock_one(Partner.objects.all(), pk=partner_id)
    except Partner.DoesNotExist:
        raise NotFound("no such partner") from None
    if Payout.objects.filter(
        partner=partner, currency=currency, status=PayoutStatus.APPROVED
    ).exists():
        raise Conflict("a payout is already approved and waiting to be paid", code="payout_pending")
    balance = payable_balance(partner_id=partner.pk, currency=currency, today=today)
    minimum = minimum_payout(currency=currency, today=today)
    if balance <= 0 or balance < minimum:
        raise InvalidTransition(
            f"the payable balance {format_minor(balance, currency)} is under the minimum payout "
            f"{format_minor(minimum, currency)}; it carries forward",
            code="below_minimum",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                partner=partner,
                currency=currency,
                amount_minor=balance,
                approved_at=now,
                approved_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(
            "a payout is already approved and waiting to be paid", code="payout_pending"
        ) from exc
    audit_record(
        actor=actor,
        action=events.PAYOUT_APPROVED,
        target=payout,
        partner=partner,
        after={"amount_minor": balance, "currency": currency, "status": payout.status},
        at=now,
    )
    return payout


@transaction.atomic
def payout_mark_paid(
    *, actor, payout_id: int, reference: str = "", today: dt.date | None = None
) -> LedgerLine:
    """Record that the money left: the payout is paid and a disbursement line takes it off the
    partner's balance."""
    _require_staff(actor)
    today = today or timezone.localdate()
    try:
        payout = lock_one(Payout.objects.select_related("partner"), pk=payout_id)
    except Payout.DoesNotExist:
        raise NotFound("no such payout") from None
    if PayoutStatus.PAID not in PAYOUT_TRANSITIONS[payout.status]:
        raise InvalidTransition("this payout is already paid", code="payout_paid")
    now = timezone.now()
    payout.status = PayoutStatus.PAID
    payout.paid_at = now
    payout.paid_by = actor
    payout.reference = reference.strip()[:100]
    payout.save(update_fields=["status", "paid_at", "paid_by", "reference"])
    line = LedgerLine.objects.create(
        partner=payout.partner,
        month=today.replace(day=1),
        line_type=LineType.DISBURSEMENT,
        amount_minor=-payout.amount_minor,
        currency=payout.currency,
        fact_on=today,
        reason_code=ReasonCode.PAYOUT,
        source_key=f"payout:{payout.pk}",
        payable_on=today,
        payout=payout,
        created_at=now,
    )
    notice_create(
        user_ids=payout.partner.members.values_list("user_id", flat=True),
        kind=NoticeKind.PAYOUT_PAID,
        title=f"Payout of {format_minor(payout.amount_minor, payout.currency)} paid",
        url=reverse("partner-earnings"),
        source_key=f"payout:{payout.pk}:paid",
        at=now,
    )
    event_emit(
        partner_id=payout.partner_id,
        event_type="payout.paid",
        data={
            "payout_id": payout.pk,
            "amount": str(minor_to_decimal(payout.amount_minor)),
            "currency": payout.currency,
            "reference": payout.reference,
        },
    )
    audit_record(
        actor=actor,
        action=events.PAYOUT_PAID,
        target=payout,
        partner=payout.partner,
        before={"status": PayoutStatus.APPROVED},
        after={"status": payout.status, "reference": payout.reference, "ledger_line": line.pk},
        at=now,
    )
    return line
