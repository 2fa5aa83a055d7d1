"""Team assignment in the portal: the team page, a member's accounts, the account's page, the
"Assigned to" filter of My accounts, the choice of what members see, and what a member who sees
only their assigned accounts finds on the earnings pages."""

import csv
import io

import pytest
from django.urls import reverse

from partnerhub.earnings.tests.builders import MANAGED, account, close, d, partner, pay
from partnerhub.partners.models import AccountAssignment, MemberVisibility, PartnerRole
from partnerhub.partners.services import accounts_assign, partner_member_visibility_set
from partnerhub.tests.factories import MemberFactory
from partnerhub.tests.snapshots import team_state
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


def test_the_team_page_counts_each_members_accounts_and_links_to_assign(client, world):
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )
    client.force_login(world.owner.user)

    page = client.get(reverse("partner-team")).content.decode()

    url = reverse("partner-team-member-accounts", args=[world.member.pk])
    assert f'<a href="{url}">1 account · Assign accounts</a>' in page
    assert "What members see" in page
    assert 'name="visibility" value="assigned"' in page


def test_a_member_reads_the_choice_and_their_own_count_but_cannot_assign(client, world):
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )
    client.force_login(world.member.user)

    page = client.get(reverse("partner-team")).content.decode()

    assert "Assign accounts" not in page
    assert f'href="/portal/accounts/?assigned={world.member.pk}">1 account</a>' in page
    assert "Members see every account of Brightwave Agency." in page
    assert 'name="visibility"' not in page


def test_an_owner_finds_accounts_ticks_several_and_assigns_them(client, world):
    client.force_login(world.owner.user)
    page_url = reverse("partner-team-member-accounts", args=[world.member.pk])

    found = client.get(page_url, {"q": "e"}).content.decode()
    response = client.post(
        reverse("partner-accounts-assign"),
        {
            "member": world.member.pk,
            "account": [world.account.encoded_account_id, world.managed_account.encoded_account_id],
            "next": page_url,
        },
        follow=True,
    )

    assert "Blue Bakery" in found and "Green Garden" in found and "Red Rocket" not in found
    assert f'value="{world.account.encoded_account_id}"' in found
    assert response.redirect_chain == [(page_url, 302)]
    assert _messages(response) == ["2 accounts assigned to Max Miller."]
    assert _assigned(world) == ["Blue Bakery", "Green Garden"]
    listed = response.content.decode()
    assert 'Assigned accounts <span class="muted">(2)</span>' in listed
    assert 'aria-label="Unassign Blue Bakery"' in listed


def test_an_owner_unassigns_from_the_members_list(client, world):
    accounts_assign(
        actor=world.owner.user,
        member_id=world.member.pk,
        account_ids=[world.account.pk, world.managed_account.pk],
    )
    client.force_login(world.admin.user)

    response = client.post(
        reverse("partner-accounts-unassign"),
        {"member": world.member.pk, "account": world.account.encoded_account_id},
        follow=True,
    )

    assert _messages(response) == ["1 account no longer assigned to Max Miller."]
    assert _assigned(world) == ["Green Garden"]


def test_assigning_from_my_accounts_goes_back_there(client, world):
    client.force_login(world.owner.user)
    back = reverse("partner-accounts") + "?type=referred"

    response = client.post(
        reverse("partner-accounts-assign"),
        {"member": world.member.pk, "account": [world.account.encoded_account_id], "next": back},
    )

    assert (response.status_code, response["Location"]) == (302, back)
    assert _assigned(world) == ["Blue Bakery"]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"account": ["bad\x00id"]}, 404),
        ({"account": ["nosuchaccount"]}, 404),
        ({"member": "not-a-number"}, 404),
        ({"member": "99999999999999999999999"}, 404),
        ({"account": []}, 302),
        ({"account": [f"id{n}" for n in range(501)]}, 302),
    ],
)
def test_bad_input_changes_nothing_and_never_fails(client, world, data, status):
    client.force_login(world.owner.user)
    form = {"member": world.member.pk, "account": [world.account.encoded_account_id], **data}
    before = team_state(world.partner)

    response = client.post(reverse("partner-accounts-assign"), form, follow=status == 302)

    assert response.status_code == (200 if status == 302 else 404)
    assert team_state(world.partner) == before
    if status == 302:
        assert _messages(response)[0] in (
            "Choose at least one account.",
            "Choose at most 500 accounts at a time.",
        )


def test_the_account_page_shows_who_is_assigned_and_lets_an_owner_change_it(client, world):
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )
    url = reverse("partner-account", args=[world.account.encoded_account_id])
    client.force_login(world.owner.user)

    page = client.get(url).content.decode()
    response = client.post(
        reverse("partner-accounts-assign"),
        {"member": world.admin.pk, "account": world.account.encoded_account_id, "next": url},
        follow=True,
    )

    assert "Assigned team members" in page
    assert 'aria-label="Unassign Max Miller"' in page
    assert f'<option value="{world.admin.pk}">Adam Adler</option>' in page
    assert _messages(response) == ["1 account assigned to Adam Adler."]
    assert "Adam Adler" in response.content.decode()


