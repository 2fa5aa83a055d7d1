"""Acting in a managed account on the customer's behalf: adding a user, sending a request to
the email product, unsubscribing contacts. Each is allowed only as far as the level the
customer granted permits (``access.levels.permits``; an account that is not managed permits
nothing) and is written to the audit log, on the account's timeline that both sides see.

Which operation a call is:
- ``users/sso``: USERS.
- ``contacts/unsubscribe``: MARKETING (contacts are marketing data).
- ``account_operations/sync``: by what it asks the product to do. A GET only reads: READ.
  Any other method changes something: USERS under ``/account/users``, BILLING elsewhere under
  ``/account`` (the account's own settings and billing), MARKETING for everything else
  (contacts, lists, campaigns, ...). So a *Reports only* grant lets a partner read through
  the product API and change nothing.
"""

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partnerhub.access.levels import Operation, level_info, permits
from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.emails import email_queue
from partnerhub.onboarding.tasks import account_changed as onboarding_account_changed
from partnerhub.v3 import product
from partnerhub.v3.errors import V3Error
from partnerhub.v3.models import AccountUser, V3Client
from partnerhub.v3.schemas import AccountOperationIn, SsoUserIn, UnsubscribeIn

User = get_user_model()


def operation_of(method: str, path: str) -> Operation:
    if method.upper() == "GET":
        return Operation.READ
    if path == "/account/users" or path.startswith("/account/users/"):
        return Operation.USERS
    if path == "/account" or path.startswith("/account/"):
        return Operation.BILLING
    return Operation.MARKETING


def _check_permitted(account: ClientAccount, operation: Operation) -> None:
    if account.partnership_kind != PartnershipKind.MANAGED or not account.access_level:
        raise V3Error(
            403,
            "partner.api.account.not_managed",
            "The customer has not given your partnership access to this account.",
        )
    if not permits(account.access_level, operation):
        raise V3Error(
            403,
            "partner.api.access_level.insufficient",
            f"The customer granted {level_info(account.access_level).label}, which does not "
            f"permit this ({operation.value}).",
        )


def _record(client: V3Client, account: ClientAccount, action, after: dict) -> None:
    audit_record(
        actor=client.created_by,
        action=action,
        target=account,
        partner=client.partner,
        account=account,
        after={**after, "v3_client_id": client.client_id},
    )


def _conflict(message: str) -> V3Error:
    return V3Error(409, "partner.api.user.conflict", message)


@transaction.atomic
def sso_user_create(*, client: V3Client, account: ClientAccount, data: SsoUserIn) -> AccountUser:
    """A new sign-in for the person at ``contact_email``, a user of ``account`` with the role
    given. They sign in to the customer pages by choosing a password through "Forgot your
    password?" (the e-mail they get says so). An address that already has a PartnerHub sign-in
    is refused (409): nobody who has one is attached to an account without their own action."""
    _check_permitted(account, Operation.USERS)
    email = User.objects.normalize_email(data.contact_email).strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise V3Error(
            400, "partner.api.validation.error", "contact_email: is not a valid e-mail address"
        ) from None
    login_name = data.login_name
    if (
        AccountUser.objects.filter(login_name__iexact=login_name).exists()
        or ClientAccount.objects.filter(login_name__iexact=login_name).exists()
    ):
        raise _conflict(f"The login_name {login_name} is already in use.")
    if AccountUser.objects.filter(
        external_provider=data.external_provider, external_id=data.external_id
    ).exists():
        raise _conflict("A user with this external_id and external_provider exists.")
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        raise _conflict("This contact_email already has a sign-in; they cannot be added.")
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=email, email=email, first_name=data.first_name, last_name=data.last_name
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            account_user = AccountUser.objects.create(
                account=account,
                user=user,
                role=data.role_name,
                login_name=login_name,
                external_id=data.external_id,
                external_provider=data.external_provider,
                created_by_client=client,
            )
    except IntegrityError:
        raise _conflict("This user conflicts with one made at the same moment.") from None
    _record(
        client,
        account,
        events.ACCOUNT_USER_CREATED,
        {"email": email, "role": data.role_name, "login_name": login_name},
    )
    onboarding_account_changed(account)
    email_queue(
        to=[email],
        subject=f"You are a user of {account.organization_name}",
        body=(
            f"{client.partner.name} added you as {account_user.get_role_display().lower()} "
            f"of the account {account.organization_name}.\n\n"
            f"To sign in, choose your password at {settings.PARTNERHUB_BASE_URL}"
            f"{reverse('password_reset')} "
            "with this e-mail address.\n"
        ),
    )
    return account_user


