import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.core.locks import lock_one
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import (
    KindChangeCause,
    Partnership,
    PartnershipKindChange,
    PartnershipSource,
)
from partnerhub.webhooks.emit import emit_account


def _mirror_onto_account(partnership: Partnership) -> None:
    ClientAccount.objects.filter(pk=partnership.account_id).update(
        partner_id=partnership.partner_id,
        partnership_kind=partnership.kind,
        partnered_on=partnership.moved_on,
    )


@transaction.atomic
def partnership_credit(
    *,
    partner: Partner,
    account: ClientAccount,
    source: PartnershipSource,
    moved_on: dt.date,
    kind: PartnershipKind = PartnershipKind.REFERRED,
    actor=None,
    at: dt.datetime | None = None,
) -> Partnership:
    """Credit ``account`` to ``partner`` from ``moved_on``. Refused if it is already credited."""
    at = at or timezone.now()
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.partner_id is not None:
        raise Conflict(
            f"{account.organization_name} already belongs to a partnership", code="already_credited"
        )
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                partner=partner, account=account, kind=kind, moved_on=moved_on, source=source
            )
    except IntegrityError as exc:
        raise Conflict(
            f"{account.organization_name} already belongs to a partnership", code="already_credited"
        ) from exc
    # The partnership is of this kind from the start of the day it moved under it.
    PartnershipKindChange.objects.create(
        partnership=partnership,
        kind=kind,
        effective_at=dt.datetime.combine(moved_on, dt.time.min, tzinfo=dt.UTC),
        cause=KindChangeCause.CREDITED,
        actor=actor,
    )
    _mirror_onto_account(partnership)
    audit_record(
        actor=actor,
        action=events.ACCOUNT_CREDITED,
        target=partnership,
        partner=partner,
        account=account,
        after={"kind": kind, "moved_on": moved_on.isoformat(), "source": source},
        at=at,
    )
    account.refresh_from_db()
    emit_account(account, "account.credited", moved_on=moved_on, source=source)
    return partnership


def partnership_kind_set(
    *,
    partnership: Partnership,
    kind: PartnershipKind,
    cause: KindChangeCause,
    actor=None,
    at: dt.datetime | None = None,
) -> PartnershipKindChange:
    """Change the kind of a locked, open partnership; the caller holds the transaction."""
    if partnership.ended_at is not None:
        raise InvalidTransition("this partnership has ended", code="partnership_ended")
    if partnership.kind == kind:
        raise InvalidTransition(
            f"the account is already {PartnershipKind(kind).label.lower()}", code="kind_unchanged"
        )
    partnership.kind = kind
    partnership.save(update_fields=["kind"])
    change = PartnershipKindChange.objects.create(
        partnership=partnership,
        kind=kind,
        effective_at=at or timezone.now(),
        cause=cause,
        actor=actor,
    )
    _mirror_onto_account(partnership)
    return change


def open_partnership_lock(*, account_id: int) -> Partnership:
    return lock_one(
        Partnership.objects.select_related("partner", "account"),
        account_id=account_id,
        ended_at__isnull=True,
    )
