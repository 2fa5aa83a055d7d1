import datetime as dt
from decimal import Decimal

from django.db import migrations

# The program's first price book: a month's list price per plan and contact tier (contacts
# 0–500, 501–1000, 1001–2500, 2501–5000, 5001+), in cents. Accounts are billed in USD, EUR,
# GBP, CAD and AUD; each is priced with the same figures, as the V3 plan answer always showed.
PRICES = {
    "BRONZE": (1200, 2000, 3000, 4500, 8000),
    "SILVER": (2000, 3500, 5500, 8000, 12500),
    "GOLD": (4500, 6500, 9500, 15000, 23000),
}
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")
# (first account, last account or None, discount percent)
TIERS = ((1, 4, "0.00"), (5, 24, "10.00"), (25, None, "20.00"))


def create_book(apps, schema_editor):
    PriceBook = apps.get_model("pricing", "PriceBook")
    PlanPrice = apps.get_model("pricing", "PlanPrice")
    VolumeDiscount = apps.get_model("pricing", "VolumeDiscount")
    if PriceBook.objects.exists():
        return
    book = PriceBook.objects.create(
        effective_month=dt.date(2000, 1, 1), note="The program's first price book"
    )
    PlanPrice.objects.bulk_create(
        PlanPrice(
            book=book, plan=plan, currency=currency, contact_tier=tier, list_price_minor=price
        )
        for plan, prices in PRICES.items()
        for currency in CURRENCIES
        for tier, price in enumerate(prices, start=1)
    )
    VolumeDiscount.objects.bulk_create(
        VolumeDiscount(book=book, min_accounts=lo, max_accounts=hi, discount_percent=Decimal(p))
        for lo, hi, p in TIERS
    )


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_price_book_single_bill_statements")]
    operations = [migrations.RunPython(create_book, migrations.RunPython.noop)]
