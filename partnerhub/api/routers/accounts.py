"""Accounts and manage requests: what *My accounts* does, for a partner's own tools."""

import dataclasses
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from partnerhub.access import selectors as access_selectors
from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.access.services import (
    DEFAULT_DURATION,
    manage_request_cancel,
    manage_request_create,
    manage_requests_create_bulk,
)
from partnerhub.api.auth import key_visible_to
from partnerhub.api.errors import ApiError
from partnerhub.api.idempotency import idempotent
from partnerhub.api.responses import json_response, rendered
from partnerhub.api.schemas import (
    AccountDetailOut,
    AccountPage,
    BulkRequestIn,
    BulkRequestOut,
    ConsentOut,
    ErrorOut,
    KindChangeOut,
    ProvisioningOut,
    RequestIn,
    RequestOut,
    RequestPage,
    RequestTerms,
    TimelineEntryOut,
)
from partnerhub.api.serializers import account_fields, account_item, request_out
from partnerhub.clients import converters  # noqa: F401  (registers account_id)
from partnerhub.clients import selectors as account_selectors
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import ServiceError
from partnerhub.core.keyset import Cursor, InvalidCursor
from partnerhub.core.text import Line
from partnerhub.moves.request_codes import request_code_refused
from partnerhub.partners.selectors import visible_only
from partnerhub.partnerships.models import Partnership

router = Router(tags=["accounts"])

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def require_write(request: HttpRequest) -> None:
    if not request.auth.can_write:
        raise ApiError(
            403, "scope_required", "this key has the read scope only; the write scope is needed"
        )


def _account(request, encoded_account_id: str) -> ClientAccount:
    try:
        return account_selectors.partner_account_get(
            partner_id=request.auth.partner_id,
            encoded_account_id=encoded_account_id,
            visible_to=key_visible_to(request),
        )
    except ClientAccount.DoesNotExist:
        raise ApiError(404, "not_found", "no such account") from None


class AccountFilters(Schema):
    q: str = Field("", max_length=100, description="Search organization, owner and login name")
    type: str = Field("", pattern="^(|referred|managed)$")
    status: str = Field(
        "",
        pattern="^(|active|trial_active|trial_expired|cancelled|disabled_compliance|disabled_balance_due|single_bill)$",
    )
    sort: str = Field(
        "organization", pattern="^-?(organization|owner|login|contacts|last_login|moved)$"
    )
    size: int = Field(25, ge=1, le=100)
    cursor: str = Field("", max_length=500)
    group: str = Field(
        "", pattern=r"^(|none|[0-9]{1,19})$", description="An organization's group id, or none"
    )
    tag: str = Field("", pattern=r"^(|[0-9]{1,19})$", description="An organization's tag id")
    total: bool = Field(
        True,
        description=(
            "Count the matching accounts into ``total``. With a search or a status filter the "
            "count walks every matching row: ``total=false`` leaves ``total`` null and skips it "
            "(a tool following ``next`` needs it once at most)."
        ),
    )


@router.get("/accounts", response={200: AccountPage, **ERRORS}, summary="List accounts")
def list_accounts(request, filters: Query[AccountFilters]):
    """Every account in your partnership, filtered, sorted and cursor-paginated. A key acts as
    the team member who created it: where the partnership shows members only the accounts
    assigned to them, a member's key lists (and reaches) only those."""
    params = {
        "q": filters.q,
        "type": filters.type,
        "status": filters.status,
        "sort": filters.sort,
        "group": filters.group,
        "tag": filters.tag,
    }
    if filters.cursor:
        params["cursor"] = filters.cursor
    query = account_selectors.parse_account_list_query(params)
    if query.errors:
        code = "invalid_cursor" if filters.cursor else "invalid_filter"
        raise ApiError(400, code, query.errors[0])
    query = dataclasses.replace(query, size=filters.size, visible_to=key_visible_to(request))
    partner_id = request.auth.partner_id
    # A search's first page counts its matches in its own statement.
    with_total = filters.total and account_selectors.total_with_page(query)
    page = account_selectors.partner_accounts_page(
        partner_id=partner_id, query=query, with_pending=True, with_total=with_total
    )
    if with_total:
        total = page.total
    elif filters.total:
        total = account_selectors.partner_accounts_total(partner_id=partner_id, query=query)
    else:
        total = None
    next_url = None
    if page.next_cursor:
        next_params = {k: v for k, v in params.items() if v and k != "cursor"}
        next_params.update(size=filters.size, cursor=page.next_cursor)
        if not filters.total:
            next_params["total"] = "false"
        next_url = request.build_absolute_uri(request.path) + "?" + urlencode(next_params)
    body = {
        "items": [account_item(row) for row in page.rows],
        "next": next_url,
        "total": total,
    }
    # Written as it is: the rows are plain values in ``AccountPage``'s shape (a test holds the
    # two together), which validating them again as models would only slow down.
    return rendered(request, body)


