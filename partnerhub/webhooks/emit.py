"""What each change tells a partner's webhooks. Called inside the transaction of the change."""

from partnerhub.webhooks.services import event_emit, events_emit_many


def account_data(account) -> dict:
    return {
        "encoded_account_id": account.encoded_account_id,
        "organization_name": account.organization_name,
        "kind": account.partnership_kind or None,
        "access_level": account.access_level or None,
        "plan_type": account.plan_type,
        "billing_status": account.billing_status,
    }


def grant_data(grant) -> dict:
    """The access a customer granted, as webhooks tell it."""
    return {
        "grant_id": grant.pk,
        "granted_level": grant.level,
        "asked_level": grant.asked_level,
        "duration_days": grant.duration_days,
        "ends_at": grant.ends_at,
        "auto_renew": grant.auto_renew,
        "grant_status": grant.status,
    }


def request_data(request) -> dict:
    return {
        "request_id": request.pk,
        "request_kind": request.kind,
        "status": request.status,
        "message": request.message,
        "level": request.level,
        "duration_days": request.duration_days,
        "created_at": request.created_at,
        "expires_at": request.expires_at,
        "decided_at": request.decided_at,
        "account": account_data(request.account),
    }


def emit_request(request, event_type: str, *, refresh: bool = True) -> None:
    """``refresh`` False: the caller read the account in this transaction, after its last
    change."""
    if refresh:
        request.account.refresh_from_db(
            fields=["partnership_kind", "partner", "partnered_on", "access_level"]
        )
    event_emit(partner_id=request.partner_id, event_type=event_type, data=request_data(request))


def emit_requests(requests: list, event_type: str) -> None:
    """``emit_request`` for the requests of one partner made at once (a bulk request), their
    accounts read in this transaction after their last change."""
    if requests:
        events_emit_many(
            partner_id=requests[0].partner_id,
            event_type=event_type,
            datas=[request_data(r) for r in requests],
        )


def emit_account(account, event_type: str, **extra) -> None:
    if account.partner_id is None:
        return
    event_emit(
        partner_id=account.partner_id,
        event_type=event_type,
        data={**account_data(account), **extra},
    )


def emit_plan_change(account, old_plan: str, converted: bool) -> None:
    """``account.converted`` when a trial became paying, ``plan.changed`` otherwise; both say
    the plan before."""
    extra = {"previous_plan_type": old_plan}
    emit_account(account, "account.converted" if converted else "plan.changed", **extra)
