"""Reads of the access flow, shared by the partner's and the customer's pages."""

from django.db.models import QuerySet

from partnerhub.access.models import ConsentRecord, ManageRequest, RequestStatus
from partnerhub.audit import events
from partnerhub.audit.models import AuditEvent


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


def consent_records(*, account_id: int, partner_id: int | None = None) -> QuerySet[ConsentRecord]:
    qs = ConsentRecord.objects.filter(account_id=account_id).select_related("partner")
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    return qs.order_by("-granted_at", "-id")


def latest_consent(*, account_id: int, partner_id: int) -> ConsentRecord | None:
    return consent_records(account_id=account_id, partner_id=partner_id).first()
