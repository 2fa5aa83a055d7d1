"""The permission matrix, extended to organization roles and groups (the agency matrix of the
API is ``partnerhub/api/tests/test_permissions.py``; of the pages, ``portal/tests``).

Who sees which account, on the pages and through API keys: owners and admins see every
account of their organization; a group manager sees only their groups' accounts (404
elsewhere, on pages and through keys they created); a viewer sees but every action is refused;
another organization and any agency see nothing of it (404); a person in two teams sees only
the team they work in now, and each of their keys acts only for the team it was made in."""

import pytest
from django.urls import reverse

from partnerhub.access.models import ManageRequest
from partnerhub.access.services import (
    manage_request_cancel,
    manage_request_create,
    manage_requests_create_bulk,
)
from partnerhub.api.keys import api_key_create
from partnerhub.api.tests.cast import api_call, assert_error, snapshot
from partnerhub.core.errors import PermissionDenied
from partnerhub.invitations.services import team_invitation_create
from partnerhub.moves.services import invite_code_regenerate, move_request_create
from partnerhub.organizations.services import account_group_set, group_create, group_managers_set
from partnerhub.organizations.tests.cast import build_org_cast, people_state
from partnerhub.partners.models import PartnerRole
from partnerhub.partners.services import member_remove, member_role_change
from partnerhub.people.services import current_team_set
from partnerhub.v3.credentials import client_credentials_check, v3_client_create
from partnerhub.webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db

PEOPLE = ["ava", "abe", "ben", "cleo", "lou", "olga"]
# The accounts each person sees, on the pages and through the keys they made.
SEES = {
    "ava": ["Aberdeen", "Faro", "Head Office", "Lakeside Mill"],
    "abe": ["Aberdeen", "Faro", "Head Office", "Lakeside Mill"],
    "ben": ["Aberdeen", "Lakeside Mill"],
    "cleo": ["Aberdeen", "Faro", "Head Office", "Lakeside Mill"],
    "lou": ["Loaf One"],
    "olga": ["Blue Bakery"],
}
NAMES = ["Aberdeen", "Lakeside Mill", "Faro", "Head Office", "Loaf One", "Blue Bakery"]


@pytest.fixture
def org():
    return build_org_cast()


def _account_page(client, account):
    return client.get(reverse("partner-account", args=[account.encoded_account_id]))


def _accounts_by_name(org) -> dict:
    return {a.organization_name: a for a in org.all_accounts}


@pytest.mark.parametrize("who", PEOPLE)
def test_pages_show_each_person_exactly_their_accounts(org, client, who):
    client.force_login(getattr(org, who).user)
    accounts = _accounts_by_name(org)

    statuses = {name: _account_page(client, accounts[name]).status_code for name in NAMES}
    listed = client.get(reverse("partner-accounts")).content.decode()

    assert statuses == {name: 200 if name in SEES[who] else 404 for name in NAMES}
    assert [name for name in NAMES if f">{name}</a>" in listed] == [
        name for name in NAMES if name in SEES[who]
    ]


@pytest.mark.parametrize("who", ["ava", "ben", "cleo", "lou", "olga"])
def test_keys_show_each_creator_exactly_their_accounts(org, client, who):
    key = org.keys[who]
    accounts = _accounts_by_name(org)

    listed = api_call(client, "get", "/accounts?page_size=100", key=key).json()
    statuses = {
        name: api_call(
            client, "get", f"/accounts/{accounts[name].encoded_account_id}", key=key
        ).status_code
        for name in NAMES
    }

    assert sorted(item["organization_name"] for item in listed["items"]) == SEES[who]
    assert statuses == {name: 200 if name in SEES[who] else 404 for name in NAMES}


@pytest.mark.parametrize(
    "who, account, outcome",
    [
        ("ava", "faro", 201),
        ("ben", "aberdeen", 201),
        ("ben", "faro", (404, "not_found")),
        ("cleo", "aberdeen", (403, "viewer_read_only")),
        ("lou", "aberdeen", (404, "not_found")),
        ("olga", "aberdeen", (404, "not_found")),
    ],
)
def test_acting_through_a_key_follows_the_matrix(org, client, who, account, outcome):
    target = getattr(org, account)
    before = snapshot()

    response = api_call(
        client,
        "post",
        f"/accounts/{target.encoded_account_id}/requests",
        key=org.keys[who],
        body={"message": "Hello"},
    )

    if outcome == 201:
        assert response.status_code == 201, response.content
        assert ManageRequest.objects.get(account=target).partner == org.crumb
    else:
        assert_error(response, *outcome)
        assert snapshot() == before


# --- A viewer acts on nothing ------------------------------------------------------------------


def _viewer_actions(org):
    cleo = org.cleo.user
    pending = manage_request_create(actor=org.ava.user, account_id=org.head_office.pk)
    return {
        "request permission to manage": lambda: manage_request_create(
            actor=cleo, account_id=org.faro.pk
        ),
        "bulk request": lambda: manage_requests_create_bulk(
            actor=cleo, account_ids=[org.faro.pk, org.aberdeen.pk]
        ),
        "cancel a request": lambda: manage_request_cancel(actor=cleo, request_id=pending.pk),
        "move an account in": lambda: move_request_create(
            actor=cleo, identifier="loafone", kind="referred"
        ),
        "replace the invite link": lambda: invite_code_regenerate(actor=cleo),
        "create an API key": lambda: api_key_create(actor=cleo, name="Mine", can_write=False),
        "create V3 credentials": lambda: v3_client_create(actor=cleo, name="Mine"),
        "add a webhook": lambda: endpoint_create(
            actor=cleo, url="https://hooks.example.test/x", event_types=["request.created"]
        ),
        "invite someone": lambda: team_invitation_create(
            actor=cleo, email="new@crumb.test", role=PartnerRole.VIEWER
        ),
        "change a role": lambda: member_role_change(
            actor=cleo, member_id=org.ben.pk, role=PartnerRole.VIEWER
        ),
        "remove a member": lambda: member_remove(actor=cleo, member_id=org.ben.pk),
        "give groups": lambda: group_managers_set(
            actor=cleo, member_id=org.ben.pk, group_ids=[org.south.pk]
        ),
        "create a group": lambda: group_create(partner=org.crumb, name="East", actor=cleo),
        "move an account between groups": lambda: account_group_set(
            partner=org.crumb, account=org.faro, group=org.north, actor=cleo
        ),
    }