class ChildAccountCreateIn(Schema):
    location_name: Line(200)
    owner_name: Line(200)
    owner_email: Line(254)
    login_name: Line(50)
    plan: str = Field("TRIAL", pattern="^(TRIAL|BRONZE|SILVER|GOLD)$")
    group_id: int | None = Field(None, ge=1, le=2**63 - 1)
    tags: list[Line(60)] = Field(default_factory=list, max_length=20)


class ChildAccountOut(Schema):
    encoded_account_id: str
    organization_name: str
    login_name: str
    kind: str = Field(description="managed: an organization's accounts are managed from the start")
    access_level: str
    plan_type: str
    billing_status: str
    group_id: int | None
    tags: list[str]
    owner_invited: str = Field(description="The address invited to take ownership")


@router.post(
    "/accounts", response={201: ChildAccountOut, **ERRORS}, summary="Create a child account"
)
@idempotent
def create_account(request, body: ChildAccountCreateIn):
    """An organization creates one of its accounts: managed by it from today, with no owner
    until the person at ``owner_email`` accepts the ownership invitation sent to them. A
    partner agency's key is refused (403 ``not_an_organization``). Honours
    ``Idempotency-Key``."""
    from partnerhub.api.routers.organizations import organization_of
    from partnerhub.organizations import children
    from partnerhub.organizations.services import group_of

    require_write(request)
    partner = organization_of(request)
    try:
        data = children.ChildAccountIn(**body.model_dump(exclude={"group_id"}))
    except PydanticValidationError as error:
        raise ApiError(
            422,
            "validation_error",
            "; ".join(f"{f}: {m}" for f, m in children.field_errors(error)),
            details=[{"field": f, "message": m} for f, m in children.field_errors(error)],
        ) from None
    group = group_of(partner=partner, group_id=body.group_id) if body.group_id else None
    a = children.child_account_create(
        partner=partner, data=data, group=group, actor=request.auth.created_by
    )
    return json_response(
        {
            "encoded_account_id": a.encoded_account_id,
            "organization_name": a.organization_name,
            "login_name": a.login_name,
            "kind": a.partnership_kind,
            "access_level": a.access_level,
            "plan_type": a.plan_type,
            "billing_status": a.billing_status,
            "group_id": a.group_id,
            "tags": data.tags,
            "owner_invited": data.owner_email,
        },
        status=201,
    )


@router.get(
    "/accounts/{account_id:encoded_account_id}",
    response={200: AccountDetailOut, **ERRORS},
    summary="One account",
)
def get_account(request, encoded_account_id: str):
    """The account with its partnership history, access timeline and consent records."""
    a = _account(request, encoded_account_id)
    partner_id = request.auth.partner_id
    partnership = Partnership.objects.get(account=a, partner_id=partner_id, ended_at__isnull=True)
    return AccountDetailOut(
        **account_fields(a, access_selectors.pending_request_for(account_id=a.pk)),
        signed_up_at=a.signed_up_at,
        converted_at=a.converted_at,
        provisioning=ProvisioningOut(
            contact_phone=a.contact_phone,
            organization_phone=a.organization_phone,
            time_zone_id=a.time_zone_id,
            gdpr_opt_out=a.gdpr_opt_out,
            single_billing_requested=a.single_billing_requested,
            external_provider=a.login_external_provider,
            external_id=a.login_external_id,
        ),
        partnership_source=partnership.source,
        kind_history=[
            KindChangeOut(kind=c.kind, effective_at=c.effective_at, cause=c.cause)
            for c in partnership.kind_changes.all()
        ],
        access_timeline=[
            TimelineEntryOut(action=e.action, label=e.label, at=e.at, actor=e.actor_label)
            for e in access_selectors.access_timeline(account_id=a.pk, partner_id=partner_id)
        ],
        consents=[
            ConsentOut(
                granted_by=c.granted_by_label,
                granted_at=c.granted_at,
                disclaimer_version=c.disclaimer_version,
                disclaimer_text=c.disclaimer_text,
                ip_address=c.ip_address,
                user_agent=c.user_agent,
                withdrawn_at=c.withdrawn_at,
                withdrawn_by=c.withdrawn_by_label,
            )
            for c in access_selectors.consent_records(account_id=a.pk, partner_id=partner_id)
        ],
    )


