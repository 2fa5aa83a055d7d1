"""Password-reset e-mails are rate limited per address asking and per e-mail asked for; the
page answers the same whether the e-mail exists, and whether the limit was reached."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from partnerhub.tests.factories import UserFactory

RESET = reverse("password_reset")


def ask(email: str, address: str = "198.51.100.40"):
    return Client().post(RESET, {"email": email}, REMOTE_ADDR=address, follow=True)


def answer(response) -> tuple:
    """What the person asking sees: the pages they went through and the last one's text (its
    CSRF token aside, which differs on every page)."""
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())
    return tuple(response.redirect_chain), response.status_code, text


@pytest.fixture
def people(db):
    return [UserFactory(username=f"person{n}@example.test") for n in range(12)]


def test_the_limits_are_three_per_email_and_ten_per_address_an_hour():
    assert (
        settings.PARTNERHUB_PASSWORD_RESET_RATE_PER_EMAIL,
        settings.PARTNERHUB_PASSWORD_RESET_RATE_PER_ADDRESS,
    ) == ("3/h", "10/h")


def test_one_email_gets_three_links_an_hour_whoever_asks(people):
    # When five different addresses ask for Person 0's link, in any spelling of the e-mail
    spellings = ["person0@example.test", "Person0@Example.test", " PERSON0@example.test "]
    answers = [ask(spellings[n % 3], address=f"203.0.113.{n}") for n in range(5)]

    # Then three links were sent and no more, and every answer looked the same
    assert [m.to for m in mail.outbox] == [["person0@example.test"]] * 3
    assert len({answer(a) for a in answers}) == 1


def test_one_address_gets_ten_links_an_hour_whatever_it_asks_for(people):
    # When one address asks for twelve different people's links
    answers = [ask(f"person{n}@example.test") for n in range(12)]

    # Then the first ten were sent, the last two not, and the answers did not differ
    assert [m.to[0] for m in mail.outbox] == [f"person{n}@example.test" for n in range(10)]
    assert len({answer(a) for a in answers}) == 1
    # And another address still gets its link
    ask("person11@example.test", address="198.51.100.41")
    assert mail.outbox[-1].to == ["person11@example.test"]


def test_the_answer_is_the_same_for_an_unknown_email_within_and_beyond_the_limit(people):
    # Given an answer for someone who exists and one for nobody
    known = ask("person1@example.test", address="192.0.2.1")
    unknown = ask("nobody@example.test", address="192.0.2.2")

    # When both are asked for beyond their limit
    for n in range(3):
        ask("person1@example.test", address=f"192.0.2.{10 + n}")
        ask("nobody@example.test", address=f"192.0.2.{20 + n}")
    known_beyond = ask("person1@example.test", address="192.0.2.30")
    unknown_beyond = ask("nobody@example.test", address="192.0.2.31")

    # Then all four answers are the same page, and only the three allowed links went out
    assert answer(known) == answer(unknown) == answer(known_beyond) == answer(unknown_beyond)
    assert answer(known)[0] == ((reverse("password_reset_done"), 302),)
    assert [m.to for m in mail.outbox] == [["person1@example.test"]] * 3


@override_settings(PARTNERHUB_TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_address_limit_counts_each_client(people):
    # When two clients behind one proxy ask for six links each
    for n in range(6):
        Client().post(
            RESET,
            {"email": f"person{n}@example.test"},
            REMOTE_ADDR="10.0.0.2",
            headers={"x-forwarded-for": "198.51.100.50"},
        )
        Client().post(
            RESET,
            {"email": f"person{n + 6}@example.test"},
            REMOTE_ADDR="10.0.0.2",
            headers={"x-forwarded-for": "198.51.100.51"},
        )

    # Then neither reached its own limit: all twelve links went out
    assert len(mail.outbox) == 12
