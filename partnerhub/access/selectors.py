"""Reads of the access flow, shared by the partner's and the customer's pages."""

from django.db.models import QuerySet

from partnerhub.access.models import (
    ConsentRecord,
    Grant,
    GrantStatus,
    ManageRequest,
    RequestStatus,
)
from partnerhub.audit import events
from partnerhub.audit.models import AuditEvent
from partnerhub.audit.services import actor_label_for
from partnerhub.partnerships.models import KindChangeCause, PartnershipKindChange


def pending_requests_by_account(*, account_ids: list[int]) -> dict[int, ManageRequest]:
    requests = ManageRequest.objects.filter(
        account_id__in=account_ids, status=RequestStatus.PENDING
    ).select_related("requested_by")
    return {r.account_id: r for r in requests}


def pending_request_for(*, account_id: int) -> ManageRequest | None:
    return (
        ManageRequest.objects.filter(account_id=account_id, status=RequestStatus.PENDING)
        .select_related("partner", "requested_by")
        .first()
    )


def access_timeline(*, account_id: int, partner_id: int | None = None) -> QuerySet[AuditEvent]:
    """Every access change of the account, newest first. Given a partner, only the entries of
    that partner's partnership (a partner never sees another partner's history)."""
    qs = AuditEvent.objects.filter(
        account_id=account_id, action__in=events.access_timeline_codes()
    ).select_related("partner")
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    return qs.order_by("-at", "-id")


def _consents(*, account_id: int, partner_id: int | None = None) -> QuerySet[ConsentRecord]:
    qs = ConsentRecord.objects.filter(account_id=account_id).select_related(
        "partner", "request", "grant"
    )
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    return qs.order_by("-granted_at", "-id")


def _partnership_of(consent: ConsentRecord) -> int:
    return consent.grant.partnership_id if consent.grant_id else consent.request.partnership_id


def consent_records(*, account_id: int, partner_id: int | None = None) -> list[ConsentRecord]:
    """The account's consent records, newest first. A record never changes; each carries
    ``withdrawn_at`` and ``withdrawn_by_label``: when and by whom the access it granted was
    taken back or ended (the first revocation or end in its partnership after it was given), or
    ``None``; and ``replaced``: a later record of the same grant (a level change, an extension)
    took its place."""
    consents = list(_consents(account_id=account_id, partner_id=partner_id))
    ends = (
        PartnershipKindChange.objects.filter(
            partnership_id__in={_partnership_of(c) for c in consents},
            cause__in=(KindChangeCause.ACCESS_REVOKED, KindChangeCause.ACCESS_EXPIRED),
        )
        .select_related("actor")
        .order_by("effective_at", "id")
    )
    by_partnership: dict[int, list[PartnershipKindChange]] = {}
    for change in ends:
        by_partnership.setdefault(change.partnership_id, []).append(change)
    newest_of_grant: set[int] = set()
    for consent in consents:
        withdrawal = next(
            (
                change
                for change in by_partnership.get(_partnership_of(consent), [])
                if change.effective_at >= consent.granted_at
            ),
            None,
        )
        consent.withdrawn_at = withdrawal.effective_at if withdrawal else None
        consent.withdrawn_by_label = _person_label(withdrawal.actor) if withdrawal else None
        consent.ended_at_end_date = bool(
            withdrawal and withdrawal.cause == KindChangeCause.ACCESS_EXPIRED
        )
        consent.replaced = consent.grant_id in newest_of_grant
        if consent.grant_id:
            newest_of_grant.add(consent.grant_id)
    return consents


def _person_label(user) -> str:
    if user is None:
        return actor_label_for(None)
    return f"{actor_label_for(user)} <{user.email}>" if user.email else actor_label_for(user)


def latest_consent(*, account_id: int, partner_id: int) -> ConsentRecord | None:
    return _consents(account_id=account_id, partner_id=partner_id).first()


def active_grant_for(*, account_id: int, partner_id: int | None = None) -> Grant | None:
    """The grant in force on the account (of that partner, when given), or ``None``."""
    qs = Grant.objects.filter(account_id=account_id, status=GrantStatus.ACTIVE)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    return qs.select_related("partner").first()


def active_grants_by_account(*, account_ids: list[int]) -> dict[int, Grant]:
    grants = Grant.objects.filter(account_id__in=account_ids, status=GrantStatus.ACTIVE)
    return {g.account_id: g for g in grants}
