"""An organization lets one of its accounts go: it asks, the account's owner confirms or
declines. The partnership ends only on the owner's confirmation; the account then leaves the
organization's groups, tags and team assignments, and both sides' timelines and the audit
log say so."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.locks import lock_one
from partnerhub.organizations.models import (
    AccountTagging,
    DetachRequest,
    DetachStatus,
    detach_can_transition,
)
from partnerhub.organizations.services import admin_actor_check
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import Partnership
from partnerhub.partnerships.services import open_partnership_lock, partnership_end


def detach_terms(request: DetachRequest) -> str:
    """What the owner reads before confirming."""
    name = request.partner.name
    return (
        f"{name} asks to detach {request.account.organization_name} from its organization. "
        f"Confirming ends the partnership with {name} today: {name} and its team can no longer "
        "see or operate your account, and the account leaves its groups and tags. Your "
        "account, its contacts and its plan stay as they are."
    )


def pending_detach_for(*, account_id: int) -> DetachRequest | None:
    return (
        DetachRequest.objects.filter(account_id=account_id, status=DetachStatus.PENDING)
        .select_related("partner", "account", "requested_by")
        .first()
    )


@transaction.atomic
def detach_request_create(*, partner: Partner, account_id: int, actor=None) -> DetachRequest:
    """``partner`` (an organization) asks the owner of one of its accounts to detach it."""
    admin_actor_check(partner, actor)
    try:
        account = lock_one(ClientAccount.objects.filter(partner=partner), pk=account_id)
    except (ClientAccount.DoesNotExist, ValueError, TypeError):
        raise NotFound("no such account", code="account_not_found") from None
    if not partner.is_organization:
        raise InvalidTransition(
            "only an organization detaches its accounts", code="not_an_organization"
        )
    if account.owner_id is None:
        raise InvalidTransition(
            "the account has no owner yet to confirm; its owner must accept the ownership "
            "invitation first",
            code="no_owner",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            request = DetachRequest.objects.create(
                partner=partner, account=account, requested_by=actor, created_at=now
            )
    except IntegrityError:
        raise Conflict(
            "a detach request for this account is already waiting", code="detach_pending"
        ) from None
    audit_record(
        actor=actor,
        action=events.DETACH_REQUESTED,
        target=request,
        partner=partner,
        account=account,
        after={"status": request.status},
        at=now,
    )
    return request


def _decide(request: DetachRequest, target: str, *, actor, now) -> None:
    if not detach_can_transition(request.status, target):
        raise InvalidTransition(
            f"this request is {request.get_status_display().lower()}", code="detach_closed"
        )
    request.status = target
    request.decided_at = now
    request.decided_by = actor
    request.save(update_fields=["status", "decided_at", "decided_by"])


@transaction.atomic
def detach_request_cancel(*, partner: Partner, request_id: int, actor=None) -> DetachRequest:
    admin_actor_check(partner, actor)
    try:
        request = lock_one(DetachRequest.objects.filter(partner=partner), pk=request_id)
    except DetachRequest.DoesNotExist:
        raise NotFound("no such request", code="detach_not_found") from None
    now = timezone.now()
    _decide(request, DetachStatus.CANCELLED, actor=actor, now=now)
    audit_record(
        actor=actor,
        action=events.DETACH_CANCELLED,
        target=request,
        partner=partner,
        account=request.account,
        after={"status": request.status},
        at=now,
    )
    return request


def _lock_owner_request(*, actor, request_id: int) -> DetachRequest:
    try:
        return lock_one(
            DetachRequest.objects.select_related("partner", "account").filter(
                account__owner_id=getattr(actor, "pk", None)
            ),
            pk=request_id,
        )
    except (DetachRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound("no such request", code="detach_not_found") from None


@transaction.atomic
def detach_request_decline(
    *, actor, request_id: int, ip_address: str | None = None
) -> DetachRequest:
    """The owner keeps the account in the organization."""
    request = _lock_owner_request(actor=actor, request_id=request_id)
    now = timezone.now()
    _decide(request, DetachStatus.DECLINED, actor=actor, now=now)
    audit_record(
        actor=actor,
        action=events.DETACH_DECLINED,
        target=request,
        partner=request.partner,
        account=request.account,
        after={"status": request.status},
        ip_address=ip_address,
        at=now,
    )
    return request


@transaction.atomic
def detach_request_confirm(
    *, actor, request_id: int, ip_address: str | None = None
) -> DetachRequest:
    """The owner confirms: the partnership ends today, and the account leaves the
    organization's groups, tags and team assignments."""
    request = _lock_owner_request(actor=actor, request_id=request_id)
    now = timezone.now()
    if request.status != DetachStatus.PENDING:
        _decide(request, DetachStatus.CONFIRMED, actor=actor, now=now)  # refuses
    try:
        partnership = open_partnership_lock(account_id=request.account_id)
    except Partnership.DoesNotExist:
        partnership = None
    if partnership is None or partnership.partner_id != request.partner_id:
        raise InvalidTransition(
            "the account is no longer one of this organization's", code="not_in_organization"
        )
    account = lock_one(ClientAccount.objects.all(), pk=request.account_id)
    group_id = account.group_id
    tags = list(
        AccountTagging.objects.filter(
            account=account, tag__partner_id=request.partner_id
        ).values_list("tag__name", flat=True)
    )
    _decide(request, DetachStatus.CONFIRMED, actor=actor, now=now)
    partnership_end(partnership=partnership, at=now)
    ClientAccount.objects.filter(pk=account.pk).update(group=None)
    AccountTagging.objects.filter(account=account, tag__partner_id=request.partner_id).delete()
    audit_record(
        actor=actor,
        action=events.ACCOUNT_DETACHED,
        target=request,
        partner=request.partner,
        account=account,
        before={"kind": partnership.kind, "group": group_id, "tags": tags},
        after={"status": request.status, "ended_at": now.isoformat()},
        ip_address=ip_address,
        at=now,
    )
    return request
