"""Staff keep the price book and turn Single Bill on in the admin."""

import datetime as dt

import pytest
from django.urls import reverse

from partnerhub.audit.models import AuditEvent
from partnerhub.pricing.models import PriceBook, SingleBill, StatementClose
from partnerhub.pricing.tests.builders import children, organization
from partnerhub.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(username="staff@partnerhub.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _book_form(tiers):
    data = {
        "effective_month": "2027-01-01",
        "note": "2027 prices",
        "tiers-TOTAL_FORMS": str(len(tiers)),
        "tiers-INITIAL_FORMS": "0",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "0",
        "prices-0-plan": "GOLD",
        "prices-0-currency": "USD",
        "prices-0-contact_tier": "1",
        "prices-0-list_price_minor": "4900",
    }
    for n, (low, high, pct) in enumerate(tiers):
        data |= {
            f"tiers-{n}-min_accounts": str(low),
            f"tiers-{n}-max_accounts": "" if high is None else str(high),
            f"tiers-{n}-discount_percent": pct,
        }
    return data


def test_a_sound_book_is_added(client, staff):
    url = reverse("admin:pricing_pricebook_add")
    response = client.post(url, _book_form([(1, 9, "0"), (10, None, "12.50")]))
    assert response.status_code == 302
    book = PriceBook.objects.get(effective_month=dt.date(2027, 1, 1))
    assert [
        (t.min_accounts, t.max_accounts, str(t.discount_percent)) for t in book.tiers.all()
    ] == [
        (1, 9, "0.00"),
        (10, None, "12.50"),
    ]


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([(1, 5, "0"), (5, None, "10")], "overlap"),
        ([(1, 4, "0"), (7, None, "10")], "no tier for 5–6 accounts"),
        ([(2, None, "0")], "starts at 1 account"),
        ([(1, None, "100.01")], "100"),
    ],
)
def test_a_faulty_book_is_refused_and_nothing_is_saved(client, staff, tiers, message):
    before = PriceBook.objects.count()
    response = client.post(reverse("admin:pricing_pricebook_add"), _book_form(tiers))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PriceBook.objects.count() == before


def test_staff_turn_single_bill_on_and_close_the_next_month(client, staff):
    org = organization(single_bill=False)
    kids = children(org, 2)
    response = client.post(
        reverse("admin:pricing_singlebill_add"), {"partner": org.pk, "since_month": "2026-10-15"}
    )
    assert response.status_code == 302
    enrolment = SingleBill.objects.get(partner=org)
    assert (enrolment.since_month, enrolment.enabled_by) == (dt.date(2026, 10, 1), staff)
    assert all(k.single_bill for k in type(kids[0]).objects.filter(pk__in=[k.pk for k in kids]))
    assert AuditEvent.objects.filter(action="pricing.single_bill_enabled").count() == 1
    changelist = reverse("admin:pricing_singlebill_changelist")
    client.post(
        changelist, {"action": "close_next_month", "_selected_action": [enrolment.pk]}, follow=True
    )
    first = StatementClose.objects.get()
    assert (first.month, first.statement_count, first.line_count) == (dt.date(2026, 10, 1), 1, 2)
