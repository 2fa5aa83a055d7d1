"""The actions of the *My accounts* selection bar beside the bulk request: *Assign to*, and
what a member who sees only their assigned accounts can select."""

import pytest
from django.urls import reverse

from partnerhub.access.models import ManageRequest
from partnerhub.access.services import manage_request_create
from partnerhub.core.errors import NotFound
from partnerhub.partners.models import AccountAssignment, MemberVisibility
from partnerhub.partners.services import accounts_assign, partner_member_visibility_set
from partnerhub.tests.snapshots import access_state, team_state
from partnerhub.tests.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


def _assigned(world) -> list[str]:
    return sorted(
        AccountAssignment.objects.filter(member=world.member).values_list(
            "account__organization_name", flat=True
        )
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_bar_offers_assign_to_owners_with_the_team(client, world):
    client.force_login(world.owner.user)

    page = client.get(reverse("partner-accounts")).content.decode()

    assert 'formaction="/portal/accounts/assign-selected/"' in page
    assert "Assign to" in page


def test_a_plain_member_is_not_offered_assign(client, world):
    client.force_login(world.member.user)

    page = client.get(reverse("partner-accounts")).content.decode()

    assert "assign-selected" not in page
    assert "Request permission to manage" in page


def test_an_owner_assigns_the_ticked_accounts(client, world):
    client.force_login(world.owner.user)

    response = client.post(
        reverse("partner-accounts-assign-selected"),
        {"member": world.member.pk, "account": [world.account.pk, world.managed_account.pk]},
        follow=True,
    )

    assert _assigned(world) == ["Blue Bakery", "Green Garden"]
    assert _messages(response) == ["2 accounts assigned to Max Miller."]


def test_an_owner_assigns_all_accounts_matching_the_filter(client, world):
    client.force_login(world.owner.user)

    client.post(
        reverse("partner-accounts-assign-selected"),
        {"member": world.member.pk, "all_matching": "1", "type": "managed"},
    )

    assert _assigned(world) == ["Green Garden"]


def test_another_partners_account_in_the_selection_assigns_nothing(client, world):
    client.force_login(world.owner.user)
    before = team_state(world.partner)

    response = client.post(
        reverse("partner-accounts-assign-selected"),
        {"member": world.member.pk, "account": [world.account.pk, world.other_account.pk]},
        follow=True,
    )

    assert team_state(world.partner) == before
    assert _messages(response) == [
        "Some of the selected accounts are not in your partnership: none was assigned."
    ]


@pytest.mark.parametrize("who", ["member", "other_owner"])
def test_only_the_partners_owners_and_admins_assign(client, world, who):
    client.force_login(getattr(world, who).user)
    before = team_state(world.partner)

    response = client.post(
        reverse("partner-accounts-assign-selected"),
        {"member": world.member.pk, "account": [world.account.pk]},
    )

    assert response.status_code in (403, 404)
    assert team_state(world.partner) == before


def test_nothing_selected_is_a_sentence(client, world):
    client.force_login(world.owner.user)

    response = client.post(
        reverse("partner-accounts-assign-selected"), {"member": world.member.pk}, follow=True
    )

    assert _messages(response) == ["Select at least one account first."]
    assert _assigned(world) == []


@pytest.fixture
def restricted(world) -> World:
    """Members see only their assigned accounts; Max serves Green Garden only."""
    partner_member_visibility_set(actor=world.owner.user, visibility=MemberVisibility.ASSIGNED)
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.managed_account.pk]
    )
    return world


def test_a_restricted_member_cannot_ask_for_an_account_they_do_not_serve(restricted):
    world = restricted
    before = access_state(world.account)

    with pytest.raises(NotFound):
        manage_request_create(actor=world.member.user, account_id=world.account.pk)

    assert access_state(world.account) == before


def test_a_restricted_members_bulk_request_never_names_an_account_they_do_not_serve(
    client, restricted
):
    world = restricted
    client.force_login(world.member.user)

    page = client.post(
        reverse("partner-requests-bulk"), {"account": [world.account.pk]}
    ).content.decode()
    sent = client.post(
        reverse("partner-requests-bulk"), {"account": [world.account.pk], "send": "1"}
    ).content.decode()

    assert "Blue Bakery" not in page and "Blue Bakery" not in sent
    assert not ManageRequest.objects.filter(account=world.account).exists()


def test_all_matching_for_a_restricted_member_is_what_they_see(client, restricted):
    world = restricted
    client.force_login(world.member.user)

    page = client.post(reverse("partner-requests-bulk"), {"all_matching": "1"}).content.decode()

    assert "Green Garden" in page
    assert "Blue Bakery" not in page