@router.post(
    "/accounts/{account_id:encoded_account_id}/requests",
    response={201: RequestOut, **ERRORS},
    summary="Request permission to manage",
)
@idempotent
def create_request(request, encoded_account_id: str, body: RequestIn):
    """Ask the customer for access to a referred account at a level, for a duration (full
    access until turned off when left out). Honours ``Idempotency-Key``."""
    require_write(request)
    a = _account(request, encoded_account_id)
    try:
        created = manage_request_create(
            actor=request.auth.created_by,
            account_id=a.pk,
            message=body.message,
            level=body.level,
            duration_days=_duration(body),
            ip_address=request.META.get("REMOTE_ADDR"),
            request_code=body.request_code,
        )
    except ServiceError as error:
        request_code_refused(error=error, partner_id=request.auth.partner_id, account_id=a.pk)
        raise
    return json_response(request_out(created, a.encoded_account_id), status=201)


def _duration(body: RequestTerms):
    """The duration sent; the program's default when the field was left out."""
    return body.duration_days if "duration_days" in body.model_fields_set else DEFAULT_DURATION


@router.post(
    "/requests/bulk",
    response={200: BulkRequestOut, **ERRORS},
    summary="Request permission to manage many accounts",
)
@idempotent
def create_requests_bulk(request, body: BulkRequestIn):
    """One request per account (at most 500), with the same message, level and duration. An
    account that cannot be asked (managed, a request waiting, not in your partnership) gets an
    error in its result and is skipped; the others are asked. Honours ``Idempotency-Key``."""
    require_write(request)
    ids = dict(
        ClientAccount.objects.filter(encoded_account_id__in=body.accounts).values_list(
            "encoded_account_id", "pk"
        )
    )
    known = [ids[e] for e in body.accounts if e in ids]
    made = iter(
        manage_requests_create_bulk(
            actor=request.auth.created_by,
            account_ids=known,
            message=body.message,
            level=body.level,
            duration_days=_duration(body),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        if known
        else []
    )
    results = []
    for encoded in body.accounts:
        result = next(made) if encoded in ids else None
        if result is None:
            error = {"code": "not_found", "message": "no such account"}
            results.append({"account": encoded, "error": error})
        elif result.error is not None:
            error = {"code": result.error.code, "message": result.error.message}
            results.append({"account": encoded, "error": error})
        else:
            results.append({"account": encoded, "request": request_out(result.request, encoded)})
    return json_response(BulkRequestOut(results=results), status=200)


def _own_request(request, request_id: int) -> ManageRequest:
    found = visible_only(
        ManageRequest.objects.select_related("account", "requested_by", "grant", "granted").filter(
            pk=request_id, partner_id=request.auth.partner_id
        ),
        member_id=key_visible_to(request),
        field="account_id",
    ).first()
    if found is None:
        raise ApiError(404, "not_found", "no such request")
    return found


@router.post(
    "/requests/{request_id}/cancel",
    response={200: RequestOut, **ERRORS},
    summary="Cancel a request",
)
def cancel_request(request, request_id: int):
    require_write(request)
    _own_request(request, request_id)
    cancelled = manage_request_cancel(
        actor=request.auth.created_by,
        request_id=request_id,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return request_out(cancelled)


@router.get("/requests/{request_id}", response={200: RequestOut, **ERRORS}, summary="One request")
def get_request(request, request_id: int):
    return request_out(_own_request(request, request_id))


class RequestFilters(Schema):
    status: str = Field("", pattern="^(|pending|confirmed|declined|cancelled|expired)$")
    size: int = Field(25, ge=1, le=100)
    cursor: str = Field("", max_length=500)
    group: str = Field(
        "", pattern=r"^(|none|[0-9]{1,19})$", description="An organization's group id, or none"
    )
    tag: str = Field("", pattern=r"^(|[0-9]{1,19})$", description="An organization's tag id")
    total: bool = Field(
        True,
        description=(
            "Count the matching accounts into ``total``. With a search or a status filter the "
            "count walks every matching row: ``total=false`` leaves ``total`` null and skips it "
            "(a tool following ``next`` needs it once at most)."
        ),
    )


@router.get("/requests", response={200: RequestPage, **ERRORS}, summary="List requests")
def list_requests(request, filters: Query[RequestFilters]):
    """Your manage requests, newest first."""
    qs = visible_only(
        ManageRequest.objects.filter(partner_id=request.auth.partner_id),
        member_id=key_visible_to(request),
        field="account_id",
    ).select_related("account", "requested_by", "grant", "granted")
    if filters.status:
        qs = qs.filter(status=RequestStatus(filters.status))
    if filters.cursor:
        try:
            cursor = Cursor.decode(filters.cursor)
        except InvalidCursor as exc:
            raise ApiError(400, "invalid_cursor", str(exc)) from None
        qs = qs.filter(pk__lt=cursor.id)
    rows = list(qs.order_by("-id")[: filters.size + 1])
    next_url = None
    if len(rows) > filters.size:
        rows = rows[: filters.size]
        token = Cursor(None, rows[-1].pk, False, False).encode()
        params = {"size": filters.size, "cursor": token}
        if filters.status:
            params["status"] = filters.status
        next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
    return RequestPage(items=[request_out(r) for r in rows], next=next_url)
