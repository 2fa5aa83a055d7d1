"""Sign-in lock-outs count per username and address, per username from anywhere, and per
address whatever the username: spraying many usernames from one place, or one username from
many places, is stopped as surely as guessing one pair."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from partnerhub.tests.factories import PASSWORD
from partnerhub.tests.world import World, build_world

SIGN_IN = reverse("login")


@pytest.fixture
def world(db) -> World:
    return build_world()


def sign_in(username: str, password: str, address: str, **headers) -> int:
    response = Client().post(
        SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers
    )
    return response.status_code


def test_the_limits_are_five_per_pair_ten_per_username_twenty_per_address():
    assert (
        settings.AXES_FAILURE_LIMIT,
        settings.PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_USERNAME,
        settings.PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_ADDRESS,
    ) == (5, 10, 20)


def test_many_usernames_from_one_address_are_stopped_at_the_address_limit(world):
    # When one address tries 30 usernames five times each (150 wrong passwords)
    answers = [
        sign_in(f"target{n}@example.test", f"guess {round_}", "198.51.100.9")
        for n in range(30)
        for round_ in range(5)
    ]

    # Then each username's fifth try is refused (the pair's limit), and the 20th failure pauses
    # the address: everything after it is refused
    assert answers == ([200] * 4 + [429]) * 4 + [429] * 130
    # And a right password from that address is refused too, while others are not affected
    assert sign_in("max@brightwave.test", PASSWORD, "198.51.100.9") == 429
    assert sign_in("max@brightwave.test", PASSWORD, "198.51.100.10") == 302


def test_one_username_from_three_addresses_is_stopped_at_the_username_limit(world):
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]

    # When three addresses take turns guessing Max's password, 18 times in all
    answers = [sign_in("max@brightwave.test", f"guess {n}", addresses[n % 3]) for n in range(18)]

    # Then the 10th failure pauses the username, from every address
    assert answers == [200] * 9 + [429] * 9
    assert sign_in("max@brightwave.test", PASSWORD, "203.0.113.4") == 429
    # And other people sign in from those addresses as before
    assert sign_in("olga@brightwave.test", PASSWORD, "203.0.113.1") == 302


def test_signing_into_ones_own_account_does_not_clear_the_address_count(world):
    # Given 19 failures on other usernames from one address
    for n in range(19):
        assert sign_in(f"target{n}@example.test", "guess", "198.51.100.20") == 200

    # When the same address signs into an account it holds
    own = sign_in("olga@brightwave.test", PASSWORD, "198.51.100.20")

    # Then that works, and the next failure still reaches the address limit
    assert own == 302
    assert sign_in("target99@example.test", "guess", "198.51.100.20") == 429


def test_a_successful_sign_in_forgives_its_own_mistypes(world):
    # Given four mistypes, then the right password
    for n in range(4):
        sign_in("max@brightwave.test", f"typo {n}", "192.0.2.5")
    assert sign_in("max@brightwave.test", PASSWORD, "192.0.2.5") == 302

    # When Max mistypes four more times
    answers = [sign_in("max@brightwave.test", f"typo {n}", "192.0.2.5") for n in range(4)]

    # Then he is not paused: the earlier four were forgiven
    assert answers == [200] * 4
    assert sign_in("max@brightwave.test", PASSWORD, "192.0.2.5") == 302


@override_settings(PARTNERHUB_TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_client_address_counts_and_a_forged_one_is_ignored(world):
    proxy = "10.0.0.2"

    # When one client behind the proxy fails 20 times, naming a new forged address each time
    answers = [
        sign_in(
            f"target{n}@example.test",
            "guess",
            proxy,
            x_forwarded_for=f"192.0.2.{n}, 198.51.100.30",
        )
        for n in range(20)
    ]

    # Then its real address (the one the proxy added) is paused, and another client is not
    assert answers == [200] * 19 + [429]
    assert sign_in("olga@brightwave.test", PASSWORD, proxy, x_forwarded_for="198.51.100.30") == 429
    assert sign_in("olga@brightwave.test", PASSWORD, proxy, x_forwarded_for="198.51.100.31") == 302
