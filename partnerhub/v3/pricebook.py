"""The ``current_tiers`` of the V3 plan answer, priced from the program's price book.

The contract gives contact tiers as an example ("level 1 = 0 - 500 contacts, level 2 = 501 -
1000 contacts, level 3 = 1001 - ...") and leaves the prices to each program. PartnerHub's
price book (``pricing``, kept by staff in the admin) prices each plan per currency and contact
tier; the book in force today prices the answer, in the account's currency (whole units;
``Decimal``). A trial pays nothing; a currency the book does not price (or no book in force)
shows 0.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from partnerhub.core.errors import InvalidTransition
from partnerhub.earnings.rules import minor_to_decimal
from partnerhub.pricing import rules
from partnerhub.pricing.statements import book_for, price_table


@dataclass(frozen=True)
class Tier:
    tier: int
    tier_min: int
    tier_max: int | None
    price: Decimal
    currency_code: str
    current_usage: int
    usage_type: str = "CONTACTS"


def current_tier(*, plan_type: str, contacts: int, currency: str) -> Tier:
    """The contact tier ``contacts`` falls in, priced for ``plan_type``."""
    contacts = max(contacts, 0)
    tier, low, high = rules.contact_tier(contacts)
    price = Decimal(0)
    if plan_type in rules.PRICED_PLANS:
        try:
            book = book_for(timezone.localdate())
        except InvalidTransition:  # no book in force yet: nothing is priced
            book = None
        found = None if book is None else price_table(book).get((plan_type, currency, tier))
        price = minor_to_decimal(found) if found is not None else Decimal(0)
    return Tier(tier, low, high, price, currency, contacts)
