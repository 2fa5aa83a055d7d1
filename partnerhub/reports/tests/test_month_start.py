"""The roll-up's month of a paid day, in the engine's own date function, is Django's."""

import datetime as dt

import pytest
from django.db.models.functions import TruncMonth

from partnerhub.billing.models import Invoice
from partnerhub.reports.selectors import MonthStart
from partnerhub.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

DAYS = [
    dt.date(2024, 2, 29),  # a leap day
    dt.date(2024, 3, 1),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
    dt.date(2026, 11, 15),
    dt.date(1999, 7, 31),
]


def test_the_month_start_of_a_paid_day_is_djangos_month():
    account = AccountFactory()
    for n, day in enumerate(DAYS):
        Invoice.objects.create(
            external_id=f"m{n}", account=account, paid_on=day, amount_minor=1, currency="USD"
        )

    rows = Invoice.objects.order_by("pk").values_list(
        "paid_on", MonthStart("paid_on"), TruncMonth("paid_on")
    )

    assert [(ours, djangos) for _, ours, djangos in rows] == [
        (day.replace(day=1), day.replace(day=1)) for day in DAYS
    ]
    assert all(type(ours) is dt.date for _, ours, _ in rows)
