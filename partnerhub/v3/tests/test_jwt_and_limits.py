"""The access token is a signed JWT (one hour, scope v3api/general.partner, the client id as
subject), verified on every call and ended with its credentials; calls per credential are
limited to 4 a second (429 throttled) and 10,000 a day (429 quota_exceeded); bodies that are
not JSON are 415."""

import datetime as dt
import json

import jwt
import pytest
from django.conf import settings as django_settings

from partnerhub.v3.credentials import _signing_key, v3_client_revoke

ACCOUNTS = "/v3/partner/accounts"
FORM = "application/x-www-form-urlencoded"


def _errors(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and all(set(e) == {"error_key", "error_message"} for e in body)
    return body


def test_the_token_is_a_jwt_for_the_client_with_the_partner_scope_for_one_hour(cast):
    claims = jwt.decode(cast.owner.token, options={"verify_signature": False})
    assert claims["sub"] == cast.owner.client.client_id
    assert claims["scope"] == "v3api/general.partner"
    assert claims["iss"] == "http://testserver/v3"
    assert claims["exp"] - claims["iat"] == 3600
    assert jwt.get_unverified_header(cast.owner.token)["alg"] == "HS256"


def _forged(cast, **changes) -> str:
    claims = jwt.decode(cast.owner.token, options={"verify_signature": False})
    return jwt.encode({**claims, **changes}, _signing_key(), algorithm="HS256")


@pytest.mark.parametrize(
    "make",
    [
        lambda cast: jwt.encode(
            jwt.decode(cast.owner.token, options={"verify_signature": False}),
            "another-signing-key-of-thirty-two-bytes-or-more",
            algorithm="HS256",
        ),
        lambda cast: _forged(cast, scope="v3api/general.admin"),
        lambda cast: _forged(cast, sub=cast.other.client.client_id),
        lambda cast: _forged(cast, exp=int(dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp())),
        lambda cast: cast.owner.token[:-3] + "abc",
        lambda cast: jwt.encode({"sub": cast.owner.client.client_id}, None, algorithm="none"),
    ],
    ids=["other-key", "other-scope", "other-subject", "expired", "tampered", "unsigned"],
)
def test_a_token_that_is_not_exactly_ours_is_401(client, cast, make):
    headers = {"x-api-key": cast.owner.api_key, "Authorization": f"Bearer {make(cast)}"}
    assert _errors(client.get(ACCOUNTS, headers=headers), 401)[0]["error_key"] == "unauthorized"


def test_revoking_the_credentials_ends_their_tokens(client, cast):
    assert client.get(ACCOUNTS, headers=cast.owner.headers).status_code == 200
    v3_client_revoke(actor=cast.owner.member.user, client_id=cast.owner.client.pk)
    _errors(client.get(ACCOUNTS, headers=cast.owner.headers), 401)


def test_a_token_from_the_endpoint_works_for_the_partner_endpoints(client, cast):
    import base64

    basic = base64.b64encode(
        f"{cast.owner.client.client_id}:{cast.owner.client_secret}".encode()
    ).decode()
    response = client.post(
        "/v3/oauth2/token?grant_type=client_credentials",
        content_type=FORM,
        headers={"Authorization": f"Basic {basic}"},
    )
    token = response.json()["access_token"]
    assert token.count(".") == 2  # header.claims.signature
    headers = {"x-api-key": cast.owner.api_key, "Authorization": f"Bearer {token}"}
    assert client.get(ACCOUNTS, headers=headers).status_code == 200


# --- rate limits ---------------------------------------------------------------------------------


def test_the_public_limits_are_the_defaults():
    # The suite's conftest loosens the burst for other tests; the setting's own default is 4/s.
    from partnerhub import settings as production

    assert production.PARTNERHUB_V3_RATE_PER_SECOND == "4/s"
    assert production.PARTNERHUB_V3_RATE_PER_DAY == "10000/day"
    assert django_settings.PARTNERHUB_V3_RATE_PER_DAY == "10000/day"


def test_a_fifth_call_within_a_second_is_throttled(client, cast, settings):
    settings.PARTNERHUB_V3_RATE_PER_SECOND = "4/s"
    answers = [client.get(ACCOUNTS, headers=cast.owner.headers) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    refused = answers[-1]
    assert _errors(refused, 429)[0]["error_key"] == "throttled"
    assert int(refused["Retry-After"]) == 1
    # Another credential has its own count
    assert client.get(ACCOUNTS, headers=cast.other.headers).status_code == 200


def test_the_daily_quota_is_quota_exceeded(client, cast, settings):
    settings.PARTNERHUB_V3_RATE_PER_DAY = "3/day"
    answers = [client.get(ACCOUNTS, headers=cast.owner.headers).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    refused = client.get(ACCOUNTS, headers=cast.owner.headers)
    assert _errors(refused, 429)[0]["error_key"] == "quota_exceeded"
    assert 1 <= int(refused["Retry-After"]) <= 86400


def test_calls_without_valid_credentials_count_against_nobody(client, cast, settings):
    settings.PARTNERHUB_V3_RATE_PER_DAY = "2/day"
    bad = {"x-api-key": cast.owner.api_key, "Authorization": "Bearer nonsense"}
    for _ in range(5):
        _errors(client.get(ACCOUNTS, headers=bad), 401)
    assert client.get(ACCOUNTS, headers=cast.owner.headers).status_code == 200


# --- 415 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        # The contract lists 415 for create and the plan, 406 ("Unsupported Media Type") for
        # unsubscribe, and neither for the others, which answer 400 (not valid JSON).
        ("post", ACCOUNTS, 415),
        ("put", "/v3/partner/accounts/{id}/plan", 415),
        ("post", "/v3/partner/accounts/{id}/contacts/unsubscribe", 406),
        ("put", "/v3/partner/accounts/{id}/status/cancel", 400),
        ("put", "/v3/partner/webhooks/subscriptions/1", 400),
        ("post", "/v3/partner/accounts/{id}/users/sso", 400),
    ],
)
@pytest.mark.parametrize("content_type", ["text/plain", FORM, "application/xml"])
def test_a_body_that_is_not_json_is_refused_and_changes_nothing(
    client, cast, method, path, status, content_type
):
    from partnerhub.clients.models import ClientAccount

    before = list(
        ClientAccount.objects.order_by("pk").values_list("pk", "plan_type", "billing_status")
    )
    response = getattr(client, method)(
        path.format(id=cast.trial.encoded_account_id),
        data=json.dumps({"plan_type": "GOLD"}),
        content_type=content_type,
        headers=cast.owner.headers,
    )
    assert _errors(response, status)[0]["error_key"] == "partner.api.unsupported_media_type"
    after = list(
        ClientAccount.objects.order_by("pk").values_list("pk", "plan_type", "billing_status")
    )
    assert after == before
