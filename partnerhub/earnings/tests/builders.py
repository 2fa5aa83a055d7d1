"""Small, readable builders for earnings stories. Every write goes through the real services:
partnerships are credited by ``partnership_credit``, kinds change by ``partnership_kind_set``,
billing data comes in through ``billing.services``."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from partnerhub.billing.models import Invoice, Refund
from partnerhub.billing.services import account_plan_change, invoice_paid, refund_record
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.earnings.close import CloseResult, month_close
from partnerhub.earnings.models import LedgerLine, Terms, TermsCurrency
from partnerhub.earnings.rules import parse_month
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import KindChangeCause, PartnershipSource
from partnerhub.partnerships.services import (
    open_partnership_lock,
    partnership_credit,
    partnership_kind_set,
)
from partnerhub.tests.factories import AccountFactory, PartnerFactory

TODAY = dt.date(2026, 11, 26)
LONG_AGO = dt.date(2019, 4, 1)  # a partner deployed this long ago has no deployment window left

REFERRED = PartnershipKind.REFERRED
MANAGED = PartnershipKind.MANAGED


def utc(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def partner(*, deployed_on: dt.date = LONG_AGO, **fields) -> Partner:
    return PartnerFactory(deployed_on=deployed_on, **fields)


def account(
    owner_partner: Partner | None,
    *,
    moved_on: dt.date | None = None,
    converted_on: dt.date | None = None,
    kind: str = REFERRED,
    currency: str = "USD",
    single_bill: bool = False,
    signed_up_on: dt.date | None = None,
    **fields,
) -> ClientAccount:
    """A client account, converted at 09:00 UTC on ``converted_on`` (a trial when it is None),
    credited to ``owner_partner`` from ``moved_on``."""
    days = [day for day in (moved_on, converted_on) if day is not None]
    signed_up_on = signed_up_on or (min(days) - dt.timedelta(days=20))
    fields |= {
        "currency": currency,
        "single_bill": single_bill,
        "signed_up_at": utc(signed_up_on),
    }
    if converted_on is None:
        fields |= {
            "plan_type": PlanType.TRIAL,
            "billing_status": BillingStatus.TRIAL,
            "converted_at": None,
        }
    else:
        fields["converted_at"] = utc(converted_on)
    created = AccountFactory(**fields)
    if owner_partner is not None:
        partnership_credit(
            partner=owner_partner,
            account=created,
            source=PartnershipSource.INVITE_LINK,
            moved_on=moved_on,
            kind=kind,
        )
    created.refresh_from_db()
    return created


def convert(
    acct: ClientAccount,
    on: dt.date,
    *,
    external_id: str,
    plan: str = PlanType.SILVER,
    hour: int = 9,
):
    return account_plan_change(
        external_id=external_id, account_id=acct.pk, plan_type=plan, occurred_at=utc(on, hour)
    )


def pay(acct: ClientAccount, external_id: str, on: dt.date, amount_minor: int) -> Invoice:
    return invoice_paid(
        external_id=external_id,
        account_id=acct.pk,
        paid_on=on,
        amount_minor=amount_minor,
        currency=acct.currency,
    )


def refund(invoice: Invoice, external_id: str, on: dt.date, amount_minor: int) -> Refund:
    return refund_record(
        external_id=external_id, invoice_id=invoice.pk, refunded_on=on, amount_minor=amount_minor
    )


def set_kind(acct: ClientAccount, kind: str, at: dt.datetime, *, cause=None):
    if cause is None:
        cause = (
            KindChangeCause.ACCESS_CONFIRMED if kind == MANAGED else KindChangeCause.ACCESS_REVOKED
        )
    with transaction.atomic():
        return partnership_kind_set(
            partnership=open_partnership_lock(account_id=acct.pk), kind=kind, cause=cause, at=at
        )


def terms(
    effective_from: dt.date,
    rate: str,
    *,
    window_days: int = 60,
    holding_days: int = 30,
    bonuses: dict[str, tuple[int, int]] | None = None,
) -> Terms:
    """New program terms, as staff add them: (bonus, minimum payout) in cents per currency."""
    created = Terms.objects.create(
        effective_from=effective_from,
        revenue_share_rate=Decimal(rate),
        window_days=window_days,
        holding_days=holding_days,
    )
    for currency, (bonus, minimum) in (bonuses or {"USD": (10000, 5000)}).items():
        TermsCurrency.objects.create(
            terms=created,
            currency=currency,
            new_account_bonus_minor=bonus,
            minimum_payout_minor=minimum,
        )
    return created


def close(*months: str, today: dt.date = TODAY) -> list[CloseResult]:
    return [month_close(month=parse_month(m), today=today) for m in months]


def ledger(owner_partner: Partner) -> list[LedgerLine]:
    return sorted(
        LedgerLine.objects.filter(partner=owner_partner).select_related(
            "account", "invoice", "payout"
        ),
        key=lambda line: (line.month, line.line_type, line.amount_minor, line.currency),
    )


def assert_ledger(owner_partner: Partner, expected: list[tuple]) -> None:
    """``expected`` holds ``(month "YYYY-MM", line_type, amount_minor, currency, phrase)`` in
    any order: the partner's lines are exactly these, and each reason contains its phrase."""
    actual = ledger(owner_partner)
    wanted = sorted(expected, key=lambda e: (e[0], e[1], e[2], e[3]))
    assert [
        (f"{line.month:%Y-%m}", line.line_type, line.amount_minor, line.currency) for line in actual
    ] == [tuple(e[:4]) for e in wanted]
    # Each expected line has its own actual line with its phrase in the reason: lines alike in
    # month, type, amount and currency are told apart by their reasons, whatever order the
    # close wrote them in. What is left unmatched shows in the diff.
    unmatched = list(actual)
    missing = []
    for e in wanted:
        found = next(
            (
                line
                for line in unmatched
                if (f"{line.month:%Y-%m}", line.line_type, line.amount_minor, line.currency)
                == tuple(e[:4])
                and e[4] in line.reason
            ),
            None,
        )
        if found is None:
            missing.append(e)
        else:
            unmatched.remove(found)
    assert (missing, [line.reason for line in unmatched]) == ([], [])


def snapshot(model) -> list[tuple]:
    """Every row of ``model`` as plain values, to show that nothing changed."""
    return list(model.objects.order_by("pk").values_list())
