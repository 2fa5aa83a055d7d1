"""Writes of the pricing app: Single Bill enrolment and the monthly close of the statements.

The statement close is the earnings close's twin: one close at a time (a named lock held for
its transaction), months in order, nothing written before the month has ended, every
statement and line of the month written with the close record and one audit row (the month,
the counts, the totals per currency and a checksum of the lines), all or nothing. A closed
statement never changes; a late change is an adjustment line on the next close.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import ClientAccount
from partnerhub.core.bulk import insert_many
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.core.locks import LockBusy, lock_named, lock_one
from partnerhub.earnings.close import CHECKSUM_MODULUS, month_in_order
from partnerhub.earnings.rules import month_end
from partnerhub.partners.models import Partner
from partnerhub.pricing.models import SingleBill, Statement, StatementClose, StatementLine
from partnerhub.pricing.statements import BuiltStatement, statement_build

CLOSE_LOCK = "pricing.statement_close"


class StatementCloseRunning(Conflict):
    code = "close_running"


@dataclass(frozen=True)
class StatementCloseResult:
    close: StatementClose
    created: bool


@transaction.atomic
def single_bill_enable(*, partner_id: int, since_month: dt.date, actor=None) -> SingleBill:
    """Bill ``partner`` once a month from ``since_month`` for its accounts, and put every
    account it holds now on Single Bill (they earn no revenue share from then on)."""
    partner = lock_one(Partner.objects.all(), pk=partner_id)
    since_month = since_month.replace(day=1)
    if SingleBill.objects.filter(partner=partner).exists():
        raise Conflict(f"{partner.name} is already on Single Bill", code="single_bill_on")
    if StatementClose.objects.filter(month__gte=since_month).exists():
        raise InvalidTransition(
            f"statements of {since_month:%B %Y} are closed already: start a later month",
            code="month_closed",
        )
    now = timezone.now()
    enrolment = SingleBill.objects.create(
        partner=partner, since_month=since_month, enabled_at=now, enabled_by=actor
    )
    moved = ClientAccount.objects.filter(partner=partner, single_bill=False).update(
        single_bill=True
    )
    audit_record(
        actor=actor,
        action=events.SINGLE_BILL_ENABLED,
        target=enrolment,
        partner=partner,
        after={"since_month": since_month.isoformat(), "accounts_put_on_single_bill": moved},
        at=now,
    )
    return enrolment


LINE_COLUMNS = (
    "statement_id",
    "account_id",
    "kind",
    "plan",
    "currency",
    "contact_tier",
    "list_price_minor",
    "billed_from",
    "billed_to",
    "days_billed",
    "month_days",
    "amount_minor",
    "discount_percent",
    "discount_minor",
    "total_minor",
    "corrects_month",
)


def _write(built: BuiltStatement, close: StatementClose) -> Statement:
    statement = Statement.objects.create(
        partner_id=built.partner_id,
        month=built.month,
        close=close,
        book=built.book,
        paying_accounts=built.paying_accounts,
        discount_percent=built.tier.discount_percent,
    )
    insert_many(
        StatementLine,
        LINE_COLUMNS,
        (
            (
                statement.pk,
                line.account_id,
                line.kind,
                line.plan,
                line.currency,
                line.contact_tier,
                line.list_price_minor,
                line.billed_from,
                line.billed_to,
                line.days_billed,
                line.month_days,
                line.amount_minor,
                line.discount_percent,
                line.discount_minor,
                line.total_minor,
                line.corrects_month,
            )
            for line in built.lines
        ),
    )
    return statement


def _summary(close: StatementClose) -> dict:
    """What the close's audit row records: counts, totals per currency and the checksum."""
    rows = (
        StatementLine.objects.filter(statement__close=close)
        .values_list(
            "id",
            "statement__partner_id",
            "currency",
            "amount_minor",
            "discount_minor",
            "total_minor",
        )
        .order_by("id")
    )
    totals: dict[str, dict[str, int]] = {}
    checksum, lines = 0, 0
    for pk, partner_id, currency, amount, discount, total in rows.iterator(chunk_size=5000):
        t = totals.setdefault(currency, {"amount_minor": 0, "discount_minor": 0, "total_minor": 0})
        t["amount_minor"] += amount
        t["discount_minor"] += discount
        t["total_minor"] += total
        checksum = (checksum + pk * 1000003 + total * 1009 + partner_id * 101) % CHECKSUM_MODULUS
        lines += 1
    return {
        "lines": lines,
        "totals": [{"currency": c, **t} for c, t in sorted(totals.items())],
        "checksum": f"{checksum:08x}",
    }


def statements_close(
    *,
    month: dt.date,
    actor=None,
    today: dt.date | None = None,
    wait: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> StatementCloseResult:
    """Close ``month``'s Single Bill statements, one per partner on Single Bill in that
    month. Closing a month again returns the first close. ``progress(done, total)`` is told
    after each statement."""
    month = month.replace(day=1)
    today = today or timezone.localdate()
    existing = StatementClose.objects.filter(month=month).first()
    if existing is not None:
        return StatementCloseResult(existing, False)
    if month_end(month) >= today:
        raise InvalidTransition(f"{month:%B %Y} has not ended yet", code="month_not_ended")
    with transaction.atomic():
        try:
            lock_named(CLOSE_LOCK, wait=wait)
        except LockBusy:
            raise StatementCloseRunning(
                "another statement close is running", code="close_running"
            ) from None
        existing = StatementClose.objects.filter(month=month).first()
        if existing is not None:
            return StatementCloseResult(existing, False)
        month_in_order(StatementClose.objects.all(), month)
        now = timezone.now()
        close = StatementClose.objects.create(month=month, closed_at=now, closed_by=actor)
        partners = list(Partner.objects.filter(single_bill__since_month__lte=month).order_by("pk"))
        for done, partner in enumerate(partners, start=1):
            _write(statement_build(partner, month), close)
            if progress is not None:
                progress(done, len(partners))
        summary = _summary(close)
        close.statement_count = len(partners)
        close.line_count = summary["lines"]
        close.save(update_fields=["statement_count", "line_count"])
        audit_record(
            actor=actor,
            action=events.STATEMENTS_CLOSED,
            target=close,
            after={"month": month.isoformat(), "statements": len(partners), **summary},
            at=now,
        )
    return StatementCloseResult(close, True)
