"""Drives /v3/partner/... over HTTP with ``requests``, as an existing integration written against
the public V3 partner API does: token, paging, create, plan, cancel, webhook subscriptions."""

import datetime as dt
import socket

import pytest
import requests

from partnerhub.access.models import ManageRequest
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.invitations.models import Invitation
from partnerhub.partners.models import PartnerRole
from partnerhub.partnerships.models import Partnership, PartnershipSource
from partnerhub.tests.factories import MemberFactory, credited_account
from partnerhub.tests.program import migration_rows_restore
from partnerhub.v3.credentials import v3_client_create
from partnerhub.v3.models import V3AccountProfile
from partnerhub.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_error_array(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(item) == {"error_key", "error_message"} for item in body)
    return body


class Integration:
    """What a V3 integration keeps: its base URL, credentials, and a session."""

    def __init__(self, base_url, client_id, client_secret, api_key):
        self.base = base_url
        self.client_id, self.client_secret, self.api_key = client_id, client_secret, api_key
        self.session = requests.Session()

    def authenticate(self):
        response = requests.post(
            f"{self.base}/v3/oauth2/token",
            params={"grant_type": "client_credentials"},
            auth=(self.client_id, self.client_secret),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        token = response.json()
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3600
        self.session.headers.update(
            {"x-api-key": self.api_key, "Authorization": f"Bearer {token['access_token']}"}
        )
        return token

    def get(self, path, **kw):
        return self.session.get(self.base + path, timeout=10, **kw)

    def post(self, path, **kw):
        return self.session.post(self.base + path, timeout=10, **kw)

    def put(self, path, **kw):
        return self.session.put(self.base + path, timeout=10, **kw)

    def delete(self, path, **kw):
        return self.session.delete(self.base + path, timeout=10, **kw)

    def all_accounts(self, first_path):
        pages, seen, path = 0, [], first_path
        while path:
            response = self.get(path)
            assert response.status_code == 200, response.text
            body = response.json()
            pages += 1
            seen += body["site_owner_list"]
            path = body["_links"].get("next", {}).get("href")
        return pages, seen


@pytest.fixture
def integration(live_server):
    # A live server's tests start from tables emptied after the one before: the plan answer
    # needs the price book the migrations write.
    migration_rows_restore()
    owner = MemberFactory(role=PartnerRole.OWNER, partner__name="Brightwave Agency")
    for n in range(23):
        credited_account(
            owner.partner,
            kind=PartnershipKind.MANAGED if n % 3 == 0 else PartnershipKind.REFERRED,
            organization_name=f"Client {n:02d}",
        )
    client, secret, api_key = v3_client_create(actor=owner.user, name="Our CRM sync")
    integration = Integration(live_server.url, client.client_id, secret, api_key)
    integration.partner = owner.partner
    return integration


def test_an_existing_integration_works_end_to_end(integration):
    api = integration
    # Without a token: the error array, 401.
    assert _is_error_array(requests.get(api.base + "/v3/partner/accounts", timeout=10), 401)
    api.authenticate()

    # --- Listing with paging: follow _links.next.href until it is gone.
    pages, rows = api.all_accounts("/v3/partner/accounts?limit=10")
    assert pages == 3
    assert len(rows) == 23 == len({r["encoded_account_id"] for r in rows})
    assert [r["organization_name"] for r in rows] == [f"Client {n:02d}" for n in range(23)]
    assert set(rows[0]) == {
        "encoded_account_id",
        "subscriber_count",
        "organization_name",
        "site_owner_name",
        "billing_status",
        "last_login_date",
    }
    first = api.get("/v3/partner/accounts?limit=10").json()
    assert first["_links"]["next"]["href"].startswith("/v3/partner/accounts?offset=")
    assert "limit=10" in first["_links"]["next"]["href"]
    pages, managed = api.all_accounts("/v3/partner/accounts?limit=10&account_type=managed")
    assert (pages, len(managed)) == (1, 8)
    pages, referred = api.all_accounts("/v3/partner/accounts?account_type=unmanaged&limit=10")
    assert (pages, len(referred)) == (2, 15)
    last = api.get("/v3/partner/accounts").json()  # default limit 50: one page
    assert len(last["site_owner_list"]) == 23 and "next" not in last["_links"]

    # --- Creating a client account.
    response = api.post(
        "/v3/partner/accounts",
        json={
            "contact_email": "Dana@Dunes.example",
            "country_code": "US",
            "login_name": "dunesdesign",
            "password": "Tide-Lantern-4821",
            "state_code": "MA",
            "first_name": "Dana",
            "last_name": "Dune",
            "organization_name": "Dunes Design",
            "contact_phone": "+1 555 0100",
            "website": "https://dunes.example",
            "partner_account_id": "crm-4711",
            "billing_locale": "en_US",
            "managed_site_owner": True,
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"encoded_account_id", "provision_uuid"}
    encoded = created["encoded_account_id"]
    account = ClientAccount.objects.get(encoded_account_id=encoded)
    assert (account.plan_type, account.billing_status) == ("TRIAL", "Trial")
    # referred, with no owner yet: the person is invited to own it, and asked for full
    # access; it becomes managed only when its owner confirms
    assert account.partner_id == api.partner.pk and not account.is_managed
    assert account.owner is None
    invitation = Invitation.objects.get(account=account)
    assert (invitation.email, invitation.status) == ("dana@dunes.example", "pending")
    assert ManageRequest.objects.get(account=account).status == "pending"
    partnership = Partnership.objects.get(account=account)
    assert partnership.source == PartnershipSource.CREATED_BY_PARTNER
    profile = V3AccountProfile.objects.get(account=account)
    assert str(profile.provision_uuid) == created["provision_uuid"]
    assert (profile.country_code, profile.state_code, profile.partner_account_id) == (
        "US",
        "MA",
        "crm-4711",
    )
    again = api.post(
        "/v3/partner/accounts",
        json={
            "contact_email": "x@y.example",
            "country_code": "GB",
            "login_name": "DunesDesign",
            "password": "Tide-Lantern-4821",
            "state_code": "",
        },
    )
    assert _is_error_array(again, 409)[0]["error_key"] == "partner.api.login_name.conflict"
    invalid = api.post("/v3/partner/accounts", json={"login_name": "short"})
    errors = _is_error_array(invalid, 400)
    assert {e["error_message"].split(":")[0] for e in errors} >= {
        "contact_email",
        "country_code",
        "login_name",
        "state_code",
    }
    pages, rows = api.all_accounts("/v3/partner/accounts?limit=10")
    assert len(rows) == 24 and encoded in {r["encoded_account_id"] for r in rows}

    # --- Reading and changing the plan.
    plan_path = f"/v3/partner/accounts/{encoded}/plan"
    plan = api.get(plan_path).json()
    tier_one = {
        "usage_type": "CONTACTS",
        "current_usage": 0.0,
        "tier": 1,
        "tier_min": 0.0,
        "tier_max": 500.0,
        "currency_code": "USD",
    }
    assert plan == {
        "plan_type": "TRIAL",
        "current_tiers": [{**tier_one, "price": 0.0}],
        "billing_status": "Trial",
        "billing_day_of_month": None,
    }
    response = api.put(
        plan_path, json={"plan_type": "SILVER", "plan_group_id": 152, "billing_day_of_month": "15"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "plan_type": "SILVER",
        "current_tiers": [{**tier_one, "price": 20.0}],
        "billing_status": "Open",
        "billing_day_of_month": 15,
    }
    account.refresh_from_db()
    assert account.converted_at is not None
    back = api.put(plan_path, json={"plan_type": "TRIAL"})
    assert _is_error_array(back, 400)[0]["error_key"] == "partner.api.plan_back_to_trial"
    # Not leaving TRIAL: the billing day sent is ignored, as the contract says
    moved_day = api.put(plan_path, json={"plan_type": "GOLD", "billing_day_of_month": 3})
    assert moved_day.status_code == 200, moved_day.text
    assert api.get(plan_path).json() == {
        "plan_type": "GOLD",
        "current_tiers": [{**tier_one, "price": 45.0}],
        "billing_status": "Open",
        "billing_day_of_month": 15,
    }
    assert _is_error_array(api.get("/v3/partner/accounts/nosuchaccount/plan"), 404)

    # --- Cancelling.
    cancel_path = f"/v3/partner/accounts/{encoded}/status/cancel"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    response = api.put(cancel_path, json={"reason_id": 1, "effective_date": today})
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["reason_id", "effective_date"]
    assert response.json()["reason_id"] == 1
    assert response.json()["effective_date"].startswith(today)
    assert api.get(plan_path).json()["billing_status"] == "Canceled"
    assert _is_error_array(api.put(cancel_path, json={}), 400)
    assert _is_error_array(api.put("/v3/partner/accounts/nosuchaccount/status/cancel"), 404)

    # --- Webhook subscriptions.
    listed = api.get("/v3/partner/webhooks/subscriptions").json()
    assert [(s["topic_id"], s["topic_name"], s["hook_uri"]) for s in listed] == [
        (1, "Billing Tier Upgrade", None),
        (2, "Billing Tier Downgrade", None),
        (3, "Account Cancelled", None),
        (4, "Account Disabled", None),
    ]
    hook = f"https://127.0.0.1:{_closed_port()}/hooks/tiers"
    response = api.put("/v3/partner/webhooks/subscriptions/1", json={"hook_uri": hook})
    assert response.status_code == 200, response.text
    assert response.json() == {"topic_id": 1, "hook_uri": hook}
    assert api.get("/v3/partner/webhooks/subscriptions/1").json() == {
        "topic_id": 1,
        "topic_name": "Billing Tier Upgrade",
        "topic_description": "Executes when an account's billing tier is upgraded.",
        "hook_uri": hook,
    }
    assert api.get("/v3/partner/webhooks/subscriptions").json()[0]["hook_uri"] == hook
    insecure = api.put(
        "/v3/partner/webhooks/subscriptions/2", json={"hook_uri": "http://example.com/h"}
    )
    assert _is_error_array(insecure, 400)
    too_long = api.put(
        "/v3/partner/webhooks/subscriptions/2",
        json={"hook_uri": "https://example.com/" + "a" * 500},
    )
    assert _is_error_array(too_long, 400)
    endpoint = WebhookEndpoint.objects.get(partner=api.partner, v3_topic=1)
    assert endpoint.event_types == ["tier.increase"]

    response = api.post("/v3/partner/webhooks/subscriptions/1/tests")
    assert response.status_code == 201, response.text
    assert response.json()["hook_uri"] == hook
    test_event = WebhookEvent.objects.get(partner=api.partner, payload__test=True)
    assert WebhookDelivery.objects.filter(event=test_event, endpoint=endpoint).count() == 1
    not_subscribed = api.post("/v3/partner/webhooks/subscriptions/2/tests")
    assert _is_error_array(not_subscribed, 400)

    assert api.delete("/v3/partner/webhooks/subscriptions/1").status_code == 204
    assert api.get("/v3/partner/webhooks/subscriptions/1").json()["hook_uri"] is None
    assert not WebhookEndpoint.objects.filter(partner=api.partner, v3_topic=1).exists()
    assert _is_error_array(api.get("/v3/partner/webhooks/subscriptions/9"), 404)
    assert _is_error_array(api.post("/v3/partner/webhooks/subscriptions/x/tests"), 404)


def test_the_token_endpoint_answers_at_the_other_paths_too(integration):
    for path in ("/v3/idfed", "/v3/idfed/as/token.oauth2", "/v3/oauth2/token"):
        response = requests.post(
            integration.base + path,
            data={"grant_type": "client_credentials"},
            auth=(integration.client_id, integration.client_secret),
            timeout=10,
        )
        assert response.status_code == 200, (path, response.text)
        assert response.headers["Cache-Control"] == "no-store"
    wrong = requests.post(
        integration.base + "/v3/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(integration.client_id, "not-the-secret"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert _is_error_array(wrong, 401)
