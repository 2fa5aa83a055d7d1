"""Invitations: nobody joins a team or owns an account without accepting. Owners and admins
invite, withdraw; the invitee accepts or declines; unanswered invitations expire."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.access.models import ManageRequest
from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.invitations.models import Invitation, InvitationStatus
from partnerhub.invitations.services import (
    invitation_accept,
    invitation_accept_as_new_user,
    invitation_decline,
    invitation_revoke,
    invitations_expire_due,
    team_invitation_create,
)
from partnerhub.partners.models import PartnerMember, PartnerRole
from partnerhub.partners.selectors import membership_of
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.mail import invitation_token
from partnerhub.tests.snapshots import own_state, team_state
from partnerhub.tests.world import build_world

OWNER, ADMIN, MEMBER = PartnerRole.OWNER, PartnerRole.ADMIN, PartnerRole.MEMBER
User = get_user_model()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def invite(world, django_capture_on_commit_callbacks, mailoutbox):
    """Send an invitation through the service as a manager; returns (invitation, token read
    from the e-mail the invitee got)."""

    def send(email="zed@example.test", role=MEMBER, by=None, **fields):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invitation = team_invitation_create(
                actor=(by or world.owner).user, email=email, role=role, **fields
            )
        [message] = mailoutbox
        assert message.to == [invitation.email]
        return invitation, invitation_token(message)

    return send


def state(world) -> dict:
    """Teams, invitations, users and audit rows: what a refused action leaves as it was."""
    return {
        "team": team_state(world.partner),
        "other_team": team_state(world.other_partner),
        "invitations": list(
            Invitation.objects.order_by("id").values_list("id", "status", "answered_by")
        ),
        "users": list(User.objects.order_by("id").values_list("id", "password", "is_staff")),
    }


def members(partner) -> list[tuple[str, str]]:
    return sorted(PartnerMember.objects.filter(partner=partner).values_list("user__email", "role"))


# --- Inviting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manager", "role"), [("owner", OWNER), ("owner", ADMIN), ("admin", MEMBER), ("admin", ADMIN)]
)
def test_owners_and_admins_invite_and_nobody_joins_yet(world, invite, mailoutbox, manager, role):
    users = User.objects.count()

    invitation, token = invite(email="  Zed@Example.TEST ", role=role, by=getattr(world, manager))

    invitation.refresh_from_db()
    assert (invitation.partner, invitation.email, invitation.role, invitation.status) == (
        world.partner,
        "zed@example.test",
        role,
        "pending",
    )
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    assert token not in invitation.token_hash and len(token) >= 40
    # nobody joined, no sign-in was made
    assert members(world.partner) == [
        ("adam@brightwave.test", ADMIN),
        ("max@brightwave.test", MEMBER),
        ("olga@brightwave.test", OWNER),
    ]
    assert User.objects.count() == users
    body = mailoutbox[0].body
    assert "join the team of Brightwave Agency" in body
    assert f"as {role}" in body
    event = AuditEvent.objects.get(action="invitation.sent")
    assert (event.actor, event.partner, event.after["email"], event.after["role"]) == (
        getattr(world, manager).user,
        world.partner,
        "zed@example.test",
        role,
    )


@pytest.mark.parametrize(
    "who", ["a new address", "a customer", "another team's member", "program staff"]
)
def test_the_answer_is_the_same_whoever_the_address_belongs_to(world, invite, who):
    email = {
        "a new address": "zed@example.test",
        "a customer": world.other_customer.email,
        "another team's member": world.other_owner.user.email,
        "program staff": UserFactory(username="pat@partnerhub.test", is_staff=True).email,
    }[who]
    before = team_state(world.other_partner)["members"]

    invitation, _ = invite(email=email)

    assert (invitation.status, invitation.role) == ("pending", MEMBER)
    assert team_state(world.other_partner)["members"] == before


def test_a_member_cannot_invite(world):
    before = state(world)

    with pytest.raises(PermissionDenied):
        team_invitation_create(actor=world.member.user, email="zed@example.test", role=MEMBER)

    assert state(world) == before


def test_an_admin_cannot_offer_the_owner_role(world):
    before = state(world)

    with pytest.raises(PermissionDenied):
        team_invitation_create(actor=world.admin.user, email="zed@example.test", role=OWNER)

    assert state(world) == before


def test_a_customer_cannot_invite(world):
    before = state(world)

    with pytest.raises(PermissionDenied):
        team_invitation_create(actor=world.customer, email="zed@example.test", role=MEMBER)

    assert state(world) == before


@pytest.mark.parametrize(
    ("email", "role", "code"),
    [
        ("not-an-address", MEMBER, "email_invalid"),
        ("", MEMBER, "email_invalid"),
        ("zed@example.test", "boss", "role_invalid"),
    ],
)
def test_bad_input_is_refused(world, email, role, code):
    before = state(world)

    with pytest.raises(InvalidTransition) as refused:
        team_invitation_create(actor=world.owner.user, email=email, role=role)

    assert refused.value.code == code
    assert state(world) == before


def test_someone_already_on_the_team_is_not_invited_again(world):
    before = state(world)

    with pytest.raises(Conflict) as refused:
        team_invitation_create(actor=world.owner.user, email="MAX@brightwave.test", role=ADMIN)

    assert refused.value.code == "member_exists"
    assert state(world) == before


def test_one_pending_invitation_per_address_and_team(world, invite):
    invite(email="zed@example.test")
    before = state(world)

    with pytest.raises(Conflict) as refused:
        team_invitation_create(actor=world.admin.user, email="zed@example.test", role=MEMBER)

    assert refused.value.code == "invitation_pending"
    assert state(world) == before


def test_the_database_holds_one_pending_invitation_per_address_and_team(world, invite):
    first, _ = invite(email="zed@example.test")

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            kind="team",
            partner=world.partner,
            email="zed@example.test",
            role=MEMBER,
            token_hash="x" * 64,
            created_at=first.created_at,
            expires_at=first.expires_at,
        )


# --- Accepting -----------------------------------------------------------------------------


def test_a_person_with_a_sign_in_accepts_and_joins_with_the_role_offered(
    world, invite, django_capture_on_commit_callbacks, mailoutbox
):
    zed = UserFactory(username="zed@example.test")
    invitation, token = invite(email="zed@example.test", role=ADMIN)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        invitation_accept(actor=zed, token=token, ip_address="203.0.113.5")

    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == ("accepted", zed)
    assert PartnerMember.objects.get(user=zed).role == ADMIN
    assert ("zed@example.test", ADMIN) in members(world.partner)
    added = AuditEvent.objects.get(action="member.added")
    assert (added.actor, added.after["invitation_id"]) == (zed, invitation.pk)
    accepted = AuditEvent.objects.get(action="invitation.accepted")
    assert (accepted.actor, accepted.ip_address) == (zed, "203.0.113.5")
    # the one who invited hears it
    assert [m.to for m in mailoutbox] == [["olga@brightwave.test"]]


def test_a_new_person_chooses_a_password_and_joins(world, invite):
    invitation, token = invite(email="zed@example.test", first_name="Zed", last_name="Zane")

    user = invitation_accept_as_new_user(token=token, password="a-long-new-password")

    assert (user.username, user.email, user.first_name, user.last_name) == (
        "zed@example.test",
        "zed@example.test",
        "Zed",
        "Zane",
    )
    assert user.check_password("a-long-new-password") and not user.is_staff
    assert PartnerMember.objects.get(user=user).partner == world.partner


def test_choosing_a_password_is_refused_for_an_address_that_has_one(world, invite):
    UserFactory(username="zed@example.test")
    _, token = invite(email="zed@example.test")
    before = state(world)

    with pytest.raises(PermissionDenied) as refused:
        invitation_accept_as_new_user(token=token, password="a-long-new-password")

    assert refused.value.code == "sign_in_required"
    assert state(world) == before


def test_a_weak_password_is_refused_and_no_sign_in_is_made(world, invite):
    _, token = invite(email="zed@example.test")
    before = state(world)

    with pytest.raises(InvalidTransition) as refused:
        invitation_accept_as_new_user(token=token, password="12345678")

    assert refused.value.code == "password_invalid"
    assert state(world) == before


def test_someone_else_cannot_accept(world, invite):
    _, token = invite(email="zed@example.test")
    before = state(world)

    with pytest.raises(PermissionDenied) as refused:
        invitation_accept(actor=world.other_customer, token=token)

    assert refused.value.code == "wrong_invitee"
    assert state(world) == before


def test_program_staff_cannot_become_members_even_by_accepting(world, invite):
    staff = UserFactory(username="pat@partnerhub.test", is_staff=True)
    invitation, token = invite(email=staff.email)
    before = state(world)

    with pytest.raises(PermissionDenied) as refused:
        invitation_accept(actor=staff, token=token)

    assert refused.value.code == "staff_refused"
    assert "program staff" in refused.value.message
    assert state(world) == before
    assert not PartnerMember.objects.filter(user=staff).exists()


def test_a_member_of_another_team_joins_this_one_too(world, invite):
    invitation, token = invite(email=world.other_owner.user.email)
    other_team = team_state(world.other_partner)["members"]

    invitation_accept(actor=world.other_owner.user, token=token)

    nina = world.other_owner.user
    assert sorted(
        PartnerMember.objects.filter(user=nina).values_list("partner_id", "role")
    ) == sorted([(world.other_partner.pk, PartnerRole.OWNER), (world.partner.pk, MEMBER)])
    assert team_state(world.other_partner)["members"] == other_team
    assert membership_of(nina).partner == world.partner


def test_an_unknown_token_is_not_found(world):
    before = state(world)

    with pytest.raises(NotFound):
        invitation_accept(actor=world.customer, token="not-a-token")
    with pytest.raises(NotFound):
        invitation_decline(token="not-a-token")

    assert state(world) == before


# --- Declining, withdrawing, expiring ------------------------------------------------------


def test_the_invitee_declines_with_the_link_alone(world, invite):
    invitation, token = invite(email="zed@example.test")

    invitation_decline(token=token)

    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == ("declined", None)
    assert AuditEvent.objects.filter(action="invitation.declined").count() == 1
    with pytest.raises(InvalidTransition) as refused:
        invitation_accept(actor=UserFactory(username="zed@example.test"), token=token)
    assert refused.value.code == "invitation_declined"
    assert not PartnerMember.objects.filter(user__username="zed@example.test").exists()


def test_a_signed_in_person_cannot_decline_someone_elses_invitation(world, invite):
    _, token = invite(email="zed@example.test")
    before = state(world)

    with pytest.raises(PermissionDenied):
        invitation_decline(token=token, actor=world.customer)

    assert state(world) == before


@pytest.mark.parametrize("manager", ["owner", "admin"])
def test_owners_and_admins_withdraw_an_invitation(world, invite, manager):
    invitation, token = invite(email="zed@example.test")

    invitation_revoke(actor=getattr(world, manager).user, invitation_id=invitation.pk)

    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    event = AuditEvent.objects.get(action="invitation.revoked")
    assert (event.actor, event.after["email"]) == (getattr(world, manager).user, "zed@example.test")
    with pytest.raises(InvalidTransition) as refused:
        invitation_accept(actor=UserFactory(username="zed@example.test"), token=token)
    assert refused.value.code == "invitation_revoked"


def test_who_may_not_withdraw_changes_nothing(world, invite):
    owner_invitation, _ = invite(email="zed@example.test", role=OWNER)
    before = state(world)

    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=world.member.user, invitation_id=owner_invitation.pk)
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=world.admin.user, invitation_id=owner_invitation.pk)
    with pytest.raises(NotFound):
        invitation_revoke(actor=world.other_owner.user, invitation_id=owner_invitation.pk)

    assert state(world) == before


def test_an_unanswered_invitation_expires_after_seven_days(world, invite):
    invitation, token = invite(email="zed@example.test")
    zed = UserFactory(username="zed@example.test")
    # eight days later (sent eight days ago, so past its seven days)
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=now - dt.timedelta(days=8), expires_at=now - dt.timedelta(days=1)
    )
    before = state(world)

    with pytest.raises(InvalidTransition) as refused:
        invitation_accept(actor=zed, token=token)

    assert refused.value.code == "expired"
    assert state(world) == before
    # the sweep then marks it expired, once
    assert [i.pk for i in invitations_expire_due()] == [invitation.pk]
    assert invitations_expire_due() == []
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED
    assert AuditEvent.objects.filter(action="invitation.expired").count() == 1


def test_the_sweep_leaves_open_invitations_alone(world, invite):
    invite(email="zed@example.test")

    assert invitations_expire_due() == []
    assert list(Invitation.objects.values_list("status", flat=True)) == ["pending"]


# --- Two hats: the partner invites the owner of one of its own client accounts ----------------


def test_the_owner_of_a_client_account_joins_and_the_partner_gains_nothing(world, invite):
    cora = world.customer  # owns Blue Bakery, referred to Brightwave
    account_before = own_state(world.account)
    _, token = invite(email=cora.email)

    invitation_accept(actor=cora, token=token)

    # she is a member and still the owner of her account, which stays referred: no request,
    # no consent, no change of kind, nothing on its access history
    assert PartnerMember.objects.get(user=cora).partner == world.partner
    assert list(cora.owned_accounts.all()) == [world.account]
    assert own_state(world.account) == account_before
    assert not ManageRequest.objects.filter(account=world.account).exists()
