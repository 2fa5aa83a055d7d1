"""V3 credentials that passed the check are remembered for at most a second per process, like
native API keys: a revoked client is refused at once by the process that revoked it and
within a second by every other one, and an expired token even while remembered."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from partnerhub.api import keycache
from partnerhub.api.keycache import KeyCache
from partnerhub.v3.credentials import _request_check, request_authenticate, v3_client_revoke
from partnerhub.v3.models import V3AccessToken

pytestmark = pytest.mark.django_db
ACCOUNTS = "/v3/partner/accounts"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _token(headers) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_a_burst_of_calls_checks_the_credentials_once(client, cast):
    assert client.get(ACCOUNTS, headers=cast.owner.headers).status_code == 200
    checks = []

    def count(execute, sql, params, many, context):
        if '"v3_v3accesstoken"' in sql or '"v3_v3client"' in sql:
            checks.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        for _ in range(5):
            assert client.get(ACCOUNTS, headers=cast.owner.headers).status_code == 200
    assert checks == []


def test_revoked_credentials_are_refused_at_once_even_after_a_call(client, cast):
    assert client.get(ACCOUNTS, headers=cast.owner.headers).status_code == 200

    v3_client_revoke(actor=cast.owner.member.user, client_id=cast.owner.client.pk)

    assert client.get(ACCOUNTS, headers=cast.owner.headers).status_code == 401


def test_another_process_refuses_revoked_credentials_within_one_second(cast):
    clock = Clock()
    other = KeyCache(clock=clock)  # another server process: its own cache and clock
    api_key, token = cast.owner.api_key, _token(cast.owner.headers)
    pair = f"{api_key}\n{token}"
    other.put(pair, _request_check(api_key=api_key, token=token))

    v3_client_revoke(actor=cast.owner.member.user, client_id=cast.owner.client.pk)

    clock.now += 0.5
    assert other.get(pair) is not None
    clock.now += 0.5
    assert other.get(pair) is None
    assert request_authenticate(api_key=api_key, token=token) is None


def test_an_expired_token_is_refused_even_while_remembered(cast):
    api_key, token = cast.owner.api_key, _token(cast.owner.headers)
    assert request_authenticate(api_key=api_key, token=token) is not None
    kept = keycache.v3_clients.get(f"{api_key}\n{token}")
    assert kept is not None
    later = V3AccessToken.objects.get(client=cast.owner.client).expires_at + dt.timedelta(seconds=1)
    assert not kept.is_active(later)
    assert kept.is_active(timezone.now())


def test_a_wrong_key_with_a_good_token_is_not_remembered(cast):
    token = _token(cast.owner.headers)
    assert request_authenticate(api_key="wrong", token=token) is None
    assert keycache.v3_clients.get(f"wrong\n{token}") is None
    assert request_authenticate(api_key=cast.owner.api_key, token=token) is not None
