import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from partnerhub.access.levels import DEFAULT_LEVEL
from partnerhub.audit import events
from partnerhub.audit.services import AuditRow, audit_record, audit_record_bulk
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.bulk import insert_many
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.core.locks import lock_one
from partnerhub.partners.models import AccountAssignment, Partner
from partnerhub.partnerships.counters import counts_shift, holdings
from partnerhub.partnerships.models import (
    KindChangeCause,
    Partnership,
    PartnershipKindChange,
    PartnershipSource,
)
from partnerhub.webhooks.emit import account_data, emit_account
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.services import event_emit


def account_mirror_set(
    *,
    account_id: int,
    partner_id: int | None,
    kind: str,
    partnered_on: dt.date | None,
    access_level: str,
) -> None:
    """Write what an account mirrors of its partnership (nothing: ``partner_id`` None, kind
    and level empty), and move the partners' account counts with it, in the caller's
    transaction. Every change of an account's partnership or kind comes through here."""
    before = holdings([account_id]).get(account_id, (None, ""))
    ClientAccount.objects.filter(pk=account_id).update(
        partner_id=partner_id,
        partnership_kind=kind,
        partnered_on=partnered_on,
        access_level=access_level,
    )
    counts_shift([(account_id, before, (partner_id, kind))])


def _mirror_onto_account(partnership: Partnership) -> None:
    if partnership.ended_at is not None:
        # The account is in no partnership until another one credits it.
        account_mirror_set(
            account_id=partnership.account_id,
            partner_id=None,
            kind="",
            partnered_on=None,
            access_level="",
        )
        return
    account_mirror_set(
        account_id=partnership.account_id,
        partner_id=partnership.partner_id,
        kind=partnership.kind,
        partnered_on=partnership.moved_on,
        access_level=partnership.access_level,
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
    level: str = DEFAULT_LEVEL,
) -> Partnership:
    """Credit ``account`` to ``partner`` from ``moved_on``. Refused if it is already credited.
    A managed partnership carries the access ``level`` the customer granted."""
    at = at or timezone.now()
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.partner_id is not None:
        raise Conflict(
            f"{account.organization_name} already belongs to a partnership", code="already_credited"
        )
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                partner=partner,
                account=account,
                kind=kind,
                moved_on=moved_on,
                source=source,
                access_level=level if kind == PartnershipKind.MANAGED else "",
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
    level: str = DEFAULT_LEVEL,
) -> PartnershipKindChange:
    """Change the kind of a locked, open partnership; the caller holds the transaction.
    A managed partnership carries the access ``level`` the customer granted."""
    if partnership.ended_at is not None:
        raise InvalidTransition("this partnership has ended", code="partnership_ended")
    if partnership.kind == kind:
        raise InvalidTransition(
            f"the account is already {PartnershipKind(kind).label.lower()}", code="kind_unchanged"
        )
    partnership.kind = kind
    partnership.access_level = level if kind == PartnershipKind.MANAGED else ""
    partnership.save(update_fields=["kind", "access_level"])
    change = PartnershipKindChange.objects.create(
        partnership=partnership,
        kind=kind,
        effective_at=at or timezone.now(),
        cause=cause,
        actor=actor,
    )
    _mirror_onto_account(partnership)
    return change


def partnership_end(*, partnership: Partnership, at: dt.datetime | None = None) -> Partnership:
    """End a locked, open partnership (the account moves to another partner); the caller holds
    the transaction. Its kind history stays as it was: earnings read it up to ``ended_at``."""
    if partnership.ended_at is not None:
        raise InvalidTransition("this partnership has ended", code="partnership_ended")
    partnership.ended_at = at or timezone.now()
    partnership.save(update_fields=["ended_at"])
    _mirror_onto_account(partnership)
    # The old partner's team no longer serves the account; were it to come back, it would be
    # assigned afresh. (Their counters let go of it above: it is no longer their partner's.)
    AccountAssignment.objects.filter(
        account_id=partnership.account_id, partner_id=partnership.partner_id
    ).delete()
    # Nor is it in one of the old organization's groups (its group managers lose it above).
    ClientAccount.objects.filter(
        pk=partnership.account_id, group__partner_id=partnership.partner_id
    ).update(group=None)
    return partnership


def partnership_level_set(*, partnership: Partnership, level: str) -> None:
    """Change the access level of a locked, open, managed partnership (the customer lowered or
    raised it); the caller holds the transaction and records why."""
    if partnership.ended_at is not None:
        raise InvalidTransition("this partnership has ended", code="partnership_ended")
    if partnership.kind != PartnershipKind.MANAGED:
        raise InvalidTransition("no partner has access to this account", code="not_managed")
    partnership.access_level = level
    partnership.save(update_fields=["access_level"])
    _mirror_onto_account(partnership)


def open_partnership_lock(*, account_id: int) -> Partnership:
    return lock_one(
        Partnership.objects.select_related("partner", "account"),
        account_id=account_id,
        ended_at__isnull=True,
    )


