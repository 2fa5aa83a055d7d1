"""An organization's own API: the organization, its groups, and its accounts' groups and
detaching. Creating an account is ``POST /accounts`` (in the accounts router, beside the
list). An agency's key is refused with 403 ``not_an_organization``."""

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from partnerhub.api.errors import ApiError
from partnerhub.api.idempotency import idempotent
from partnerhub.api.responses import json_response
from partnerhub.api.routers.accounts import ERRORS, _account, require_write
from partnerhub.clients import converters  # noqa: F401  (registers account_id)
from partnerhub.core.errors import NotFound
from partnerhub.core.text import Line
from partnerhub.organizations import detach
from partnerhub.organizations import selectors as org_selectors
from partnerhub.organizations import services as org_services
from partnerhub.organizations.models import AccountGroup
from partnerhub.partners.models import Partner
from partnerhub.partnerships.counters import partner_kind_counts

router = Router(tags=["organizations"])


def organization_of(request: HttpRequest) -> Partner:
    """The key's *My Organization*, which must be an organization."""
    partner = request.auth.partner
    if not partner.is_organization:
        raise ApiError(
            403,
            "not_an_organization",
            "this key belongs to a partner agency; only an organization's key does this",
        )
    return partner


class Counts(Schema):
    accounts: int
    managed: int
    referred: int
    groups: int
    tags: int


class OrganizationOut(Schema):
    name: str
    kind: str = Field(description="organization")
    counts: Counts


@router.get("/organization", response={200: OrganizationOut, **ERRORS}, summary="Organization")
def get_organization(request):
    """The organization the key belongs to, with how many accounts, groups and tags it has."""
    partner = organization_of(request)
    counts = org_selectors.organization_counts(partner_id=partner.pk)
    kinds = partner_kind_counts(partner_id=partner.pk)
    return {
        "name": partner.name,
        "kind": partner.kind,
        "counts": {**counts, "managed": kinds["managed"], "referred": kinds["referred"]},
    }


class GroupOut(Schema):
    id: int
    name: str
    path: str = Field(description='"North › Lakeside" for a subgroup')
    parent_id: int | None
    account_count: int = Field(description="Accounts directly in the group")


class GroupIn(Schema):
    name: Line(120)
    parent_id: int | None = Field(None, ge=1, le=2**63 - 1)


class GroupPatch(Schema):
    name: Line(120)


def _group_out(group: AccountGroup, n: int) -> dict:
    return {
        "id": group.pk,
        "name": group.name,
        "path": group.path,
        "parent_id": group.parent_id,
        "account_count": n,
    }


def _group_count(partner: Partner, group: AccountGroup) -> int:
    return group.accounts.filter(partner=partner).count()


@router.get("/groups", response={200: list[GroupOut], **ERRORS}, summary="List groups")
def list_groups(request):
    """Every group, each top-level group followed by its subgroups."""
    partner = organization_of(request)
    out = []
    for group, subs, _ in org_selectors.group_tree(partner_id=partner.pk):
        out.append(_group_out(group, group.n))
        out.extend(_group_out(sub, sub.n) for sub in subs)
    return out


@router.post("/groups", response={201: GroupOut, **ERRORS}, summary="Create a group")
@idempotent
def create_group(request, body: GroupIn):
    """A group at the top, or inside a top-level group (``parent_id``). Honours
    ``Idempotency-Key``."""
    require_write(request)
    partner = organization_of(request)
    parent = (
        org_services.group_of(partner=partner, group_id=body.parent_id) if body.parent_id else None
    )
    group = org_services.group_create(
        partner=partner, name=body.name, parent=parent, actor=request.auth.created_by
    )
    return json_response(_group_out(group, 0), status=201)


@router.patch("/groups/{int:group_id}", response={200: GroupOut, **ERRORS}, summary="Rename")
def rename_group(request, group_id: int, body: GroupPatch):
    require_write(request)
    partner = organization_of(request)
    group = org_services.group_rename(
        partner=partner, group_id=group_id, name=body.name, actor=request.auth.created_by
    )
    return _group_out(group, _group_count(partner, group))


@router.delete("/groups/{int:group_id}", response={204: None, **ERRORS}, summary="Delete")
def delete_group(request, group_id: int, move_accounts: bool = False):
    """Delete an empty group; with ``move_accounts=true`` its accounts move to its parent
    group (or to no group) first. A group with subgroups is refused (422)."""
    require_write(request)
    partner = organization_of(request)
    org_services.group_delete(
        partner=partner,
        group_id=group_id,
        move_accounts=move_accounts,
        actor=request.auth.created_by,
    )
    return Status(204, None)


class AccountGroupIn(Schema):
    group_id: int | None = Field(description="null: no group", ge=1, le=2**63 - 1)


class AccountGroupOut(Schema):
    encoded_account_id: str
    group_id: int | None
    group_path: str


@router.post(
    "/accounts/{account_id:encoded_account_id}/group",
    response={200: AccountGroupOut, **ERRORS},
    summary="Move an account to a group",
)
def move_account(request, encoded_account_id: str, body: AccountGroupIn):
    require_write(request)
    partner = organization_of(request)
    account = _account(request, encoded_account_id)
    group = (
        org_services.group_of(partner=partner, group_id=body.group_id) if body.group_id else None
    )
    org_services.account_group_set(
        partner=partner, account=account, group=group, actor=request.auth.created_by
    )
    return {
        "encoded_account_id": account.encoded_account_id,
        "group_id": group.pk if group else None,
        "group_path": group.path if group else "",
    }


class DetachOut(Schema):
    id: int
    encoded_account_id: str
    status: str = Field(description="pending: the owner is asked to confirm")
    created_at: str


@router.post(
    "/accounts/{account_id:encoded_account_id}/detach",
    response={202: DetachOut, **ERRORS},
    summary="Ask to detach an account",
)
@idempotent
def detach_account(request, encoded_account_id: str):
    """Ask the account's owner to let it leave the organization; it stays until they confirm
    on their *Your solution provider* page. Honours ``Idempotency-Key``."""
    require_write(request)
    partner = organization_of(request)
    account = _account(request, encoded_account_id)
    try:
        made = detach.detach_request_create(
            partner=partner, account_id=account.pk, actor=request.auth.created_by
        )
    except NotFound:
        raise ApiError(404, "not_found", "no such account") from None
    return json_response(
        {
            "id": made.pk,
            "encoded_account_id": account.encoded_account_id,
            "status": made.status,
            "created_at": made.created_at.isoformat(),
        },
        status=202,
    )
