"""Signing in: failed sign-ins are throttled; every form needs its CSRF token; a new team member
chooses a password from the invitation e-mail."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.tests.factories import PASSWORD
from partnerhub.tests.snapshots import access_state, team_state
from partnerhub.tests.world import World, build_world, request_for

SIGN_IN = reverse("login")


@pytest.fixture
def world(db) -> World:
    return build_world()


def sign_in(client, username, password, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


# --- Signing in ----------------------------------------------------------------------------------


def test_the_sign_in_page_is_a_form(client, db):
    html = client.get(SIGN_IN).content.decode()

    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_partner_member_signs_in_and_lands_on_my_accounts(client, world):
    response = sign_in(client, "max@brightwave.test", PASSWORD, follow=True)

    assert response.redirect_chain == [("/", 302), (reverse("partner-accounts"), 302)]
    assert signed_in_as(client) == str(world.member.user.pk)


def test_a_customer_signs_in_and_lands_on_their_account(client, world):
    response = sign_in(client, "bluebakery@client.test", PASSWORD, follow=True)

    assert response.redirect_chain[-1] == (
        reverse("customer-account", args=[world.account.encoded_account_id]),
        302,
    )


def test_a_wrong_password_does_not_sign_in(client, world):
    response = sign_in(client, "max@brightwave.test", "wrong password")

    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_failed_sign_ins_are_throttled_after_the_limit(client, world):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5

    # given as many wrong passwords as the limit allows
    answers = [
        sign_in(client, "max@brightwave.test", f"guess {n}").status_code for n in range(limit)
    ]

    # when the right password comes next
    response = sign_in(client, "max@brightwave.test", PASSWORD)

    # then the sign-in is refused and paused
    assert answers == [200] * (limit - 1) + [429]
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert signed_in_as(client) is None


def test_one_failure_short_of_the_limit_still_signs_in(client, world):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "max@brightwave.test", f"guess {n}")

    response = sign_in(client, "max@brightwave.test", PASSWORD)

    assert response.status_code == 302
    assert signed_in_as(client) == str(world.member.user.pk)


def test_the_pause_is_per_person_and_address(client, world):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "max@brightwave.test", f"guess {n}")

    other_person = sign_in(Client(), "olga@brightwave.test", PASSWORD)
    other_address = sign_in(Client(), "max@brightwave.test", PASSWORD, REMOTE_ADDR="192.0.2.77")

    assert (other_person.status_code, other_address.status_code) == (302, 302)


# --- CSRF --------------------------------------------------------------------------------------


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token_from(client, path) -> str:
    html = client.get(path).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_request_for_access_without_a_csrf_token_is_refused(world):
    client = csrf_client(world.member.user)
    url = reverse("partner-request-create", args=[world.account.encoded_account_id])
    before = access_state(world.account)

    response = client.post(url, {"message": "hi"})

    assert response.status_code == 403
    assert access_state(world.account) == before


def test_the_same_request_with_its_token_goes_through(world):
    client = csrf_client(world.member.user)
    url = reverse("partner-request-create", args=[world.account.encoded_account_id])
    token = token_from(client, url)

    response = client.post(url, {"message": "hi", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert access_state(world.account)["requests"][0][1] == "pending"


def test_a_confirmation_without_a_csrf_token_is_refused(world):
    request_for(world)
    client = csrf_client(world.customer)
    before = access_state(world.account)

    response = client.post(
        reverse("customer-request-confirm", args=[world.account.encoded_account_id]),
        {"disclaimer_version": DISCLAIMER.version},
    )

    assert response.status_code == 403
    assert access_state(world.account) == before


@pytest.mark.parametrize(
    ("who", "name", "data"),
    [
        ("member", "partner-request-cancel", {}),
        ("customer", "customer-request-decline", {}),
        ("managed_customer", "customer-access-off", {}),
    ],
)
def test_every_access_form_needs_its_token(world, who, name, data):
    request_for(world)
    user = {
        "member": world.member.user,
        "customer": world.customer,
        "managed_customer": world.managed_account.owner,
    }[who]
    account = world.managed_account if who == "managed_customer" else world.account
    before = (access_state(world.account), access_state(world.managed_account))

    response = csrf_client(user).post(reverse(name, args=[account.encoded_account_id]), data)

    assert response.status_code == 403
    assert (access_state(world.account), access_state(world.managed_account)) == before


def test_a_team_change_without_a_csrf_token_is_refused(world):
    client = csrf_client(world.owner.user)
    before = team_state(world.partner)

    added = client.post(reverse("partner-team"), {"email": "zed@brightwave.test", "role": "member"})
    removed = client.post(
        reverse("partner-team-member", args=[world.member.pk]), {"action": "remove"}
    )

    assert (added.status_code, removed.status_code) == (403, 403)
    assert team_state(world.partner) == before


def test_signing_in_without_a_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)

    response = sign_in(client, "max@brightwave.test", PASSWORD)

    assert response.status_code == 403
    assert signed_in_as(client) is None


# --- A new team member's first sign-in -----------------------------------------------------------


def test_a_new_member_chooses_a_password_from_the_invitation_and_is_signed_in(
    client, world, django_capture_on_commit_callbacks
):
    # given Olga invites Zed to the team
    client.force_login(world.owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("partner-team"),
            {"email": "zed@brightwave.test", "first_name": "Zed", "role": "member"},
        )
    client.logout()

    # when Zed follows the link in the invitation, chooses a password and accepts
    assert [m.to for m in mail.outbox] == [["zed@brightwave.test"]]
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[0].body).group(1)
    client.get(link)
    response = client.post(
        f"{link}accept/",
        {"password1": "a long new passphrase 42", "password2": "a long new passphrase 42"},
        follow=True,
    )

    # then Zed is in, on My accounts, and signs in with that password afterwards
    assert response.redirect_chain[-1] == (reverse("partner-accounts"), 302)
    assert "Blue Bakery" in response.content.decode()
    client.logout()
    again = sign_in(client, "zed@brightwave.test", "a long new passphrase 42", follow=True)
    assert again.redirect_chain[-1] == (reverse("partner-accounts"), 302)


def test_a_customer_without_a_password_chooses_one_through_forgot_password(client, world):
    # given an imported customer who never chose a password
    user = get_user_model().objects.create(
        username="newcustomer@client.test", email="newcustomer@client.test"
    )
    user.set_unusable_password()
    user.save()

    # when they ask for a reset link
    client.post(reverse("password_reset"), {"email": "newcustomer@client.test"})

    # then the link reaches them, and it lets them choose a password
    assert [m.to for m in mail.outbox] == [["newcustomer@client.test"]]
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase 43", "new_password2": "a long new passphrase 43"},
    )
    user.refresh_from_db()
    assert user.check_password("a long new passphrase 43")
