"""Client accounts: list, create, plan, cancel."""

from urllib.parse import urlencode

from ninja import Query, Router, Status

from partnerhub.api.responses import rendered
from partnerhub.clients import converters  # noqa: F401  (registers account_id)
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.selectors import AccountListQuery, partner_accounts_page
from partnerhub.core.keyset import Cursor, InvalidCursor
from partnerhub.v3 import services
from partnerhub.v3.errors import V3Error
from partnerhub.v3.pricebook import current_tier
from partnerhub.v3.schemas import (
    ERRORS,
    AccountCreatedOut,
    AccountCreateIn,
    AccountsQuery,
    CancelIn,
    CancelOut,
    PlanIn,
    PlanOut,
    SiteOwnerPage,
    TierOut,
    errors,
)

router = Router(tags=["accounts"])

LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 10, 50, 50
ACCOUNT_TYPES = {
    "all": "",
    "managed": PartnershipKind.MANAGED.value,
    "unmanaged": PartnershipKind.REFERRED.value,
}


def page_limit(raw: str | None) -> int:
    """10..50; anything else (absent, out of range, not a number) is the default, 50."""
    try:
        limit = int((raw or "").strip())
    except ValueError:
        return LIMIT_DEFAULT
    return limit if LIMIT_MIN <= limit <= LIMIT_MAX else LIMIT_DEFAULT


def _offset_cursor(offset: str | None) -> Cursor | None:
    if not offset:
        return None
    try:
        cursor = Cursor.decode(offset)
    except InvalidCursor:
        cursor = None
    # The list walks forward by organization name then id: a boundary is a name and an id.
    if (
        cursor is None
        or cursor.backward
        or cursor.null_segment
        or not isinstance(cursor.value, str)
    ):
        raise V3Error(
            400,
            "partner.api.offset.invalid",
            "offset is not valid; use the href of _links.next as it was given.",
        )
    return cursor


def site_owner_item(row: dict) -> dict:
    """``SiteOwnerOut`` of a row of a page read ``as_values``, as the plain values the JSON
    renderer writes."""
    return {
        "encoded_account_id": row["encoded_account_id"],
        "subscriber_count": row["contact_count"],
        "organization_name": row["organization_name"],
        "site_owner_name": row["owner_name"],
        "billing_status": row["billing_status"],
        "last_login_date": row["last_login_at"],
    }


@router.get(
    "/partner/accounts",
    response={200: SiteOwnerPage, **ERRORS},
    by_alias=True,
    summary="Get all client accounts",
)
def list_accounts(request, q: Query[AccountsQuery]):
    """Client accounts of the partnership by organization name, ``limit`` per page. Follow
    ``_links.next.href`` until it is absent."""
    limit = page_limit(q.limit)
    query = AccountListQuery(
        kind=ACCOUNT_TYPES[q.account_type], size=limit, cursor=_offset_cursor(q.offset)
    )
    page = partner_accounts_page(partner_id=request.auth.partner_id, query=query, as_values=True)
    links = {}
    if page.next_cursor:
        params = {"offset": page.next_cursor, "limit": limit}
        if q.account_type != "all":
            params["account_type"] = q.account_type
        links["next"] = {"href": f"{request.path}?{urlencode(params)}"}
    # Written as it is: the rows are plain values in ``SiteOwnerPage``'s shape (a test holds
    # the two together), which validating them again as models would only slow down.
    return rendered(
        request, {"site_owner_list": [site_owner_item(r) for r in page.rows], "_links": links}
    )


@router.post(
    "/partner/accounts",
    response={201: AccountCreatedOut, **errors(400, 401, 403, 404, 409, 415, 503)},
    summary="Create a client account",
)
def create_account(request, body: AccountCreateIn):
    """A trial account credited to your partnership as referred (``unmanaged``); the person at
    ``contact_email`` is invited to own it. ``managed_site_owner`` true asks them for full
    access: the account is managed once its owner confirms."""
    profile = services.account_create(client=request.auth, data=body)
    return Status(
        201,
        AccountCreatedOut(
            encoded_account_id=profile.account.encoded_account_id,
            provision_uuid=str(profile.provision_uuid),
        ),
    )


def _plan_out(account: ClientAccount) -> PlanOut:
    tier = current_tier(
        plan_type=account.plan_type, contacts=account.contact_count, currency=account.currency
    )
    return PlanOut(
        plan_type=account.plan_type,
        current_tiers=[
            TierOut(
                usage_type=tier.usage_type,
                current_usage=tier.current_usage,
                tier=tier.tier,
                tier_min=tier.tier_min,
                tier_max=tier.tier_max,
                price=float(tier.price),
                currency_code=tier.currency_code,
            )
        ],
        billing_status=account.billing_status,
        billing_day_of_month=services.billing_day_of(account),
    )


@router.get(
    "/partner/accounts/{account_id:encoded_account_id}/plan",
    response={200: PlanOut, **errors(400, 401, 403, 404, 405, 415)},
    summary="Get the billing plan",
)
def get_plan(request, encoded_account_id: str):
    return _plan_out(services.account_of_client(request.auth, encoded_account_id))


@router.put(
    "/partner/accounts/{account_id:encoded_account_id}/plan",
    response={200: PlanOut, **errors(400, 401, 403, 404, 405, 415)},
    summary="Change the billing plan",
)
def put_plan(request, encoded_account_id: str, body: PlanIn):
    """Leaving TRIAL is the conversion: billing status turns Open. ``billing_day_of_month`` is
    set only then and ignored otherwise. ``plan_group_id`` is accepted: PartnerHub has one plan
    group, always used. A plan never goes back to TRIAL."""
    account = services.account_of_client(request.auth, encoded_account_id)
    account = services.plan_change(
        client=request.auth,
        account=account,
        plan_type=body.plan_type,
        billing_day_of_month=body.billing_day_of_month,
    )
    return _plan_out(account)


@router.put(
    "/partner/accounts/{account_id:encoded_account_id}/status/cancel",
    response={200: CancelOut, **ERRORS},
    summary="Cancel a client account",
)
def cancel(request, encoded_account_id: str, body: CancelIn | None = None):
    """Now by default; a later ``effective_date`` schedules the cancellation for then (shown
    on the account's pages, withdrawable until the worker carries it out). The answer echoes
    the request."""
    body = body or CancelIn()
    account = services.account_of_client(request.auth, encoded_account_id)
    effective = services.account_cancel(
        client=request.auth,
        account=account,
        reason_id=body.reason_id,
        effective_date=body.effective_date,
    )
    return CancelOut(reason_id=body.reason_id, effective_date=effective)
