"""Tokens and keys, the limit rule, and the error array for every kind of error."""

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from partnerhub.api import keycache
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory, credited_account
from partnerhub.v3.credentials import access_token_issue, v3_client_revoke
from partnerhub.v3.models import V3AccessToken
from partnerhub.v3.tests.conftest import make_creds

ACCOUNTS = "/v3/partner/accounts"


def _errors(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(e) == {"error_key", "error_message"} for e in body)
    return body


def _basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


# --- limit ------------------------------------------------------------------------------------


@pytest.fixture
def big_partner(db):
    owner = MemberFactory(role=PartnerRole.OWNER)
    for n in range(55):
        credited_account(owner.partner, organization_name=f"Org {n:03d}")
    return make_creds(owner)


LIMITS = [
    (None, 50),
    ("5", 50),
    ("9", 50),
    ("10", 10),
    ("37", 37),
    ("50", 50),
    ("51", 50),
    ("100", 50),
    ("-3", 50),
    ("abc", 50),
    ("", 50),
]


def test_a_limit_out_of_10_to_50_gives_50(client, big_partner):
    for limit, size in LIMITS:
        path = ACCOUNTS if limit is None else f"{ACCOUNTS}?limit={limit}"
        response = client.get(path, headers=big_partner.headers)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["site_owner_list"]) == size, limit
        assert f"limit={size}" in body["_links"]["next"]["href"]


def test_paging_visits_every_account_once_and_the_last_page_has_no_next(client, big_partner):
    seen, path, pages = [], f"{ACCOUNTS}?limit=20", 0
    while path:
        body = client.get(path, headers=big_partner.headers).json()
        seen += [r["organization_name"] for r in body["site_owner_list"]]
        path = body["_links"].get("next", {}).get("href")
        pages += 1
    assert pages == 3
    assert seen == [f"Org {n:03d}" for n in range(55)]


def test_an_offset_that_was_not_given_out_is_400(client, cast):
    for offset in ("garbage", "W251bGwsIDEsIDEsIDBd", "WyJ4IiwgMSwgMCwgMV0"):
        response = client.get(f"{ACCOUNTS}?offset={offset}", headers=cast.owner.headers)
        assert _errors(response, 400)[0]["error_key"] == "partner.api.offset.invalid"


def test_an_unknown_account_type_is_400(client, cast):
    response = client.get(f"{ACCOUNTS}?account_type=referred", headers=cast.owner.headers)
    assert _errors(response, 400)[0]["error_message"].startswith("account_type:")


def test_account_types_filter_managed_and_unmanaged(client, cast):
    def names(kind):
        body = client.get(f"{ACCOUNTS}?account_type={kind}", headers=cast.owner.headers).json()
        return [r["organization_name"] for r in body["site_owner_list"]]

    assert names("all") == ["Blue Bakery", "Green Garden"]
    assert names("managed") == ["Green Garden"]
    assert names("unmanaged") == ["Blue Bakery"]


def test_a_row_has_the_public_fields(client, cast):
    row = client.get(ACCOUNTS, headers=cast.owner.headers).json()["site_owner_list"][1]
    assert row == {
        "encoded_account_id": cast.paying.encoded_account_id,
        "subscriber_count": 120,
        "organization_name": "Green Garden",
        "site_owner_name": cast.paying.owner_name,
        "billing_status": "Open",
        "last_login_date": "2026-11-01T09:00:00Z",
    }


def test_the_page_is_what_the_schema_would_write(client, cast):
    # The list writes its rows from the page's values: they must validate as the documented
    # SiteOwnerPage and carry its fields in its order.
    from partnerhub.v3.schemas import SiteOwnerOut, SiteOwnerPage

    response = client.get(f"{ACCOUNTS}?limit=10", headers=cast.owner.headers)

    assert response["Content-Type"] == "application/json"
    body = response.json()
    SiteOwnerPage.model_validate(body)  # raises on a field of the wrong type or a missing one
    assert list(body) == ["site_owner_list", "_links"]
    assert [list(r) for r in body["site_owner_list"]] == [list(SiteOwnerOut.model_fields)] * 2


# --- tokens and keys ----------------------------------------------------------------------------


def test_a_bad_token_is_401(client, cast):
    headers = {**cast.owner.headers, "Authorization": "Bearer ph3t_not-a-token"}
    assert _errors(client.get(ACCOUNTS, headers=headers), 401)[0]["error_key"] == "unauthorized"


