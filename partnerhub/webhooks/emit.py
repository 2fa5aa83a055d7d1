"""What each change tells a partner's webhooks. Called inside the transaction of the change."""

from partnerhub.webhooks.services import event_emit


def account_data(account) -> dict:
    return {
        "encoded_account_id": account.encoded_account_id,
        "organization_name": account.organization_name,
        "kind": account.partnership_kind or None,
        "plan_type": account.plan_type,
        "billing_status": account.billing_status,
    }


def request_data(request) -> dict:
    return {
        "request_id": request.pk,
        "status": request.status,
        "message": request.message,
        "created_at": request.created_at,
        "expires_at": request.expires_at,
        "decided_at": request.decided_at,
        "account": account_data(request.account),
    }


def emit_request(request, event_type: str) -> None:
    request.account.refresh_from_db(fields=["partnership_kind", "partner", "partnered_on"])
    event_emit(partner_id=request.partner_id, event_type=event_type, data=request_data(request))


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
