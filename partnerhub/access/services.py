"""Every change to who may operate a client account.

Each function is one transition: it locks the rows it changes, checks the lifecycle table and
who is asking, saves, writes the audit event and queues the notices, all in one transaction.
A refusal raises a ``ServiceError`` and changes nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.access import disclaimers, durations, notifications
from partnerhub.access.levels import DEFAULT_LEVEL, LEVELS, AccessLevel, within
from partnerhub.access.models import (
    ConsentReason,
    ConsentRecord,
    Grant,
    GrantChange,
    GrantStatus,
    GrantWarning,
    ManageRequest,
    RequestKind,
    RequestStatus,
    can_transition,
    grant_change_allowed,
)
from partnerhub.audit import events
from partnerhub.audit.services import AuditRow, actor_label_for, audit_record, audit_record_bulk
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, ServiceError
from partnerhub.core.locks import lock_one
from partnerhub.core.sweeps import each_due
from partnerhub.core.text import TextError, clean_text
from partnerhub.moves.request_codes import REQUIRED, RefusedCode, request_code_check, required_among
from partnerhub.partners.models import PartnerMember
from partnerhub.partners.selectors import (
    member_may_see,
    restricted_member_id,
    visible_only,
)
from partnerhub.partners.services import acting_membership_of
from partnerhub.partnerships.models import KindChangeCause, Partnership
from partnerhub.partnerships.services import (
    open_partnership_lock,
    partnership_kind_set,
    partnership_level_set,
)
from partnerhub.webhooks.emit import emit_account, emit_request, emit_requests, grant_data

MESSAGE_MAX_LENGTH = 1000
# Most accounts one bulk request may name.
BULK_MAX_ACCOUNTS = 500


class _Default:
    """The duration a partner did not choose: ``PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS``."""

    def __repr__(self) -> str:
        return "DEFAULT_DURATION"


DEFAULT_DURATION = _Default()


def _membership(user) -> PartnerMember:
    """The member acting (a viewer is refused: they change nothing)."""
    membership = acting_membership_of(user)
    if membership is None:
        raise NotFound("no such account", code="not_found")
    return membership


def _clean_message(message: str) -> str:
    try:
        return clean_text(message or "", max_length=MESSAGE_MAX_LENGTH, multiline=True)
    except TextError as error:
        code = "message_too_long" if error.code == "text_too_long" else "message_invalid"
        raise InvalidTransition(f"the message {error.problem}", code=code) from None


def _check_level(level: str) -> str:
    if level not in AccessLevel.values:
        names = ", ".join(info.label for info in LEVELS.values())
        raise InvalidTransition(f"the access level must be one of {names}", code="level_invalid")
    return level


def _check_duration(duration_days: "int | None | _Default") -> int | None:
    if isinstance(duration_days, _Default):
        duration_days = durations.default_duration()
    if not durations.is_valid(duration_days):
        days = ", ".join(str(d) for d in durations.DURATION_DAYS)
        raise InvalidTransition(
            f"the duration must be {days} days or until the customer turns it off",
            code="duration_invalid",
        )
    return duration_days


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


def _lock_partner_partnership(*, membership: PartnerMember, account_id: int) -> Partnership:
    """The open partnership of the asking partner's account, locked (the account and its owner
    read with it, for the notices). An account of another partnership is not found, as an
    account that does not exist (nothing about it leaks)."""
    try:
        partnership = lock_one(
            Partnership.objects.select_related("partner", "account", "account__owner"),
            account_id=account_id,
            ended_at__isnull=True,
        )
    except Partnership.DoesNotExist:
        raise NotFound("no such account") from None
    if partnership.partner_id != membership.partner_id or not member_may_see(
        membership, account_id=account_id
    ):
        raise NotFound("no such account")
    return partnership


def _check_none_waiting(account_id: int) -> None:
    if ManageRequest.objects.filter(account_id=account_id, status=RequestStatus.PENDING).exists():
        raise Conflict("a request for this account is already waiting", code="request_pending")


def _create_request(**fields) -> ManageRequest:
    """Insert a pending request; the database keeps one open request per account. Called last
    but for the audit row and notices in a service's transaction: a refusal here leaves the
    transaction to roll back with the ``Conflict`` it raises."""
    try:
        return ManageRequest.objects.create(**fields)
    except IntegrityError as exc:
        raise Conflict(
            "a request for this account is already waiting", code="request_pending"
        ) from exc


@transaction.atomic
def manage_request_create(
    *,
    actor,
    account_id: int,
    message: str = "",
    level: str = DEFAULT_LEVEL,
    duration_days: "int | None | _Default" = DEFAULT_DURATION,
    ip_address: str | None = None,
    notify_customer: bool = True,
    request_code: str = "",
    membership: PartnerMember | None = None,
) -> ManageRequest:
    """A partner member asks the customer for access to a referred account at ``level``, for
    ``duration_days`` once granted (``None``: until the customer turns it off; not given: the
    program's default). ``notify_customer`` False: another message tells the customer (an
    account made for them by the partner is announced by its ownership invitation).
    ``membership``: the actor's, when the caller already read it (a bulk request)."""
    if membership is None or membership.user_id != getattr(actor, "pk", None):
        membership = _membership(actor)
    message = _clean_message(message)
    level = _check_level(level)
    duration_days = _check_duration(duration_days)
    partnership = _lock_partner_partnership(membership=membership, account_id=account_id)
    account = partnership.account
    if partnership.kind == PartnershipKind.MANAGED:
        raise InvalidTransition("you already manage this account", code="already_managed")
    request_code_check(account_id=account.pk, partner_id=membership.partner_id, code=request_code)
    _check_none_waiting(account.pk)
    now = timezone.now()
    request = _create_request(
        account=account,
        partnership=partnership,
        partner=partnership.partner,
        requested_by=actor,
        message=message,
        level=level,
        duration_days=duration_days,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.MANAGE_REQUEST_EXPIRY_DAYS),
    )
    audit_record(
        actor=actor,
        action=events.REQUEST_CREATED,
        target=request,
        partner=request.partner,
        account=account,
        after={
            "status": request.status,
            "message": message,
            "level": level,
            "duration_days": duration_days,
            "expires_at": request.expires_at.isoformat(),
        },
        ip_address=ip_address,
        at=now,
    )
    if notify_customer:
        notifications.notify_request_created(request)
    # The account was read under the lock just now: the webhook tells it as it is.
    emit_request(request, "request.created", refresh=False)
    return request


