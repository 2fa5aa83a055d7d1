"""The brand kit over /api/v1: the effective kit of an account, the organization's and the
groups' kits, and the logo behind the key."""

import base64

import pytest

from partnerhub.api.keys import api_key_create
from partnerhub.brand.models import BrandKit
from partnerhub.brand.services import brand_kit_save
from partnerhub.brand.tests.conftest import child, png_bytes
from partnerhub.organizations.services import group_create, organization_create
from partnerhub.partners.models import PartnerMember
from partnerhub.tests.factories import AccountFactory, MemberFactory

pytestmark = pytest.mark.django_db


def key(user, write=True):
    return api_key_create(actor=user, name="Brand sync", can_write=write)[1]


def call(client, method, path, secret, **kw):
    return getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {secret}", **kw)


def test_effective_kit_of_an_account(client, world):
    org_kit = brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#8a2be2", "heading_font": "georgia"},
        locked=["primary_color"],
        logo=png_bytes(),
    ).kit
    brand_kit_save(
        actor=world.north_shop.owner,
        partner=world.org,
        account=world.north_shop,
        values={"heading_font": "courier"},
    )
    response = call(
        client,
        "get",
        f"/api/v1/accounts/{world.north_shop.encoded_account_id}/brand",
        key(world.owner, False),
    )
    assert response.status_code == 200
    body = response.json()
    logo_url = f"http://testserver/api/v1/brand/logos/{org_kit.pk}"
    assert body["logo_url"] == logo_url
    assert body["fields"]["primary_color"] == {
        "value": "#8a2be2",
        "source": "organization",
        "locked": True,
    }
    assert body["fields"]["heading_font"] == {
        "value": "courier",
        "source": "account",
        "locked": False,
    }
    assert body["fields"]["body_font"] == {"value": "arial", "source": "default", "locked": False}
    assert body["fields"]["logo"] == {"value": logo_url, "source": "organization", "locked": False}


def test_logo_is_served_to_the_organizations_keys_only(client, world):
    kit = brand_kit_save(actor=world.owner, partner=world.org, logo=png_bytes()).kit
    secret = key(world.owner, False)
    response = call(client, "get", f"/api/v1/brand/logos/{kit.pk}", secret)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert client.get(f"/api/v1/brand/logos/{kit.pk}").status_code == 401
    other = organization_create(name="Other Bakery")
    other_secret = key(MemberFactory(partner=other, role="owner").user)
    assert call(client, "get", f"/api/v1/brand/logos/{kit.pk}", other_secret).status_code == 404


def test_another_organizations_account_is_not_found(client, world):
    other = organization_create(name="Other Bakery")
    theirs = child(other)
    response = call(
        client, "get", f"/api/v1/accounts/{theirs.encoded_account_id}/brand", key(world.owner)
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    stranger = AccountFactory()
    assert (
        call(
            client, "get", f"/api/v1/accounts/{stranger.encoded_account_id}/brand", key(world.owner)
        ).status_code
        == 404
    )


def test_put_organization_kit_with_locks_and_logo(client, world):
    secret = key(world.admin)
    response = call(
        client,
        "put",
        "/api/v1/brand",
        secret,
        data={
            "primary_color": "#123456",
            "social_links": {"instagram": "https://instagram.com/crumb"},
            "locked": ["primary_color"],
            "logo_base64": base64.b64encode(png_bytes(fmt="WEBP")).decode(),
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["values"]["primary_color"] == "#123456"
    assert body["values"]["social_links"] == {"instagram": "https://instagram.com/crumb"}
    assert body["locked"] == ["primary_color"]
    assert body["logo_url"].startswith("http://testserver/api/v1/brand/logos/")
    kit = BrandKit.objects.get(group=None, account=None)
    assert kit.logo_content_type == "image/webp"
    got = call(client, "get", "/api/v1/brand", secret).json()
    assert got == body


def test_put_group_kit_and_read_it(client, world):
    secret = key(world.owner)
    response = call(
        client,
        "put",
        f"/api/v1/groups/{world.north.pk}/brand",
        secret,
        data={"accent_color": "#00aa55", "locked": ["accent_color"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["group_name"] == "North"
    body = call(client, "get", f"/api/v1/groups/{world.lakeside.pk}/brand", secret).json()
    assert (body["level"], body["group_name"], body["locked"]) == ("group", "North › Lakeside", [])


def test_refusals_in_the_api_format(client, world):
    read_only = key(world.owner, write=False)
    response = call(
        client,
        "put",
        "/api/v1/brand",
        read_only,
        data={"primary_color": "#123456"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "scope_required")

    # A key made by an admin who is now a group manager acts as a group manager.
    demoted = MemberFactory(partner=world.org, role="admin")
    manager = key(demoted.user)
    PartnerMember.objects.filter(pk=demoted.pk).update(role="member")
    response = call(
        client,
        "put",
        "/api/v1/brand",
        manager,
        data={"primary_color": "#123456"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "brand_admins_only")

    admin = key(world.admin)
    response = call(
        client,
        "put",
        "/api/v1/brand",
        admin,
        data={"primary_color": "red"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"]["primary_color"]

    svg = base64.b64encode(b"<svg onload='alert(1)'></svg>").decode()
    response = call(
        client,
        "put",
        "/api/v1/brand",
        admin,
        data={"logo_base64": svg},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "brand_invalid")

    response = call(
        client,
        "put",
        "/api/v1/brand",
        admin,
        data={"logo_base64": "***"},
        content_type="application/json",
    )
    assert response.status_code == 422

    other_group = organization_create(name="Other Bakery")
    theirs = group_create(partner=other_group, name="Theirs")
    assert call(client, "get", f"/api/v1/groups/{theirs.pk}/brand", admin).status_code == 404
    assert not BrandKit.objects.exists()


def test_an_agency_reads_empty_kits_and_cannot_keep_one(client, db):
    agency_owner = MemberFactory(role="owner").user
    secret = key(agency_owner)
    body = call(client, "get", "/api/v1/brand", secret).json()
    assert (body["values"]["primary_color"], body["locked"], body["logo_url"]) == ("", [], None)
    response = call(
        client,
        "put",
        "/api/v1/brand",
        secret,
        data={"primary_color": "#123456"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (
        422,
        "brand_organizations_only",
    )
    assert not BrandKit.objects.exists()
