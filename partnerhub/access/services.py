"""Every change to who may operate a client account.

Each function is one transition: it locks the rows it changes, checks the lifecycle table and
who is asking, saves, writes the audit event and queues the notices, all in one transaction.
A refusal raises a ``ServiceError`` and changes nothing.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.access import disclaimers, notifications
from partnerhub.access.models import ConsentRecord, ManageRequest, RequestStatus, can_transition
from partnerhub.audit import events
from partnerhub.audit.services import actor_label_for, audit_record
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.locks import lock_one
from partnerhub.core.text import TextError, clean_text
from partnerhub.moves.request_codes import request_code_check
from partnerhub.partners.models import PartnerMember
from partnerhub.partners.selectors import membership_of
from partnerhub.partnerships.models import KindChangeCause, Partnership
from partnerhub.partnerships.services import open_partnership_lock, partnership_kind_set
from partnerhub.webhooks.emit import emit_account, emit_request

MESSAGE_MAX_LENGTH = 1000


def _membership(user) -> PartnerMember:
    membership = membership_of(user)
    if membership is None:
        raise NotFound("no such account", code="not_found")
    return membership


def _lock_partner_request(*, actor, request_id: int) -> ManageRequest:
    membership = _membership(actor)
    try:
        return lock_one(
            ManageRequest.objects.select_related("account", "partner"),
            pk=request_id,
            partner_id=membership.partner_id,
        )
    except ManageRequest.DoesNotExist:
        raise NotFound("no such request") from None


def _lock_customer_request(*, actor, request_id: int) -> ManageRequest:
    try:
        return lock_one(
            ManageRequest.objects.select_related("account", "partner"),
            pk=request_id,
            account__owner_id=getattr(actor, "pk", None),
        )
    except ManageRequest.DoesNotExist:
        raise NotFound("no such request") from None


def _transition(request: ManageRequest, target: RequestStatus, *, actor, at: dt.datetime) -> dict:
    if not can_transition(request.status, target):
        raise InvalidTransition(
            f"this request is already {request.get_status_display().lower()}",
            code=f"request_{request.status}",
        )
    before = {"status": request.status}
    request.status = target
    request.decided_at = at
    request.decided_by = actor
    request.save(update_fields=["status", "decided_at", "decided_by"])
    return before


@transaction.atomic
def manage_request_create(
    *,
    actor,
    account_id: int,
    message: str = "",
    ip_address: str | None = None,
    notify_customer: bool = True,
    request_code: str = "",
) -> ManageRequest:
    """A partner member asks the customer for full access to a referred account.
    ``notify_customer`` False: another message tells the customer (an account made for them
    by the partner is announced by its ownership invitation)."""
    membership = _membership(actor)
    try:
        message = clean_text(message or "", max_length=MESSAGE_MAX_LENGTH, multiline=True)
    except TextError as error:
        code = "message_too_long" if error.code == "text_too_long" else "message_invalid"
        raise InvalidTransition(f"the message {error.problem}", code=code) from None
    try:
        partnership = open_partnership_lock(account_id=account_id)
    except Partnership.DoesNotExist:
        raise NotFound("no such account") from None
    if partnership.partner_id != membership.partner_id:
        raise NotFound("no such account")
    account = partnership.account
    if partnership.kind == PartnershipKind.MANAGED:
        raise InvalidTransition("you already manage this account", code="already_managed")
    request_code_check(account_id=account.pk, partner_id=membership.partner_id, code=request_code)
    if ManageRequest.objects.filter(account=account, status=RequestStatus.PENDING).exists():
        raise Conflict("a request for this account is already waiting", code="request_pending")
    now = timezone.now()
    try:
        with transaction.atomic():
            request = ManageRequest.objects.create(
                account=account,
                partnership=partnership,
                partner=partnership.partner,
                requested_by=actor,
                message=message,
                created_at=now,
                expires_at=now + dt.timedelta(days=settings.MANAGE_REQUEST_EXPIRY_DAYS),
            )
    except IntegrityError as exc:
        raise Conflict(
            "a request for this account is already waiting", code="request_pending"
        ) from exc
    audit_record(
        actor=actor,
        action=events.REQUEST_CREATED,
        target=request,
        partner=request.partner,
        account=account,
        after={
            "status": request.status,
            "message": message,
            "expires_at": request.expires_at.isoformat(),
        },
        ip_address=ip_address,
        at=now,
    )
    if notify_customer:
        notifications.notify_request_created(request)
    emit_request(request, "request.created")
    return request


@transaction.atomic
def manage_request_cancel(
    *, actor, request_id: int, ip_address: str | None = None
) -> ManageRequest:
    """The partner withdraws a request the customer has not answered."""
    request = _lock_partner_request(actor=actor, request_id=request_id)
    now = timezone.now()
    before = _transition(request, RequestStatus.CANCELLED, actor=actor, at=now)
    audit_record(
        actor=actor,
        action=events.REQUEST_CANCELLED,
        target=request,
        partner=request.partner,
        account=request.account,
        before=before,
        after={"status": request.status},
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_request_cancelled(request)
    emit_request(request, "request.cancelled")
    return request


@transaction.atomic
def manage_request_confirm(
    *, actor, request_id: int, ip_address: str | None, user_agent: str, disclaimer_version: str
) -> ConsentRecord:
    """The account owner grants the partner full access; the account becomes managed."""
    request = _lock_customer_request(actor=actor, request_id=request_id)
    disclaimer = disclaimers.for_level(request.level)
    if disclaimer_version != disclaimer.version:
        raise InvalidTransition(
            "the terms you saw have changed; please read them again", code="disclaimer_outdated"
        )
    now = timezone.now()
    before = _transition(request, RequestStatus.CONFIRMED, actor=actor, at=now)
    partnership = open_partnership_lock(account_id=request.account_id)
    if partnership.pk != request.partnership_id:
        raise InvalidTransition("the account left this partnership", code="partnership_changed")
    partnership_kind_set(
        partnership=partnership,
        kind=PartnershipKind.MANAGED,
        cause=KindChangeCause.ACCESS_CONFIRMED,
        actor=actor,
        at=now,
        level=request.level,
    )
    consent = ConsentRecord.objects.create(
        request=request,
        account=request.account,
        partner=request.partner,
        granted_by=actor,
        granted_by_label=f"{actor_label_for(actor)} <{actor.email}>",
        granted_at=now,
        disclaimer_version=disclaimer.version,
        disclaimer_text=disclaimer.for_partner(request.partner.name),
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
    )
    audit_record(
        actor=actor,
        action=events.REQUEST_CONFIRMED,
        target=request,
        partner=request.partner,
        account=request.account,
        before={**before, "kind": PartnershipKind.REFERRED},
        after={
            "status": request.status,
            "kind": PartnershipKind.MANAGED,
            "level": request.level,
            "consent_id": consent.pk,
            "disclaimer_version": consent.disclaimer_version,
        },
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_request_answered(request)
    emit_request(request, "request.confirmed")
    return consent


@transaction.atomic
def manage_request_decline(
    *, actor, request_id: int, ip_address: str | None = None
) -> ManageRequest:
    """The account owner says no; the account stays referred."""
    request = _lock_customer_request(actor=actor, request_id=request_id)
    now = timezone.now()
    before = _transition(request, RequestStatus.DECLINED, actor=actor, at=now)
    audit_record(
        actor=actor,
        action=events.REQUEST_DECLINED,
        target=request,
        partner=request.partner,
        account=request.account,
        before=before,
        after={"status": request.status},
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_request_answered(request)
    emit_request(request, "request.declined")
    return request


@transaction.atomic
def manage_request_expire(
    *, request_id: int, now: dt.datetime | None = None
) -> ManageRequest | None:
    """Expire one request if it is still pending and past its time; otherwise do nothing."""
    now = now or timezone.now()
    request = lock_one(ManageRequest.objects.select_related("account", "partner"), pk=request_id)
    if request.status != RequestStatus.PENDING or request.expires_at > now:
        return None
    before = _transition(request, RequestStatus.EXPIRED, actor=None, at=now)
    audit_record(
        actor=None,
        action=events.REQUEST_EXPIRED,
        target=request,
        partner=request.partner,
        account=request.account,
        before=before,
        after={"status": request.status},
        at=now,
    )
    notifications.notify_request_expired(request)
    emit_request(request, "request.expired")
    return request


def manage_requests_expire_due(*, now: dt.datetime | None = None) -> list[ManageRequest]:
    """Expire every pending request past its time, each in its own transaction."""
    now = now or timezone.now()
    due = ManageRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
    expired = []
    for request_id in due.values_list("pk", flat=True).iterator():
        request = manage_request_expire(request_id=request_id, now=now)
        if request is not None:
            expired.append(request)
    return expired


# A customer is reminded this long before an unanswered request expires.
EXPIRY_WARNING = dt.timedelta(days=3)


def manage_requests_warn_expiring(*, now: dt.datetime | None = None) -> int:
    """Remind the customer of each pending request that expires within ``EXPIRY_WARNING``.
    Each request is reminded once, however often this runs. Returns how many were due."""
    now = now or timezone.now()
    due = ManageRequest.objects.filter(
        status=RequestStatus.PENDING, expires_at__gt=now, expires_at__lte=now + EXPIRY_WARNING
    ).select_related("account", "partner")
    count = 0
    for request in due.iterator():
        with transaction.atomic():
            notifications.notify_request_expiring(request)
        count += 1
    return count


@transaction.atomic
def partner_access_revoke(
    *, actor, account_id: int, ip_address: str | None = None, user_agent: str = ""
) -> ClientAccount:
    """The account owner turns partner access off: the account is referred again, still in
    the partnership."""
    try:
        account = lock_one(
            ClientAccount.objects.all(), pk=account_id, owner_id=getattr(actor, "pk", None)
        )
    except ClientAccount.DoesNotExist:
        raise NotFound("no such account") from None
    partnership = open_partnership_lock(account_id=account.pk) if account.partner_id else None
    if partnership is None or partnership.kind != PartnershipKind.MANAGED:
        raise InvalidTransition("no partner has access to this account", code="not_managed")
    now = timezone.now()
    revocation = partnership_kind_set(
        partnership=partnership,
        kind=PartnershipKind.REFERRED,
        cause=KindChangeCause.ACCESS_REVOKED,
        actor=actor,
        at=now,
    )
    audit_record(
        actor=actor,
        action=events.ACCESS_REVOKED,
        target=partnership,
        partner=partnership.partner,
        account=account,
        before={"kind": PartnershipKind.MANAGED},
        after={"kind": PartnershipKind.REFERRED, "user_agent": (user_agent or "")[:200]},
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_access_revoked(
        account, partnership.partner, revocation_id=revocation.pk, at=now
    )
    account.refresh_from_db()
    emit_account(account, "access.revoked")
    return account
