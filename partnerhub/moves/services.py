"""Bringing accounts in: the invite link, moves of existing accounts, and request codes.

Each transition is one function: it locks the row it changes, checks the lifecycle table and
who is asking, saves, writes the audit event and queues the notices and webhooks, in one
transaction. A refusal raises a ``ServiceError`` and changes nothing.

Every move is confirmed by the account's owner signed in to the account, whatever its age:
the public process asks a verified address for accounts older than 60 days, and a signed-in
owner is the strongest proof we hold for any account (an e-mail link only proves access to a
mailbox). So one rule serves old and young accounts alike.
"""

import contextlib
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from partnerhub.access import disclaimers
from partnerhub.access.levels import DEFAULT_LEVEL, AccessLevel
from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.audit import events
from partnerhub.audit.services import actor_label_for, audit_record
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.core import ratelimit
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.core.sweeps import each_due
from partnerhub.core.text import TextError, clean_text
from partnerhub.invitations.services import normalized_email
from partnerhub.moves import notifications, request_codes
from partnerhub.moves.models import (
    MoveConsent,
    MoveRequest,
    MoveStatus,
    RequestCode,
    can_transition,
)
from partnerhub.partners.models import Partner, PartnerMember, new_invite_code
from partnerhub.partners.services import acting_membership_of
from partnerhub.partnerships.models import Partnership, PartnershipSource
from partnerhub.partnerships.services import (
    open_partnership_lock,
    partnership_credit,
    partnership_end,
)
from partnerhub.webhooks.emit import account_data, emit_account
from partnerhub.webhooks.services import event_emit

# What the partner reads after asking, whatever was found: it never tells whether such an
# account exists, whether it is in another partnership or whether it needs a request code.
ASKED = (
    "If there is such an account, we asked its owner. If they require a request code, they are "
    "asked only when the code you entered is right. Answered requests show below."
)
LOGIN_NAME_MIN, LOGIN_NAME_MAX = 6, 50
MOVE_TEXT_VERSION = "2026-12-01"


def _membership(user) -> PartnerMember:
    """The member acting (a viewer is refused: they change nothing)."""
    membership = acting_membership_of(user)
    if membership is None:
        raise NotFound("no such partner", code="not_found")
    return membership


# --- what the owner reads ----------------------------------------------------------------


@dataclass(frozen=True)
class MoveTerms:
    version: str
    text: str


def move_terms(move: MoveRequest, *, current_partner_name: str = "") -> MoveTerms:
    """The words the owner confirms: who asks, what kind, what it means. ``current_partner_name``
    is the partnership the account is in now (it ends when the owner confirms)."""
    partner = move.partner.name
    account = move.account.organization_name
    parts = [
        f"Confirming moves {account} into the partnership of {partner} from today, as a "
        f"{PartnershipKind(move.kind).label.lower()} account."
    ]
    if current_partner_name:
        parts.append(
            f"It leaves the partnership of {current_partner_name}, who will be told that it "
            f"moved to another partner; any access {current_partner_name} had ends."
        )
    if move.is_managed:
        parts.append(disclaimers.for_level(move.level).for_partner(partner))
        version = f"{MOVE_TEXT_VERSION}/{move.level}-{disclaimers.for_level(move.level).version}"
    else:
        parts.append(
            f"{partner} is credited with your account but gets no access to it; the program's "
            "own coaches keep serving you."
        )
        version = f"{MOVE_TEXT_VERSION}/referred"
    return MoveTerms(version=version, text=" ".join(parts))


# --- the partner asks ----------------------------------------------------------------------


def _matching_accounts(identifier: str) -> list[ClientAccount]:
    """Accounts whose login name is ``identifier``, or whose owner's e-mail is."""
    query = Q(login_name__iexact=identifier)
    if "@" in identifier:
        query |= Q(owner__email__iexact=identifier)
    return list(
        ClientAccount.objects.filter(query, owner__isnull=False)
        .select_related("owner")
        .order_by("pk")[:20]
    )


