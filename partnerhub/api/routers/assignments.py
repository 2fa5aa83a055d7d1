"""Which team members serve an account: read by anyone whose key sees the account; assigned
and unassigned by owners' and admins' keys, as on the team page."""

from ninja import Router, Schema, Status

from partnerhub.api.auth import key_visible_to
from partnerhub.api.errors import ApiError
from partnerhub.api.routers.accounts import ERRORS, require_write
from partnerhub.clients import converters  # noqa: F401  (registers account_id)
from partnerhub.clients import selectors as account_selectors
from partnerhub.clients.models import ClientAccount
from partnerhub.partners.models import PartnerMember
from partnerhub.partners.selectors import account_assignees, member_display_name
from partnerhub.partners.services import accounts_assign, accounts_unassign

router = Router(tags=["assignments"])


class AssignmentOut(Schema):
    member_id: int
    name: str
    email: str
    role: str


class AssignmentList(Schema):
    items: list[AssignmentOut]


def _account(request, encoded_account_id: str) -> ClientAccount:
    try:
        return account_selectors.partner_account_get(
            partner_id=request.auth.partner_id,
            encoded_account_id=encoded_account_id,
            visible_to=key_visible_to(request),
        )
    except ClientAccount.DoesNotExist:
        raise ApiError(404, "not_found", "no such account") from None


def _assignment_out(member: PartnerMember) -> AssignmentOut:
    return AssignmentOut(
        member_id=member.pk,
        name=member_display_name(member),
        email=member.user.email,
        role=member.role,
    )


def _assignees(request, account: ClientAccount) -> AssignmentList:
    members = account_assignees(account_id=account.pk, partner_id=request.auth.partner_id)
    return AssignmentList(items=[_assignment_out(m) for m in members])


@router.get(
    "/accounts/{account_id:encoded_account_id}/assignments",
    response={200: AssignmentList, **ERRORS},
    summary="Members assigned to an account",
)
def list_assignments(request, encoded_account_id: str):
    """The members of your team who serve the account, by name."""
    return _assignees(request, _account(request, encoded_account_id))


@router.put(
    "/accounts/{account_id:encoded_account_id}/assignments/{member_id}",
    response={200: AssignmentList, **ERRORS},
    summary="Assign a member to an account",
)
def assign(request, encoded_account_id: str, member_id: int):
    """Owners' and admins' keys only. Assigning a member already assigned changes nothing.
    Answers with the account's members after the change."""
    require_write(request)
    account = _account(request, encoded_account_id)
    accounts_assign(actor=request.auth.created_by, member_id=member_id, account_ids=[account.pk])
    return _assignees(request, account)


@router.delete(
    "/accounts/{account_id:encoded_account_id}/assignments/{member_id}",
    response={204: None, **ERRORS},
    summary="Unassign a member from an account",
)
def unassign(request, encoded_account_id: str, member_id: int):
    """Owners' and admins' keys only. Unassigning a member who is not assigned changes
    nothing."""
    require_write(request)
    account = _account(request, encoded_account_id)
    accounts_unassign(actor=request.auth.created_by, member_id=member_id, account_ids=[account.pk])
    return Status(204, None)
