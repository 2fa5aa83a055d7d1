"""What each side is told about a request, and to whom it goes. Messages are queued when
the transaction that made the change commits."""

from django.conf import settings
from django.urls import reverse

from partnerhub.access.models import ManageRequest
from partnerhub.core.emails import email_queue


def _url(name: str, **kwargs) -> str:
    return settings.PARTNERHUB_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _customer_addresses(account) -> list[str]:
    addresses = {account.contact_email}
    if account.owner_id and account.owner.email:
        addresses.add(account.owner.email)
    return sorted(a for a in addresses if a)


def _partner_addresses(partner) -> list[str]:
    return sorted({m.user.email for m in partner.members.select_related("user") if m.user.email})


def _queue(to: list[str], subject: str, body: str) -> None:
    email_queue(to=to, subject=subject, body=body)


def _provider_url(account) -> str:
    return _url("customer-provider", encoded_account_id=account.encoded_account_id)


def _partner_account_url(account) -> str:
    return _url("partner-account", encoded_account_id=account.encoded_account_id)


def notify_request_created(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    message = f'\nTheir message to you:\n\n  "{request.message}"\n' if request.message else ""
    _queue(
        _customer_addresses(account),
        f"{partner.name} asks for permission to manage {account.organization_name}",
        f"Hello {account.owner_name},\n\n"
        f"{partner.name}, the partner your account {account.organization_name} is referred to, "
        f"asks for full access to your account so that they can run it for you.\n{message}\n"
        f"Confirming grants {partner.name} full access to your account. You decide, and you "
        f"can take access back at any time.\n\n"
        f"Review the request: {_provider_url(account)}\n\n"
        f"The request expires on {request.expires_at:%d %B %Y} if you do not answer.\n",
    )


def notify_request_cancelled(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    _queue(
        _customer_addresses(account),
        f"{partner.name} withdrew its request for {account.organization_name}",
        f"Hello {account.owner_name},\n\n{partner.name} withdrew its request to manage "
        f"{account.organization_name}. Nothing changed in your account.\n\n"
        f"Your solution provider: {_provider_url(account)}\n",
    )


def notify_request_answered(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    if request.status == "confirmed":
        subject = f"{account.organization_name} confirmed: you now manage the account"
        text = (
            f"{account.owner_name} confirmed your request. {account.organization_name} is now a "
            f"managed account and you have full access to it."
        )
    else:
        subject = f"{account.organization_name} declined your request to manage"
        text = (
            f"{account.owner_name} declined your request. {account.organization_name} stays a "
            f"referred account in your partnership."
        )
    _queue(
        _partner_addresses(partner),
        subject,
        f"Hello {partner.name} team,\n\n{text}\n\nSee the account: {_partner_account_url(account)}\n",
    )


def notify_request_expired(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    _queue(
        _partner_addresses(partner),
        f"Your request to manage {account.organization_name} expired",
        f"Hello {partner.name} team,\n\n{account.owner_name} did not answer your request to "
        f"manage {account.organization_name} within its time, so it expired. You can ask "
        f"again from My accounts.\n\nSee the account: {_partner_account_url(account)}\n",
    )
    _queue(
        _customer_addresses(account),
        f"The request from {partner.name} expired",
        f"Hello {account.owner_name},\n\nThe request from {partner.name} to manage "
        f"{account.organization_name} expired unanswered. Nothing changed in your account.\n",
    )


def notify_access_revoked(account, partner) -> None:
    _queue(
        _partner_addresses(partner),
        f"{account.organization_name} turned partner access off",
        f"Hello {partner.name} team,\n\n{account.owner_name} turned partner access off for "
        f"{account.organization_name}. You no longer have access to the account; it stays in "
        f"your partnership as a referred account.\n\n"
        f"See the account: {_partner_account_url(account)}\n",
    )
