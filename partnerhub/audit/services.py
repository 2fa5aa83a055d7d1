from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.models import AuditEvent
from partnerhub.core.bulk import insert_many

ACTOR_LABEL_MAX = 200


def acting_through(user, credentials: str):
    """Mark ``user``, the member an API key or V3 credentials act as, for the call at hand: what
    they change is recorded as done through ``credentials`` ("the API key “Nightly sync”"),
    by name, on the audit log and the customer's timeline."""
    user.acting_through = credentials
    return user


def actor_label_for(user) -> str:
    if user is None:
        return "PartnerHub"
    name = user.get_full_name() or user.get_username()
    through = getattr(user, "acting_through", "")
    if through:
        return f"{name} through {through}"[:ACTOR_LABEL_MAX]
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


@dataclass(frozen=True)
class AuditRow:
    """One change among many recorded by ``audit_record_bulk``: its target's id and scope."""

    target_id: int
    partner_id: int | None = None
    account_id: int | None = None
    after: dict[str, Any] = field(default_factory=dict)
    at: Any = None
    before: dict[str, Any] = field(default_factory=dict)


def audit_record_bulk(
    *,
    actor,
    action: events.EventType,
    target_model: type[models.Model],
    rows: list[AuditRow],
    ip_address: str | None = None,
) -> None:
    """``audit_record`` for many changes of one kind at once (imports, bulk requests), in one
    prepared INSERT."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_bulk() must run in the transaction that makes the change")
    now = timezone.now()
    label = actor_label_for(actor)
    target_type = target_model._meta.label_lower
    insert_many(
        AuditEvent,
        [
            "at",
            "actor_id",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "partner_id",
            "account_id",
            "before",
            "after",
            "ip_address",
        ],
        (
            (
                row.at or now,
                getattr(actor, "pk", None),
                label,
                action.code,
                target_type,
                str(row.target_id),
                row.partner_id,
                row.account_id,
                row.before,
                row.after,
                ip_address,
            )
            for row in rows
        ),
    )
