"""The V3 create-account call made with an organization's credentials creates one of its
child accounts: managed from the start, its owner invited. The answer is the contract's."""

import datetime as dt

import pytest

from partnerhub.access.models import ManageRequest
from partnerhub.clients.models import ClientAccount
from partnerhub.invitations.models import Invitation
from partnerhub.organizations.services import organization_create
from partnerhub.partners.models import PartnerRole
from partnerhub.partnerships.models import Partnership, PartnershipSource
from partnerhub.tests.factories import MemberFactory
from partnerhub.v3.tests.conftest import make_creds

pytestmark = pytest.mark.django_db

BODY = {
    "contact_email": "maya@crumb.example",
    "country_code": "US",
    "login_name": "crumbporto",
    "password": "Tide-Lantern-4821",
    "state_code": "NY",
    "first_name": "Maya",
    "last_name": "Loaf",
    "organization_name": "Crumb Porto",
    "managed_site_owner": True,
}


@pytest.fixture
def org_creds():
    org = organization_create(name="Crumb & Co.", deployed_on=dt.date(2025, 1, 1))
    return make_creds(MemberFactory(partner=org, role=PartnerRole.OWNER))


def test_an_organizations_call_creates_a_managed_child(client, org_creds):
    response = client.post(
        "/v3/partner/accounts", BODY, content_type="application/json", headers=org_creds.headers
    )

    assert response.status_code == 201, response.content
    assert sorted(response.json()) == ["encoded_account_id", "provision_uuid"]
    account = ClientAccount.objects.get(encoded_account_id=response.json()["encoded_account_id"])
    assert (account.partner_id, account.partnership_kind, account.access_level) == (
        org_creds.client.partner_id,
        "managed",
        "full",
    )
    assert account.owner_id is None
    assert Partnership.objects.get(account=account).source == PartnershipSource.ORGANIZATION_CHILD
    # Managed already: no request for access, only the ownership invitation.
    assert not ManageRequest.objects.filter(account=account).exists()
    assert Invitation.objects.get(account=account).kind == "account_owner"


def test_an_agencys_call_stays_a_referred_account(client, cast):
    response = client.post(
        "/v3/partner/accounts",
        {**BODY, "managed_site_owner": False},
        content_type="application/json",
        headers=cast.owner.headers,
    )
    assert response.status_code == 201
    account = ClientAccount.objects.get(encoded_account_id=response.json()["encoded_account_id"])
    assert account.partnership_kind == "referred"
    assert Partnership.objects.get(account=account).source == PartnershipSource.CREATED_BY_PARTNER
