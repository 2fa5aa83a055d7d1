import datetime as dt
from decimal import Decimal

from django.db import migrations

# The program's first published terms. Later terms are added by staff, never edited in place.
CURRENCIES = {
    # currency: (new account bonus, minimum payout), in cents
    "USD": (10000, 5000),
    "EUR": (9000, 5000),
    "GBP": (8000, 4000),
    "CAD": (13000, 6500),
    "AUD": (15000, 7500),
}


def create_terms(apps, schema_editor):
    Terms = apps.get_model("earnings", "Terms")
    TermsCurrency = apps.get_model("earnings", "TermsCurrency")
    if Terms.objects.exists():
        return
    terms = Terms.objects.create(
        effective_from=dt.date(2000, 1, 1),
        revenue_share_rate=Decimal("0.200000"),
        window_days=60,
        holding_days=30,
        note="The program's first terms",
    )
    for currency, (bonus, minimum) in CURRENCIES.items():
        TermsCurrency.objects.create(
            terms=terms, currency=currency, new_account_bonus_minor=bonus, minimum_payout_minor=minimum
        )


class Migration(migrations.Migration):
    dependencies = [("earnings", "0001_initial")]
    operations = [migrations.RunPython(create_terms, migrations.RunPython.noop)]
