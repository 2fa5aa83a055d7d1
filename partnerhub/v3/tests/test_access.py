"""Every endpoint for the owner's credentials, another partner's credentials, a signed-in
customer (who has no credentials) and an anonymous caller: only the owner gets or changes
anything of the owner's partnership."""

import base64

import pytest
from django.contrib.auth import get_user_model

from partnerhub.audit.models import AuditEvent
from partnerhub.billing.models import BillingEvent
from partnerhub.clients.models import ClientAccount
from partnerhub.partnerships.models import Partnership
from partnerhub.tests.factories import PASSWORD
from partnerhub.v3.models import V3AccessToken, V3AccountProfile
from partnerhub.webhooks import services as webhooks
from partnerhub.webhooks.models import WebhookEndpoint, WebhookEvent

OWNER_HOOK = "https://hooks.brightwave.example/cancelled"


def _endpoints(cast):
    trial, paying = cast.trial.encoded_account_id, cast.paying.encoded_account_id
    subs = "/v3/partner/webhooks/subscriptions"
    return {
        "list": ("get", "/v3/partner/accounts", None),
        "create": (
            "post",
            "/v3/partner/accounts",
            {
                "contact_email": "new@client.example",
                "country_code": "GB",
                "login_name": "newclient01",
                "password": "Tide-Lantern-4821",
                "state_code": "",
            },
        ),
        "plan_get": ("get", f"/v3/partner/accounts/{trial}/plan", None),
        "plan_put": (
            "put",
            f"/v3/partner/accounts/{trial}/plan",
            {"plan_type": "BRONZE", "billing_day_of_month": 5},
        ),
        "cancel": ("put", f"/v3/partner/accounts/{paying}/status/cancel", {"reason_id": 2}),
        "subs_list": ("get", subs, None),
        "sub_get": ("get", f"{subs}/3", None),
        "sub_put": ("put", f"{subs}/3", {"hook_uri": "https://elsewhere.example/hook"}),
        "sub_delete": ("delete", f"{subs}/3", None),
        "sub_test": ("post", f"{subs}/3/tests", None),
    }


ENDPOINTS = [
    "list",
    "create",
    "plan_get",
    "plan_put",
    "cancel",
    "subs_list",
    "sub_get",
    "sub_put",
    "sub_delete",
    "sub_test",
]


def _call(client, cast, name, headers=None):
    method, path, body = _endpoints(cast)[name]
    kwargs = {"headers": headers or {}}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    return getattr(client, method)(path, **kwargs)


def _owners_world(cast) -> dict:
    partner = cast.owner.client.partner
    return {
        "accounts": sorted(
            ClientAccount.objects.filter(partner=partner).values_list(
                "encoded_account_id", "plan_type", "billing_status", "partnership_kind"
            )
        ),
        "partnerships": Partnership.objects.filter(partner=partner).count(),
        "billing_events": BillingEvent.objects.filter(account__partner=partner).count(),
        "endpoints": sorted(
            WebhookEndpoint.objects.filter(partner=partner).values_list(
                "v3_topic", "url", "enabled"
            )
        ),
        "webhook_events": WebhookEvent.objects.filter(partner=partner).count(),
        "audit": AuditEvent.objects.filter(partner=partner).count(),
    }