def move_request_create(
    *,
    actor,
    identifier: str,
    kind: str,
    level: str = "",
    request_code: str = "",
    ip_address: str | None = None,
) -> list[MoveRequest]:
    """A partner member asks the owner of an existing account (by login name or owner e-mail)
    to move it into the partnership, as referred or managed at ``level``. Returns the moves
    made; the partner is told ``ASKED`` whatever the list holds (no account enumeration).
    Refused only for what the partner itself got wrong: the kind, the level, an empty field,
    or asking too often."""
    membership = _membership(actor)
    if kind not in PartnershipKind.values:
        raise InvalidTransition("choose referred or managed", code="kind_invalid")
    if kind == PartnershipKind.MANAGED:
        level = level or DEFAULT_LEVEL
        if level not in AccessLevel.values:
            raise InvalidTransition("choose an access level", code="level_invalid")
    else:
        level = ""
    try:
        identifier = clean_text(identifier or "", max_length=254, required=True)
    except TextError:
        raise InvalidTransition(
            "enter the account's login name or its owner's e-mail", code="identifier_required"
        ) from None
    allowance = ratelimit.hit(
        "move",
        str(membership.partner_id),
        ratelimit.Rate.parse(settings.PARTNERHUB_MOVE_RATE_PER_PARTNER),
    )
    if not allowance.allowed:
        raise Conflict(
            "your team asked for many moves in a short time; try again later",
            code="move_rate_limited",
        )
    made = []
    for account in _matching_accounts(identifier):
        try:
            made.append(
                _move_create(
                    actor=actor,
                    membership=membership,
                    account_id=account.pk,
                    kind=kind,
                    level=level,
                    request_code=request_code,
                    ip_address=ip_address,
                )
            )
        except request_codes.RefusedCode as error:
            request_codes.request_code_refused(
                error=error, partner_id=membership.partner_id, account_id=account.pk
            )
        except _Skipped:
            pass
    return made


class _Skipped(Exception):
    """This account cannot be asked now (the partner is not told why)."""


@dataclass(frozen=True)
class _StaffAsking:
    """Program staff asking on behalf of a *My Organization* (a new organization's first
    account): the move is the partner's, the request staff's."""

    partner: Partner

    @property
    def partner_id(self) -> int:
        return self.partner.pk


def move_request_create_for_partner(
    *, actor, partner: Partner, account_id: int, kind: str, level: str = ""
) -> MoveRequest:
    """Program staff ask the owner of ``account_id`` to move it into ``partner``'s
    partnership: the ordinary move, which the owner confirms or declines. Refused (Conflict)
    when it cannot be asked now: a move is waiting, the account is already there, or its
    owner requires a request code."""
    level = (level or DEFAULT_LEVEL) if kind == PartnershipKind.MANAGED else ""
    try:
        return _move_create(
            actor=actor,
            membership=_StaffAsking(partner),
            account_id=account_id,
            kind=kind,
            level=level,
            request_code="",
            ip_address=None,
        )
    except (_Skipped, request_codes.RefusedCode):
        raise Conflict(
            "the owner cannot be asked to move this account now (a move is waiting, it is "
            "already there, or its owner asks for a request code)",
            code="move_not_possible",
        ) from None


