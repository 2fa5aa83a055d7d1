"""Brightwave Agency (owner Olga, admin Adam, member Max) with Blue Bakery (referred, owned by
Cora) and Green Garden (referred, owned by Gus); Northstar Partners (owner Nina)."""

import datetime as dt
from dataclasses import dataclass

import pytest

from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account
from partnerhub.webhooks.tests.receiver import Receiver


@dataclass
class Team:
    partner: Partner
    owner: PartnerMember
    admin: PartnerMember
    member: PartnerMember
    bakery: ClientAccount
    garden: ClientAccount
    other_partner: Partner
    other_owner: PartnerMember


def _member(partner, role, email, first, last) -> PartnerMember:
    return MemberFactory(
        partner=partner,
        role=role,
        user__username=email,
        user__first_name=first,
        user__last_name=last,
    )


def _account(partner, org, owner_name, login) -> ClientAccount:
    first, last = owner_name.split()
    return credited_account(
        partner,
        kind=PartnershipKind.REFERRED,
        moved_on=dt.date(2025, 3, 1),
        organization_name=org,
        owner_name=owner_name,
        login_name=login,
        owner__first_name=first,
        owner__last_name=last,
    )


@pytest.fixture
def team(db) -> Team:
    partner = PartnerFactory(name="Brightwave Agency")
    other = PartnerFactory(name="Northstar Partners")
    return Team(
        partner=partner,
        owner=_member(partner, PartnerRole.OWNER, "olga@brightwave.test", "Olga", "Owens"),
        admin=_member(partner, PartnerRole.ADMIN, "adam@brightwave.test", "Adam", "Adler"),
        member=_member(partner, PartnerRole.MEMBER, "max@brightwave.test", "Max", "Miller"),
        bakery=_account(partner, "Blue Bakery", "Cora Baker", "bluebakery"),
        garden=_account(partner, "Green Garden", "Gus Green", "greengarden"),
        other_partner=other,
        other_owner=_member(other, PartnerRole.OWNER, "nina@northstar.test", "Nina", "North"),
    )


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()
