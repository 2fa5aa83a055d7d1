"""POST /v3/partner/accounts with the whole Provision body: each field checked as the contract
gives it, stored, and shown on the partner's account page, in the admin and in the native API;
the password only as a Django password hash."""

import json

import pytest
from django.contrib.auth.hashers import check_password

from partnerhub.api.keys import api_key_create
from partnerhub.clients.models import ClientAccount
from partnerhub.tests.factories import UserFactory
from partnerhub.v3.models import V3AccountProfile

ACCOUNTS = "/v3/partner/accounts"

FULL = {
    "contact_email": "hank@fruit.example",
    "contact_phone": "588-768-6868",
    "country_code": "US",
    "organization_name": "Hanks Fresh Fruit Delivery",
    "organization_phone": "401-244-1000",
    "state_code": "MA",
    "time_zone_id": "US/Eastern",
    "website": "http://fruit.example",
    "login_name": "hank_smith",
    "password": "Orchard-Basket-77",
    "first_name": "Hank",
    "last_name": "Smith",
    "partner_account_id": "partner1234",
    "billing_locale": "en_GB",
    "managed_site_owner": False,
    "enable_single_billing": True,
    "gdpr_opt_out": True,
}


def _create(client, cast, body):
    return client.post(
        ACCOUNTS, data=json.dumps(body), content_type="application/json", headers=cast.owner.headers
    )


def test_every_provision_field_is_stored_and_shown(client, cast):
    response = _create(client, cast, FULL)
    assert response.status_code == 201, response.content
    account = ClientAccount.objects.get(encoded_account_id=response.json()["encoded_account_id"])
    profile = V3AccountProfile.objects.get(account=account)

    assert (account.organization_name, account.owner_name, account.login_name) == (
        "Hanks Fresh Fruit Delivery",
        "Hank Smith",
        "hank_smith",
    )
    assert (account.contact_phone, account.organization_phone, account.time_zone_id) == (
        "588-768-6868",
        "401-244-1000",
        "US/Eastern",
    )
    assert (account.gdpr_opt_out, account.single_billing_requested, account.single_bill) == (
        True,
        True,
        False,  # asked for; program staff turn Single Bill on
    )
    assert check_password("Orchard-Basket-77", account.provisioned_password)
    assert "Orchard-Basket-77" not in account.provisioned_password
    assert (profile.country_code, profile.state_code, profile.billing_locale) == (
        "US",
        "MA",
        "en_GB",
    )
    assert (profile.website, profile.partner_account_id, profile.phone) == (
        "http://fruit.example",
        "partner1234",
        "588-768-6868",
    )

    # The partner's account page shows what it was set up with
    client.force_login(cast.owner.member.user)
    page = client.get(f"/portal/accounts/{account.encoded_account_id}/").content.decode()
    for shown in ("588-768-6868", "401-244-1000", "US/Eastern", "Opted out (none are sent)"):
        assert shown in page
    assert "Asked for at creation; not turned on yet" in page

    # The native API's account object carries them
    _key, secret = api_key_create(actor=cast.owner.member.user, name="CRM", can_write=False)
    native = client.get(
        f"/api/v1/accounts/{account.encoded_account_id}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert native.status_code == 200, native.content
    assert native.json()["provisioning"] == {
        "contact_phone": "588-768-6868",
        "organization_phone": "401-244-1000",
        "time_zone_id": "US/Eastern",
        "gdpr_opt_out": True,
        "single_billing_requested": True,
        "external_provider": "",
        "external_id": "",
    }

    # The admin shows the fields, and only whether a password waits, never its hash
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin = client.get(f"/admin/clients/clientaccount/{account.pk}/change/").content.decode()
    assert "US/Eastern" in admin and "401-244-1000" in admin
    assert "Password set up for the owner" in admin
    assert account.provisioned_password not in admin


def test_an_external_authenticator_takes_the_place_of_the_password(client, cast):
    body = {k: v for k, v in FULL.items() if k != "password"}
    body.update(external_id="123456789123456789", external_provider="Yahoo")
    response = _create(client, cast, body)
    assert response.status_code == 201, response.content
    account = ClientAccount.objects.get(login_name="hank_smith")
    assert (account.login_external_provider, account.login_external_id) == (
        "Yahoo",
        "123456789123456789",
    )
    assert account.provisioned_password == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": None}, "password: is required unless external_id and external_provider"),
        ({"password": "short"}, "password: String should have at least 8 characters"),
        ({"password": "x" * 81}, "password: String should have at most 80 characters"),
        ({"password": "12345678"}, "password: This password is too common."),
        ({"external_id": "1", "external_provider": "Yahoo"}, "password: not used with"),
        ({"external_provider": "Yahoo", "password": None}, "external_id and external_provider"),
        ({"first_name": "H"}, "first_name: is shorter than 2 characters"),
        ({"last_name": "S" * 81}, "last_name: is longer than 80 characters"),
        ({"contact_phone": "1234"}, "contact_phone: is shorter than 5 characters"),
        ({"organization_phone": "1" * 26}, "organization_phone: is longer than 25 characters"),
        ({"organization_name": "O" * 51}, "organization_name: is longer than 50 characters"),
        ({"contact_email": "a" * 70 + "@fruit.example"}, "contact_email: is longer than 80"),
        ({"contact_email": "not-an-address"}, "contact_email: is not a valid e-mail address"),
        ({"login_name": "hank smith"}, "login_name: 6 to 50 characters, only letters"),
        ({"login_name": "hank#smith"}, "login_name: 6 to 50 characters, only letters"),
        ({"time_zone_id": "Mars/Olympus"}, "time_zone_id: Mars/Olympus is not a known time zone"),
        ({"website": "fruit.example"}, "website: a URL starting with http:// or https://"),
        ({"billing_locale": "fr_FR"}, "billing_locale: Input should be 'en_US' or 'en_GB'"),
        ({"partner_account_id": "p" * 81}, "partner_account_id: is longer than 80 characters"),
        ({"external_id": "1" * 256, "password": None}, "external_id: is longer than 255"),
        ({"gdpr_opt_out": "maybe"}, "gdpr_opt_out: Input should be a valid boolean"),
    ],
)
def test_each_field_is_checked_and_a_refusal_creates_nothing(client, cast, change, message):
    body = {**FULL, **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = ClientAccount.objects.count()
    response = _create(client, cast, body)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert any(e["error_message"].startswith(message) for e in errors), errors
    assert all(e["error_key"] == "partner.api.validation.error" for e in errors)
    assert ClientAccount.objects.count() == before