@dataclass(frozen=True)
class BulkResult:
    """What one account of a bulk request came to: the request made, or why it was skipped."""

    account_id: int
    request: ManageRequest | None = None
    error: ServiceError | None = None


def _skip_reason(error: ServiceError, *, moved: bool) -> ServiceError:
    """A refusal as a bulk request reports it. An account that was in this partnership and moved
    to another (``moved``) is said to be so (the partner knew it); any other is simply not
    found."""
    if error.code == "not_found" and moved:
        return NotFound("the account moved to another partnership", code="another_partnership")
    return error


def _moved_away(*, partner_id: int, account_id: int) -> bool:
    return Partnership.objects.filter(
        account_id=account_id, partner_id=partner_id, ended_at__isnull=False
    ).exists()


@transaction.atomic
def manage_requests_create_bulk(
    *,
    actor,
    account_ids: list[int],
    message: str = "",
    level: str = DEFAULT_LEVEL,
    duration_days: "int | None | _Default" = DEFAULT_DURATION,
    ip_address: str | None = None,
) -> list[BulkResult]:
    """One request per account, with the same message, level and duration, in the order given.
    Each account is checked as ``manage_request_create`` checks it, in the same order and with
    the same refusals: an account that cannot be asked (not in the partnership, managed, a
    request code required, a request waiting) is skipped with the reason and the rest are made.
    The message, level and duration are checked once, for all; so is the size. The checks read
    every account's rows at once (its partnership locked), and the requests, audit rows,
    e-mails, notices and webhook events are each written in one insert."""
    membership = _membership(actor)
    message = _clean_message(message)
    level = _check_level(level)
    duration_days = _check_duration(duration_days)
    if not account_ids:
        raise InvalidTransition("choose at least one account", code="no_accounts")
    if len(account_ids) > BULK_MAX_ACCOUNTS:
        raise InvalidTransition(
            f"one request can name at most {BULK_MAX_ACCOUNTS} accounts; "
            f"you chose {len(account_ids)}",
            code="too_many_accounts",
        )
    refusals, asked = _bulk_checks(membership, account_ids)
    requests = _bulk_insert(
        asked,
        actor=actor,
        message=message,
        level=level,
        duration_days=duration_days,
        ip_address=ip_address,
    )
    if requests is None:  # another request was made meanwhile: each account on its own
        return _bulk_one_by_one(
            account_ids,
            refusals,
            actor=actor,
            membership=membership,
            message=message,
            level=level,
            duration_days=duration_days,
            ip_address=ip_address,
        )
    return _bulk_results(account_ids, refusals, {r.account_id: r for r in requests})


