"""Model → API shapes, shared by the routers."""

from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.api.schemas import AccountOut, RequestOut
from partnerhub.clients.models import ClientAccount
from partnerhub.clients.selectors import pending_of
from partnerhub.clients.status import status_from_values


def _grant_of(r: ManageRequest):
    """The grant a confirmed request gave, or the one an extension request extends."""
    if r.grant_id:
        return r.grant
    if r.status == RequestStatus.CONFIRMED:
        return getattr(r, "granted", None)
    return None


def request_out(r: ManageRequest, encoded_account_id: str | None = None) -> RequestOut:
    grant = _grant_of(r)
    return RequestOut(
        id=r.pk,
        encoded_account_id=encoded_account_id or r.account.encoded_account_id,
        kind=r.kind,
        status=r.status,
        message=r.message,
        level=r.level,
        duration_days=r.duration_days,
        granted_level=grant.level if grant and not r.grant_id else None,
        access_ends_at=grant.ends_at if grant else None,
        requested_by=r.requested_by.get_full_name() or r.requested_by.email,
        created_at=r.created_at,
        expires_at=r.expires_at,
        decided_at=r.decided_at,
    )


def account_fields(a: ClientAccount, pending: ManageRequest | None) -> dict:
    return {
        "encoded_account_id": a.encoded_account_id,
        "organization_name": a.organization_name,
        "owner_name": a.owner_name,
        "login_name": a.login_name,
        "status": a.status_label,
        "kind": a.partnership_kind,
        "access_level": a.access_level or None,
        "plan_type": a.plan_type,
        "billing_status": a.billing_status,
        "contact_count": a.contact_count,
        "last_login_at": a.last_login_at,
        "partnered_on": a.partnered_on,
        "group": a.group_id,
        "pending_request": request_out(pending, a.encoded_account_id) if pending else None,
    }


def account_out(a: ClientAccount, pending: ManageRequest | None) -> AccountOut:
    return AccountOut(**account_fields(a, pending))


def _pending_item(pending: dict, encoded_account_id: str) -> dict:
    """``RequestOut`` of an open request read with its account (``clients.selectors.pending_of``):
    an open request has no granted level yet; an extension names the end of its grant."""
    return {
        "id": pending["id"],
        "encoded_account_id": encoded_account_id,
        "kind": pending["kind"],
        "status": pending["status"],
        "message": pending["message"],
        "level": pending["level"],
        "duration_days": pending["duration_days"],
        "granted_level": None,
        "access_ends_at": pending["grant_ends_at"],
        "requested_by": pending["requested_by"],
        "created_at": pending["created_at"],
        "expires_at": pending["expires_at"],
        "decided_at": pending["decided_at"],
    }


def account_item(row: dict) -> dict:
    """``AccountOut`` of a row of a page read ``with_pending``, as the plain values the JSON
    renderer writes: the same fields, in the same order, as ``account_fields``."""
    pending = pending_of(row)
    encoded_account_id = row["encoded_account_id"]
    return {
        "encoded_account_id": encoded_account_id,
        "organization_name": row["organization_name"],
        "owner_name": row["owner_name"],
        "login_name": row["login_name"],
        "status": status_from_values(
            billing_status=row["billing_status"],
            disabled_reason=row["disabled_reason"],
            single_bill=row["single_bill"],
        ).label,
        "kind": row["partnership_kind"],
        "access_level": row["access_level"] or None,
        "plan_type": row["plan_type"],
        "billing_status": row["billing_status"],
        "contact_count": row["contact_count"],
        "last_login_at": row["last_login_at"],
        "partnered_on": row["partnered_on"],
        "group": row["group_id"],
        "pending_request": _pending_item(pending, encoded_account_id) if pending else None,
    }
