"""Acting for a managed account: users/sso, account_operations/sync, contacts/unsubscribe."""

from django.http import HttpResponse
from ninja import Router, Status

from partnerhub.v3 import acting, services
from partnerhub.v3.schemas import (
    ERRORS,
    AccountOperationIn,
    SsoUserIn,
    SsoUserOut,
    UnsubscribeIn,
    UnsubscribeOut,
    errors,
)

router = Router(tags=["acting for an account"])


@router.post(
    "/partner/accounts/{account_id:encoded_account_id}/users/sso",
    response={201: SsoUserOut, **errors(400, 401, 403, 409)},
    summary="Add a user to a managed client account",
)
def create_sso_user(request, encoded_account_id: str, body: SsoUserIn):
    """Needs a grant that permits users (Full access). The person gets an e-mail and signs in
    to the customer pages with the role given."""
    # The contract lists no 404 here: an unknown account is a bad request too.
    account = services.account_of_client(request.auth, encoded_account_id, unknown_status=400)
    account_user = acting.sso_user_create(client=request.auth, account=account, data=body)
    return Status(
        201,
        SsoUserOut(
            login_name=account_user.login_name,
            contact_email=account_user.user.email,
            role_name=account_user.role,
        ),
    )


@router.post(
    "/partner/accounts/{account_id:encoded_account_id}/account_operations/sync",
    response={200: None, **ERRORS},
    summary="Send an API request on behalf of a managed client account",
)
def account_operation_sync(request, encoded_account_id: str, body: AccountOperationIn):
    """Answers with the email product's own status and body."""
    account = services.account_of_client(request.auth, encoded_account_id)
    answer = acting.account_operation_send(client=request.auth, account=account, data=body)
    return HttpResponse(
        answer.body,
        status=answer.status,
        content_type=answer.content_type or "application/json",
    )


@router.post(
    "/partner/accounts/{account_id:encoded_account_id}/contacts/unsubscribe",
    response={200: UnsubscribeOut, **errors(400, 401, 403, 404, 406)},
    summary="Unsubscribe contacts",
)
def unsubscribe(request, encoded_account_id: str, body: UnsubscribeIn):
    """``global_unsubscribe`` with one address: in every managed account of the partnership
    whose grant permits marketing."""
    account = services.account_of_client(request.auth, encoded_account_id)
    count = acting.contacts_unsubscribe(
        client=request.auth,
        account=account,
        data=body,
        accounts_of_partner=services.client_accounts(request.auth),
    )
    return UnsubscribeOut(unsubscribed_count=count)
