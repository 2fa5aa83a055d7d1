"""A person in several teams works in one at a time: the one they chose in the header's
switcher, else the first they joined. Switching is their own action, audited, and only to a
team of their own."""

import datetime as dt

import pytest
from django.urls import reverse

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import NotFound
from partnerhub.partners.models import PartnerMember, PartnerRole
from partnerhub.partners.selectors import membership_of, memberships_of
from partnerhub.people.models import Profile
from partnerhub.people.selectors import time_zone_for
from partnerhub.people.services import current_team_set
from partnerhub.tests.factories import MemberFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleo():
    """Cleo joined Crumb & Co. (a viewer) first, then Brightwave (a member)."""
    crumb = PartnerFactory(
        name="Crumb & Co. Bakeries", kind="organization", member_visibility="assigned"
    )
    brightwave = PartnerFactory(name="Brightwave Agency", time_zone="Europe/Berlin")
    user = UserFactory(username="cleo@example.test", email="cleo@example.test")
    first = MemberFactory(partner=crumb, user=user, role=PartnerRole.VIEWER)
    second = MemberFactory(partner=brightwave, user=user, role=PartnerRole.MEMBER)
    PartnerMember.objects.filter(pk=second.pk).update(
        joined_at=first.joined_at + dt.timedelta(days=1)
    )
    return user, first, second


def test_with_none_chosen_the_first_team_joined_is_current(cleo):
    user, first, second = cleo

    assert [m.pk for m in memberships_of(user)] == [first.pk, second.pk]
    assert membership_of(user) == first
    assert time_zone_for(user) == "UTC"


def test_switching_makes_the_other_team_current_everywhere_and_is_audited(cleo):
    user, first, second = cleo

    current_team_set(actor=user, member_id=second.pk)

    assert membership_of(user) == second
    assert time_zone_for(user) == "Europe/Berlin"  # a service with no request agrees
    event = AuditEvent.objects.get(action="people.team_switched")
    assert (event.actor, event.partner_id, event.before, event.after) == (
        user,
        second.partner_id,
        {"member_id": None},
        {"member_id": second.pk, "partner": "Brightwave Agency"},
    )


def test_switching_to_the_current_team_again_writes_nothing(cleo):
    user, first, second = cleo
    current_team_set(actor=user, member_id=second.pk)

    current_team_set(actor=user, member_id=second.pk)

    assert AuditEvent.objects.filter(action="people.team_switched").count() == 1


def test_nobody_switches_into_someone_elses_team(cleo):
    user, first, second = cleo
    stranger = MemberFactory(partner=PartnerFactory(name="Northstar Partners"))

    with pytest.raises(NotFound):
        current_team_set(actor=user, member_id=stranger.pk)

    assert membership_of(user) == first
    assert not Profile.objects.filter(user=user, current_member__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="people.team_switched").exists()


def test_leaving_the_chosen_team_falls_back_to_the_first(cleo):
    user, first, second = cleo
    current_team_set(actor=user, member_id=second.pk)

    second.delete()

    assert membership_of(user) == first


def test_the_header_lists_the_teams_and_switches_with_a_post(cleo, client):
    user, first, second = cleo
    client.force_login(user)

    page = client.get(reverse("partner-accounts")).content.decode()
    assert "Your teams" in page
    assert "Switch to Brightwave Agency" in page
    assert "Viewer · working here now" in page
    assert client.get(reverse("team-switch")).status_code == 405

    response = client.post(reverse("team-switch"), {"member": second.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("partner-accounts")
    assert membership_of(user) == second
    page = client.get(reverse("partner-accounts")).content.decode()
    assert "Switch to Crumb &amp; Co. Bakeries" in page


@pytest.mark.parametrize("member", ["other", "nonsense", ""])
def test_the_switcher_refuses_a_team_that_is_not_yours(cleo, client, member):
    user, first, second = cleo
    other = MemberFactory(partner=PartnerFactory(name="Northstar Partners"))
    client.force_login(user)

    response = client.post(
        reverse("team-switch"), {"member": other.pk if member == "other" else member}
    )

    assert response.status_code == 404
    assert membership_of(user) == first


def test_someone_in_one_team_sees_no_switcher(client):
    member = MemberFactory(partner=PartnerFactory(name="Brightwave Agency"))
    client.force_login(member.user)

    page = client.get(reverse("partner-accounts")).content.decode()

    assert "Your teams" not in page
