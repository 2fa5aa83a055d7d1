"""The pages that bring accounts in: the partner's *Bring an account in* page (invite link,
QR code, move form), the public sign-up at /join/<code>/, and the customer's answers to a move
and their request code on *Your solution provider*. Who may do what; refusals change nothing;
the partner's answer never tells whether an account exists."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partnerhub.access.models import ManageRequest
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import ClientAccount
from partnerhub.moves.models import MoveRequest, RequestCode
from partnerhub.moves.services import ASKED, move_request_create, move_terms, request_code_set
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import Partnership
from partnerhub.tests.snapshots import access_state
from partnerhub.tests.world import World, build_world

User = get_user_model()
MOVES = "/portal/bring-in/"


@pytest.fixture
def world(db) -> World:
    return build_world()


def join_url(partner) -> str:
    return f"/join/{partner.invite_code}/"


def sign_up(**overrides) -> dict:
    return {
        "name": "Nora Newman",
        "organization": "Nimbus Nursery",
        "login_name": "nimbusnursery",
        "email": "nora@nimbus.test",
        "password1": "a-long-and-quiet-river",
        "password2": "a-long-and-quiet-river",
        **overrides,
    }


# --- the partner's page ------------------------------------------------------------------------


def test_a_member_sees_the_invite_link_with_its_qr_code_but_cannot_replace_it(world, client):
    client.force_login(world.member.user)

    response = client.get(MOVES)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"http://testserver/join/{world.partner.invite_code}/" in page
    assert 'data-copy="invite-url"' in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="qr-code"' in page
    assert "Only owners and admins of your team can replace the link." in page
    assert "Make a new link" not in page


def test_an_owner_replaces_the_link_and_the_old_one_stops_working(world, client):
    old = world.partner.invite_code
    client.force_login(world.owner.user)

    response = client.post(reverse("partner-invite-regenerate"))

    assert response.status_code == 302
    world.partner.refresh_from_db()
    assert world.partner.invite_code != old
    assert AuditEvent.objects.filter(action="partner.invite_code_regenerated").count() == 1
    client.logout()
    assert client.get(f"/join/{old}/").status_code == 404
    assert client.get(join_url(world.partner)).status_code == 200


def test_a_member_cannot_replace_the_link(world, client):
    old = world.partner.invite_code
    client.force_login(world.member.user)

    response = client.post(reverse("partner-invite-regenerate"), follow=True)

    assert "Only owners and admins of Brightwave Agency replace the invite link." in (
        response.content.decode()
    )
    world.partner.refresh_from_db()
    assert world.partner.invite_code == old


@pytest.mark.parametrize("who", ["customer", "anonymous"])
def test_the_page_is_only_for_partner_members(world, client, who):
    if who == "customer":
        client.force_login(world.customer)

    get = client.get(MOVES)
    post = client.post(MOVES, {"identifier": "willowworks", "kind": "referred"})

    expected = 403 if who == "customer" else 302
    assert (get.status_code, post.status_code) == (expected, expected)
    assert MoveRequest.objects.count() == 0


@pytest.mark.parametrize("identifier", ["willowworks", "nosuchaccount", "nobody@nowhere.test"])
def test_the_answer_is_the_same_whether_the_account_exists_or_not(world, client, identifier):
    client.force_login(world.member.user)

    response = client.post(
        MOVES, {"identifier": identifier, "kind": "referred", "level": "full"}, follow=True
    )

    assert response.redirect_chain == [(MOVES, 302)]
    page = response.content.decode()
    assert ASKED in page
    # nothing on the page names the account
    assert "Willow Works" not in page


def test_a_move_asked_on_the_page_reaches_the_owner(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.member.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(MOVES, {"identifier": "redrocket", "kind": "managed", "level": "reports"})

    move = MoveRequest.objects.get()
    assert (move.account, move.kind, move.level) == (world.other_account, "managed", "reports")
    assert [m.to for m in mail.outbox] == [["redrocket@client.test"]]


def test_a_bad_kind_is_told_on_the_page(world, client):
    client.force_login(world.member.user)

    response = client.post(MOVES, {"identifier": "willowworks", "kind": "owned"})

    assert response.status_code == 400
    assert "Choose referred or managed." in response.content.decode()
    assert MoveRequest.objects.count() == 0


def test_answered_moves_are_listed_for_the_partner_and_waiting_ones_are_not(world, client):
    [waiting] = move_request_create(
        actor=world.member.user, identifier="redrocket", kind="referred"
    )
    client.force_login(world.member.user)

    assert "Red Rocket" not in client.get(MOVES).content.decode()

    _confirm_on_page(client, world.other_account, waiting)
    client.force_login(world.member.user)
    page = client.get(MOVES).content.decode()
    assert "Red Rocket" in page and "Confirmed: moved in" in page


# --- the customer's side -------------------------------------------------------------------------


def provider_url(account) -> str:
    return reverse("customer-provider", args=[account.encoded_account_id])


def _confirm_on_page(client, account, move):
    client.force_login(account.owner)
    page = client.get(provider_url(account)).content.decode()
    move = MoveRequest.objects.select_related("partner", "account__partner").get(pk=move.pk)
    version = move_terms(
        move, current_partner_name=move.account.partner.name if move.account.partner_id else ""
    ).version
    assert f'value="{version}"' in page
    return client.post(
        reverse("customer-move-confirm", args=[account.encoded_account_id, move.pk]),
        {"text_version": version},
        follow=True,
    )


def test_the_owner_reads_who_asks_what_kind_and_what_it_means_then_confirms(world, client):
    [move] = move_request_create(
        actor=world.member.user, identifier="redrocket", kind="managed", level="marketing"
    )
    client.force_login(world.other_customer)

    page = client.get(provider_url(world.other_account)).content.decode()

    assert "Brightwave Agency asks to bring your account into its partnership" in page
    assert (
        "as a <strong>managed</strong> account (access level: <strong>Marketing</strong>)" in page
    )
    assert "It leaves the partnership of Northstar Partners" in page
    assert "Confirming grants Brightwave Agency marketing access to your account." in page

    response = _confirm_on_page(client, world.other_account, move)

    assert "Red Rocket is now in the partnership of Brightwave Agency." in response.content.decode()
    assert (
        Partnership.objects.get(account=world.other_account, ended_at__isnull=True).partner
        == world.partner
    )
    assert "Moves you confirmed" in response.content.decode()


def test_the_owner_declines_on_the_page(world, client):
    [move] = move_request_create(actor=world.member.user, identifier="redrocket", kind="referred")
    client.force_login(world.other_customer)

    response = client.post(
        reverse("customer-move-decline", args=[world.other_account.encoded_account_id, move.pk]),
        follow=True,
    )

    assert "You declined the request from Brightwave Agency. Nothing changed." in (
        response.content.decode()
    )
    move.refresh_from_db()
    assert move.status == "declined"


@pytest.mark.parametrize("who", ["other_customer", "partner_member", "anonymous"])
def test_nobody_but_the_owner_answers_a_move(world, client, who):
    [move] = move_request_create(actor=world.member.user, identifier="willowworks", kind="referred")
    account = world.lone_account
    if who == "other_customer":
        client.force_login(world.customer)
    elif who == "partner_member":
        client.force_login(world.member.user)
    before = access_state(account)

    for name in ("customer-move-confirm", "customer-move-decline"):
        response = client.post(reverse(name, args=[account.encoded_account_id, move.pk]))
        assert response.status_code == (302 if who == "anonymous" else 404)

    move.refresh_from_db()
    assert move.status == "pending"
    assert access_state(account) == before


def test_a_move_of_another_account_is_not_found_under_ones_own(world, client):
    # Cora owns Blue Bakery; the move is of Willow Works: the pair does not match
    [move] = move_request_create(actor=world.member.user, identifier="willowworks", kind="referred")
    client.force_login(world.customer)

    response = client.post(
        reverse("customer-move-confirm", args=[world.account.encoded_account_id, move.pk]),
        {"text_version": "2026-12-01/referred"},
    )

    assert response.status_code == 404
    move.refresh_from_db()
    assert move.status == "pending"


# --- request codes on the page -------------------------------------------------------------------


def test_the_owner_turns_the_request_code_on_sees_it_and_turns_it_off(world, client):
    client.force_login(world.customer)
    url = reverse("customer-request-code", args=[world.account.encoded_account_id])

    page = client.get(provider_url(world.account)).content.decode()
    assert "Require a request code: off" in page

    page = client.post(url, {"action": "on"}, follow=True).content.decode()
    code = RequestCode.objects.get(account=world.account).code
    assert "A request code is now required." in page
    assert f'value="{code}"' in page and 'data-copy="request-code-value"' in page

    client.post(url, {"action": "regenerate"})
    assert RequestCode.objects.get(account=world.account).code != code

    page = client.post(url, {"action": "off"}, follow=True).content.decode()
    assert "No request code is required any more." in page
    assert not RequestCode.objects.exists()


def test_an_unknown_request_code_action_is_told(world, client):
    client.force_login(world.customer)

    response = client.post(
        reverse("customer-request-code", args=[world.account.encoded_account_id]),
        {"action": "explode"},
        follow=True,
    )

    assert (
        "Choose to turn the request code on or off, or make a new one." in response.content.decode()
    )
    assert not RequestCode.objects.exists()


@pytest.mark.parametrize("who", ["other_customer", "partner_owner", "anonymous"])
def test_nobody_but_the_owner_sets_the_request_code(world, client, who):
    if who == "other_customer":
        client.force_login(world.other_customer)
    elif who == "partner_owner":
        client.force_login(world.owner.user)

    response = client.post(
        reverse("customer-request-code", args=[world.account.encoded_account_id]), {"action": "on"}
    )

    assert response.status_code == (302 if who == "anonymous" else 404)
    assert not RequestCode.objects.exists()


def test_the_request_overlay_asks_for_the_code_and_says_when_it_is_missing(world, client):
    request_code_set(actor=world.customer, account_id=world.account.pk, required=True)
    client.force_login(world.member.user)
    url = reverse("partner-request-create", args=[world.account.encoded_account_id])

    assert 'name="request_code"' in client.get(url).content.decode()
    response = client.post(url, {"message": "", "request_code": ""})

    assert response.status_code == 400
    assert "This customer asks for a request code. Ask them for it." in response.content.decode()
    assert not ManageRequest.objects.exists()

    code = RequestCode.objects.get().code
    response = client.post(url, {"message": "", "request_code": code})
    assert response.status_code == 302
    assert ManageRequest.objects.get().status == "pending"


# --- the public sign-up ------------------------------------------------------------------------


def test_the_join_page_says_who_invites_and_what_signing_up_means(world, client):
    response = client.get(join_url(world.partner))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign up with Brightwave Agency" in page
    assert "Your account is referred to Brightwave Agency from today." in page


@pytest.mark.parametrize("code", ["nosuchcode", "x" * 40])
def test_a_bad_invite_code_gets_a_clear_404_page(world, client, code):
    response = client.get(f"/join/{code}/")
    posted = client.post(f"/join/{code}/", sign_up())

    assert (response.status_code, posted.status_code) == (404, 404)
    assert "This invite link does not work" in response.content.decode()
    assert not ClientAccount.objects.filter(login_name="nimbusnursery").exists()


def test_a_new_customer_signs_up_and_is_credited_to_the_partner_from_today(world, client):
    response = client.post(join_url(world.partner), sign_up(), follow=True)

    account = ClientAccount.objects.get(login_name="nimbusnursery")
    assert response.redirect_chain[-1][0] == reverse(
        "customer-account", args=[account.encoded_account_id]
    )
    assert "Welcome. Nimbus Nursery is your account, referred to Brightwave Agency." in (
        response.content.decode()
    )
    user = User.objects.get(username="nora@nimbus.test")
    assert (user.first_name, user.last_name, user.check_password("a-long-and-quiet-river")) == (
        "Nora",
        "Newman",
        True,
    )
    assert (account.owner, account.organization_name, account.owner_name, account.plan_type) == (
        user,
        "Nimbus Nursery",
        "Nora Newman",
        "TRIAL",
    )
    partnership = Partnership.objects.get(account=account)
    assert (partnership.partner, partnership.kind, partnership.source, partnership.moved_on) == (
        world.partner,
        "referred",
        "invite_link",
        timezone.now().date(),
    )
    assert partnership.get_source_display() == "Signed up through the invite link"
    assert response.wsgi_request.user == user


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password2": "something-else-entirely"}, "The two passwords differ."),
        ({"login_name": "bluebakery"}, "This login name is taken; choose another."),
        ({"login_name": "abc"}, "Ensure this value has at least 6 characters"),
        ({"login_name": "has spaces!"}, "letters, digits, dots, dashes and underscores only"),
        ({"email": "olga@brightwave.test"}, "This e-mail already has a sign-in"),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"name": "   "}, "This field is required."),
    ],
)
def test_bad_sign_up_input_is_told_under_its_field_and_nothing_is_made(
    world, client, overrides, message
):
    users, accounts = User.objects.count(), ClientAccount.objects.count()

    response = client.post(join_url(world.partner), sign_up(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert (User.objects.count(), ClientAccount.objects.count()) == (users, accounts)


def test_sign_ups_are_throttled_per_address(world, client, settings):
    settings.PARTNERHUB_JOIN_RATE_PER_ADDRESS = "2/h"
    client.post(join_url(world.partner), sign_up(password2="x"))
    client.post(join_url(world.partner), sign_up(password2="x"))

    response = client.post(join_url(world.partner), sign_up())

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many sign-ups from your address." in response.content.decode()
    assert not ClientAccount.objects.filter(login_name="nimbusnursery").exists()


def test_a_signed_in_partner_can_open_the_join_page_too(world, client):
    # the link works for anyone: nothing depends on who is signed in
    client.force_login(world.other_owner.user)

    assert client.get(join_url(world.partner)).status_code == 200
    assert Partner.objects.get(pk=world.partner.pk).invite_code == world.partner.invite_code
