"""What each side is told about a request, and to whom it goes. E-mails are queued when the
transaction that made the change commits; the notice behind each person's bell is written in
that transaction."""

from django.conf import settings
from django.urls import reverse

from partnerhub.access.levels import level_info, level_words
from partnerhub.access.models import Grant, ManageRequest
from partnerhub.core.emails import email_queue, emails_queue_many
from partnerhub.core.timefmt import format_date
from partnerhub.notices.models import NoticeKind
from partnerhub.notices.services import NoticeDraft, notice_create, notices_create_many
from partnerhub.people.selectors import time_zone_for, time_zones_for


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


def partner_notice(partner, account, *, kind: NoticeKind, title: str, key: str, at=None) -> None:
    """The bell notice of the partner's team about ``account``, linking to its page there."""
    notice_create(
        user_ids=_partner_users(partner),
        kind=kind,
        title=title,
        url=_path("partner-account", account),
        source_key=key,
        at=at,
    )


def customer_notice(account, *, kind: NoticeKind, title: str, key: str, at=None) -> None:
    """The bell notice of the account's owner, linking to *Your solution provider*."""
    notice_create(
        user_ids=_customer_users(account),
        kind=kind,
        title=title,
        url=_path("customer-provider", account),
        source_key=key,
        at=at,
    )


def _provider_url(account) -> str:
    return _url("customer-provider", encoded_account_id=account.encoded_account_id)


def _partner_account_url(account) -> str:
    return _url("partner-account", encoded_account_id=account.encoded_account_id)


def _request_created_email(request: ManageRequest, *, zone: str) -> tuple[list[str], str, str]:
    """The customer's e-mail about a new request: (to, subject, body); dates in ``zone``."""
    account, partner = request.account, request.partner
    message = f'\nTheir message to you:\n\n  "{request.message}"\n' if request.message else ""
    return (
        _customer_addresses(account),
        f"{partner.name} asks for permission to manage {account.organization_name}",
        f"Hello {account.owner_name},\n\n"
        f"{partner.name}, the partner your account {account.organization_name} is referred to, "
        f"asks for {level_words(request.level)} to your account so that they can run it for "
        f"you{_for_how_long(request.duration_days)}.\n{message}\n"
        f"Confirming grants {partner.name} {level_words(request.level)} to your account. You "
        f"decide, and you can take access back at any time.\n\n"
        f"{level_info(request.level).label}: {level_info(request.level).sentence} You may "
        f"grant a lower level than asked.\n\n"
        f"Review the request: {_provider_url(account)}\n\n"
        f"The request expires on {format_date(request.expires_at, zone=zone)} if you do not "
        f"answer.\n",
    )


def _request_created_notice(request: ManageRequest) -> NoticeDraft:
    account, partner = request.account, request.partner
    return NoticeDraft(
        user_ids=_customer_users(account),
        kind=NoticeKind.REQUEST_RECEIVED,
        title=f"{partner.name} asks for permission to manage {account.organization_name}",
        url=_path("customer-provider", account),
        source_key=f"request:{request.pk}:created",
        at=request.created_at,
    )


def notify_request_created(request: ManageRequest) -> None:
    account = request.account
    to, subject, body = _request_created_email(
        request, zone=time_zone_for(account.owner if account.owner_id else None)
    )
    email_queue(to=to, subject=subject, body=body)
    notices_create_many([_request_created_notice(request)])


def notify_requests_created(requests: list[ManageRequest]) -> None:
    """``notify_request_created`` for the requests of one bulk request, each customer told in
    the same words: the owners' time zones read once, the e-mails and notices written in one
    insert each."""
    zones = time_zones_for(r.account.owner_id for r in requests if r.account.owner_id)
    emails_queue_many(
        [
            _request_created_email(r, zone=zones.get(r.account.owner_id, settings.TIME_ZONE))
            for r in requests
        ]
    )
    notices_create_many(_request_created_notice(r) for r in requests)


def notify_request_cancelled(request: ManageRequest) -> None:
    account, partner = request.account, request.partner
    email_queue(
        to=_customer_addresses(account),
        subject=f"{partner.name} withdrew its request for {account.organization_name}",
        body=f"Hello {account.owner_name},\n\n{partner.name} withdrew its request to manage "
        f"{account.organization_name}. Nothing changed in your account.\n\n"
        f"Your solution provider: {_provider_url(account)}\n",
    )
    customer_notice(
        account,
        kind=NoticeKind.REQUEST_CANCELLED,
        title=f"{partner.name} withdrew its request to manage {account.organization_name}",
        key=f"request:{request.pk}:cancelled",
        at=request.decided_at,
    )


