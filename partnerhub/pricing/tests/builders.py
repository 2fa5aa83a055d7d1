"""Small builders for Single Bill stories; every write goes through the real services."""

import datetime as dt

from partnerhub.billing.services import account_cancel
from partnerhub.earnings.tests.builders import MANAGED, account, d, partner, utc
from partnerhub.partners.models import PartnerKind
from partnerhub.pricing.services import single_bill_enable, statements_close

TODAY = dt.date(2026, 12, 2)
SINCE = d("2026-01-01")


def organization(name: str = "Crumb & Co.", *, single_bill: bool = True):
    org = partner(kind=PartnerKind.ORGANIZATION, name=name)
    if single_bill:
        single_bill_enable(partner_id=org.pk, since_month=SINCE)
    return org


LONG_AGO = d("2025-06-01")


def child(org, *, moved_on=LONG_AGO, converted_on=LONG_AGO, **fields):
    return account(org, moved_on=moved_on, converted_on=converted_on, kind=MANAGED, **fields)


def children(org, n: int, **fields) -> list:
    return [child(org, **fields) for _ in range(n)]


def cancel(acct, on: dt.date, external_id: str):
    return account_cancel(external_id=external_id, account_id=acct.pk, occurred_at=utc(on, 12))


def close(*months: str, today: dt.date = TODAY):
    return [statements_close(month=d(f"{m}-01"), today=today) for m in months]