def test_an_expired_token_is_401(client, cast):
    assert client.get(ACCOUNTS, headers=cast.owner.headers).status_code == 200
    V3AccessToken.objects.filter(client=cast.owner.client).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    # Checked again, as after the second a passed check is remembered (an expiry while
    # remembered: ``test_credential_cache``).
    keycache.v3_clients.clear()
    _errors(client.get(ACCOUNTS, headers=cast.owner.headers), 401)


def test_a_token_lasts_one_hour(cast):
    token = V3AccessToken.objects.get(client=cast.owner.client)
    assert token.expires_at - token.created_at == dt.timedelta(hours=1)
    assert cast.owner.token not in (token.token_hash,)


def test_the_x_api_key_of_another_client_is_401(client, cast):
    headers = {**cast.owner.headers, "x-api-key": cast.other.api_key}
    _errors(client.get(ACCOUNTS, headers=headers), 401)


def test_the_x_api_key_of_a_second_client_of_the_same_partner_is_401(client, cast):
    second = make_creds(cast.owner.member, name="Second")
    headers = {**cast.owner.headers, "x-api-key": second.api_key}
    _errors(client.get(ACCOUNTS, headers=headers), 401)


def test_a_token_without_the_x_api_key_or_a_key_without_a_token_is_401(client, cast):
    _errors(client.get(ACCOUNTS, headers={"Authorization": f"Bearer {cast.owner.token}"}), 401)
    _errors(client.get(ACCOUNTS, headers={"x-api-key": cast.owner.api_key}), 401)


def test_the_bare_token_of_the_public_examples_is_accepted(client, cast):
    headers = {"x-api-key": cast.owner.api_key, "Authorization": cast.owner.token}
    assert client.get(ACCOUNTS, headers=headers).status_code == 200


def test_basic_credentials_do_not_open_the_partner_endpoints(client, cast):
    headers = {
        "x-api-key": cast.owner.api_key,
        **_basic(cast.owner.client.client_id, cast.owner.client_secret),
    }
    _errors(client.get(ACCOUNTS, headers=headers), 401)


def test_revoked_credentials_stop_at_once(client, cast):
    v3_client_revoke(actor=cast.owner.member.user, client_id=cast.owner.client.pk)
    _errors(client.get(ACCOUNTS, headers=cast.owner.headers), 401)
    token = client.post(
        "/v3/oauth2/token?grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers=_basic(cast.owner.client.client_id, cast.owner.client_secret),
    )
    _errors(token, 401)


@pytest.mark.parametrize("change", ["demoted", "left"])
def test_credentials_stop_when_their_creator_is_no_longer_an_owner_or_admin(client, cast, change):
    member = cast.owner.member
    MemberFactory(partner=member.partner, role=PartnerRole.OWNER)  # the partner keeps an owner
    if change == "demoted":
        member.role = PartnerRole.MEMBER
        member.save()
    else:
        member.delete()
    _errors(client.get(ACCOUNTS, headers=cast.owner.headers), 401)


# --- the token endpoint -------------------------------------------------------------------------


