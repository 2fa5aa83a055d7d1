"""An organization's API: the organization, its groups, creating and moving its accounts, and
asking to detach one. An agency's key is refused in the API's error format; another
organization's objects are not found."""

import datetime as dt

import pytest

from partnerhub.api.keys import api_key_create
from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.clients.models import ClientAccount
from partnerhub.invitations.models import Invitation
from partnerhub.organizations.children import ChildAccountIn, child_account_create
from partnerhub.organizations.models import AccountGroup, DetachRequest
from partnerhub.organizations.services import account_tags_add, group_create, organization_create
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = {
    "location_name": "Crumb Porto",
    "owner_name": "Maya Loaf",
    "owner_email": "Maya@Crumb.Example",
    "login_name": "crumbporto",
    "plan": "SILVER",
    "tags": ["drive-through"],
}


def _org(name: str, login: str):
    org = organization_create(name=name, deployed_on=dt.date(2025, 1, 1))
    owner = MemberFactory(partner=org, role=PartnerRole.OWNER)
    _, key = api_key_create(actor=owner.user, name="Tools", can_write=True)
    _, read = api_key_create(actor=owner.user, name="Reports", can_write=False)
    north = group_create(partner=org, name="North")
    account = child_account_create(
        partner=org,
        data=ChildAccountIn(
            location_name=f"{name} Aberdeen",
            owner_name="Ann Rye",
            owner_email=f"ann@{login}.example",
            login_name=f"{login}01",
        ),
        group=north,
    )
    return org, key, read, north, account


@pytest.fixture
def crumb(db):
    return _org("Crumb", "crumb")


@pytest.fixture
def other(db):
    return _org("Other", "other")


def test_the_organization_with_its_counts(client, crumb):
    org, key, _, _, _ = crumb
    body = api_call(client, "GET", "/organization", key=key).json()
    assert body == {
        "name": "Crumb",
        "kind": "organization",
        "counts": {"accounts": 1, "managed": 1, "referred": 0, "groups": 1, "tags": 0},
    }


# Every operation only an organization's key may call: (method, path as the schema writes it,
# whether it writes). The permission matrix (test_permissions) counts these as covered here.
ORGANIZATION_OPS = [
    ("get", "/organization", False),
    ("get", "/groups", False),
    ("post", "/groups", True),
    ("patch", "/groups/{}", True),
    ("delete", "/groups/{}", True),
    ("post", "/accounts", True),
    ("post", "/accounts/{}/group", True),
    ("post", "/accounts/{}/detach", True),
]
BODIES = {
    "/groups": {"name": "North"},
    "/groups/{}": {"name": "South"},
    "/accounts": NEW,
    "/accounts/{}/group": {"group_id": None},
}


@pytest.mark.parametrize("method,path,write", ORGANIZATION_OPS)
def test_an_agency_key_is_refused_and_a_read_key_writes_nothing(
    client, cast: Cast, crumb, method, path, write
):
    _, _, read, north, account = crumb
    body = BODIES.get(path) if method != "get" else None
    before = snapshot()
    groups_before = list(
        AccountGroup.objects.filter(partner=cast.partner).values_list("pk", "name")
    )
    agency_path = path.replace(
        "{}", str(north.pk) if "groups" in path else cast.garden.encoded_account_id
    )
    response = api_call(client, method, agency_path, key=cast.owner_key, body=body)
    if write:
        assert_error(
            api_call(client, method, agency_path, key=cast.read_key, body=body),
            403,
            "scope_required",
        )
    org_path = path.replace("{}", str(north.pk) if "groups" in path else account.encoded_account_id)
    by_read_key = api_call(client, method, org_path, key=read, body=body)

    assert_error(response, 403, "not_an_organization")
    if write:
        assert_error(by_read_key, 403, "scope_required")
    else:
        assert by_read_key.status_code == 200
    assert snapshot() == before
    assert (
        list(AccountGroup.objects.filter(partner=cast.partner).values_list("pk", "name"))
        == groups_before
    )


def test_groups_create_list_rename_delete(client, crumb):
    org, key, _, north, _ = crumb
    made = api_call(
        client, "POST", "/groups", key=key, body={"name": "Lakes", "parent_id": north.pk}
    )
    assert made.status_code == 201
    lakes = made.json()
    assert lakes["path"] == "North › Lakes"
    listed = api_call(client, "GET", "/groups", key=key).json()
    assert [(g["path"], g["account_count"]) for g in listed] == [("North", 1), ("North › Lakes", 0)]
    renamed = api_call(client, "PATCH", f"/groups/{lakes['id']}", key=key, body={"name": "Loch"})
    assert renamed.json()["name"] == "Loch"
    assert_error(
        api_call(client, "POST", "/groups", key=key, body={"name": "north"}), 409, "group_exists"
    )
    assert_error(
        api_call(
            client, "POST", "/groups", key=key, body={"name": "Deep", "parent_id": lakes["id"]}
        ),
        422,
        "group_too_deep",
    )
    assert_error(
        api_call(client, "DELETE", f"/groups/{north.pk}", key=key), 422, "group_has_subgroups"
    )
    assert api_call(client, "DELETE", f"/groups/{lakes['id']}", key=key).status_code == 204
    assert_error(api_call(client, "DELETE", f"/groups/{north.pk}", key=key), 422, "group_not_empty")
    assert (
        api_call(client, "DELETE", f"/groups/{north.pk}?move_accounts=true", key=key).status_code
        == 204
    )
    assert not AccountGroup.objects.filter(partner=org).exists()


