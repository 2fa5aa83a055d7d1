"""The V3 token endpoint counts wrong client credentials per client id and per address; at
either limit it answers 429 in the V3 error format, even to the right secret."""

import base64
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory
from partnerhub.v3.models import V3AccessToken
from partnerhub.v3.tests.conftest import make_creds

TOKEN = "/v3/oauth2/token?grant_type=client_credentials"
FORM = "application/x-www-form-urlencoded"


def basic(client_id: str, secret: str) -> dict:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def ask(client_id: str, secret: str, address: str = "198.51.100.60"):
    return Client().post(
        TOKEN, content_type=FORM, headers=basic(client_id, secret), REMOTE_ADDR=address
    )


def test_the_limits_are_ten_per_client_and_thirty_per_address_in_ten_minutes():
    assert (
        settings.PARTNERHUB_V3_TOKEN_FAILURES_PER_CLIENT,
        settings.PARTNERHUB_V3_TOKEN_FAILURES_PER_ADDRESS,
    ) == ("10/10min", "30/10min")


def test_wrong_secrets_for_one_client_are_stopped_from_every_address(cast):
    client_id = cast.owner.client.client_id

    # When wrong secrets for one client come from five addresses, 14 in all
    answers = [ask(client_id, f"wrong-{n}", f"203.0.113.{n % 5}") for n in range(14)]

    # Then ten answered 401 and the rest 429, in the V3 error array, with Retry-After
    assert [a.status_code for a in answers] == [401] * 10 + [429] * 4
    refused = answers[-1]
    assert refused.json() == [
        {
            "error_key": "partner.api.too_many_requests",
            "error_message": "Too many wrong client credentials; try again later.",
        }
    ]
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert refused["Cache-Control"] == "no-store"
    # And the right secret is refused too until the window ends; no token was issued
    assert ask(client_id, cast.owner.client_secret, "203.0.113.99").status_code == 429
    assert V3AccessToken.objects.filter(client=cast.owner.client).count() == 1  # the cast's own
    # While another client is not affected
    other = ask(cast.other.client.client_id, cast.other.client_secret, "203.0.113.99")
    assert other.status_code == 200


def test_wrong_credentials_from_one_address_are_stopped_whatever_the_client_id(cast):
    # When one address tries 40 made-up client ids
    answers = [ask(f"made-up-{n}", "wrong") for n in range(40)]

    # Then 30 answered 401 and the rest 429
    assert [a.status_code for a in answers] == [401] * 30 + [429] * 10
    # And a right secret from that address waits too, but not from another address
    assert ask(cast.owner.client.client_id, cast.owner.client_secret).status_code == 429
    other_address = ask(cast.owner.client.client_id, cast.owner.client_secret, "198.51.100.61")
    assert other_address.status_code == 200


def test_right_secrets_never_count(cast):
    # When a client asks for a token 40 times from one address with its right secret
    answers = [ask(cast.owner.client.client_id, cast.owner.client_secret) for _ in range(40)]

    # Then every time it gets one
    assert [a.status_code for a in answers] == [200] * 40


def test_requests_without_credentials_count_against_the_address(cast):
    answers = [
        Client().post(TOKEN, content_type=FORM, REMOTE_ADDR="198.51.100.62").status_code
        for _ in range(31)
    ]

    assert answers == [401] * 30 + [429]


@pytest.mark.django_db(transaction=True)
def test_wrong_secrets_sent_at_the_same_moment_do_not_slip_past_the_limit():
    # Given V3 credentials, counted in the database every process shares
    creds = make_creds(MemberFactory(role=PartnerRole.OWNER))

    def wrong(n: int) -> int:
        try:
            return ask(creds.client.client_id, f"wrong-{n}", f"192.0.2.{n % 50}").status_code
        finally:
            connection.close()

    # When 40 wrong secrets arrive from eight threads at once
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(wrong, range(40)))

    # Then exactly ten were checked; the others were refused unchecked
    assert sorted(statuses) == [401] * 10 + [429] * 30