def test_the_token_endpoint_issues_a_bearer_token(client, cast):
    response = client.post(
        "/v3/oauth2/token?grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers=_basic(cast.owner.client.client_id, cast.owner.client_secret),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    headers = {"x-api-key": cast.owner.api_key, "Authorization": f"Bearer {body['access_token']}"}
    assert client.get(ACCOUNTS, headers=headers).status_code == 200


def test_grant_type_may_come_in_the_form_body_and_anything_but_a_form_is_415(client, cast):
    basic = _basic(cast.owner.client.client_id, cast.owner.client_secret)
    form = client.post(
        "/v3/oauth2/token",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers=basic,
    )
    assert form.status_code == 200, form.content
    before = V3AccessToken.objects.count()
    as_json = client.post(
        "/v3/idfed",
        data=json.dumps({"grant_type": "client_credentials"}),
        content_type="application/json",
        headers=basic,
    )
    assert _errors(as_json, 415)[0]["error_key"] == "partner.api.unsupported_media_type"
    multipart = client.post(
        "/v3/oauth2/token?grant_type=client_credentials", {"a": "b"}, headers=basic
    )
    _errors(multipart, 415)
    assert V3AccessToken.objects.count() == before


@pytest.mark.parametrize("grant", ["", "password", "authorization_code"])
def test_another_grant_type_is_400(client, cast, grant):
    response = client.post(
        f"/v3/oauth2/token?grant_type={grant}",
        content_type="application/x-www-form-urlencoded",
        headers=_basic(cast.owner.client.client_id, cast.owner.client_secret),
    )
    assert _errors(response, 400)[0]["error_key"] == "partner.api.unsupported_grant_type"


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Basic !!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer something",
    ],
)
def test_missing_or_broken_client_credentials_are_401(client, cast, auth):
    headers = {"Authorization": auth} if auth else {}
    response = client.post(
        "/v3/oauth2/token?grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )
    _errors(response, 401)


def test_a_wrong_secret_or_unknown_client_is_401_and_issues_nothing(client, cast):
    before = V3AccessToken.objects.count()
    for client_id, secret in (
        (cast.owner.client.client_id, cast.other.client_secret),
        ("unknown-client", cast.owner.client_secret),
    ):
        response = client.post(
            "/v3/oauth2/token?grant_type=client_credentials",
            content_type="application/x-www-form-urlencoded",
            headers=_basic(client_id, secret),
        )
        _errors(response, 401)
    assert V3AccessToken.objects.count() == before


def test_issuing_a_token_removes_the_clients_expired_ones(cast):
    V3AccessToken.objects.filter(client=cast.owner.client).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    access_token_issue(cast.owner.client)
    assert V3AccessToken.objects.filter(client=cast.owner.client).count() == 1


# --- errors are arrays -------------------------------------------------------------------------


def test_validation_errors_are_400_with_one_item_per_field(client, cast):
    response = client.post(
        ACCOUNTS,
        data={"login_name": "abc", "country_code": "USA"},
        content_type="application/json",
        headers=cast.owner.headers,
    )
    messages = [e["error_message"] for e in _errors(response, 400)]
    fields = {m.split(":")[0] for m in messages}
    assert fields == {"contact_email", "country_code", "login_name", "state_code"}
    assert "contact_email: is required" in messages


def test_malformed_json_is_400(client, cast):
    response = client.post(
        ACCOUNTS, data="{not json", content_type="application/json", headers=cast.owner.headers
    )
    assert _errors(response, 400)[0]["error_key"] == "partner.api.malformed_json"


def test_an_unknown_path_is_404_and_a_wrong_method_405(client, cast):
    _errors(client.get("/v3/partner/nothing-here", headers=cast.owner.headers), 404)
    _errors(client.post("/v3/partner/nothing-here", headers=cast.owner.headers), 404)
    response = client.delete(ACCOUNTS, headers=cast.owner.headers)
    _errors(response, 405)
    assert "GET" in response["Allow"]


def test_an_unexpected_failure_is_500_with_the_error_array(client, cast, monkeypatch):
    from partnerhub.v3 import services

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "subscriptions", explode)
    response = client.get("/v3/partner/webhooks/subscriptions", headers=cast.owner.headers)
    body = _errors(response, 500)
    assert "boom" not in json.dumps(body)


def test_the_openapi_document_lists_the_surface(client):
    paths = client.get("/v3/openapi.json").json()["paths"]
    assert "/v3/partner/accounts" in paths
    assert "/v3/partner/webhooks/subscriptions/{topic_id}/tests" in paths
    assert "/v3/oauth2/token" in paths


def test_the_docs_page_renders(client):
    assert client.get("/v3/docs").status_code == 200


def test_cancel_needs_no_body(client, cast):
    path = f"/v3/partner/accounts/{cast.paying.encoded_account_id}/status/cancel"
    response = client.put(path, headers=cast.owner.headers)
    assert response.status_code == 200, response.content
    assert response.json()["reason_id"] is None
    cast.paying.refresh_from_db()
    assert cast.paying.billing_status == "Canceled"


def test_a_plan_type_outside_the_public_list_is_400(client, cast):
    path = f"/v3/partner/accounts/{cast.trial.encoded_account_id}/plan"
    for body in ({"plan_type": "PLATINUM"}, {"plan_type": "GOLD", "billing_day_of_month": 32}, {}):
        response = client.put(
            path, data=body, content_type="application/json", headers=cast.owner.headers
        )
        _errors(response, 400)
    cast.trial.refresh_from_db()
    assert cast.trial.plan_type == "TRIAL"
