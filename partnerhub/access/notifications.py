"""What each side is told about a request, and to whom it goes. E-mails are queued when the
transaction that made the change commits; the notice behind each person's bell is written in
that transaction."""

from django.conf import settings
from django.urls import reverse

from partnerhub.access.models import ManageRequest
from partnerhub.core.emails import email_queue
from partnerhub.core.timefmt import format_date
from partnerhub.notices.models import NoticeKind
from partnerhub.notices.services import notice_create
from partnerhub.people.selectors import time_zone_for


def _url(name: str, **kwargs) -> str:
    return settings.PARTNERHUB_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _customer_addresses(account) -> list[str]:
    addresses = {account.contact_email}
    if account.owner_id and account.owner.email:
        addresses.add(account.owner.email)
    return sorted(a for a in addresses if a)


def _partner_addresses(partner) -> list[str]:
    return sorted({m.user.email for m in partner.members.select_related("user") if m.user.email})


def _customer_date(account, moment) -> str:
    """A date as the account owner reads it: in their time zone."""
    return format_date(moment, zone=time_zone_for(account.owner if account.owner_id else None))


def _partner_users(partner) -> list[int]:
    return list(partner.members.values_list("user_id", flat=True))


def _customer_users(account) -> list[int]:
    return [account.owner_id] if account.owner_id else []


def _path(name: str, account) -> str:
    return reverse(name, kwargs={"encoded_account_id": account.encoded_account_id})


def _provider_url(account) -> str:
    return _url("customer-provider", encoded_account_id=account.encoded_account_id)


def _partner_account_url(account) -> str:
    return _url("partner-account", encoded_account_id=account.encoded_account_id)


def notify_request_created(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    message = f'\nTheir message to you:\n\n  "{request.message}"\n' if request.message else ""
    email_queue(
        to=_customer_addresses(account),
        subject=f"{partner.name} asks for permission to manage {account.organization_name}",
        body=f"Hello {account.owner_name},\n\n"
        f"{partner.name}, the partner your account {account.organization_name} is referred to, "
        f"asks for full access to your account so that they can run it for you.\n{message}\n"
        f"Confirming grants {partner.name} full access to your account. You decide, and you "
        f"can take access back at any time.\n\n"
        f"Review the request: {_provider_url(account)}\n\n"
        f"The request expires on {_customer_date(account, request.expires_at)} if you do not "
        f"answer.\n",
    )
    notice_create(
        user_ids=_customer_users(account),
        kind=NoticeKind.REQUEST_RECEIVED,
        title=f"{partner.name} asks for permission to manage {account.organization_name}",
        url=_path("customer-provider", account),
        source_key=f"request:{request.pk}:created",
        at=request.created_at,
    )


def notify_request_cancelled(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    email_queue(
        to=_customer_addresses(account),
        subject=f"{partner.name} withdrew its request for {account.organization_name}",
        body=f"Hello {account.owner_name},\n\n{partner.name} withdrew its request to manage "
        f"{account.organization_name}. Nothing changed in your account.\n\n"
        f"Your solution provider: {_provider_url(account)}\n",
    )
    notice_create(
        user_ids=_customer_users(account),
        kind=NoticeKind.REQUEST_CANCELLED,
        title=f"{partner.name} withdrew its request to manage {account.organization_name}",
        url=_path("customer-provider", account),
        source_key=f"request:{request.pk}:cancelled",
        at=request.decided_at,
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
    email_queue(
        to=_partner_addresses(partner),
        subject=subject,
        body=f"Hello {partner.name} team,\n\n{text}\n\nSee the account: {_partner_account_url(account)}\n",
    )
    confirmed = request.status == "confirmed"
    notice_create(
        user_ids=_partner_users(partner),
        kind=NoticeKind.REQUEST_CONFIRMED if confirmed else NoticeKind.REQUEST_DECLINED,
        title=subject,
        url=_path("partner-account", account),
        source_key=f"request:{request.pk}:{request.status}",
        at=request.decided_at,
    )


def notify_request_expired(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    email_queue(
        to=_partner_addresses(partner),
        subject=f"Your request to manage {account.organization_name} expired",
        body=f"Hello {partner.name} team,\n\n{account.owner_name} did not answer your request to "
        f"manage {account.organization_name} within its time, so it expired. You can ask "
        f"again from My accounts.\n\nSee the account: {_partner_account_url(account)}\n",
    )
    email_queue(
        to=_customer_addresses(account),
        subject=f"The request from {partner.name} expired",
        body=f"Hello {account.owner_name},\n\nThe request from {partner.name} to manage "
        f"{account.organization_name} expired unanswered. Nothing changed in your account.\n",
    )
    key = f"request:{request.pk}:expired"
    notice_create(
        user_ids=_partner_users(partner),
        kind=NoticeKind.REQUEST_EXPIRED,
        title=f"Your request to manage {account.organization_name} expired",
        url=_path("partner-account", account),
        source_key=key,
        at=request.decided_at,
    )
    notice_create(
        user_ids=_customer_users(account),
        kind=NoticeKind.REQUEST_EXPIRED,
        title=f"The request from {partner.name} to manage {account.organization_name} expired",
        url=_path("customer-provider", account),
        source_key=key,
        at=request.decided_at,
    )


def notify_request_expiring(request: ManageRequest) -> None:
    """A few days before a request expires, the customer is reminded (in the product only)."""
    account, partner = request.account, request.partner
    notice_create(
        user_ids=_customer_users(account),
        kind=NoticeKind.REQUEST_EXPIRING,
        title=f"The request from {partner.name} to manage {account.organization_name} expires soon",
        url=_path("customer-provider", account),
        source_key=f"request:{request.pk}:expiring",
    )


def notify_access_revoked(account, partner, *, revocation_id: int, at) -> None:
    email_queue(
        to=_partner_addresses(partner),
        subject=f"{account.organization_name} turned partner access off",
        body=f"Hello {partner.name} team,\n\n{account.owner_name} turned partner access off for "
        f"{account.organization_name}. You no longer have access to the account; it stays in "
        f"your partnership as a referred account.\n\n"
        f"See the account: {_partner_account_url(account)}\n",
    )
    notice_create(
        user_ids=_partner_users(partner),
        kind=NoticeKind.ACCESS_REVOKED,
        title=f"{account.organization_name} turned partner access off",
        url=_path("partner-account", account),
        source_key=f"revocation:{revocation_id}",
        at=at,
    )