def _everything() -> dict:
    return {
        "accounts": ClientAccount.objects.count(),
        "users": get_user_model().objects.count(),
        "partnerships": Partnership.objects.count(),
        "billing_events": BillingEvent.objects.count(),
        "endpoints": WebhookEndpoint.objects.count(),
        "webhook_events": WebhookEvent.objects.count(),
        "profiles": V3AccountProfile.objects.count(),
        "tokens": V3AccessToken.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def world(cast):
    webhooks.endpoint_create(
        actor=cast.owner.member.user,
        url=OWNER_HOOK,
        event_types=["account.cancel"],
        v3_topic=3,
    )
    return cast


def _assert_error_array(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(e) == {"error_key", "error_message"} for e in body)


def _no_owner_data(response, cast):
    text = response.content.decode()
    for secret_of_owner in (
        cast.trial.encoded_account_id,
        cast.paying.encoded_account_id,
        cast.trial.organization_name,
        OWNER_HOOK,
    ):
        assert secret_of_owner not in text


# --- The owner ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_the_owner_gets_and_changes_their_own(client, world, name):
    cast = world
    before = _owners_world(cast)
    response = _call(client, cast, name, cast.owner.headers)
    assert response.status_code in (200, 201, 204), response.content
    after = _owners_world(cast)
    if name == "list":
        ids = {r["encoded_account_id"] for r in response.json()["site_owner_list"]}
        assert ids == {cast.trial.encoded_account_id, cast.paying.encoded_account_id}
    elif name == "create":
        assert len(after["accounts"]) == len(before["accounts"]) + 1
    elif name == "plan_get":
        assert response.json()["plan_type"] == "TRIAL"
    elif name == "plan_put":
        assert response.json() == {
            "plan_type": "BRONZE",
            "current_tiers": [
                {
                    "usage_type": "CONTACTS",
                    "current_usage": float(cast.trial.contact_count),
                    "tier": 1,
                    "tier_min": 0.0,
                    "tier_max": 500.0,
                    "price": 12.0,
                    "currency_code": "USD",
                }
            ],
            "billing_status": "Open",
            "billing_day_of_month": 5,
        }
    elif name == "cancel":
        cast.paying.refresh_from_db()
        assert cast.paying.billing_status == "Canceled"
    elif name == "subs_list":
        assert [s["hook_uri"] for s in response.json()] == [None, None, OWNER_HOOK, None]
    elif name == "sub_get":
        assert response.json()["hook_uri"] == OWNER_HOOK
    elif name == "sub_put":
        assert after["endpoints"] == [(3, "https://elsewhere.example/hook", True)]
    elif name == "sub_delete":
        assert after["endpoints"] == []
    elif name == "sub_test":
        assert after["webhook_events"] == before["webhook_events"] + 1


# --- Another partner's credentials -----------------------------------------------------------

OTHER_STATUS = {
    "list": 200,
    "create": 201,  # an account of *their* partnership
    "plan_get": 400,
    "plan_put": 400,
    "cancel": 400,
    "subs_list": 200,  # their own topics, none subscribed
    "sub_get": 200,
    "sub_put": 200,  # their own subscription
    "sub_delete": 204,
    "sub_test": 400,  # they have no subscription for topic 3
}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_another_partner_gets_and_changes_nothing_of_the_owner(client, world, name):
    cast = world
    before = _owners_world(cast)
    response = _call(client, cast, name, cast.other.headers)
    assert response.status_code == OTHER_STATUS[name], response.content
    if response.status_code >= 400:
        _assert_error_array(response, response.status_code)
        if name.startswith("plan") or name == "cancel":
            assert response.json()[0]["error_key"] == "partner.api.account.not_in_partnership"
    _no_owner_data(response, cast)
    assert _owners_world(cast) == before
    if name == "create":
        created = ClientAccount.objects.get(login_name="newclient01")
        assert created.partner_id == cast.other.client.partner_id
    if name == "sub_put":
        assert WebhookEndpoint.objects.get(v3_topic=3, url__contains="elsewhere").partner_id == (
            cast.other.client.partner_id
        )


# --- A customer and an anonymous caller ------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_signed_in_customer_without_credentials_gets_401(client, world, name):
    cast = world
    client.force_login(cast.customer)
    before = _everything()
    response = _call(client, cast, name)
    _assert_error_array(response, 401)
    _no_owner_data(response, cast)
    assert _everything() == before


@pytest.mark.parametrize("name", ENDPOINTS)
def test_an_anonymous_caller_gets_401(client, world, name):
    cast = world
    before = _everything()
    response = _call(client, cast, name)
    _assert_error_array(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    _no_owner_data(response, cast)
    assert _everything() == before


def test_a_customer_cannot_get_a_token_with_their_sign_in(client, world):
    basic = base64.b64encode(f"{world.customer.username}:{PASSWORD}".encode()).decode()
    before = _everything()
    response = client.post(
        "/v3/oauth2/token?grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Basic {basic}"},
    )
    _assert_error_array(response, 401)
    assert _everything() == before
