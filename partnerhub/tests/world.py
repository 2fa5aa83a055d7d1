"""A small, fixed cast for the access flow: two partners with their teams, and customers.

Brightwave Agency (owner Olga, admin Adam, member Max) has two client accounts: Blue Bakery
(referred, owned by Cora) and Green Garden (managed, owned by Gus). Northstar Partners
(owner Nina) has Red Rocket (referred, owned by Rita). Walter owns Willow Works, which is in no
partnership.
"""

import datetime as dt
from dataclasses import dataclass

from partnerhub.access.services import manage_request_create
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.tests.factories import (
    AccountFactory,
    MemberFactory,
    PartnerFactory,
    credited_account,
)


@dataclass
class World:
    partner: Partner
    owner: PartnerMember
    admin: PartnerMember
    member: PartnerMember
    account: ClientAccount  # referred, in ``partner``
    managed_account: ClientAccount  # managed, in ``partner``
    other_partner: Partner
    other_owner: PartnerMember
    other_account: ClientAccount  # referred, in ``other_partner``
    lone_account: ClientAccount  # in no partnership

    @property
    def customer(self):
        return self.account.owner

    @property
    def other_customer(self):
        return self.other_account.owner


def _member(partner, role, email, first, last) -> PartnerMember:
    return MemberFactory(
        partner=partner,
        role=role,
        user__username=email,
        user__first_name=first,
        user__last_name=last,
    )


def _account(partner, kind, org, owner_name, login, first, last) -> ClientAccount:
    fields = dict(
        organization_name=org,
        owner_name=owner_name,
        login_name=login,
        owner__first_name=first,
        owner__last_name=last,
    )
    if partner is None:
        return AccountFactory(**fields)
    return credited_account(partner, kind=kind, moved_on=dt.date(2025, 3, 1), **fields)


def build_world() -> World:
    partner = PartnerFactory(name="Brightwave Agency")
    other = PartnerFactory(name="Northstar Partners")
    return World(
        partner=partner,
        owner=_member(partner, PartnerRole.OWNER, "olga@brightwave.test", "Olga", "Owens"),
        admin=_member(partner, PartnerRole.ADMIN, "adam@brightwave.test", "Adam", "Adler"),
        member=_member(partner, PartnerRole.MEMBER, "max@brightwave.test", "Max", "Miller"),
        account=_account(
            partner,
            PartnershipKind.REFERRED,
            "Blue Bakery",
            "Cora Baker",
            "bluebakery",
            "Cora",
            "Baker",
        ),
        managed_account=_account(
            partner,
            PartnershipKind.MANAGED,
            "Green Garden",
            "Gus Green",
            "greengarden",
            "Gus",
            "Green",
        ),
        other_partner=other,
        other_owner=_member(other, PartnerRole.OWNER, "nina@northstar.test", "Nina", "North"),
        other_account=_account(
            other,
            PartnershipKind.REFERRED,
            "Red Rocket",
            "Rita Reed",
            "redrocket",
            "Rita",
            "Reed",
        ),
        lone_account=_account(
            None, None, "Willow Works", "Walter Wood", "willowworks", "Walter", "Wood"
        ),
    )


def request_for(world: World, *, account=None, by=None, message: str = ""):
    """A pending request, made through the real service by a member of the account's partner."""
    return manage_request_create(
        actor=(by or world.member).user,
        account_id=(account or world.account).pk,
        message=message,
        ip_address="203.0.113.7",
    )
