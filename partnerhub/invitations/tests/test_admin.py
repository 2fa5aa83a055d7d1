"""Program staff bring people into a partner's team only by inviting them in the admin; the
admin cannot make anyone a member directly."""

import pytest
from django.urls import reverse

from partnerhub.audit.models import AuditEvent
from partnerhub.invitations.models import Invitation
from partnerhub.partners.models import PartnerMember
from partnerhub.tests.factories import MemberFactory, PartnerFactory, UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="staff@partnerhub.test", is_staff=True, is_superuser=True)


def test_staff_invite_a_partners_first_owner_who_joins_only_by_accepting(
    client, staff, django_capture_on_commit_callbacks, mailoutbox
):
    partner = PartnerFactory(name="Copperleaf")
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:invitations_invitation_add"),
            {"partner": partner.pk, "email": "Carl@Copperleaf.test", "role": "owner"},
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.partner, invitation.email, invitation.role, invitation.status) == (
        partner,
        "carl@copperleaf.test",
        "owner",
        "pending",
    )
    assert AuditEvent.objects.get(action="invitation.sent").actor == staff
    assert [m.to for m in mailoutbox] == [["carl@copperleaf.test"]]
    assert not PartnerMember.objects.filter(partner=partner).exists()


def test_the_admin_refuses_a_second_invitation_with_a_sentence(client, staff):
    member = MemberFactory(user__username="olga@brightwave.test")
    client.force_login(staff)

    response = client.post(
        reverse("admin:invitations_invitation_add"),
        {"partner": member.partner.pk, "email": "olga@brightwave.test", "role": "member"},
    )

    assert response.status_code == 200
    assert "This person is already on your team." in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_admin_cannot_add_a_member_directly(client, staff):
    client.force_login(staff)

    response = client.get(reverse("admin:partners_partnermember_add"))

    assert response.status_code == 403