def _audit_in_transaction(client, account, action, after) -> None:
    with transaction.atomic():
        _record(client, account, action, after)


def account_operation_send(
    *, client: V3Client, account: ClientAccount, data: AccountOperationIn
) -> product.ProductAnswer:
    """Send the described request to the product's API for ``account``; its answer is the
    caller's."""
    method = data.account_operation_method.upper()
    path = product.operation_path(
        data.account_operation_url,
        {p.path_param_key: p.path_param_value for p in data.account_operation_path_parameters},
    )
    _check_permitted(account, operation_of(method, path))
    body = data.account_operation_payload.encode() if data.account_operation_payload else None
    answer = product.product_call(
        account_id=account.encoded_account_id,
        method=method,
        path=path,
        query=[
            (q.query_param_key, q.query_param_value)
            for q in data.account_operation_query_parameters
        ],
        headers={h.header_key: h.header_value for h in data.account_operation_headers},
        body=body,
    )
    _audit_in_transaction(
        client,
        account,
        events.ACCOUNT_OPERATION_SENT,
        {"method": method, "path": path, "status": answer.status},
    )
    return answer


def _unsubscribe_one(client, account, data: UnsubscribeIn, emails: list[str]) -> int:
    answer = product.product_call(
        account_id=account.encoded_account_id,
        method="POST",
        path="/contacts/unsubscribe",
        body=json.dumps(
            {
                "email_addresses": emails,
                "update_source": data.update_source,
                "opt_out_reason": data.opt_out_reason,
                "delete_contacts": data.delete_contacts,
            }
        ).encode(),
    )
    count = None
    if 200 <= answer.status < 300:
        try:
            count = json.loads(answer.body).get("unsubscribed_count")
        except (ValueError, AttributeError):
            count = None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise V3Error(
            500,
            "partner.api.product_api.unexpected_answer",
            f"The email product answered {answer.status} without an unsubscribed_count.",
        )
    _audit_in_transaction(
        client,
        account,
        events.CONTACTS_UNSUBSCRIBED,
        {
            "count": count,
            "addresses": len(emails),
            "update_source": data.update_source,
            "global": data.global_unsubscribe,
            "at": timezone.now().isoformat(),
        },
    )
    return count


def contacts_unsubscribe(
    *, client: V3Client, account: ClientAccount, data: UnsubscribeIn, accounts_of_partner
) -> int:
    """Unsubscribe the addresses in ``account``; with ``global_unsubscribe`` (one address) in
    every managed account of the partner whose grant permits it. Returns how many contacts
    the product unsubscribed."""
    emails = [e.strip().lower() for e in data.email_addresses]
    if not emails:
        raise V3Error(400, "partner.api.validation.error", "email_addresses: give at least one")
    for e in emails:
        try:
            validate_email(e)
        except DjangoValidationError:
            raise V3Error(
                400, "partner.api.validation.error", f"email_addresses: {e} is not valid"
            ) from None
    _check_permitted(account, Operation.MARKETING)
    if not data.global_unsubscribe:
        return _unsubscribe_one(client, account, data, emails)
    if len(emails) != 1:
        raise V3Error(
            400,
            "partner.api.validation.error",
            "email_addresses: global_unsubscribe takes exactly one address",
        )
    managed = accounts_of_partner.filter(partnership_kind=PartnershipKind.MANAGED).order_by("id")
    return sum(
        _unsubscribe_one(client, a, data, emails)
        for a in managed
        if permits(a.access_level, Operation.MARKETING)
    )
