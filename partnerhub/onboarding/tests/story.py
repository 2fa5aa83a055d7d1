"""A small organization for the onboarding tests: two groups, four children, a team with an
owner, a group manager (North) and a viewer, and a checklist of three steps."""

import datetime as dt
from dataclasses import dataclass

from partnerhub.clients.models import ClientAccount, PartnershipKind, PlanType
from partnerhub.onboarding import checks, services
from partnerhub.onboarding.models import OnboardingStep
from partnerhub.organizations.models import AccountGroup
from partnerhub.organizations.services import (
    account_group_set,
    group_create,
    group_managers_set,
    organization_create,
)
from partnerhub.partners.models import MemberVisibility, Partner, PartnerMember, PartnerRole
from partnerhub.tests.factories import MemberFactory, credited_account


@dataclass
class Story:
    org: Partner
    owner: PartnerMember
    manager: PartnerMember
    viewer: PartnerMember
    north: AccountGroup
    south: AccountGroup
    shops: list[ClientAccount]
    steps: list[OnboardingStep]


def build() -> Story:
    org = organization_create(
        name="Loaf Ltd",
        deployed_on=dt.date(2025, 1, 1),
        member_visibility=MemberVisibility.ASSIGNED,
    )
    owner = MemberFactory(partner=org, role=PartnerRole.OWNER, user__username="owner@loaf.test")
    manager = MemberFactory(partner=org, role=PartnerRole.MEMBER, user__username="gm@loaf.test")
    viewer = MemberFactory(partner=org, role=PartnerRole.VIEWER, user__username="view@loaf.test")
    north = group_create(partner=org, name="North")
    south = group_create(partner=org, name="South")
    shops = []
    for i, group in enumerate([north, north, south, south], start=1):
        shop = credited_account(
            org,
            kind=PartnershipKind.MANAGED,
            organization_name=f"Loaf Shop {i}",
            plan_type=PlanType.SILVER if i % 2 else PlanType.BRONZE,
        )
        account_group_set(partner=org, account=shop, group=group)
        shops.append(shop)
    group_managers_set(actor=owner.user, member_id=manager.pk, group_ids=[north.pk])
    steps = [
        services.step_create(partner=org, title="Choose a plan", check=checks.PLAN_CHOSEN),
        services.step_create(partner=org, title="Import your contacts", key="import-contacts"),
        services.step_create(partner=org, title="Send a first campaign", key="first-send"),
    ]
    services.checks_evaluate(partner_id=org.pk)
    services.step_report(partner=org, account=shops[0], key="import-contacts")
    services.step_report(partner=org, account=shops[0], key="first-send")
    services.step_report(partner=org, account=shops[2], key="import-contacts")
    return Story(org, owner, manager, viewer, north, south, shops, steps)
