import pytest
from django.urls import reverse

from partnerhub.clients.models import PartnershipKind
from partnerhub.tests.factories import MemberFactory, credited_account


@pytest.mark.django_db
def test_partner_member_sees_my_accounts_with_a_referred_account(client):
    member = MemberFactory()
    account = credited_account(member.partner, kind=PartnershipKind.REFERRED)
    client.force_login(member.user)

    response = client.get(reverse("partner-accounts"))

    assert response.status_code == 200
    assert account.organization_name in response.content.decode()
    assert "Request permission to manage" in response.content.decode()
