"""Keys that passed the check are remembered for at most a second per process; a revoked key
is refused at once by the process that revoked it and within a second by every other one."""

import datetime as dt

import pytest
from django.utils import timezone

from partnerhub.api import keycache
from partnerhub.api.keycache import KeyCache
from partnerhub.api.keys import api_key_authenticate, api_key_create, api_key_revoke
from partnerhub.api.models import ApiKey
from partnerhub.api.tests.cast import Cast, api_call, key_row
from partnerhub.partners.models import PartnerMember

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_calls_checks_the_key_once(cast: Cast, client):
    from django.db import connection

    api_call(client, "get", "/accounts", key=cast.read_key)
    key_queries = []

    def count(execute, sql, params, many, context):
        if '"api_apikey"' in sql:
            key_queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        for _ in range(5):
            assert api_call(client, "get", "/accounts", key=cast.read_key).status_code == 200
    assert key_queries == []


def test_a_revoked_key_is_refused_at_once_by_the_process_that_revoked_it(cast: Cast, client):
    assert api_call(client, "get", "/accounts", key=cast.read_key).status_code == 200

    api_key_revoke(actor=cast.owner.user, key_id=key_row(cast.read_key).pk)

    assert api_call(client, "get", "/accounts", key=cast.read_key).status_code == 401


def test_another_process_refuses_a_revoked_key_within_one_second(cast: Cast):
    # Another server process: its own cache, its own clock.
    clock = Clock()
    other = KeyCache(clock=clock)
    key = other.get(cast.read_key) or api_key_authenticate(cast.read_key)
    other.put(cast.read_key, key)

    api_key_revoke(actor=cast.owner.user, key_id=key.pk)  # in this process

    clock.now += 0.5
    assert other.get(cast.read_key) is not None  # still remembered, for under a second
    clock.now += 0.5
    assert other.get(cast.read_key) is None
    assert api_key_authenticate(cast.read_key) is None  # and the check refuses it


def test_the_remembered_key_lasts_at_most_one_second():
    assert keycache.TTL_SECONDS <= 1.0
    assert keycache.keys.ttl <= 1.0


def test_an_expired_key_is_refused_even_while_remembered(cast: Cast, client):
    key, secret = api_key_create(
        actor=cast.owner.user,
        name="Short lived",
        can_write=False,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert api_call(client, "get", "/accounts", key=secret).status_code == 200
    remembered = keycache.keys.get(secret)
    assert remembered is not None
    remembered.expires_at = timezone.now() - dt.timedelta(seconds=1)  # the hour has passed

    assert keycache.keys.get(secret) is None
    ApiKey.objects.filter(pk=key.pk).update(expires_at=remembered.expires_at)
    assert api_call(client, "get", "/accounts", key=secret).status_code == 401


def test_refusals_are_not_remembered(cast: Cast, client):
    wrong = cast.read_key[:-4] + "xxxx"
    assert api_call(client, "get", "/accounts", key=wrong).status_code == 401
    assert keycache.keys.get(wrong) is None


def test_a_creator_who_left_the_team_is_refused_within_one_second(cast: Cast, client):
    clock = Clock()
    cache = KeyCache(clock=clock)
    cache.put(cast.read_key, api_key_authenticate(cast.read_key))
    PartnerMember.objects.filter(user=cast.owner.user).delete()

    clock.now += 1.0
    assert cache.get(cast.read_key) is None
    assert api_key_authenticate(cast.read_key) is None
