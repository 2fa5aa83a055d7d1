"""Every change to an invitation. Each function is one transition: it locks the invitation,
checks the lifecycle table and who is asking, saves, writes the audit event and queues the
e-mails, all in one transaction. A refusal raises a ``ServiceError`` and changes nothing.

What an invitation answers never depends on who the address belongs to (a customer, a member
of another team, program staff or nobody yet): the checks about the person run when that
person answers, and are shown only to them.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.core.sweeps import each_due
from partnerhub.invitations import notifications
from partnerhub.invitations.models import (
    Invitation,
    InvitationKind,
    InvitationStatus,
    can_transition,
    new_token,
    token_hash,
)
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.partners.services import member_join, role_assignable_check, team_manager_of

User = get_user_model()

NAME_MAX_LENGTH = 150


def normalized_email(email: str) -> str:
    email = User.objects.normalize_email(email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise InvalidTransition("enter a valid e-mail address", code="email_invalid") from None
    return email


def _names(first_name: str, last_name: str) -> tuple[str, str]:
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if len(first) > NAME_MAX_LENGTH or len(last) > NAME_MAX_LENGTH:
        raise InvalidTransition(
            f"names are at most {NAME_MAX_LENGTH} characters", code="name_too_long"
        )
    return first, last


def _expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=settings.INVITATION_EXPIRY_DAYS)


def _create(*, actor, kind: str, partner: Partner, email: str, first: str, last: str, **fields):
    now = timezone.now()
    token = new_token()
    invitation = Invitation.objects.create(
        kind=kind,
        partner=partner,
        email=email,
        first_name=first,
        last_name=last,
        token_hash=token_hash(token),
        invited_by=actor,
        created_at=now,
        expires_at=_expiry(now),
        **fields,
    )
    audit_record(
        actor=actor,
        action=events.INVITATION_SENT,
        target=invitation,
        partner=partner,
        account=invitation.account,
        after={
            "kind": kind,
            "email": email,
            "role": invitation.role,
            "expires_at": invitation.expires_at.isoformat(),
        },
        at=now,
    )
    # The token exists only here and in the e-mail; the database keeps its hash.
    invitation.token = token
    return invitation


def team_invitation_check(*, partner: Partner, email: str) -> None:
    """Refuse an invitation to someone already on the team, or a second one waiting for the
    same address. (Only the team's own data is consulted: the answer says nothing about
    whom else the address belongs to.)"""
    email = normalized_email(email)
    if PartnerMember.objects.filter(partner=partner, user__username=email).exists():
        raise Conflict("this person is already on your team", code="member_exists")
    if Invitation.objects.filter(
        partner=partner, email=email, kind=InvitationKind.TEAM, status=InvitationStatus.PENDING
    ).exists():
        raise Conflict(
            "an invitation to this address is already waiting", code="invitation_pending"
        )


@transaction.atomic
def team_invitation_create(
    *,
    actor,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    partner: Partner | None = None,
) -> Invitation:
    """Invite a person to the team with ``role``. ``actor`` must be an owner or admin (only an
    owner offers the owner role); program staff (in the admin) and program tools (demo data,
    with no actor) name the ``partner`` instead. The person joins only when they accept. The
    token is on the returned invitation (``invitation.token``) and in the e-mail, nowhere
    else."""
    if partner is not None and (actor is None or actor.is_staff):
        if role not in PartnerRole.values:
            raise InvalidTransition("unknown role", code="role_invalid")
    else:
        manager = team_manager_of(actor)
        role_assignable_check(manager, role)
        partner = manager.partner
    email = normalized_email(email)
    first, last = _names(first_name, last_name)
    lock_one(Partner.objects.all(), pk=partner.pk)
    team_invitation_check(partner=partner, email=email)
    try:
        with transaction.atomic():
            invitation = _create(
                actor=actor,
                kind=InvitationKind.TEAM,
                partner=partner,
                email=email,
                first=first,
                last=last,
                role=role,
            )
    except IntegrityError as exc:
        raise Conflict(
            "an invitation to this address is already waiting", code="invitation_pending"
        ) from exc
    notifications.notify_invited(invitation)
    return invitation


@transaction.atomic
def account_owner_invitation_create(
    *,
    actor,
    partner: Partner,
    account: ClientAccount,
    email: str,
    first_name: str = "",
    last_name: str = "",
    access_requested: bool = False,
) -> Invitation:
    """Invite the person at ``email`` to own ``account``, an account ``partner`` made for them
    and that has no owner yet. ``access_requested``: the e-mail says the partner also asks for
    full access, which the owner answers separately once the account is theirs."""
    email = normalized_email(email)
    first, last = _names(first_name, last_name)
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.owner_id is not None:
        raise InvalidTransition("this account already has an owner", code="owner_exists")
    invitation = _create(
        actor=actor,
        kind=InvitationKind.ACCOUNT_OWNER,
        partner=partner,
        email=email,
        first=first,
        last=last,
        account=account,
    )
    notifications.notify_invited(invitation, access_requested=access_requested)
    return invitation


def _lock_by_token(token: str) -> Invitation:
    try:
        # Only the invitation's row is locked (no joins: see core/locks.py).
        return lock_one(Invitation.objects.all(), token_hash=token_hash(token or ""))
    except Invitation.DoesNotExist:
        raise NotFound("no such invitation") from None


CLOSED_SENTENCES = {
    InvitationStatus.ACCEPTED: "this invitation was already accepted",
    InvitationStatus.DECLINED: "this invitation was declined",
    InvitationStatus.REVOKED: "this invitation was withdrawn by the team",
    InvitationStatus.EXPIRED: "this invitation expired",
}


def _check_open(invitation: Invitation, now: dt.datetime) -> None:
    if invitation.status == InvitationStatus.PENDING and invitation.expires_at <= now:
        raise InvalidTransition(CLOSED_SENTENCES[InvitationStatus.EXPIRED], code="expired")
    if invitation.status != InvitationStatus.PENDING:
        raise InvalidTransition(
            CLOSED_SENTENCES[invitation.status], code=f"invitation_{invitation.status}"
        )


def is_invitee(invitation: Invitation, user) -> bool:
    """Whether ``user`` is the person the invitation was sent to (their sign-in's address)."""
    if user is None or not user.is_authenticated:
        return False
    addresses = {(user.get_username() or "").lower(), (user.email or "").lower()}
    return invitation.email in addresses


def _check_invitee(invitation: Invitation, user) -> None:
    if not is_invitee(invitation, user):
        raise PermissionDenied(
            "this invitation was sent to another address; sign in with that address to answer it",
            code="wrong_invitee",
        )


def _transition(
    invitation: Invitation,
    target: str,
    *,
    action: str,
    actor,
    at: dt.datetime,
    ip_address: str | None = None,
    **after,
) -> None:
    """Move ``invitation`` (locked) to ``target`` if the table allows it, and write the audit
    event ``action`` (with ``after`` beside the new status)."""
    if not can_transition(invitation.status, target):
        raise InvalidTransition(
            CLOSED_SENTENCES.get(invitation.status, "this invitation is closed"),
            code=f"invitation_{invitation.status}",
        )
    before = {"status": invitation.status}
    invitation.status = target
    invitation.answered_at = at
    invitation.answered_by = actor
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    audit_record(
        actor=actor,
        action=action,
        target=invitation,
        partner=invitation.partner,
        account=invitation.account,
        before=before,
        after={"status": invitation.status, **after},
        ip_address=ip_address,
        at=at,
    )


def _take_ownership(invitation: Invitation, user, now: dt.datetime) -> None:
    account = lock_one(ClientAccount.objects.all(), pk=invitation.account_id)
    if account.owner_id is not None:
        raise InvalidTransition("this account already has an owner", code="owner_exists")
    account.owner = user
    account.provisioned_password = ""  # used now, or not wanted: it is never kept
    account.save(update_fields=["owner", "provisioned_password"])
    audit_record(
        actor=user,
        action=events.ACCOUNT_OWNER_SET,
        target=account,
        partner=invitation.partner,
        account=account,
        after={"owner": user.email, "invitation_id": invitation.pk},
        at=now,
    )


@transaction.atomic
def invitation_accept(*, actor, token: str, ip_address: str | None = None) -> Invitation:
    """The invitee, signed in, accepts: they join the team with the role offered, or become
    the account's owner. Program staff sign-ins cannot do either."""
    # The partner's row first, as every change to a team takes it first (no lock cycle with
    # an invitation being sent to the same address meanwhile).
    partner_id = (
        Invitation.objects.filter(token_hash=token_hash(token or ""))
        .values_list("partner_id", flat=True)
        .first()
    )
    if partner_id is not None:
        lock_one(Partner.objects.all(), pk=partner_id)
    invitation = _lock_by_token(token)
    now = timezone.now()
    _check_open(invitation, now)
    _check_invitee(invitation, actor)
    if actor.is_staff or actor.is_superuser:
        raise PermissionDenied(
            "program staff sign-ins cannot join a partner team or own a client account; "
            "ask for the invitation to be sent to another address",
            code="staff_refused",
        )
    _transition(
        invitation,
        InvitationStatus.ACCEPTED,
        action=events.INVITATION_ACCEPTED,
        actor=actor,
        at=now,
        ip_address=ip_address,
    )
    if invitation.kind == InvitationKind.TEAM:
        member_join(
            partner=invitation.partner,
            user=actor,
            role=invitation.role,
            invitation_id=invitation.pk,
        )
    else:
        _take_ownership(invitation, actor, now)
    notifications.notify_answered(invitation)
    return invitation


@transaction.atomic
def invitation_accept_as_new_user(
    *,
    token: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    ip_address: str | None = None,
):
    """A person with no sign-in yet (or one never given a password) chooses a password and
    accepts in one step; returns the user, to sign them in. Whoever already has a password
    signs in instead."""
    invitation = _lock_by_token(token)
    _check_open(invitation, timezone.now())
    first, last = _names(first_name, last_name)
    user = User.objects.filter(username=invitation.email).first()
    if user is not None and user.has_usable_password():
        raise PermissionDenied(
            "this address already has a sign-in; sign in to answer the invitation",
            code="sign_in_required",
        )
    if user is None:
        user = User(
            username=invitation.email,
            email=invitation.email,
            first_name=first or invitation.first_name,
            last_name=last or invitation.last_name,
        )
    provisioned = invitation.account.provisioned_password if invitation.account_id else ""
    if provisioned and check_password(password, provisioned):
        # The password the partner set up when it created the account (checked then): its
        # hash becomes the owner's sign-in as it is; the password itself was never stored.
        user.password = provisioned
    else:
        try:
            validate_password(password, user=user)
        except DjangoValidationError as error:
            raise InvalidTransition(" ".join(error.messages), code="password_invalid") from None
        user.set_password(password)
    user.save()
    invitation_accept(actor=user, token=token, ip_address=ip_address)
    return user


@transaction.atomic
def invitation_decline(*, token: str, actor=None, ip_address: str | None = None) -> Invitation:
    """The invitee says no. The link itself is enough (declining grants nothing); a signed-in
    person must be the invitee."""
    invitation = _lock_by_token(token)
    now = timezone.now()
    _check_open(invitation, now)
    if actor is not None and actor.is_authenticated:
        _check_invitee(invitation, actor)
    else:
        actor = None
    _transition(
        invitation,
        InvitationStatus.DECLINED,
        action=events.INVITATION_DECLINED,
        actor=actor,
        at=now,
        ip_address=ip_address,
    )
    notifications.notify_answered(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, invitation_id: int) -> Invitation:
    """An owner or admin withdraws a team invitation not yet answered (only an owner withdraws
    one that offers the owner role)."""
    manager = team_manager_of(actor)
    try:
        invitation = lock_one(
            Invitation.objects.all(),
            pk=invitation_id,
            partner_id=manager.partner_id,
            kind=InvitationKind.TEAM,
        )
    except Invitation.DoesNotExist:
        raise NotFound("no such invitation") from None
    if invitation.role == PartnerRole.OWNER and manager.role != PartnerRole.OWNER:
        raise PermissionDenied("only an owner can withdraw an invitation to be an owner")
    now = timezone.now()
    _transition(
        invitation,
        InvitationStatus.REVOKED,
        action=events.INVITATION_REVOKED,
        actor=actor,
        at=now,
        email=invitation.email,
    )
    return invitation


@transaction.atomic
def invitation_expire(*, invitation_id: int, now: dt.datetime | None = None) -> Invitation | None:
    """Expire one invitation if it is still pending and past its time; otherwise nothing."""
    now = now or timezone.now()
    invitation = lock_one(Invitation.objects.all(), pk=invitation_id)
    if invitation.status != InvitationStatus.PENDING or invitation.expires_at > now:
        return None
    _transition(
        invitation, InvitationStatus.EXPIRED, action=events.INVITATION_EXPIRED, actor=None, at=now
    )
    return invitation


def invitations_expire_due(*, now: dt.datetime | None = None) -> list[Invitation]:
    """Expire every pending invitation past its time, each in its own transaction."""
    now = now or timezone.now()
    due = Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__lte=now)
    return each_due(due, lambda pk: invitation_expire(invitation_id=pk, now=now))