def _bulk_results(
    account_ids: list[int], refusals: dict[int, ServiceError], made: dict[int, ManageRequest]
) -> list[BulkResult]:
    """One result per id given, in order. An account named twice was asked once: the second
    time its request is waiting (or it is refused again for the same reason)."""
    results, seen = [], set()
    for pk in account_ids:
        if pk in refusals:
            results.append(BulkResult(account_id=pk, error=refusals[pk]))
        elif pk in seen:
            results.append(BulkResult(account_id=pk, error=_waiting_conflict()))
        else:
            results.append(BulkResult(account_id=pk, request=made[pk]))
        seen.add(pk)
    return results


def _bulk_checks(
    membership: PartnerMember, account_ids: list[int]
) -> tuple[dict[int, ServiceError], list[Partnership]]:
    """What ``manage_request_create`` would refuse, per account, read for all the accounts at
    once (their open partnerships locked, in id order); and the partnerships of the accounts to
    ask, in the order given. An account named twice is asked once; the second time a request
    is waiting."""
    ids = list(dict.fromkeys(account_ids))
    partnerships = {
        p.account_id: p
        for p in Partnership.objects.select_related("partner", "account", "account__owner")
        .select_for_update(of=("self",))
        .filter(account_id__in=ids, partner_id=membership.partner_id, ended_at__isnull=True)
        .order_by("pk")
    }
    member_id = restricted_member_id(membership)
    if member_id is not None:
        seen = set(
            visible_only(
                ClientAccount.objects.filter(pk__in=list(partnerships)), member_id=member_id
            ).values_list("pk", flat=True)
        )
        partnerships = {pk: p for pk, p in partnerships.items() if pk in seen}
    missing = [pk for pk in ids if pk not in partnerships]
    moved = set(
        Partnership.objects.filter(
            account_id__in=missing, partner_id=membership.partner_id, ended_at__isnull=False
        ).values_list("account_id", flat=True)
    )
    referred = [
        pk for pk in ids if pk in partnerships and partnerships[pk].kind != PartnershipKind.MANAGED
    ]
    with_code = required_among(referred)
    waiting = set(
        ManageRequest.objects.filter(
            account_id__in=referred, status=RequestStatus.PENDING
        ).values_list("account_id", flat=True)
    )
    refusals: dict[int, ServiceError] = {}
    for pk in ids:
        if pk not in partnerships:
            refusals[pk] = _skip_reason(
                NotFound("no such account", code="not_found"), moved=pk in moved
            )
        elif partnerships[pk].kind == PartnershipKind.MANAGED:
            refusals[pk] = InvalidTransition(
                "you already manage this account", code="already_managed"
            )
        elif pk in with_code:
            refusals[pk] = RefusedCode(REQUIRED, code="request_code_required")
        elif pk in waiting:
            refusals[pk] = _waiting_conflict()
    return refusals, [partnerships[pk] for pk in ids if pk not in refusals]


