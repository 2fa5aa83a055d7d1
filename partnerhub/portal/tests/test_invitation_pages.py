"""The team page's invitations and the page an invitation links to: who may do what, and what
each person sees. Refused actions change nothing."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from partnerhub.invitations.models import Invitation
from partnerhub.invitations.services import (
    account_owner_invitation_create,
    team_invitation_create,
)
from partnerhub.partners.models import PartnerMember, PartnerRole
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.mail import invitation_token
from partnerhub.tests.snapshots import own_state, team_state
from partnerhub.tests.world import World, build_world
from partnerhub.v3.credentials import v3_client_create
from partnerhub.v3.schemas import AccountCreateIn
from partnerhub.v3.services import account_create

User = get_user_model()


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def sent(world, django_capture_on_commit_callbacks):
    """Olga invites an address to Brightwave; returns (invitation, token from the e-mail)."""

    def send(email="zed@example.test", role=PartnerRole.MEMBER):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invitation = team_invitation_create(actor=world.owner.user, email=email, role=role)
        token = invitation_token(mail.outbox[-1])
        mail.outbox.clear()
        return invitation, token

    return send


def state(world) -> dict:
    return {
        "team": team_state(world.partner),
        "invitations": list(Invitation.objects.order_by("id").values_list("id", "status")),
        "users": list(User.objects.order_by("id").values_list("id", "password")),
    }


def page(response) -> str:
    return response.content.decode()


# --- The team page ---------------------------------------------------------------------------


def test_the_same_sentence_answers_for_a_staff_address_and_a_new_one(
    client, world, django_capture_on_commit_callbacks
):
    UserFactory(username="pat@partnerhub.test", is_staff=True)
    client.force_login(world.owner.user)

    answers = []
    for email in ("pat@partnerhub.test", "new.person@example.test"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("partner-team"), {"email": email, "role": "member"}, follow=True
            )
        answers.append(page(response).replace(email, "ADDRESS"))

    assert (
        "An invitation was sent to ADDRESS. They join the team once they accept it." in (answers[0])
    )
    # the two pages differ only by the list of pending invitations, which holds both
    assert answers[0].count("They join the team once they accept it.") == 1
    assert answers[1].count("They join the team once they accept it.") == 1
    assert not PartnerMember.objects.filter(user__username="pat@partnerhub.test").exists()
    assert [m.to for m in mail.outbox] == [["pat@partnerhub.test"], ["new.person@example.test"]]


def test_pending_invitations_are_listed_and_managers_can_withdraw_them(client, world, sent):
    invitation, _ = sent(email="zed@example.test", role=PartnerRole.ADMIN)
    client.force_login(world.admin.user)

    listed = page(client.get(reverse("partner-team")))
    withdrawn = client.post(
        reverse("partner-team-invitation-revoke", kwargs={"invitation_id": invitation.pk}),
        follow=True,
    )

    assert "Pending invitations" in listed and "zed@example.test" in listed
    assert "Withdraw" in listed
    assert "The invitation to zed@example.test was withdrawn." in page(withdrawn)
    assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    assert "No invitation is waiting for an answer." in page(withdrawn)


def test_an_expired_invitation_shows_as_expired(client, world, sent):
    invitation, _ = sent()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(world.owner.user)

    listed = page(client.get(reverse("partner-team")))

    assert "zed@example.test" in listed and "Expired" in listed


def test_withdrawing_is_refused_to_members_other_partners_and_anonymous_visitors(
    client, world, sent
):
    invitation, _ = sent()
    url = reverse("partner-team-invitation-revoke", kwargs={"invitation_id": invitation.pk})
    before = state(world)

    anonymous = client.post(url)
    client.force_login(world.member.user)
    member = client.post(url)
    client.force_login(world.other_owner.user)
    other = client.post(url)
    client.force_login(world.customer)
    customer = client.post(url)

    assert (anonymous.status_code, anonymous["Location"]) == (
        302,
        f"{resolve_url(settings.LOGIN_URL)}?next={url}",
    )
    # a member is told who may; another partner's invitation does not exist for them; a
    # customer is sent to their own account
    assert (member.status_code, other.status_code, customer.status_code) == (403, 404, 403)
    assert "Only owners and admins of Brightwave Agency manage the team." in page(member)
    assert state(world) == before


# --- The invitation page ---------------------------------------------------------------------


def test_a_new_person_sees_what_accepting_means_chooses_a_password_and_joins(client, world, sent):
    _, token = sent(email="zed@example.test", role=PartnerRole.ADMIN)

    shown = client.get(reverse("invitation", kwargs={"token": token}))
    accepted = client.post(
        reverse("invitation-accept", kwargs={"token": token}),
        {
            "first_name": "Zed",
            "password1": "a-long-new-password",
            "password2": "a-long-new-password",
        },
        follow=True,
    )

    text = page(shown)
    assert shown.status_code == 200
    assert "Join the team of Brightwave Agency" in text
    assert "What accepting means" in text and "<strong>Admin</strong>" in text
    assert "gets no access to any account you own" in text
    assert "Choose a password to accept" in text
    assert accepted.redirect_chain[-1][0] == reverse("partner-accounts")
    assert "Welcome to the team of Brightwave Agency." in page(accepted)
    zed = User.objects.get(username="zed@example.test")
    assert (zed.first_name, PartnerMember.objects.get(user=zed).role) == ("Zed", "admin")


def test_someone_with_a_sign_in_is_sent_to_sign_in_first(client, world, sent):
    UserFactory(username="zed@example.test")
    _, token = sent(email="zed@example.test")
    before = state(world)

    shown = client.get(reverse("invitation", kwargs={"token": token}))
    posted = client.post(
        reverse("invitation-accept", kwargs={"token": token}),
        {"password1": "a-long-new-password", "password2": "a-long-new-password"},
    )

    assert "Sign in to accept" in page(shown)
    assert "Choose a password" not in page(shown)
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("login"))
    assert state(world) == before


def test_the_invitee_signed_in_accepts(client, world, sent):
    _, token = sent(email=world.lone_account.owner.email)
    client.force_login(world.lone_account.owner)

    response = client.post(reverse("invitation-accept", kwargs={"token": token}))

    assert (response.status_code, response["Location"]) == (302, reverse("partner-accounts"))
    assert PartnerMember.objects.get(user=world.lone_account.owner).partner == world.partner


def test_the_invitee_declines(client, world, sent):
    invitation, token = sent()

    response = client.post(reverse("invitation-decline", kwargs={"token": token}), follow=True)

    assert "You declined the invitation. Nothing changed." in page(response)
    assert "This invitation is closed: declined." in page(response)
    assert Invitation.objects.get(pk=invitation.pk).status == "declined"
    assert not PartnerMember.objects.filter(user__username="zed@example.test").exists()


def test_a_wrong_person_is_refused_and_nothing_changes(client, world, sent):
    _, token = sent()
    client.force_login(world.other_customer)
    before = state(world)

    shown = client.get(reverse("invitation", kwargs={"token": token}))
    accepted = client.post(reverse("invitation-accept", kwargs={"token": token}))
    declined = client.post(reverse("invitation-decline", kwargs={"token": token}))

    assert (shown.status_code, accepted.status_code, declined.status_code) == (403, 403, 403)
    assert "This invitation was sent to another address." in page(shown)
    # the address it was sent to is not shown to someone else
    assert "zed@example.test" not in page(shown) + page(accepted)
    assert state(world) == before


def test_program_staff_are_told_they_cannot_join(client, world, sent):
    staff = UserFactory(username="pat@partnerhub.test", is_staff=True)
    _, token = sent(email=staff.email)
    client.force_login(staff)
    before = state(world)

    response = client.post(reverse("invitation-accept", kwargs={"token": token}))

    assert response.status_code == 403
    assert "Program staff sign-ins cannot join a partner team" in page(response)
    assert state(world) == before


def test_an_unknown_token_is_404_and_changes_nothing(client, world):
    before = state(world)

    for name in ("invitation", "invitation-accept", "invitation-decline"):
        url = reverse(name, kwargs={"token": "no-such-token"})
        response = client.get(url) if name == "invitation" else client.post(url)
        assert response.status_code == 404, name

    assert state(world) == before


def test_an_expired_invitation_cannot_be_accepted(client, world, sent):
    invitation, token = sent(email=world.lone_account.owner.email)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(world.lone_account.owner)
    before = state(world)

    shown = client.get(reverse("invitation", kwargs={"token": token}))
    accepted = client.post(reverse("invitation-accept", kwargs={"token": token}))

    assert "This invitation is closed: expired." in page(shown)
    assert accepted.status_code == 400 and "This invitation expired." in page(accepted)
    assert state(world) == before


# --- Two hats ------------------------------------------------------------------------------


@pytest.fixture
def two_hats(world, sent, client):
    """Cora owns Blue Bakery (referred to Brightwave) and accepted a place on its team."""
    _, token = sent(email=world.customer.email)
    client.force_login(world.customer)
    client.post(reverse("invitation-accept", kwargs={"token": token}))
    return world.customer


def test_a_person_with_two_hats_switches_between_them_in_the_header(client, world, two_hats):
    home = client.get(reverse("home"))
    portal = page(client.get(reverse("partner-accounts")))
    own = page(
        client.get(
            reverse(
                "customer-provider", kwargs={"encoded_account_id": world.account.encoded_account_id}
            )
        )
    )

    assert home["Location"] == reverse("partner-accounts")
    switch = 'aria-label="Switch between your organization and your own account"'
    assert switch in portal and switch in own
    org = f'<a href="{reverse("partner-accounts")}" aria-current="page">My Organization</a>'
    mine = f'<a href="{reverse("customer-home")}" aria-current="page">My account</a>'
    assert org in portal and mine not in portal
    assert mine in own and org not in own
    assert "Blue Bakery" in own
    # the switch leads to her own account
    assert client.get(reverse("customer-home"))["Location"] == reverse(
        "customer-account", kwargs={"encoded_account_id": world.account.encoded_account_id}
    )


def test_people_with_one_hat_see_no_switch(client, world):
    switch = "Switch between your organization and your own account"
    client.force_login(world.owner.user)
    partner_page = page(client.get(reverse("partner-accounts")))
    client.force_login(world.customer)
    customer_page = page(
        client.get(
            reverse(
                "customer-account", kwargs={"encoded_account_id": world.account.encoded_account_id}
            )
        )
    )

    assert switch not in partner_page and switch not in customer_page


def test_her_account_stays_hers_and_her_team_gains_nothing(client, world, sent):
    account_before = own_state(world.account)
    _, token = sent(email=world.customer.email)
    client.force_login(world.customer)
    client.post(reverse("invitation-accept", kwargs={"token": token}))

    # her account is as it was: referred, no request, no consent
    assert own_state(world.account) == account_before
    # the rest of the team still cannot reach her customer pages
    client.force_login(world.owner.user)
    provider = reverse(
        "customer-provider", kwargs={"encoded_account_id": world.account.encoded_account_id}
    )
    assert client.get(provider).status_code == 404
    # and the partner's view of her account says referred, as before
    detail = page(
        client.get(
            reverse(
                "partner-account", kwargs={"encoded_account_id": world.account.encoded_account_id}
            )
        )
    )
    assert "Request permission to manage" in detail


# --- Owning an account the partner created ---------------------------------------------------


def test_a_new_person_takes_ownership_then_answers_the_request_for_access_herself(
    client, world, django_capture_on_commit_callbacks
):
    v3_client, _, _ = v3_client_create(actor=world.owner.user, name="CRM")
    with django_capture_on_commit_callbacks(execute=True):
        profile = account_create(
            client=v3_client,
            data=AccountCreateIn(
                contact_email="ada@lovelace.example",
                country_code="GB",
                login_name="adaslab",
                password="Ada-Engine-1843",
                state_code="",
                organization_name="Ada's Lab",
                managed_site_owner=True,
            ),
        )
    [invited] = [m for m in mail.outbox if m.to == ["ada@lovelace.example"]]
    token = invitation_token(invited)
    account = profile.account

    shown = page(client.get(reverse("invitation", kwargs={"token": token})))
    accepted = client.post(
        reverse("invitation-accept", kwargs={"token": token}),
        {"password1": "a-long-new-password", "password2": "a-long-new-password"},
        follow=True,
    )

    assert "Take ownership of Ada&#x27;s Lab" in shown
    assert "It has no access to run the account unless you confirm a request for it." in shown
    provider = reverse(
        "customer-provider", kwargs={"encoded_account_id": account.encoded_account_id}
    )
    assert accepted.redirect_chain[-1][0] == provider
    text = page(accepted)
    assert "Ada&#x27;s Lab is now your account." in text
    assert "Brightwave Agency asks for permission to manage your account" in text
    account.refresh_from_db()
    assert (account.owner.username, account.partnership_kind) == (
        "ada@lovelace.example",
        "referred",
    )
    assert not PartnerMember.objects.filter(user=account.owner).exists()


def test_someone_else_cannot_take_an_account_offered_to_another(client, world):
    account = world.lone_account
    type(account).objects.filter(pk=account.pk).update(owner=None)
    invitation = account_owner_invitation_create(
        actor=world.owner.user, partner=world.partner, account=account, email="ada@lovelace.example"
    )
    client.force_login(world.other_customer)
    before = (state(world), list(type(account).objects.filter(pk=account.pk).values("owner")))

    response = client.post(reverse("invitation-accept", kwargs={"token": invitation.token}))

    assert response.status_code == 403
    assert (
        state(world),
        list(type(account).objects.filter(pk=account.pk).values("owner")),
    ) == before


def test_the_password_the_partner_set_up_becomes_the_owners_sign_in_when_she_accepts(
    client, world, django_capture_on_commit_callbacks
):
    # Given an account the partner created through V3 with a password for its owner
    v3_client, _, _ = v3_client_create(actor=world.owner.user, name="CRM")
    with django_capture_on_commit_callbacks(execute=True):
        profile = account_create(
            client=v3_client,
            data=AccountCreateIn(
                contact_email="grace@hopper.example",
                country_code="US",
                login_name="gracesyard",
                password="Cobol-Harbor-1959",
                state_code="NY",
            ),
        )
    account = profile.account
    stored = account.provisioned_password
    assert stored.startswith("md5$") and "Cobol-Harbor-1959" not in stored
    assert account.owner is None  # nobody is attached before she answers
    [invited] = [m for m in mail.outbox if m.to == ["grace@hopper.example"]]
    token = invitation_token(invited)
    shown = page(client.get(reverse("invitation", kwargs={"token": token})))
    assert "gave you a password for this account" in shown

    # When she accepts with that password
    client.post(
        reverse("invitation-accept", kwargs={"token": token}),
        {"password1": "Cobol-Harbor-1959", "password2": "Cobol-Harbor-1959"},
    )

    # Then she owns the account, signs in with it, and the account keeps no copy
    account.refresh_from_db()
    assert account.owner.username == "grace@hopper.example"
    assert account.owner.password == stored
    assert account.provisioned_password == ""
    assert account.owner.check_password("Cobol-Harbor-1959")
