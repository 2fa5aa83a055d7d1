from decimal import Decimal

import pytest

from partnerhub.v3.pricebook import current_tier

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("contacts", "tier", "low", "high", "price"),
    [
        (0, 1, 0, 500, "45"),
        (500, 1, 0, 500, "45"),
        (501, 2, 501, 1000, "65"),
        (1001, 3, 1001, 2500, "95"),
        (5000, 4, 2501, 5000, "150"),
        (80_000, 5, 5001, None, "230"),
    ],
)
def test_a_gold_account_is_priced_by_its_contact_tier(contacts, tier, low, high, price):
    found = current_tier(plan_type="GOLD", contacts=contacts, currency="USD")
    assert (found.tier, found.tier_min, found.tier_max) == (tier, low, high)
    assert found.price == Decimal(price)
    assert (found.current_usage, found.currency_code, found.usage_type) == (
        contacts,
        "USD",
        "CONTACTS",
    )


def test_a_trial_pays_nothing_in_any_tier():
    assert current_tier(plan_type="TRIAL", contacts=3000, currency="GBP").price == Decimal(0)


def test_the_answer_follows_the_price_book_in_force():
    # Given a later book that raises GOLD for 0–500 contacts to 49.00 EUR
    import datetime as dt

    from partnerhub.pricing.models import PlanPrice, PriceBook, VolumeDiscount

    book = PriceBook.objects.create(effective_month=dt.date(2026, 1, 1))
    PlanPrice.objects.create(
        book=book, plan="GOLD", currency="EUR", contact_tier=1, list_price_minor=4900
    )
    VolumeDiscount.objects.create(book=book, min_accounts=1, discount_percent=Decimal("0"))
    # Then V3 shows it; a currency the book leaves out shows 0
    assert current_tier(plan_type="GOLD", contacts=10, currency="EUR").price == Decimal("49.00")
    assert current_tier(plan_type="GOLD", contacts=10, currency="USD").price == Decimal(0)