def _for_how_long(duration_days: int | None) -> str:
    return f" for {duration_days} days" if duration_days else ""


def notify_request_answered(request: ManageRequest, grant=None) -> None:
    account, partner = request.account, request.partner
    if request.status == "confirmed":
        subject = f"{account.organization_name} confirmed: you now manage the account"
        level = grant.level if grant else request.level
        lower = " (lower than you asked)" if grant and grant.level != grant.asked_level else ""
        ends = (
            f" Access lasts until {format_date(grant.ends_at)}"
            + (" and renews automatically." if grant.auto_renew else ".")
            if grant and grant.ends_at
            else ""
        )
        text = (
            f"{account.owner_name} confirmed your request. {account.organization_name} is now a "
            f"managed account and you have {level_words(level)} to it{lower}.{ends}"
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
    partner_notice(
        partner,
        account,
        kind=NoticeKind.REQUEST_CONFIRMED if confirmed else NoticeKind.REQUEST_DECLINED,
        title=subject,
        key=f"request:{request.pk}:{request.status}",
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
    partner_notice(
        partner,
        account,
        kind=NoticeKind.REQUEST_EXPIRED,
        title=f"Your request to manage {account.organization_name} expired",
        key=key,
        at=request.decided_at,
    )
    customer_notice(
        account,
        kind=NoticeKind.REQUEST_EXPIRED,
        title=f"The request from {partner.name} to manage {account.organization_name} expired",
        key=key,
        at=request.decided_at,
    )


def notify_request_expiring(request: ManageRequest) -> None:
    """A few days before a request expires, the customer is reminded (in the product only)."""
    account, partner = request.account, request.partner
    customer_notice(
        account,
        kind=NoticeKind.REQUEST_EXPIRING,
        title=f"The request from {partner.name} to manage {account.organization_name} expires soon",
        key=f"request:{request.pk}:expiring",
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
    partner_notice(
        partner,
        account,
        kind=NoticeKind.ACCESS_REVOKED,
        title=f"{account.organization_name} turned partner access off",
        key=f"revocation:{revocation_id}",
        at=at,
    )


def notify_level_changed(grant: Grant, *, previous: str, at) -> None:
    account, partner = grant.account, grant.partner
    verb = "raised" if level_info(grant.level).rank > level_info(previous).rank else "lowered"
    subject = f"{account.organization_name} {verb} your access to {level_info(grant.level).label}"
    email_queue(
        to=_partner_addresses(partner),
        subject=subject,
        body=f"Hello {partner.name} team,\n\n{account.owner_name} {verb} your access to "
        f"{account.organization_name} from {level_info(previous).label} to "
        f"{level_info(grant.level).label}: {level_info(grant.level).sentence}\n\n"
        f"See the account: {_partner_account_url(account)}\n",
    )
    partner_notice(
        partner,
        account,
        kind=NoticeKind.ACCESS_LEVEL_CHANGED,
        title=subject,
        key=f"grant:{grant.pk}:level:{at.isoformat()}",
        at=at,
    )


def notify_extension_requested(request: ManageRequest, *, grant: Grant) -> None:
    account, partner = request.account, request.partner
    subject = f"{partner.name} asks to keep access to {account.organization_name}"
    email_queue(
        to=_customer_addresses(account),
        subject=subject,
        body=f"Hello {account.owner_name},\n\n{partner.name} has {level_words(grant.level)} "
        f"to {account.organization_name} until {_customer_date(account, grant.ends_at)} and asks "
        f"you to extend it by {grant.duration_days} days. Nothing changes unless you "
        f"confirm.\n\nReview the request: {_provider_url(account)}\n",
    )
    customer_notice(
        account,
        kind=NoticeKind.REQUEST_RECEIVED,
        title=subject,
        key=f"request:{request.pk}:created",
        at=request.created_at,
    )


def notify_access_extended(grant: Grant, *, automatic: bool, at) -> None:
    account, partner = grant.account, grant.partner
    how = "renewed automatically" if automatic else "extended"
    subject = f"Access to {account.organization_name} {how} until {format_date(grant.ends_at)}"
    email_queue(
        to=_partner_addresses(partner),
        subject=subject,
        body=f"Hello {partner.name} team,\n\nYour {level_words(grant.level)} to "
        f"{account.organization_name} was {how}; it now lasts until "
        f"{format_date(grant.ends_at)}.\n\nSee the account: {_partner_account_url(account)}\n",
    )
    if automatic:
        email_queue(
            to=_customer_addresses(account),
            subject=f"{partner.name}'s access to {account.organization_name} renewed",
            body=f"Hello {account.owner_name},\n\nAs you chose, {partner.name}'s "
            f"{level_words(grant.level)} to {account.organization_name} renewed automatically "
            f"for {grant.duration_days} days, until {_customer_date(account, grant.ends_at)}. "
            f"You can turn it off at any time: {_provider_url(account)}\n",
        )
    key = f"grant:{grant.pk}:extended:{grant.ends_at.isoformat()}"
    partner_notice(
        partner,
        account,
        kind=NoticeKind.ACCESS_EXTENDED,
        title=subject,
        key=key,
        at=at,
    )
    customer_notice(
        account,
        kind=NoticeKind.ACCESS_EXTENDED,
        title=f"{partner.name}'s access to {account.organization_name} {how}",
        key=key,
        at=at,
    )


def notify_access_expiring(grant: Grant, *, days_before: int, at) -> None:
    """30, 7 and 1 day before a grant ends, both sides, by e-mail and in the product."""
    account, partner = grant.account, grant.partner
    when = "tomorrow" if days_before == 1 else f"in {days_before} days"
    partner_subject = f"Your access to {account.organization_name} ends {when}"
    email_queue(
        to=_partner_addresses(partner),
        subject=partner_subject,
        body=f"Hello {partner.name} team,\n\nYour {level_words(grant.level)} to "
        f"{account.organization_name} ends on {format_date(grant.ends_at)}. To keep it, ask "
        f"{account.owner_name} for an extension from the account's page: "
        f"{_partner_account_url(account)}\n",
    )
    customer_subject = f"{partner.name}'s access to {account.organization_name} ends {when}"
    email_queue(
        to=_customer_addresses(account),
        subject=customer_subject,
        body=f"Hello {account.owner_name},\n\n{partner.name}'s {level_words(grant.level)} "
        f"to {account.organization_name} ends on {_customer_date(account, grant.ends_at)}. "
        f"Nothing is needed from you: on that day the account stays with {partner.name} as a "
        f"referred account and they can no longer operate it. If they ask for an extension, "
        f"you can confirm it here: {_provider_url(account)}\n",
    )
    key = f"grant:{grant.pk}:expiring:{days_before}:{grant.ends_at.isoformat()}"
    partner_notice(
        partner,
        account,
        kind=NoticeKind.ACCESS_EXPIRING,
        title=partner_subject,
        key=key,
        at=at,
    )
    customer_notice(
        account,
        kind=NoticeKind.ACCESS_EXPIRING,
        title=customer_subject,
        key=key,
        at=at,
    )


def notify_access_expired(grant: Grant) -> None:
    account, partner = grant.account, grant.partner
    partner_subject = f"Your access to {account.organization_name} ended"
    email_queue(
        to=_partner_addresses(partner),
        subject=partner_subject,
        body=f"Hello {partner.name} team,\n\nYour {level_words(grant.level)} to "
        f"{account.organization_name} reached its end date and ended. The account stays in "
        f"your partnership as a referred account; you can ask for access again from My "
        f"accounts.\n\nSee the account: {_partner_account_url(account)}\n",
    )
    customer_subject = f"{partner.name}'s access to {account.organization_name} ended"
    email_queue(
        to=_customer_addresses(account),
        subject=customer_subject,
        body=f"Hello {account.owner_name},\n\n{partner.name}'s access to "
        f"{account.organization_name} reached its end date and ended. {partner.name} can no "
        f"longer operate your account.\n\nYour solution provider: {_provider_url(account)}\n",
    )
    key = f"grant:{grant.pk}:expired"
    partner_notice(
        partner,
        account,
        kind=NoticeKind.ACCESS_EXPIRED,
        title=partner_subject,
        key=key,
        at=grant.ended_at,
    )
    customer_notice(
        account,
        kind=NoticeKind.ACCESS_EXPIRED,
        title=customer_subject,
        key=key,
        at=grant.ended_at,
    )
