"""A partner with V3 credentials and a few client accounts, another partner with its own
credentials, and a customer."""

import datetime as dt
from dataclasses import dataclass

import pytest

from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.partners.models import PartnerMember, PartnerRole
from partnerhub.tests.factories import AccountFactory, MemberFactory, credited_account
from partnerhub.v3.credentials import access_token_issue, v3_client_create
from partnerhub.v3.models import V3Client

TRIAL = dict(
    plan_type=PlanType.TRIAL,
    billing_status=BillingStatus.TRIAL,
    converted_at=None,
    signed_up_at=dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC),
)


@dataclass
class Creds:
    member: PartnerMember
    client: V3Client
    client_secret: str
    api_key: str
    token: str

    @property
    def headers(self) -> dict:
        return {"x-api-key": self.api_key, "Authorization": f"Bearer {self.token}"}


def make_creds(member: PartnerMember, name: str = "Integration") -> Creds:
    client, secret, api_key = v3_client_create(actor=member.user, name=name)
    token, _ = access_token_issue(client)
    return Creds(member, client, secret, api_key, token)


@dataclass
class Cast:
    owner: Creds
    other: Creds  # another partner's credentials
    trial: ClientAccount  # referred trial of the owner's partner
    paying: ClientAccount  # managed, SILVER, of the owner's partner
    foreign: ClientAccount  # the other partner's
    lone: ClientAccount  # in no partnership

    @property
    def customer(self):
        return self.trial.owner


@pytest.fixture
def cast(db) -> Cast:
    owner = MemberFactory(role=PartnerRole.OWNER, partner__name="Brightwave Agency")
    other = MemberFactory(role=PartnerRole.OWNER, partner__name="Northstar Partners")
    trial = credited_account(
        owner.partner, organization_name="Blue Bakery", login_name="bluebakery", **TRIAL
    )
    paying = credited_account(
        owner.partner,
        kind=PartnershipKind.MANAGED,
        organization_name="Green Garden",
        login_name="greengarden",
    )
    foreign = credited_account(
        other.partner, organization_name="Red Rocket", login_name="redrocket", **TRIAL
    )
    lone = AccountFactory(organization_name="Willow Works", login_name="willowworks", **TRIAL)
    return Cast(make_creds(owner), make_creds(other), trial, paying, foreign, lone)


@pytest.fixture(autouse=True)
def _no_burst_limit(settings):
    """Tests call faster than four times a second; the limits have tests of their own, which
    set them back."""
    settings.PARTNERHUB_V3_RATE_PER_SECOND = "100000/s"
