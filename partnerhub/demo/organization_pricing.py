"""The demo organization on Single Bill: on one statement a month since three months before
this one, the past months closed and this month's preview open; its 40 paying locations put
it in the 25+ tier (−20 %)."""

import datetime as dt

from partnerhub.partners.models import Partner
from partnerhub.pricing.services import single_bill_enable, statements_close

MONTHS_ON_SINGLE_BILL = 3


def load(organization: Partner, *, today: dt.date) -> None:
    month = today.replace(day=1)
    for _ in range(MONTHS_ON_SINGLE_BILL):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    single_bill_enable(partner_id=organization.pk, since_month=month)
    while month < today.replace(day=1):
        statements_close(month=month, today=today)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