def _waiting_conflict() -> Conflict:
    return Conflict("a request for this account is already waiting", code="request_pending")


def _bulk_insert(
    partnerships: list[Partnership],
    *,
    actor,
    message: str,
    level: str,
    duration_days: int | None,
    ip_address: str | None,
) -> list[ManageRequest] | None:
    """The requests of a bulk request, with their audit rows, e-mails, notices and webhook
    events, each kind in one insert. None, with nothing written, when the database refuses a
    request because another was made for one of the accounts since the checks."""
    if not partnerships:
        return []
    now = timezone.now()
    expires_at = now + dt.timedelta(days=settings.MANAGE_REQUEST_EXPIRY_DAYS)
    try:
        with transaction.atomic():
            requests = ManageRequest.objects.bulk_create(
                [
                    ManageRequest(
                        account=p.account,
                        partnership=p,
                        partner=p.partner,
                        requested_by=actor,
                        message=message,
                        level=level,
                        duration_days=duration_days,
                        created_at=now,
                        expires_at=expires_at,
                    )
                    for p in partnerships
                ]
            )
    except IntegrityError:
        return None
    after = {
        "status": RequestStatus.PENDING,
        "message": message,
        "level": level,
        "duration_days": duration_days,
        "expires_at": expires_at.isoformat(),
    }
    audit_record_bulk(
        actor=actor,
        action=events.REQUEST_CREATED,
        target_model=ManageRequest,
        rows=[
            AuditRow(
                target_id=r.pk,
                partner_id=r.partner_id,
                account_id=r.account_id,
                after=after,
                at=now,
            )
            for r in requests
        ],
        ip_address=ip_address,
    )
    notifications.notify_requests_created(requests)
    # The accounts were read under the locks just now: the webhooks tell them as they are.
    emit_requests(requests, "request.created")
    return requests


def _bulk_one_by_one(
    account_ids: list[int],
    refusals: dict[int, ServiceError],
    *,
    actor,
    membership: PartnerMember,
    **terms,
) -> list[BulkResult]:
    """The slow path of a bulk request that met another request made meanwhile: each account
    asked with ``manage_request_create`` in its own savepoint."""
    results = []
    for account_id in account_ids:
        if account_id in refusals:
            results.append(BulkResult(account_id=account_id, error=refusals[account_id]))
            continue
        try:
            request = manage_request_create(
                actor=actor, account_id=account_id, membership=membership, **terms
            )
        except ServiceError as error:
            moved = error.code == "not_found" and _moved_away(
                partner_id=membership.partner_id, account_id=account_id
            )
            results.append(
                BulkResult(account_id=account_id, error=_skip_reason(error, moved=moved))
            )
        else:
            results.append(BulkResult(account_id=account_id, request=request))
    return results


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


def _consent_create(
    *,
    grant: Grant,
    request: ManageRequest | None,
    reason: ConsentReason,
    actor,
    at: dt.datetime,
    disclaimer: disclaimers.Disclaimer,
    ip_address: str | None,
    user_agent: str,
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        request=request,
        grant=grant,
        reason=reason,
        level=grant.level,
        ends_at=grant.ends_at,
        account=grant.account,
        partner=grant.partner,
        granted_by=actor,
        granted_by_label=f"{actor_label_for(actor)} <{actor.email}>",
        granted_at=at,
        disclaimer_version=disclaimer.version,
        disclaimer_text=disclaimer.for_partner(grant.partner.name),
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
    )


def _check_disclaimer_seen(disclaimer: disclaimers.Disclaimer, version_seen: str) -> None:
    if version_seen != disclaimer.version:
        raise InvalidTransition(
            "the terms you saw have changed; please read them again", code="disclaimer_outdated"
        )


