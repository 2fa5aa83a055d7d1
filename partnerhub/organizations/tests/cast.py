"""A fixed cast for an organization's people, built through the real services.

Crumb & Co. Bakeries (an organization) has groups North (with the subgroup Lakeside inside it)
and South, and four locations: Aberdeen (North), Lakeside Mill (North › Lakeside), Faro
(South) and Head Office (no group), all referred so that a request can be made. Its team:
Ava (owner), Abe (admin), Ben (group manager of North), Cleo (viewer). Loaf Ltd is another
organization (owner Lou, one location, Loaf One); Brightwave Agency is an agency (owner Olga,
one client, Blue Bakery). Dora is an admin of both Crumb & Co. and Brightwave.

API keys: Ava's; Ben's and Cleo's, made while they were admins (Ben is a group manager now,
Cleo a viewer); Lou's; Olga's; Dora's key made in Crumb & Co. and her key made in Brightwave.
"""

import datetime as dt
from dataclasses import dataclass

from partnerhub.api.keys import api_key_create
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.organizations.models import AccountGroup, GroupManager
from partnerhub.organizations.services import (
    account_group_set,
    group_create,
    group_managers_set,
    organization_create,
)
from partnerhub.partners.models import AccountAssignment, Partner, PartnerMember, PartnerRole
from partnerhub.partners.services import member_role_change
from partnerhub.people.services import current_team_set
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account


@dataclass
class OrgCast:
    crumb: Partner
    loaf: Partner
    brightwave: Partner
    ava: PartnerMember
    abe: PartnerMember
    ben: PartnerMember
    cleo: PartnerMember
    lou: PartnerMember
    olga: PartnerMember
    dora_crumb: PartnerMember
    dora_brightwave: PartnerMember
    north: AccountGroup
    lakeside: AccountGroup
    south: AccountGroup
    aberdeen: ClientAccount
    lakeside_mill: ClientAccount
    faro: ClientAccount
    head_office: ClientAccount
    loaf_one: ClientAccount
    blue_bakery: ClientAccount
    keys: dict[str, str]

    @property
    def crumb_accounts(self) -> list[ClientAccount]:
        return [self.aberdeen, self.lakeside_mill, self.faro, self.head_office]

    @property
    def all_accounts(self) -> list[ClientAccount]:
        return [*self.crumb_accounts, self.loaf_one, self.blue_bakery]


def _member(partner, role, email, first) -> PartnerMember:
    return MemberFactory(
        partner=partner,
        role=role,
        user__username=email,
        user__email=email,
        user__first_name=first,
        user__last_name="",
    )


def _location(partner, name: str, login: str, group=None) -> ClientAccount:
    account = credited_account(
        partner,
        kind=PartnershipKind.REFERRED,
        moved_on=dt.date(2026, 6, 15),
        organization_name=name,
        login_name=login,
    )
    if group is not None:
        account_group_set(partner=partner, account=account, group=group)
        account.refresh_from_db()
    return account


def _key(member: PartnerMember, name: str) -> str:
    return api_key_create(actor=member.user, name=name, can_write=True)[1]


def build_org_cast() -> OrgCast:
    crumb = organization_create(name="Crumb & Co. Bakeries", deployed_on=dt.date(2025, 1, 1))
    loaf = organization_create(name="Loaf Ltd", deployed_on=dt.date(2025, 1, 1))
    brightwave = PartnerFactory(name="Brightwave Agency", deployed_on=dt.date(2025, 1, 1))
    ava = _member(crumb, PartnerRole.OWNER, "ava@crumb.test", "Ava")
    abe = _member(crumb, PartnerRole.ADMIN, "abe@crumb.test", "Abe")
    ben = _member(crumb, PartnerRole.ADMIN, "ben@crumb.test", "Ben")
    cleo = _member(crumb, PartnerRole.ADMIN, "cleo@crumb.test", "Cleo")
    lou = _member(loaf, PartnerRole.OWNER, "lou@loaf.test", "Lou")
    olga = _member(brightwave, PartnerRole.OWNER, "olga@brightwave.test", "Olga")
    dora_crumb = _member(crumb, PartnerRole.ADMIN, "dora@example.test", "Dora")
    dora_brightwave = MemberFactory(
        partner=brightwave, user=dora_crumb.user, role=PartnerRole.ADMIN
    )
    north = group_create(partner=crumb, name="North")
    lakeside = group_create(partner=crumb, name="Lakeside", parent=north)
    south = group_create(partner=crumb, name="South")
    aberdeen = _location(crumb, "Aberdeen", "crumbaberdeen", north)
    lakeside_mill = _location(crumb, "Lakeside Mill", "crumblakeside", lakeside)
    faro = _location(crumb, "Faro", "crumbfaro", south)
    head_office = _location(crumb, "Head Office", "crumbhead")
    loaf_one = _location(loaf, "Loaf One", "loafone")
    blue_bakery = _location(brightwave, "Blue Bakery", "bluebakery")

    keys = {
        "ava": _key(ava, "Ava's sync"),
        "ben": _key(ben, "Ben's script"),
        "cleo": _key(cleo, "Cleo's report"),
        "lou": _key(lou, "Lou's sync"),
        "olga": _key(olga, "Olga's sync"),
    }
    current_team_set(actor=dora_crumb.user, member_id=dora_crumb.pk)
    keys["dora in crumb"] = _key(dora_crumb, "Dora's Crumb sync")
    current_team_set(actor=dora_crumb.user, member_id=dora_brightwave.pk)
    keys["dora in brightwave"] = _key(dora_brightwave, "Dora's Brightwave sync")
    # Dora works in Brightwave now; Ben and Cleo take their roles of today.
    member_role_change(actor=ava.user, member_id=ben.pk, role=PartnerRole.MEMBER)
    member_role_change(actor=ava.user, member_id=cleo.pk, role=PartnerRole.VIEWER)
    group_managers_set(actor=ava.user, member_id=ben.pk, group_ids=[north.pk])
    for m in (ben, cleo):
        m.refresh_from_db()
    return OrgCast(
        crumb=crumb,
        loaf=loaf,
        brightwave=brightwave,
        ava=ava,
        abe=abe,
        ben=ben,
        cleo=cleo,
        lou=lou,
        olga=olga,
        dora_crumb=dora_crumb,
        dora_brightwave=dora_brightwave,
        north=north,
        lakeside=lakeside,
        south=south,
        aberdeen=aberdeen,
        lakeside_mill=lakeside_mill,
        faro=faro,
        head_office=head_office,
        loaf_one=loaf_one,
        blue_bakery=blue_bakery,
        keys=keys,
    )


def people_state() -> dict:
    """Groups given, assignments and memberships: what a refused action leaves as it was."""
    return {
        "group_managers": list(
            GroupManager.objects.order_by("pk").values_list("pk", "member_id", "group_id")
        ),
        "assignments": list(
            AccountAssignment.objects.order_by("pk").values_list("pk", "member_id", "account_id")
        ),
        "members": list(
            PartnerMember.objects.order_by("pk").values_list("pk", "partner_id", "user_id", "role")
        ),
        "groups": list(ClientAccount.objects.order_by("pk").values_list("pk", "group_id")),
    }
