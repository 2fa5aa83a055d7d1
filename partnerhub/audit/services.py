from typing import Any

from django.db import models, transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.models import AuditEvent


def actor_label_for(user) -> str:
    if user is None:
        return "PartnerHub"
    name = user.get_full_name() or user.get_username()
    return name


def audit_record(
    *,
    actor,
    action: events.EventType,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    partner=None,
    account=None,
    ip_address: str | None = None,
    at=None,
) -> AuditEvent:
    """Write one audit row. Call it inside the transaction that makes the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record() must run in the transaction that makes the change")
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor,
        actor_label=actor_label_for(actor),
        action=action.code,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        partner=partner,
        account=account,
        before=before or {},
        after=after or {},
        ip_address=ip_address,
    )