def test_create_a_child_account(client, crumb):
    org, key, _, north, _ = crumb
    response = api_call(client, "POST", "/accounts", key=key, body={**NEW, "group_id": north.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["access_level"], body["plan_type"], body["group_id"]) == (
        "managed",
        "full",
        "SILVER",
        north.pk,
    )
    assert body["owner_invited"] == "maya@crumb.example"
    account = ClientAccount.objects.get(login_name="crumbporto")
    assert account.partner_id == org.pk and account.owner_id is None
    assert Invitation.objects.filter(account=account).count() == 1


def test_create_refuses_bad_and_taken_input(client, crumb):
    _, key, read, _, _ = crumb
    assert_error(api_call(client, "POST", "/accounts", key=read, body=NEW), 403, "scope_required")
    assert_error(
        api_call(client, "POST", "/accounts", key=key, body={**NEW, "login_name": "crumb01"}),
        409,
        "login_name_taken",
    )
    assert_error(
        api_call(client, "POST", "/accounts", key=key, body={**NEW, "owner_email": "nope"}),
        422,
        "validation_error",
    )
    assert not ClientAccount.objects.filter(login_name="crumbporto").exists()


def test_create_is_idempotent(client, crumb):
    _, key, _, _, _ = crumb
    first = api_call(
        client, "POST", "/accounts", key=key, body=NEW, headers={"Idempotency-Key": "k1"}
    )
    again = api_call(
        client, "POST", "/accounts", key=key, body=NEW, headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert ClientAccount.objects.filter(login_name="crumbporto").count() == 1


def test_list_filters_by_group_and_tag(client, crumb):
    org, key, _, north, account = crumb
    api_call(client, "POST", "/accounts", key=key, body=NEW)
    porto = ClientAccount.objects.get(login_name="crumbporto")
    in_north = api_call(client, "GET", f"/accounts?group={north.pk}", key=key).json()
    assert [(a["login_name"], a["group"]) for a in in_north["items"]] == [("crumb01", north.pk)]
    assert in_north["total"] == 1
    none = api_call(client, "GET", "/accounts?group=none", key=key).json()
    assert [(a["login_name"], a["group"]) for a in none["items"]] == [("crumbporto", None)]
    one = api_call(client, "GET", f"/accounts/{account.encoded_account_id}", key=key).json()
    assert one["group"] == north.pk
    tag = porto.taggings.get().tag
    tagged = api_call(client, "GET", f"/accounts?tag={tag.pk}", key=key).json()
    assert [a["login_name"] for a in tagged["items"]] == ["crumbporto"]
    account_tags_add(partner=org, account_ids=[account.pk], names=["drive-through"])
    assert api_call(client, "GET", f"/accounts?tag={tag.pk}", key=key).json()["total"] == 2


def test_move_an_account_and_another_organizations_objects_are_not_found(client, crumb, other):
    org, key, _, north, account = crumb
    _, other_key, _, their_group, their_account = other
    moved = api_call(
        client,
        "POST",
        f"/accounts/{account.encoded_account_id}/group",
        key=key,
        body={"group_id": None},
    )
    assert moved.json() == {
        "encoded_account_id": account.encoded_account_id,
        "group_id": None,
        "group_path": "",
    }
    assert_error(
        api_call(
            client,
            "POST",
            f"/accounts/{account.encoded_account_id}/group",
            key=key,
            body={"group_id": their_group.pk},
        ),
        404,
        "group_not_found",
    )
    for method, path, body in [
        ("PATCH", f"/groups/{north.pk}", {"name": "Mine"}),
        ("DELETE", f"/groups/{north.pk}", None),
        ("POST", f"/accounts/{account.encoded_account_id}/group", {"group_id": None}),
        ("POST", f"/accounts/{account.encoded_account_id}/detach", None),
    ]:
        assert api_call(client, method, path, key=other_key, body=body).status_code == 404
    listed = api_call(client, "GET", f"/accounts?group={north.pk}", key=other_key).json()
    assert listed["items"] == []
    assert AccountGroup.objects.get(pk=north.pk).name == "North"


def test_ask_to_detach(client, crumb):
    _, key, _, _, account = crumb
    no_owner = api_call(client, "POST", f"/accounts/{account.encoded_account_id}/detach", key=key)
    assert_error(no_owner, 422, "no_owner")
    ClientAccount.objects.filter(pk=account.pk).update(owner=UserFactory())
    asked = api_call(client, "POST", f"/accounts/{account.encoded_account_id}/detach", key=key)
    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    again = api_call(client, "POST", f"/accounts/{account.encoded_account_id}/detach", key=key)
    assert_error(again, 409, "detach_pending")
    assert DetachRequest.objects.count() == 1
    account.refresh_from_db()
    assert account.partner_id is not None
