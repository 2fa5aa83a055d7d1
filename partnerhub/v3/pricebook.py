"""The price book behind ``current_tiers``: a monthly price per plan and contact tier.

The contract gives contact tiers as an example ("level 1 = 0 - 500 contacts, level 2 = 501 -
1000 contacts, level 3 = 1001 - ...") and leaves the prices to each program. PartnerHub's
tiers follow that example; the prices are this program's list prices, in the account's
currency (whole units; ``Decimal``). A trial pays nothing. ``PARTNERHUB_V3_PRICE_BOOK`` in
settings may replace the table (same shape).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

# (tier, lowest contacts, highest contacts or None for no limit)
TIERS = ((1, 0, 500), (2, 501, 1000), (3, 1001, 2500), (4, 2501, 5000), (5, 5001, None))

PRICES = {
    "TRIAL": (0, 0, 0, 0, 0),
    "BRONZE": (12, 20, 30, 45, 80),
    "SILVER": (20, 35, 55, 80, 125),
    "GOLD": (45, 65, 95, 150, 230),
}


@dataclass(frozen=True)
class Tier:
    tier: int
    tier_min: int
    tier_max: int | None
    price: Decimal
    currency_code: str
    current_usage: int
    usage_type: str = "CONTACTS"


def _prices() -> dict:
    return getattr(settings, "PARTNERHUB_V3_PRICE_BOOK", None) or PRICES


def current_tier(*, plan_type: str, contacts: int, currency: str) -> Tier:
    """The tier ``contacts`` falls in, priced for ``plan_type``."""
    contacts = max(contacts, 0)
    for index, (tier, low, high) in enumerate(TIERS):
        if high is None or contacts <= high:
            price = Decimal(_prices()[plan_type][index])
            return Tier(tier, low, high, price, currency, contacts)
    raise AssertionError("the last tier has no upper limit")
