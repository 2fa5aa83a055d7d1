"""What each side is told about a move, and to whom it goes. E-mails are queued when the
transaction that made the change commits; the notices are written in that transaction."""

from django.urls import reverse

from partnerhub.access.notifications import (
    _customer_addresses,
    _customer_date,
    _partner_account_url,
    _partner_addresses,
    _partner_users,
    _path,
    _url,
    customer_notice,
)
from partnerhub.core.emails import email_queue
from partnerhub.moves.models import MoveRequest, MoveStatus
from partnerhub.notices.models import NoticeKind
from partnerhub.notices.services import notice_create


def _what(move: MoveRequest) -> str:
    if move.is_managed:
        return f"as a managed account ({move.get_level_display()})"
    return "as a referred account"


def _moves_url() -> str:
    return _url("partner-moves")


def _moves_path() -> str:
    return reverse("partner-moves")


def notify_move_requested(move: MoveRequest) -> None:
    account, partner = move.account, move.partner
    email_queue(
        to=_customer_addresses(account),
        subject=f"{partner.name} asks to bring {account.organization_name} into its partnership",
        body=f"Hello {account.owner_name},\n\n"
        f"{partner.name}, a partner of the program, asks to bring your account "
        f"{account.organization_name} into its partnership {_what(move)}.\n\n"
        f"Nothing changes unless you confirm. To answer, sign in to your account and open "
        f"Your solution provider: {_url('customer-provider', encoded_account_id=account.encoded_account_id)}\n\n"
        f"The request expires on {_customer_date(account, move.expires_at)} if you do not "
        f"answer. If you do not know {partner.name}, decline it.\n",
    )
    customer_notice(
        account,
        kind=NoticeKind.REQUEST_RECEIVED,
        title=f"{partner.name} asks to bring {account.organization_name} into its partnership",
        key=f"move:{move.pk}:requested",
        at=move.created_at,
    )


def notify_move_cancelled(move: MoveRequest) -> None:
    account, partner = move.account, move.partner
    email_queue(
        to=_customer_addresses(account),
        subject=f"{partner.name} withdrew its request for {account.organization_name}",
        body=f"Hello {account.owner_name},\n\n{partner.name} withdrew its request to bring "
        f"{account.organization_name} into its partnership. Nothing changed in your account.\n",
    )
    customer_notice(
        account,
        kind=NoticeKind.REQUEST_CANCELLED,
        title=f"{partner.name} withdrew its request to bring {account.organization_name} in",
        key=f"move:{move.pk}:cancelled",
        at=move.decided_at,
    )


def notify_move_answered(move: MoveRequest) -> None:
    """The partner that asked hears the owner's answer."""
    account, partner = move.account, move.partner
    if move.status == MoveStatus.CONFIRMED:
        subject = f"{account.organization_name} moved into your partnership"
        text = (
            f"{account.owner_name} confirmed your request. {account.organization_name} is in your "
            f"partnership from today, {_what(move)}."
        )
        url, path, kind = (
            _partner_account_url(account),
            _path("partner-account", account),
            NoticeKind.REQUEST_CONFIRMED,
        )
    else:
        subject = f"{account.organization_name} declined your request to move it in"
        text = f"{account.owner_name} declined your request. Nothing changed."
        url, path, kind = _moves_url(), _moves_path(), NoticeKind.REQUEST_DECLINED
    email_queue(
        to=_partner_addresses(partner),
        subject=subject,
        body=f"Hello {partner.name} team,\n\n{text}\n\nSee it: {url}\n",
    )
    notice_create(
        user_ids=_partner_users(partner),
        kind=kind,
        title=subject,
        url=path,
        source_key=f"move:{move.pk}:{move.status}",
        at=move.decided_at,
    )


def notify_moved_out(move: MoveRequest, previous_partner) -> None:
    """The partner the account left is told; the new partner is not named to it."""
    account = move.account
    subject = f"{account.organization_name} moved to another partnership"
    email_queue(
        to=_partner_addresses(previous_partner),
        subject=subject,
        body=f"Hello {previous_partner.name} team,\n\n{account.owner_name} confirmed a move of "
        f"{account.organization_name} to another partner. It is no longer in your partnership: "
        f"you earn nothing on its invoices paid from today on, and any access you had to it "
        f"ended.\n",
    )
    notice_create(
        user_ids=_partner_users(previous_partner),
        kind=NoticeKind.ACCESS_REVOKED,
        title=subject,
        url=reverse("partner-accounts"),
        source_key=f"move:{move.pk}:moved_out",
        at=move.decided_at,
    )