def test_a_member_sees_who_is_assigned_without_the_controls(client, world):
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )
    client.force_login(world.member.user)

    page = client.get(reverse("partner-account", args=[world.account.encoded_account_id]))

    assert "Max Miller" in page.content.decode()
    assert "Unassign" not in page.content.decode()
    assert 'id="assign-member"' not in page.content.decode()


def test_my_accounts_filters_by_who_is_assigned(client, world):
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.managed_account.pk]
    )
    client.force_login(world.owner.user)

    mine = client.get(reverse("partner-accounts"), {"assigned": world.owner.pk}).content.decode()
    maxs = client.get(reverse("partner-accounts"), {"assigned": world.member.pk}).content.decode()
    bad = client.get(reverse("partner-accounts"), {"assigned": "x"})

    assert "No accounts match this view." in mine
    assert "Green Garden" in maxs and "Blue Bakery" not in maxs
    assert f'<option value="{world.member.pk}" selected>Max Miller</option>' in maxs
    assert "Blue Bakery" in bad.content.decode()
    assert _messages(bad) == ["Unknown team member; showing accounts whoever they are assigned to."]


def test_a_restricted_member_is_offered_no_assigned_to_filter(client, world):
    partner_member_visibility_set(actor=world.owner.user, visibility=MemberVisibility.ASSIGNED)
    client.force_login(world.member.user)

    page = client.get(reverse("partner-accounts")).content.decode()

    assert 'name="assigned"' not in page
    assert "No accounts match this view." in page


def test_an_owner_chooses_that_members_see_only_assigned_accounts(client, world):
    client.force_login(world.owner.user)

    response = client.post(
        reverse("partner-team-visibility"), {"visibility": "assigned"}, follow=True
    )
    world.partner.refresh_from_db()

    assert world.partner.member_visibility == MemberVisibility.ASSIGNED
    assert _messages(response) == ["Members now see only the accounts assigned to them."]


def test_an_unknown_choice_is_refused_with_a_sentence(client, world):
    client.force_login(world.owner.user)
    before = team_state(world.partner)

    response = client.post(reverse("partner-team-visibility"), {"visibility": "x"}, follow=True)

    assert _messages(response) == ["Unknown choice of what members see."]
    assert team_state(world.partner) == before


# --- Earnings pages name only the restricted member's accounts --------------------------------


@pytest.fixture
def earnings_story(client, db):
    """October 2026 closed. Aster and Birch are managed and paid; Cedar and Dune are referred,
    out of window, and paid. Members see only their accounts; Max serves Aster and Cedar."""
    p = partner()
    owner = MemberFactory(partner=p, role=PartnerRole.OWNER).user
    member = MemberFactory(partner=p)
    managed = dict(converted_on=d("2024-01-01"), moved_on=d("2026-09-01"), kind=MANAGED)
    late = dict(converted_on=d("2024-01-01"), moved_on=d("2024-06-01"))
    aster = account(p, organization_name="Aster Cafe", **managed)
    birch = account(p, organization_name="Birch Dental", **managed)
    cedar = account(p, organization_name="Cedar Books", **late)
    dune = account(p, organization_name="Dune Surf", **late)
    for n, a in enumerate([aster, birch, cedar, dune], start=1):
        pay(a, f"INV-{a.organization_name.split()[0].upper()}", d(f"2026-10-0{n}"), 1000 * n)
    close("2026-10", today=d("2026-11-26"))
    partner_member_visibility_set(actor=owner, visibility=MemberVisibility.ASSIGNED)
    accounts_assign(actor=owner, member_id=member.pk, account_ids=[aster.pk, cedar.pk])
    client.force_login(member.user)


def test_a_restricted_member_sees_only_lines_of_their_accounts(client, earnings_story):
    page = client.get(reverse("partner-earnings-lines"), {"month": "2026-10"}).content.decode()
    body = b"".join(
        client.get(reverse("partner-earnings-csv"), {"month": "2026-10"}).streaming_content
    ).decode()
    reasons = " ".join(row["reason"] for row in csv.DictReader(io.StringIO(body)))

    assert "INV-ASTER" in page and "INV-BIRCH" not in page
    assert "INV-ASTER" in reasons and "INV-BIRCH" not in reasons


def test_a_restricted_member_is_offered_only_their_referred_accounts(client, earnings_story):
    page = client.get(reverse("partner-earnings-opportunities")).content.decode()

    assert "Cedar Books" in page and "Dune Surf" not in page
