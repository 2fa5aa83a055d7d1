"""Program staff in the admin: a partner's kind, and turning an account into the parent of a
new organization (through its owner's consent)."""

import pytest
from django.urls import reverse

from partnerhub.moves.models import MoveRequest
from partnerhub.partners.models import Partner, PartnerKind
from partnerhub.tests.factories import PartnerFactory, UserFactory, credited_account

pytestmark = pytest.mark.django_db


def test_the_admin_action_creates_the_organization_and_asks_the_owner(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    account = credited_account(PartnerFactory(), organization_name="Crumb HQ")

    response = client.post(
        reverse("admin:clients_clientaccount_changelist"),
        {"action": "make_parent_of_organization", "_selected_action": [account.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Organization Crumb HQ created." in response.content.decode()
    organization = Partner.objects.get(kind=PartnerKind.ORGANIZATION)
    assert MoveRequest.objects.get(account=account).partner_id == organization.pk
    account.refresh_from_db()
    assert account.partner.kind == PartnerKind.AGENCY  # until the owner confirms


def test_partners_list_their_kind_and_the_kind_is_fixed_once_created(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    partner = PartnerFactory()
    listing = client.get(reverse("admin:partners_partner_changelist"), {"kind": "agency"})
    assert partner.name in listing.content.decode()
    change = client.get(reverse("admin:partners_partner_change", args=[partner.pk]))
    assert 'name="kind"' not in change.content.decode()
    add = client.get(reverse("admin:partners_partner_add"))
    assert 'name="kind"' in add.content.decode()