def test_a_viewer_is_refused_every_action_and_nothing_changes(org):
    actions = _viewer_actions(org)
    before = (snapshot(), people_state())

    refusals = {}
    for name, act in actions.items():
        with pytest.raises(PermissionDenied) as refused:
            act()
        refusals[name] = refused.value.code

    assert refusals == dict.fromkeys(actions, "viewer_read_only")
    assert (snapshot(), people_state()) == before


def test_a_viewer_reads_the_pages_without_their_buttons(org, client):
    client.force_login(org.cleo.user)

    accounts = client.get(reverse("partner-accounts")).content.decode()
    detail = _account_page(client, org.faro).content.decode()
    team = client.get(reverse("partner-team")).content.decode()
    posted = client.post(
        reverse("partner-request-create", args=[org.faro.encoded_account_id]),
        {"message": "Hi", "level": "full", "duration": "none"},
    )

    assert "Faro" in accounts and "Request permission to manage" not in accounts
    assert 'form="selection"' not in accounts
    assert "Request permission to manage" not in detail
    assert "Choose groups" not in team and "Send invitation" not in team
    assert posted.status_code == 400
    assert "As a viewer of Crumb &amp; Co. Bakeries you can read" in posted.content.decode()
    assert not ManageRequest.objects.filter(account=org.faro).exists()


def test_credentials_of_someone_who_became_a_viewer_stop_working(org):
    client, secret, _ = v3_client_create(actor=org.abe.user, name="Abe's integration")
    assert client_credentials_check(client.client_id, secret) == client

    member_role_change(actor=org.ava.user, member_id=org.abe.pk, role=PartnerRole.VIEWER)

    assert client_credentials_check(client.client_id, secret) is None


def test_the_team_page_offers_the_roles_of_an_organization(org, client):
    client.force_login(org.ava.user)

    team = client.get(reverse("partner-team")).content.decode()

    for label in ["Owner", "Admin", "Group manager", "Viewer"]:
        assert f">{label}</option>" in team
    assert ">Member</option>" not in team
    assert "Choose groups" in team
    assert '<span class="tag">North</span>' in team
    detail = _account_page(client, org.aberdeen).content.decode()
    assert "Assign a team member" not in detail
    assert "Group managers serve the accounts of the groups given to them" in detail


# --- A person in two teams -----------------------------------------------------------------


def test_a_person_in_two_teams_sees_only_the_team_they_work_in_now(org, client):
    dora = org.dora_crumb.user  # works in Brightwave now
    client.force_login(dora)

    in_brightwave = (
        _account_page(client, org.blue_bakery).status_code,
        _account_page(client, org.aberdeen).status_code,
    )
    client.post(reverse("team-switch"), {"member": org.dora_crumb.pk})
    in_crumb = (
        _account_page(client, org.blue_bakery).status_code,
        _account_page(client, org.aberdeen).status_code,
    )

    assert in_brightwave == (200, 404)
    assert in_crumb == (404, 200)


def test_each_key_of_a_person_in_two_teams_acts_only_for_its_own_team(org, client):
    # Dora works in Brightwave; her Crumb & Co. key still reads and acts for Crumb & Co. only.
    crumb_key, brightwave_key = org.keys["dora in crumb"], org.keys["dora in brightwave"]

    crumb_list = api_call(client, "get", "/accounts?page_size=100", key=crumb_key).json()
    brightwave_list = api_call(client, "get", "/accounts?page_size=100", key=brightwave_key).json()
    before = snapshot()
    wrong_team = api_call(
        client,
        "post",
        f"/accounts/{org.blue_bakery.encoded_account_id}/requests",
        key=crumb_key,
        body={},
    )
    assert_error(wrong_team, 404, "not_found")
    assert snapshot() == before
    made = api_call(
        client,
        "post",
        f"/accounts/{org.aberdeen.encoded_account_id}/requests",
        key=crumb_key,
        body={},
    )

    assert sorted(i["organization_name"] for i in crumb_list["items"]) == SEES["ava"]
    assert [i["organization_name"] for i in brightwave_list["items"]] == ["Blue Bakery"]
    assert made.status_code == 201, made.content
    assert ManageRequest.objects.get(account=org.aberdeen).partner == org.crumb


def test_a_key_stops_when_its_creator_leaves_its_team_even_in_another_team(org, client):
    member_remove(actor=org.ava.user, member_id=org.dora_crumb.pk)
    current_team_set(actor=org.dora_brightwave.user, member_id=org.dora_brightwave.pk)

    response = api_call(client, "get", "/accounts", key=org.keys["dora in crumb"])

    assert_error(response, 401, "unauthenticated")


def test_an_invitation_names_the_role_as_the_organization_calls_it(
    org, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = team_invitation_create(
            actor=org.ava.user, email="gus@crumb.test", role=PartnerRole.MEMBER
        )

    page = client.get(reverse("invitation", args=[invitation.token])).content.decode()

    assert "as <strong>Group manager</strong>" in page
    assert "You see and work on the accounts of the groups given to you." in page
    assert "group manager" in mailoutbox[-1].body
