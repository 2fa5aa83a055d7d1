"""The demo's multi-account organization: a bakery chain with 40 locations in 4 regions,
each location its own account, managed by the organization from the day it opened."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from partnerhub.clients.models import BillingStatus, PartnershipKind, PlanType
from partnerhub.demo import (
    organization_accounts,
    organization_brand,
    organization_onboarding,
    organization_people,
    organization_pricing,
)
from partnerhub.demo.data import make_account
from partnerhub.organizations.services import account_group_set, group_create, organization_create
from partnerhub.partners.models import MemberVisibility, PartnerRole
from partnerhub.partnerships.models import PartnershipSource
from partnerhub.partnerships.services import partnership_credit

User = get_user_model()

NAME = "Crumb & Co. Bakeries"
DOMAIN = "crumbandco.example"
REGIONS = {
    "North": ["Aberdeen", "Bergen", "Cork", "Dundee", "Edinburgh"],
    "South": ["Faro", "Genoa", "Hyères", "Ibiza", "Jerez"],
    "East": ["Krakow", "Linz", "Minsk", "Nitra", "Ostrava"],
    "West": ["Porto", "Quimper", "Rennes", "Sligo", "Tralee"],
}
# Two shops a town (the high street and the station), so 40 locations.
SHOPS = ["High Street", "Station"]
# email, first, last, role, the region a group manager looks after
TEAM = [
    (f"ava@{DOMAIN}", "Ava", "Baker", PartnerRole.OWNER, None),
    (f"ben@{DOMAIN}", "Ben", "Rye", PartnerRole.MEMBER, "North"),
    (f"cleo@{DOMAIN}", "Cleo", "Crust", PartnerRole.VIEWER, None),
]
DAYS_RUNNING = 540
# The owner of the first location, who signs in to see the organization as their provider.
LOCATION_OWNER = ("Maya Loaf", f"maya@{DOMAIN}")


def load(rng, password: str, *, today: dt.date, join_team, create_account) -> None:
    """Create the organization, its team, its regions and its 40 locations."""
    opened = today - dt.timedelta(days=DAYS_RUNNING)
    with transaction.atomic():
        organization = organization_create(
            name=NAME, deployed_on=opened, member_visibility=MemberVisibility.ASSIGNED
        )
        for email, first, last, role, _ in TEAM:
            join_team(organization, email, first, last, role, password)
        groups = {name: group_create(partner=organization, name=name) for name in REGIONS}
        serial = 0
        for region, towns in REGIONS.items():
            for town in towns:
                for shop in SHOPS:
                    serial += 1
                    demo = make_account(rng, 7000 + serial, today=today, earliest=opened)
                    demo.organization_name = f"Crumb & Co. {town} {shop}"
                    demo.login_name = f"crumbco{serial:02d}"
                    if serial == 1:
                        demo.owner_name, demo.owner_email = LOCATION_OWNER
                    else:
                        first = demo.owner_name.split()[0].lower()
                        demo.owner_email = f"{first}.{serial:02d}@{DOMAIN}"
                    demo.plan_type = PlanType.SILVER if shop == "High Street" else PlanType.BRONZE
                    demo.billing_status = BillingStatus.OPEN
                    demo.disabled_reason = ""
                    demo.single_bill = True
                    demo.converted_at = demo.signed_up_at + dt.timedelta(days=7)
                    account = create_account(demo, password)
                    moved_on = account.signed_up_at.date()
                    partnership_credit(
                        partner=organization,
                        account=account,
                        source=PartnershipSource.ORGANIZATION_CHILD,
                        moved_on=moved_on,
                        kind=PartnershipKind.MANAGED,
                        at=dt.datetime.combine(moved_on, dt.time(9), dt.UTC),
                    )
                    account_group_set(partner=organization, account=account, group=groups[region])
        organization_people.load(organization, owner_email=TEAM[0][0])
        organization_brand.load(organization, owner_email=TEAM[0][0], location_login="crumbco01")
        organization_accounts.load_tags(organization)
    organization_onboarding.load(organization, today=today)
    organization_pricing.load(organization, today=today)
    return organization


def sign_ins() -> list[tuple[str, str, str]]:
    """(who, e-mail, what they see) for the README's table and the demo's printout."""
    rows = []
    for email, _, _, role, region in TEAM:
        label = {
            PartnerRole.OWNER: "Organization admin",
            PartnerRole.MEMBER: "Group manager",
            PartnerRole.VIEWER: "Organization viewer",
        }[role]
        what = f"{NAME}, 40 locations" if region is None else f"{NAME}, the {region} region"
        rows.append((label, email, what + organization_people.sign_in_note(email)))
    rows.append(("Location owner", LOCATION_OWNER[1], f"{NAME} Aberdeen High Street"))
    return rows
