"""Cancellations asked for a later day: scheduled, carried out by the worker on the day (the
billing service cancels; ``account.cancel`` goes out from there), or withdrawn before.

Who may withdraw: an owner or admin of the partner that scheduled it, or the account's owner.
"""

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.billing import services as billing
from partnerhub.clients.models import BillingStatus, ClientAccount
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.core.sweeps import each_due
from partnerhub.partners.selectors import membership_of
from partnerhub.partners.services import act_check
from partnerhub.v3.models import (
    CANCELLATION_TRANSITIONS,
    CancellationStatus,
    ScheduledCancellation,
    V3Client,
)


def scheduled_for(*, account_id: int) -> ScheduledCancellation | None:
    """The account's cancellation still to come, if any (with who asked)."""
    return (
        ScheduledCancellation.objects.filter(
            account_id=account_id, status=CancellationStatus.SCHEDULED
        )
        .select_related("requested_by", "client", "partner")
        .first()
    )


def _move(cancellation: ScheduledCancellation, target: str, *, actor, at: dt.datetime) -> None:
    if target not in CANCELLATION_TRANSITIONS[cancellation.status]:
        raise InvalidTransition(
            f"this cancellation is already {cancellation.get_status_display().lower()}",
            code="cancellation_closed",
        )
    cancellation.status = target
    cancellation.closed_at = at
    cancellation.closed_by = actor
    cancellation.save(update_fields=["status", "closed_at", "closed_by"])


@transaction.atomic
def cancellation_schedule(
    *,
    client: V3Client,
    account: ClientAccount,
    effective_at: dt.datetime,
    reason_id: int | None,
    reason: str,
    billing_reason: str,
) -> ScheduledCancellation:
    """``reason`` is what people read; ``billing_reason`` what billing records on the day."""
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.billing_status == BillingStatus.CANCELED:
        raise InvalidTransition("the account is already cancelled", code="already_cancelled")
    existing = scheduled_for(account_id=account.pk)
    if existing is not None:
        raise InvalidTransition(
            f"a cancellation is already scheduled for {existing.effective_at.date().isoformat()}",
            code="cancellation_already_scheduled",
        )
    now = timezone.now()
    cancellation = ScheduledCancellation.objects.create(
        account=account,
        partner_id=client.partner_id,
        client=client,
        requested_by=client.created_by,
        requested_at=now,
        effective_at=effective_at,
        reason_id=reason_id,
        reason=reason,
        billing_reason=billing_reason,
    )
    audit_record(
        actor=client.created_by,
        action=events.CANCELLATION_SCHEDULED,
        target=cancellation,
        partner=client.partner,
        account=account,
        after={
            "effective_at": effective_at.isoformat(),
            "reason": reason,
            "v3_client_id": client.client_id,
        },
        at=now,
    )
    return cancellation


def _may_withdraw(actor, cancellation: ScheduledCancellation, account: ClientAccount) -> bool:
    if account.owner_id is not None and actor.pk == account.owner_id:
        return True
    membership = membership_of(actor)
    if membership is not None and membership.partner_id == cancellation.partner_id:
        act_check(membership)
    return (
        membership is not None
        and membership.partner_id == cancellation.partner_id
        and membership.can_manage_team
    )


@transaction.atomic
def cancellation_withdraw(*, actor, cancellation_id: int) -> ScheduledCancellation:
    try:
        cancellation = lock_one(ScheduledCancellation.objects.all(), pk=cancellation_id)
    except ScheduledCancellation.DoesNotExist:
        raise NotFound("no such cancellation") from None
    account = ClientAccount.objects.get(pk=cancellation.account_id)
    if not _may_withdraw(actor, cancellation, account):
        raise PermissionDenied(
            "only the account's owner, or an owner or admin of the partner, withdraws it",
            code="not_allowed",
        )
    now = timezone.now()
    _move(cancellation, CancellationStatus.WITHDRAWN, actor=actor, at=now)
    audit_record(
        actor=actor,
        action=events.CANCELLATION_WITHDRAWN,
        target=cancellation,
        partner=cancellation.partner,
        account=account,
        before={"effective_at": cancellation.effective_at.isoformat()},
        after={"status": cancellation.status},
        at=now,
    )
    return cancellation


@transaction.atomic
def cancellation_carry_out(
    *, cancellation_id: int, now: dt.datetime | None = None
) -> ScheduledCancellation | None:
    """Cancel the account if the day has come and the cancellation still stands."""
    now = now or timezone.now()
    cancellation = lock_one(ScheduledCancellation.objects.all(), pk=cancellation_id)
    if cancellation.status != CancellationStatus.SCHEDULED or cancellation.effective_at > now:
        return None
    account = ClientAccount.objects.get(pk=cancellation.account_id)
    _move(cancellation, CancellationStatus.CARRIED_OUT, actor=None, at=now)
    audit_record(
        actor=None,
        action=events.CANCELLATION_CARRIED_OUT,
        target=cancellation,
        partner=cancellation.partner,
        account=account,
        after={"effective_at": cancellation.effective_at.isoformat()},
        at=now,
    )
    if account.billing_status != BillingStatus.CANCELED:
        billing.account_cancel(
            external_id=f"v3-cancel-{uuid.uuid4().hex}",
            account_id=account.pk,
            occurred_at=cancellation.effective_at,
            reason=cancellation.billing_reason,
        )
    return cancellation


def cancellations_due(*, now: dt.datetime | None = None) -> list[ScheduledCancellation]:
    """The worker's sweep: carry out every cancellation whose time has come."""
    now = now or timezone.now()
    due = ScheduledCancellation.objects.filter(
        status=CancellationStatus.SCHEDULED, effective_at__lte=now
    )
    return each_due(due, lambda pk: cancellation_carry_out(cancellation_id=pk, now=now), limit=500)