def _check_renewal(auto_renew: bool, duration_days: int | None) -> None:
    if auto_renew and duration_days is None:
        raise InvalidTransition(
            "only access with an end date can renew automatically", code="renew_needs_end_date"
        )


@transaction.atomic
def manage_request_confirm(
    *,
    actor,
    request_id: int,
    ip_address: str | None,
    user_agent: str,
    disclaimer_version: str,
    level: str | None = None,
    auto_renew: bool = False,
) -> ConsentRecord:
    """The account owner says yes. To a request of access: the partner gets ``level`` (the
    level asked, or a lower one) and the account becomes managed, until the grant's end date
    (renewed for the same duration at the end with ``auto_renew``). To an extension request: the
    grant lasts one more duration. ``disclaimer_version`` is the version of the text shown."""
    request = _lock_customer_request(actor=actor, request_id=request_id)
    if request.is_extension:
        return _extension_confirm(
            request,
            actor=actor,
            ip_address=ip_address,
            user_agent=user_agent,
            disclaimer_version=disclaimer_version,
            auto_renew=auto_renew,
        )
    granted_level = _check_level(level or request.level)
    if not within(granted_level, request.level):
        raise InvalidTransition(
            f"you can grant {request.get_level_display().lower()} or a lower level",
            code="level_above_asked",
        )
    _check_renewal(auto_renew, request.duration_days)
    disclaimer = disclaimers.for_level(granted_level)
    _check_disclaimer_seen(disclaimer, disclaimer_version)
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
        level=granted_level,
    )
    days = request.duration_days
    grant = Grant.objects.create(
        account=request.account,
        partnership=partnership,
        partner=request.partner,
        request=request,
        asked_level=request.level,
        level=granted_level,
        duration_days=days,
        starts_at=now,
        ends_at=now + dt.timedelta(days=days) if days else None,
        auto_renew=auto_renew,
    )
    consent = _consent_create(
        grant=grant,
        request=request,
        reason=ConsentReason.GRANTED,
        actor=actor,
        at=now,
        disclaimer=disclaimer,
        ip_address=ip_address,
        user_agent=user_agent,
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
            "level": granted_level,
            "asked_level": request.level,
            "ends_at": grant.ends_at.isoformat() if grant.ends_at else None,
            "auto_renew": auto_renew,
            "consent_id": consent.pk,
            "disclaimer_version": consent.disclaimer_version,
        },
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_request_answered(request, grant=grant)
    emit_request(request, "request.confirmed")
    return consent


def _extend(grant: Grant, *, at: dt.datetime) -> dt.datetime:
    """The grant's new end: one more duration after its end (as many as needed to pass ``at``,
    when the worker could not run for a while)."""
    step = dt.timedelta(days=grant.duration_days)
    ends_at = grant.ends_at + step
    while ends_at <= at:
        ends_at += step
    return ends_at