@transaction.atomic
def _move_create(
    *, actor, membership, account_id: int, kind: str, level: str, request_code: str, ip_address
) -> MoveRequest:
    account = lock_one(ClientAccount.objects.select_related("owner"), pk=account_id)
    if account.partner_id == membership.partner_id:
        raise _Skipped
    request_codes.request_code_check(
        account_id=account.pk, partner_id=membership.partner_id, code=request_code
    )
    if MoveRequest.objects.filter(account=account, status=MoveStatus.PENDING).exists():
        raise _Skipped
    from_partnership = (
        Partnership.objects.filter(account=account, ended_at__isnull=True).first()
        if account.partner_id
        else None
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            move = MoveRequest.objects.create(
                account=account,
                partner=membership.partner,
                from_partnership=from_partnership,
                requested_by=actor,
                kind=kind,
                level=level,
                created_at=now,
                expires_at=now + dt.timedelta(days=settings.MANAGE_REQUEST_EXPIRY_DAYS),
            )
    except IntegrityError:
        raise _Skipped from None
    audit_record(
        actor=actor,
        action=events.MOVE_REQUESTED,
        target=move,
        partner=move.partner,
        account=account,
        after={
            "status": move.status,
            "kind": kind,
            "level": level,
            "expires_at": move.expires_at.isoformat(),
        },
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_move_requested(move)
    return move


def _lock_partner_move(*, actor, move_id: int) -> MoveRequest:
    membership = _membership(actor)
    try:
        return lock_one(
            MoveRequest.objects.select_related("account", "partner"),
            pk=move_id,
            partner_id=membership.partner_id,
        )
    except MoveRequest.DoesNotExist:
        raise NotFound("no such move") from None


def _lock_owner_move(*, actor, move_id: int) -> MoveRequest:
    try:
        return lock_one(
            MoveRequest.objects.select_related("account", "partner"),
            pk=move_id,
            account__owner_id=getattr(actor, "pk", None),
        )
    except MoveRequest.DoesNotExist:
        raise NotFound("no such move") from None


def _check(move: MoveRequest, target: MoveStatus) -> None:
    if not can_transition(move.status, target):
        raise InvalidTransition(
            f"this move is already {move.get_status_display().lower()}",
            code=f"move_{move.status}",
        )


def _decide(move: MoveRequest, target: MoveStatus, *, actor, at: dt.datetime, **fields) -> dict:
    _check(move, target)
    before = {"status": move.status}
    move.status = target
    move.decided_at = at
    move.decided_by = actor
    for name, value in fields.items():
        setattr(move, name, value)
    move.save(update_fields=["status", "decided_at", "decided_by", *fields])
    return before


@transaction.atomic
def move_request_cancel(*, actor, move_id: int, ip_address: str | None = None) -> MoveRequest:
    """The partner withdraws a move the owner has not answered."""
    move = _lock_partner_move(actor=actor, move_id=move_id)
    now = timezone.now()
    before = _decide(move, MoveStatus.CANCELLED, actor=actor, at=now)
    audit_record(
        actor=actor,
        action=events.MOVE_CANCELLED,
        target=move,
        partner=move.partner,
        account=move.account,
        before=before,
        after={"status": move.status},
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_move_cancelled(move)
    return move


# What the partner reads after withdrawing, whatever was found (as ``ASKED``).
WITHDRAWN = (
    "If you asked the owner of such an account to move it in and they have not answered, "
    "the request is withdrawn."
)


def move_requests_cancel_matching(
    *, actor, identifier: str, ip_address: str | None = None
) -> list[MoveRequest]:
    """The partner withdraws the moves it asked for the accounts named ``identifier`` (login
    name or owner e-mail, as when asking) that their owners have not answered. Returns the
    moves withdrawn; the partner is told ``WITHDRAWN`` whatever the list holds (waiting moves
    are never shown to it, so that asking cannot tell which accounts exist)."""
    membership = _membership(actor)
    try:
        identifier = clean_text(identifier or "", max_length=254, required=True)
    except TextError:
        raise InvalidTransition(
            "enter the account's login name or its owner's e-mail", code="identifier_required"
        ) from None
    waiting = MoveRequest.objects.filter(
        partner_id=membership.partner_id,
        status=MoveStatus.PENDING,
        account__in=[a.pk for a in _matching_accounts(identifier)],
    ).values_list("pk", flat=True)
    withdrawn = []
    for move_id in list(waiting):
        with contextlib.suppress(InvalidTransition):  # answered or expired meanwhile
            withdrawn.append(
                move_request_cancel(actor=actor, move_id=move_id, ip_address=ip_address)
            )
    return withdrawn


@transaction.atomic
def move_request_decline(*, actor, move_id: int, ip_address: str | None = None) -> MoveRequest:
    """The owner says no: nothing changes."""
    move = _lock_owner_move(actor=actor, move_id=move_id)
    now = timezone.now()
    before = _decide(move, MoveStatus.DECLINED, actor=actor, at=now)
    audit_record(
        actor=actor,
        action=events.MOVE_DECLINED,
        target=move,
        partner=move.partner,
        account=move.account,
        before=before,
        after={"status": move.status},
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_move_answered(move)
    return move


@transaction.atomic
def move_request_confirm(
    *, actor, move_id: int, text_version: str, ip_address: str | None, user_agent: str
) -> MoveConsent:
    """The signed-in owner confirms: the account leaves the partnership it is in (if any) and
    is credited to the asking partner from today, with the source *Move approved by the
    customer*. Earnings follow: the previous partner earns nothing on invoices paid from
    today on, the new partner's window counts from today."""
    move = _lock_owner_move(actor=actor, move_id=move_id)
    now = timezone.now()
    _check(move, MoveStatus.CONFIRMED)
    if move.expires_at <= now:
        raise InvalidTransition("this move has expired", code="move_expired")
    # The partnership before the account, in the order a manage request takes them (it locks
    # the partnership, then its new row holds the account): two changes never wait on each
    # other crosswise.
    try:
        previous = open_partnership_lock(account_id=move.account_id)
    except Partnership.DoesNotExist:
        previous = None
    account = lock_one(ClientAccount.objects.all(), pk=move.account_id)
    if previous is not None and previous.partner_id == move.partner_id:
        raise InvalidTransition(
            "the account is already in this partnership", code="already_in_partnership"
        )
    terms = move_terms(move, current_partner_name=previous.partner.name if previous else "")
    if text_version != terms.version:
        raise InvalidTransition(
            "the terms you saw have changed; please read them again", code="disclaimer_outdated"
        )
    waiting = (
        ManageRequest.objects.filter(account=account, status=RequestStatus.PENDING)
        .select_related("partner")
        .first()
    )
    if waiting is not None:
        raise Conflict(
            f"answer the waiting request from {waiting.partner.name} first",
            code="request_pending",
        )
    if previous is not None:
        partnership_end(partnership=previous, at=now)
    partnership = partnership_credit(
        partner=move.partner,
        account=account,
        source=PartnershipSource.APPROVED_MOVE,
        moved_on=now.date(),
        kind=move.kind,
        actor=actor,
        at=now,
        level=move.level or DEFAULT_LEVEL,
    )
    before = _decide(move, MoveStatus.CONFIRMED, actor=actor, at=now, to_partnership=partnership)
    consent = MoveConsent.objects.create(
        move=move,
        account=account,
        partner=move.partner,
        granted_by=actor,
        granted_by_label=f"{actor_label_for(actor)} <{actor.email}>",
        granted_at=now,
        text_version=terms.version,
        text=terms.text,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
    )
    moved = {
        "status": move.status,
        "kind": move.kind,
        "level": move.level,
        "moved_on": partnership.moved_on.isoformat(),
        "consent_id": consent.pk,
        "text_version": consent.text_version,
    }
    audit_record(
        actor=actor,
        action=events.ACCOUNT_MOVED_IN,
        target=move,
        partner=move.partner,
        account=account,
        before={**before, "from_another_partner": previous is not None},
        after=moved,
        ip_address=ip_address,
        at=now,
    )
    account.refresh_from_db()
    if previous is not None:
        audit_record(
            actor=actor,
            action=events.ACCOUNT_MOVED_OUT,
            target=previous,
            partner=previous.partner,
            account=account,
            before={"kind": previous.kind, "level": previous.access_level},
            after={"ended_at": now.isoformat()},
            ip_address=ip_address,
            at=now,
        )
        notifications.notify_moved_out(move, previous.partner)
        event_emit(
            partner_id=previous.partner_id,
            event_type="account.moved_out",
            data={
                **account_data(account),
                "kind": None,
                "previous_kind": previous.kind,
                "ended_at": now,
            },
        )
    notifications.notify_move_answered(move)
    emit_account(
        account,
        "account.moved_in",
        moved_on=partnership.moved_on,
        level=move.level or None,
        from_another_partner=previous is not None,
    )
    return consent


@transaction.atomic
def move_request_expire(*, move_id: int, now: dt.datetime | None = None) -> MoveRequest | None:
    """Expire one move if it is still pending and past its time; otherwise do nothing."""
    now = now or timezone.now()
    move = lock_one(MoveRequest.objects.select_related("account", "partner"), pk=move_id)
    if move.status != MoveStatus.PENDING or move.expires_at > now:
        return None
    before = _decide(move, MoveStatus.EXPIRED, actor=None, at=now)
    audit_record(
        actor=None,
        action=events.MOVE_EXPIRED,
        target=move,
        partner=move.partner,
        account=move.account,
        before=before,
        after={"status": move.status},
        at=now,
    )
    # Nobody is told: the partner never learnt that the account exists, and the owner let it
    # lapse.
    return move


def moves_expire_due(*, now: dt.datetime | None = None) -> list[MoveRequest]:
    """Expire every pending move past its time, each in its own transaction."""
    now = now or timezone.now()
    due = MoveRequest.objects.filter(status=MoveStatus.PENDING, expires_at__lte=now)
    return each_due(due, lambda pk: move_request_expire(move_id=pk, now=now))


# --- the invite link -----------------------------------------------------------------------


@transaction.atomic
def invite_code_regenerate(*, actor) -> Partner:
    """An owner or admin replaces the partner's invite link; the old one stops working."""
    membership = _membership(actor)
    if not membership.can_manage_team:
        raise PermissionDenied(
            f"only owners and admins of {membership.partner.name} replace the invite link",
            code="managers_only",
        )
    partner = lock_one(Partner.objects.all(), pk=membership.partner_id)
    partner.invite_code = new_invite_code()
    partner.save(update_fields=["invite_code"])
    audit_record(
        actor=actor, action=events.INVITE_CODE_REGENERATED, target=partner, partner=partner
    )
    return partner


def partner_for_invite_code(code: str) -> Partner | None:
    if not code or len(code) > 32:
        return None
    return Partner.objects.filter(invite_code=code).first()


@dataclass(frozen=True)
class SignUp:
    name: str
    organization: str
    login_name: str
    email: str
    password: str


@transaction.atomic
def invite_signup(
    *, code: str, sign_up: SignUp, ip_address: str | None = None
) -> tuple[object, ClientAccount]:
    """A new customer signs up through a partner's invite link: a sign-in and a trial account
    of their own, credited to the partner as referred from today. Returns the user and the
    account. Refused (``InvalidTransition`` with the field's code) for bad input."""
    partner = partner_for_invite_code(code)
    if partner is None:
        raise NotFound("no such invite link")
    try:
        name = clean_text(sign_up.name, max_length=150, required=True)
    except TextError as error:
        raise InvalidTransition(f"your name {error.problem}", code="name_invalid") from None
    try:
        organization = clean_text(sign_up.organization, max_length=200, required=True)
    except TextError as error:
        raise InvalidTransition(
            f"the organization {error.problem}", code="organization_invalid"
        ) from None
    login_name = _login_name(sign_up.login_name)
    email = normalized_email(sign_up.email)  # refuses with code email_invalid
    User = get_user_model()
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise Conflict(
            "this e-mail already has a sign-in: sign in with it, and ask the partner to move "
            "your account in",
            code="email_taken",
        )
    first, _, last = name.partition(" ")
    user = User(username=email, email=email, first_name=first[:150], last_name=last[:150])
    try:
        validate_password(sign_up.password, user=user)
    except ValidationError as error:
        raise InvalidTransition(" ".join(error.messages), code="password_invalid") from None
    user.set_password(sign_up.password)
    now = timezone.now()
    try:
        with transaction.atomic():
            user.save()
            account = ClientAccount.objects.create(
                organization_name=organization,
                owner_name=name,
                login_name=login_name,
                contact_email=email,
                owner=user,
                plan_type=PlanType.TRIAL,
                billing_status=BillingStatus.TRIAL,
                signed_up_at=now,
            )
    except IntegrityError:
        raise Conflict(
            "this login name is taken; choose another", code="login_name_taken"
        ) from None
    audit_record(
        actor=user,
        action=events.ACCOUNT_CREATED,
        target=account,
        partner=partner,
        account=account,
        after={"login_name": login_name, "created_through": "invite_link"},
        ip_address=ip_address,
        at=now,
    )
    partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.INVITE_LINK,
        moved_on=now.date(),
        kind=PartnershipKind.REFERRED,
        actor=user,
        at=now,
    )
    account.refresh_from_db()
    return user, account


def _login_name(value: str) -> str:
    try:
        login_name = clean_text(
            value, max_length=LOGIN_NAME_MAX, required=True, min_length=LOGIN_NAME_MIN
        )
    except TextError as error:
        raise InvalidTransition(
            f"the login name {error.problem}", code="login_name_invalid"
        ) from None
    if not all(ch.isalnum() or ch in "._-" for ch in login_name):
        raise InvalidTransition(
            "the login name may hold letters, digits, dots, dashes and underscores only",
            code="login_name_invalid",
        )
    if ClientAccount.objects.filter(login_name__iexact=login_name).exists():
        raise Conflict("this login name is taken; choose another", code="login_name_taken")
    return login_name


# --- request codes -------------------------------------------------------------------------


def _lock_owned_account(*, actor, account_id: int) -> ClientAccount:
    try:
        return lock_one(
            ClientAccount.objects.all(), pk=account_id, owner_id=getattr(actor, "pk", None)
        )
    except ClientAccount.DoesNotExist:
        raise NotFound("no such account") from None


@transaction.atomic
def request_code_set(
    *, actor, account_id: int, required: bool, ip_address: str | None = None
) -> RequestCode | None:
    """The owner turns *Require a request code* on (a new code) or off."""
    account = _lock_owned_account(actor=actor, account_id=account_id)
    existing = RequestCode.objects.filter(account=account).first()
    if required == (existing is not None):
        raise InvalidTransition(
            "a request code is already required" if required else "no request code is required",
            code="request_code_unchanged",
        )
    now = timezone.now()
    code = None
    if required:
        code = RequestCode.objects.create(
            account=account, code=request_codes.new_code(), created_at=now
        )
    else:
        existing.delete()
    _audit_code(actor, account, required=required, regenerated=False, ip=ip_address, at=now)
    return code


@transaction.atomic
def request_code_regenerate(
    *, actor, account_id: int, ip_address: str | None = None
) -> RequestCode:
    """The owner replaces the code; the old one stops working."""
    account = _lock_owned_account(actor=actor, account_id=account_id)
    try:
        code = lock_one(RequestCode.objects.all(), account=account)
    except RequestCode.DoesNotExist:
        raise InvalidTransition("no request code is required", code="request_code_off") from None
    now = timezone.now()
    code.code = request_codes.new_code()
    code.created_at = now
    code.save(update_fields=["code", "created_at"])
    _audit_code(actor, account, required=True, regenerated=True, ip=ip_address, at=now)
    return code


def _audit_code(actor, account, *, required: bool, regenerated: bool, ip, at) -> None:
    # The code itself is never written to the log.
    audit_record(
        actor=actor,
        action=events.REQUEST_CODE_CHANGED,
        target=account,
        account=account,
        after={"required": required, "regenerated": regenerated},
        ip_address=ip,
        at=at,
    )