@dataclass(frozen=True)
class Credit:
    """One account to credit in ``partnerships_credit_bulk``. With ``managed_on`` the
    partnership starts as referred and is managed from that day on."""

    partner_id: int
    account_id: int
    moved_on: dt.date
    kind: PartnershipKind = PartnershipKind.REFERRED
    managed_on: dt.date | None = None


def _level_for(credit: Credit) -> str:
    managed = credit.managed_on or credit.kind == PartnershipKind.MANAGED
    return DEFAULT_LEVEL if managed else ""


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


@transaction.atomic
def partnerships_credit_bulk(
    *, credits: list[Credit], source: PartnershipSource, actor=None
) -> None:
    """``partnership_credit`` (and, for ``managed_on``, ``partnership_kind_set``) for many
    accounts at once, as imports need them: the same rows, audit events and webhook events,
    written in batches. Refused, with nothing written, if any account is already credited.
    Each partnership is recorded as of midnight UTC of the day it moved."""
    if not credits:
        return
    actor_id = getattr(actor, "pk", None)
    # Lock only the accounts (not the partners), as ``partnership_credit`` does.
    accounts = ClientAccount.objects.select_for_update(of=("self",)).filter(
        pk__in=[c.account_id for c in credits]
    )
    credited = [
        name
        for partner, name in accounts.values_list("partner", "organization_name")
        if partner is not None
    ]
    if credited:
        raise Conflict(f"{credited[0]} already belongs to a partnership", code="already_credited")
    insert_many(
        Partnership,
        ["partner_id", "account_id", "kind", "moved_on", "source", "access_level"],
        (
            (
                c.partner_id,
                c.account_id,
                PartnershipKind.MANAGED if c.managed_on else c.kind,
                c.moved_on,
                source,
                _level_for(c),
            )
            for c in credits
        ),
    )
    ids = dict(
        Partnership.objects.filter(
            account_id__in=[c.account_id for c in credits], ended_at__isnull=True
        ).values_list("account_id", "pk")
    )
    changes = []
    for c in credits:
        first = PartnershipKind.REFERRED if c.managed_on else c.kind
        changes.append(
            (ids[c.account_id], first, _midnight(c.moved_on), KindChangeCause.CREDITED, actor_id)
        )
        if c.managed_on:
            changes.append(
                (
                    ids[c.account_id],
                    PartnershipKind.MANAGED,
                    _midnight(c.managed_on),
                    KindChangeCause.IMPORTED,
                    actor_id,
                )
            )
    insert_many(
        PartnershipKindChange,
        ["partnership_id", "kind", "effective_at", "cause", "actor_id"],
        changes,
    )
    _mirror_many_onto_accounts(credits)
    audit_record_bulk(
        actor=actor,
        action=events.ACCOUNT_CREDITED,
        target_model=Partnership,
        rows=[
            AuditRow(
                target_id=ids[c.account_id],
                partner_id=c.partner_id,
                account_id=c.account_id,
                after={
                    "kind": PartnershipKind.REFERRED if c.managed_on else c.kind,
                    "moved_on": c.moved_on.isoformat(),
                    "source": source,
                },
                at=_midnight(c.moved_on),
            )
            for c in credits
        ],
    )
    _emit_credited(credits, source)


def _mirror_many_onto_accounts(credits: list[Credit]) -> None:
    """``_mirror_onto_account`` for many partnerships: one prepared UPDATE, run for each (an
    ORM ``bulk_update`` spells it as a CASE over every row of the batch, far slower)."""
    table = ClientAccount._meta.db_table
    before = holdings([c.account_id for c in credits])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET partner_id = %s, partnership_kind = %s, partnered_on = %s,"  # noqa: S608
            " access_level = %s WHERE id = %s",
            [
                (
                    c.partner_id,
                    PartnershipKind.MANAGED if c.managed_on else c.kind,
                    connection.ops.adapt_datefield_value(c.moved_on),
                    _level_for(c),
                    c.account_id,
                )
                for c in credits
            ],
        )
    counts_shift(
        (
            c.account_id,
            before.get(c.account_id, (None, "")),
            (c.partner_id, PartnershipKind.MANAGED if c.managed_on else c.kind),
        )
        for c in credits
    )


def _emit_credited(credits: list[Credit], source: PartnershipSource) -> None:
    """``account.credited`` for the accounts of partners with an enabled endpoint."""
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        partner_id__in={c.partner_id for c in credits}, enabled=True
    ):
        endpoints.setdefault(endpoint.partner_id, []).append(endpoint)
    listened = [c for c in credits if c.partner_id in endpoints]
    if not listened:
        return
    accounts = ClientAccount.objects.in_bulk([c.account_id for c in listened])
    for c in listened:
        account = accounts[c.account_id]
        # As ``partnership_credit`` tells it: the kind the partnership started with.
        account.partnership_kind = PartnershipKind.REFERRED if c.managed_on else c.kind
        event_emit(
            partner_id=c.partner_id,
            event_type="account.credited",
            data={**account_data(account), "moved_on": c.moved_on, "source": source},
            endpoints=endpoints[c.partner_id],
        )