def _extension_confirm(
    request: ManageRequest,
    *,
    actor,
    ip_address: str | None,
    user_agent: str,
    disclaimer_version: str,
    auto_renew: bool,
) -> ConsentRecord:
    partnership = open_partnership_lock(account_id=request.account_id)
    grant = lock_one(Grant.objects.select_related("account", "partner"), pk=request.grant_id)
    if partnership.pk != grant.partnership_id or not grant_change_allowed(
        status=grant.status, change=GrantChange.EXTEND, ends_at=grant.ends_at
    ):
        raise InvalidTransition("this access has already ended", code="grant_ended")
    disclaimer = disclaimers.for_level(grant.level)
    _check_disclaimer_seen(disclaimer, disclaimer_version)
    now = timezone.now()
    before = _transition(request, RequestStatus.CONFIRMED, actor=actor, at=now)
    previous = {"ends_at": grant.ends_at.isoformat(), "auto_renew": grant.auto_renew}
    grant.ends_at = _extend(grant, at=now)
    grant.auto_renew = auto_renew
    grant.save(update_fields=["ends_at", "auto_renew"])
    consent = _consent_create(
        grant=grant,
        request=request,
        reason=ConsentReason.EXTENDED,
        actor=actor,
        at=now,
        disclaimer=disclaimer,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    audit_record(
        actor=actor,
        action=events.ACCESS_EXTENDED,
        target=grant,
        partner=grant.partner,
        account=grant.account,
        before={**before, **previous},
        after={
            "status": request.status,
            "ends_at": grant.ends_at.isoformat(),
            "auto_renew": auto_renew,
            "consent_id": consent.pk,
        },
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_access_extended(grant, automatic=False, at=now)
    _emit_grant(grant, "access.extended", automatic=False)
    return consent


def _emit_grant(grant: Grant, event_type: str, **extra) -> None:
    grant.account.refresh_from_db()
    emit_account(grant.account, event_type, **grant_data(grant), **extra)


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
    return each_due(due, lambda pk: manage_request_expire(request_id=pk, now=now))


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
    grant = _active_grant_lock(partnership)
    if grant is not None:
        _grant_end(grant, GrantStatus.REVOKED, at=now)
        _close_extension_request(grant, RequestStatus.DECLINED, actor=actor, at=now)
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


def _active_grant_lock(partnership: Partnership) -> Grant | None:
    """The partnership's grant in force, locked; the caller holds the partnership's lock."""
    try:
        return lock_one(
            Grant.objects.select_related("account", "partner"),
            partnership_id=partnership.pk,
            status=GrantStatus.ACTIVE,
        )
    except Grant.DoesNotExist:
        return None


def _grant_end(grant: Grant, status: GrantStatus, *, at: dt.datetime) -> None:
    """End a grant in force; the caller checked the change is allowed."""
    grant.status = status
    grant.ended_at = at
    grant.save(update_fields=["status", "ended_at"])


def _close_extension_request(grant: Grant, target: RequestStatus, *, actor, at) -> None:
    """An extension request waiting for a grant that ends is answered by the end."""
    waiting = ManageRequest.objects.filter(grant=grant, status=RequestStatus.PENDING).first()
    if waiting is not None:
        waiting = lock_one(ManageRequest.objects.all(), pk=waiting.pk)
        _transition(waiting, target, actor=actor, at=at)


def _customer_grant_lock(*, actor, account_id: int) -> tuple[Partnership, Grant]:
    """The grant in force on an account of ``actor``, locked with its partnership. Access given
    outside requests (an account imported as managed) gets its grant record on first change:
    full access asked, no end date."""
    try:
        # Locks in the order every access change takes them: account, partnership, grant.
        account = lock_one(
            ClientAccount.objects.all(), pk=account_id, owner_id=getattr(actor, "pk", None)
        )
    except ClientAccount.DoesNotExist:
        raise NotFound("no such account") from None
    try:
        partnership = open_partnership_lock(account_id=account.pk)
    except Partnership.DoesNotExist:
        partnership = None
    if partnership is None or partnership.kind != PartnershipKind.MANAGED:
        raise InvalidTransition("no partner has access to this account", code="not_managed")
    grant = _active_grant_lock(partnership)
    if grant is None:
        grant = Grant.objects.create(
            account=partnership.account,
            partnership=partnership,
            partner=partnership.partner,
            asked_level=DEFAULT_LEVEL,
            level=partnership.access_level or DEFAULT_LEVEL,
            starts_at=timezone.now(),
        )
    return partnership, grant


@transaction.atomic
def grant_level_set(
    *,
    actor,
    account_id: int,
    level: str,
    disclaimer_version: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """The account owner lowers the partner's access, or raises it up to what was asked. The
    end date stays; the change is a new consent record with the new level's disclaimer."""
    level = _check_level(level)
    partnership, grant = _customer_grant_lock(actor=actor, account_id=account_id)
    if not grant_change_allowed(status=grant.status, change=GrantChange.LEVEL):
        raise InvalidTransition("this access has already ended", code="grant_ended")
    if level == grant.level:
        raise InvalidTransition(
            f"the partner already has {grant.get_level_display().lower()}", code="level_unchanged"
        )
    if not within(level, grant.asked_level):
        raise InvalidTransition(
            f"{grant.partner.name} asked for {AccessLevel(grant.asked_level).label.lower()}; "
            f"you can raise access up to that level",
            code="level_above_asked",
        )
    disclaimer = disclaimers.for_level(level)
    _check_disclaimer_seen(disclaimer, disclaimer_version)
    now = timezone.now()
    previous = grant.level
    grant.level = level
    grant.save(update_fields=["level"])
    partnership_level_set(partnership=partnership, level=level)
    consent = _consent_create(
        grant=grant,
        request=grant.request,
        reason=ConsentReason.LEVEL_CHANGED,
        actor=actor,
        at=now,
        disclaimer=disclaimer,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    audit_record(
        actor=actor,
        action=events.ACCESS_LEVEL_CHANGED,
        target=grant,
        partner=grant.partner,
        account=grant.account,
        before={"level": previous},
        after={"level": level, "consent_id": consent.pk},
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_level_changed(grant, previous=previous, at=now)
    _emit_grant(grant, "access.level_changed", previous_level=previous)
    return consent


@transaction.atomic
def grant_extension_request(
    *, actor, account_id: int, ip_address: str | None = None
) -> ManageRequest:
    """The partner asks, in one click, for access with an end date to last one more duration.
    The customer confirms it like a request (one open request per account, of either kind)."""
    membership = _membership(actor)
    partnership = _lock_partner_partnership(membership=membership, account_id=account_id)
    grant = _active_grant_lock(partnership) if partnership.kind == PartnershipKind.MANAGED else None
    if grant is None:
        raise InvalidTransition("you have no access to extend", code="not_managed")
    if not grant_change_allowed(
        status=grant.status, change=GrantChange.EXTEND, ends_at=grant.ends_at
    ):
        raise InvalidTransition(
            "this access lasts until the customer turns it off", code="no_end_date"
        )
    _check_none_waiting(partnership.account_id)
    now = timezone.now()
    request = _create_request(
        kind=RequestKind.EXTENSION,
        grant=grant,
        account=partnership.account,
        partnership=partnership,
        partner=partnership.partner,
        requested_by=actor,
        level=grant.level,
        duration_days=grant.duration_days,
        created_at=now,
        expires_at=min(now + dt.timedelta(days=settings.MANAGE_REQUEST_EXPIRY_DAYS), grant.ends_at),
    )
    audit_record(
        actor=actor,
        action=events.EXTENSION_REQUESTED,
        target=request,
        partner=request.partner,
        account=request.account,
        after={
            "status": request.status,
            "grant_id": grant.pk,
            "ends_at": grant.ends_at.isoformat(),
            "duration_days": grant.duration_days,
        },
        ip_address=ip_address,
        at=now,
    )
    notifications.notify_extension_requested(request, grant=grant)
    emit_request(request, "request.created")
    return request


@transaction.atomic
def grant_expire(*, grant_id: int, now: dt.datetime | None = None) -> Grant | None:
    """At its end date a grant renews for the same duration (the customer chose to) or ends:
    the account is referred again and both sides are told. Before its end date, or once
    ended, nothing happens (the worker may run this twice)."""
    now = now or timezone.now()
    ids = Grant.objects.filter(pk=grant_id).values_list("account_id", "partnership_id").first()
    if ids is None:
        return None
    account_id, partnership_id = ids
    # Locks in the order every access change takes them (turning access off among them):
    # account, partnership, grant.
    lock_one(ClientAccount.objects.all(), pk=account_id)
    partnership = lock_one(
        Partnership.objects.select_related("partner", "account"), pk=partnership_id
    )
    grant = lock_one(Grant.objects.select_related("account", "partner"), pk=grant_id)
    if grant_change_allowed(
        status=grant.status,
        change=GrantChange.RENEW,
        ends_at=grant.ends_at,
        auto_renew=grant.auto_renew,
        now=now,
    ):
        previous = grant.ends_at
        grant.ends_at = _extend(grant, at=now)
        grant.save(update_fields=["ends_at"])
        audit_record(
            actor=None,
            action=events.ACCESS_EXTENDED,
            target=grant,
            partner=grant.partner,
            account=grant.account,
            before={"ends_at": previous.isoformat()},
            after={"ends_at": grant.ends_at.isoformat(), "automatic": True},
            at=now,
        )
        notifications.notify_access_extended(grant, automatic=True, at=now)
        _emit_grant(grant, "access.extended", automatic=True)
        return grant
    if not grant_change_allowed(
        status=grant.status,
        change=GrantChange.EXPIRE,
        ends_at=grant.ends_at,
        auto_renew=grant.auto_renew,
        now=now,
    ):
        return None
    _grant_end(grant, GrantStatus.EXPIRED, at=now)
    _close_extension_request(grant, RequestStatus.EXPIRED, actor=None, at=now)
    partnership_kind_set(
        partnership=partnership,
        kind=PartnershipKind.REFERRED,
        cause=KindChangeCause.ACCESS_EXPIRED,
        at=now,
    )
    audit_record(
        actor=None,
        action=events.ACCESS_EXPIRED,
        target=grant,
        partner=grant.partner,
        account=grant.account,
        before={"kind": PartnershipKind.MANAGED, "level": grant.level},
        after={"kind": PartnershipKind.REFERRED, "status": grant.status},
        at=now,
    )
    notifications.notify_access_expired(grant)
    _emit_grant(grant, "access.expired")
    return grant


def grants_expire_due(*, now: dt.datetime | None = None) -> list[Grant]:
    """End or renew every grant past its end date, each in its own transaction."""
    now = now or timezone.now()
    due = Grant.objects.filter(status=GrantStatus.ACTIVE, ends_at__lte=now)
    return each_due(due, lambda pk: grant_expire(grant_id=pk, now=now))


@transaction.atomic
def grant_warn(*, grant_id: int, now: dt.datetime | None = None) -> GrantWarning | None:
    """Warn both sides that a grant ends soon, if a warning is due and was not sent for this
    end date (30, 7 and 1 day before, once each). A grant that renews itself is not warned."""
    now = now or timezone.now()
    grant = lock_one(Grant.objects.select_related("account", "partner"), pk=grant_id)
    if not grant.is_active or grant.ends_at is None or grant.auto_renew or grant.ends_at <= now:
        return None
    remaining = (grant.ends_at - now) / dt.timedelta(days=1)
    days = durations.warning_due(remaining_days=remaining, duration_days=grant.duration_days)
    if days is None:
        return None
    try:
        with transaction.atomic():
            warning = GrantWarning.objects.create(
                grant=grant, ends_at=grant.ends_at, days_before=days, sent_at=now
            )
    except IntegrityError:
        return None
    audit_record(
        actor=None,
        action=events.ACCESS_EXPIRING,
        target=grant,
        partner=grant.partner,
        account=grant.account,
        after={"days_before": days, "ends_at": grant.ends_at.isoformat()},
        at=now,
    )
    notifications.notify_access_expiring(grant, days_before=days, at=now)
    _emit_grant(grant, "access.expiring", days_before=days)
    return warning


def grants_warn_expiring(*, now: dt.datetime | None = None) -> list[GrantWarning]:
    """Send every warning due now, each grant in its own transaction."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=max(durations.WARNING_DAYS))
    due = Grant.objects.filter(
        status=GrantStatus.ACTIVE, auto_renew=False, ends_at__gt=now, ends_at__lte=horizon
    )
    return each_due(due, lambda pk: grant_warn(grant_id=pk, now=now))
