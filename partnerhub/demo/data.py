"""Deterministic, realistic demo data: the same program every time it is loaded."""

import datetime as dt
import random
import re
from dataclasses import dataclass

from partnerhub.clients.models import BillingStatus, DisabledReason, PlanType

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Mateo",
    "Sophia",
    "Elijah",
    "Mia",
    "Lucas",
    "Amelia",
    "Ethan",
    "Harper",
    "Aiden",
    "Chloe",
    "Kenji",
    "Priya",
    "Omar",
    "Zoe",
    "Diego",
    "Hannah",
    "Samuel",
    "Leila",
    "Jonas",
    "Grace",
    "Ibrahim",
    "Nora",
    "Felix",
    "Aisha",
    "Hugo",
]
LAST = [
    "Garcia",
    "Nguyen",
    "Patel",
    "Kowalski",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Tanaka",
    "Brown",
    "Dubois",
    "Larsen",
    "Silva",
    "Murphy",
    "Cohen",
    "Ali",
    "Fischer",
    "Moreau",
    "Reyes",
    "Khan",
    "Walsh",
    "Novak",
    "Hughes",
    "Sato",
    "Bianchi",
    "Lindqvist",
    "Adeyemi",
    "Park",
    "Bauer",
]
PLACES = [
    "Maple Street",
    "Harbor",
    "Riverside",
    "Oak Hill",
    "Blue Ridge",
    "Summit",
    "Lakeside",
    "Pine Grove",
    "Cedar",
    "Northgate",
    "Sunset",
    "Willow Creek",
    "Granite",
    "Meadow",
    "Bay",
    "Copper Canyon",
    "Elm Park",
    "Silver Lake",
    "Foxglove",
    "Juniper",
    "Old Town",
    "Seaside",
]
TRADES = [
    "Bakery",
    "Yoga Studio",
    "Dental",
    "Bookshop",
    "Coffee Roasters",
    "Veterinary Clinic",
    "Law Group",
    "Florist",
    "Fitness",
    "Realty",
    "Brewing Co.",
    "Pet Grooming",
    "Pilates",
    "Landscaping",
    "Auto Repair",
    "Family Farm",
    "Art Gallery",
    "Tutoring",
    "Bike Shop",
    "Photography",
    "Wine Bar",
    "Plumbing",
    "Chiropractic",
    "Bridal",
    "Music School",
]

# (status, weight) for partnered accounts: every status the filters know, both kinds.
STATUS_MIX = [
    ("active", 46),
    ("trial_active", 14),
    ("trial_expired", 9),
    ("cancelled", 10),
    ("disabled_compliance", 4),
    ("disabled_balance_due", 6),
    ("single_bill", 11),
]


@dataclass
class DemoAccount:
    organization_name: str
    owner_name: str
    owner_email: str
    login_name: str
    plan_type: str
    billing_status: str
    disabled_reason: str
    single_bill: bool
    contact_count: int
    signed_up_at: dt.datetime
    converted_at: dt.datetime | None
    last_login_at: dt.datetime | None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def make_account(
    rng: random.Random, serial: int, *, today: dt.date, earliest: dt.date
) -> DemoAccount:
    place, trade = rng.choice(PLACES), rng.choice(TRADES)
    org = f"{place} {trade}"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    login = f"{slug(place)[:14]}{slug(trade)[:10]}{serial:04d}"
    status = rng.choices([s for s, _ in STATUS_MIX], weights=[w for _, w in STATUS_MIX])[0]
    span = max((today - earliest).days, 30)
    signed_up = today - dt.timedelta(days=rng.randint(20, span))
    signed_up_at = dt.datetime.combine(
        signed_up, dt.time(rng.randint(8, 18), rng.randint(0, 59)), dt.UTC
    )
    converted_at = None
    plan, billing, disabled, single_bill = (
        PlanType.TRIAL,
        BillingStatus.TRIAL,
        DisabledReason.NONE,
        False,
    )
    if status == "trial_active":
        signed_up_at = dt.datetime.combine(
            today - dt.timedelta(days=rng.randint(1, 28)), dt.time(10), dt.UTC
        )
    elif status == "trial_expired":
        billing = BillingStatus.TRIAL_END
    else:
        converted_at = signed_up_at + dt.timedelta(days=rng.randint(3, 45), hours=rng.randint(0, 8))
        plan = rng.choice([PlanType.BRONZE, PlanType.BRONZE, PlanType.SILVER, PlanType.GOLD])
        billing = BillingStatus.OPEN
        if status == "cancelled":
            billing = BillingStatus.CANCELED
        elif status == "disabled_compliance":
            disabled = DisabledReason.COMPLIANCE
        elif status == "disabled_balance_due":
            disabled = DisabledReason.BALANCE_DUE
        elif status == "single_bill":
            single_bill = True
    last_login = None
    if rng.random() > 0.06:
        days_ago = (
            rng.randint(0, 40)
            if billing in (BillingStatus.OPEN, BillingStatus.TRIAL)
            else rng.randint(60, 400)
        )
        last_login = dt.datetime.combine(
            today - dt.timedelta(days=days_ago),
            dt.time(rng.randint(7, 21), rng.randint(0, 59)),
            dt.UTC,
        )
        last_login = min(max(last_login, signed_up_at), dt.datetime.now(dt.UTC))
    return DemoAccount(
        organization_name=org,
        owner_name=f"{first} {last}",
        owner_email=f"{first.lower()}.{last.lower()}.{serial}@{slug(place)}{slug(trade)[:8]}.example",
        login_name=login,
        plan_type=plan,
        billing_status=billing,
        disabled_reason=disabled,
        single_bill=single_bill,
        contact_count=int(rng.lognormvariate(6.2, 1.1)),
        signed_up_at=signed_up_at,
        converted_at=converted_at,
        last_login_at=last_login,
    )
