"""The partner portal: My Organization > Accounts > My accounts, and the request flow."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from partnerhub.access import selectors as access_selectors
from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.services import (
    MESSAGE_MAX_LENGTH,
    manage_request_cancel,
    manage_request_create,
)
from partnerhub.clients import selectors as account_selectors
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.status import AccountStatus
from partnerhub.core.errors import ServiceError
from partnerhub.partnerships.models import Partnership
from partnerhub.portal.auth import client_ip, partner_member_required
from partnerhub.portal.views.common import safe_next, sentence


def _account_or_404(request, encoded_account_id: str) -> ClientAccount:
    try:
        return account_selectors.partner_account_get(
            partner_id=request.membership.partner_id, encoded_account_id=encoded_account_id
        )
    except ClientAccount.DoesNotExist:
        raise Http404("no such account") from None


def _list_url(request) -> str:
    return safe_next(request, reverse("partner-accounts"))


def _render_row(request, account: ClientAccount, *, flash: str = "") -> HttpResponse:
    """The updated row of My accounts, swapped in place, and an empty overlay."""
    pending = access_selectors.pending_request_for(account_id=account.pk)
    next_url = _list_url(request)
    return render(
        request,
        "portal/_row_swap.html",
        # The row template falls back to ``current_url``; a missing filter argument is an error.
        {
            "a": account,
            "pending": pending,
            "next": next_url,
            "current_url": next_url,
            "flash": flash,
        },
    )


@partner_member_required
def accounts(request):
    query = account_selectors.parse_account_list_query(request.GET)
    partner_id = request.membership.partner_id
    page = account_selectors.partner_accounts_page(partner_id=partner_id, query=query)
    pending = access_selectors.pending_requests_by_account(account_ids=[a.pk for a in page.rows])
    kind_counts = account_selectors.partner_account_kind_counts(partner_id=partner_id)
    if query.search or query.status:
        total = account_selectors.partner_accounts_count(partner_id=partner_id, query=query)
    else:
        # Without a search or status filter the total is one of the counts already made.
        total = kind_counts[query.kind] if query.kind else sum(kind_counts.values())
    context = {
        "query": query,
        "page": page,
        "rows": [(a, pending.get(a.pk)) for a in page.rows],
        "total": total,
        "kind_counts": kind_counts,
        "statuses": AccountStatus.choices,
        "kinds": PartnershipKind.choices,
        "page_sizes": account_selectors.PAGE_SIZES,
        "sorts": account_selectors.SORTS,
        "current_url": request.get_full_path(),
        "nav_section": "accounts",
    }
    for message in query.errors:
        messages.warning(request, message)
    partial = request.htmx and request.htmx.target == "accounts-table"
    template = "portal/_accounts_table.html" if partial else "portal/accounts.html"
    return render(request, template, context)


@partner_member_required
def account_detail(request, encoded_account_id: str):
    account = _account_or_404(request, encoded_account_id)
    partner_id = request.membership.partner_id
    partnership = (
        Partnership.objects.filter(account=account, partner_id=partner_id, ended_at__isnull=True)
        .prefetch_related("kind_changes")
        .first()
    )
    return render(
        request,
        "portal/account_detail.html",
        {
            "a": account,
            "partnership": partnership,
            "pending": access_selectors.pending_request_for(account_id=account.pk),
            "timeline": access_selectors.access_timeline(
                account_id=account.pk, partner_id=partner_id
            ),
            "consents": access_selectors.consent_records(
                account_id=account.pk, partner_id=partner_id
            ),
            "next": request.get_full_path(),
            "nav_section": "accounts",
        },
    )


@partner_member_required
@require_http_methods(["GET", "POST"])
def request_create(request, encoded_account_id: str):
    account = _account_or_404(request, encoded_account_id)
    context = {
        "a": account,
        "next": _list_url(request),
        "disclaimer": DISCLAIMER.for_partner(request.membership.partner.name),
        "max_length": MESSAGE_MAX_LENGTH,
        "message": "",
        "nav_section": "accounts",
    }
    if request.method == "POST":
        message = request.POST.get("message", "")
        try:
            manage_request_create(
                actor=request.user,
                account_id=account.pk,
                message=message,
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            context.update(
                error=sentence(error.message),
                # A refusal of the message itself is shown under the message field.
                message_error=error.code.startswith("message_"),
                message=message,
            )
            if request.htmx:
                # htmx swaps only successful answers: show the overlay again, with the error.
                response = render(request, "portal/_request_overlay.html", context)
                return reswap(retarget(response, "#overlay"), "innerHTML")
            status = 409 if error.code in ("request_pending", "already_managed") else 400
            return render(request, "portal/request_page.html", context, status=status)
        flash = f"Request sent. {account.owner_name} will be asked to confirm."
        if request.htmx:
            account.refresh_from_db()
            return _render_row(request, account, flash=flash)
        messages.success(request, flash)
        return redirect(context["next"])
    if account.is_managed:
        messages.info(request, "You already manage this account.")
        return redirect(context["next"])
    template = "portal/_request_overlay.html" if request.htmx else "portal/request_page.html"
    return render(request, template, context)


@partner_member_required
@require_POST
def request_cancel(request, encoded_account_id: str):
    account = _account_or_404(request, encoded_account_id)
    pending = access_selectors.pending_request_for(account_id=account.pk)
    try:
        if pending is None:
            raise ServiceError("There is no waiting request for this account.")
        manage_request_cancel(
            actor=request.user, request_id=pending.pk, ip_address=client_ip(request)
        )
    except ServiceError as error:
        if request.htmx:
            return _render_row(request, account, flash=sentence(error.message))
        messages.error(request, sentence(error.message))
        return redirect(_list_url(request))
    flash = "Permission request cancelled."
    if request.htmx:
        return _render_row(request, account, flash=flash)
    messages.success(request, flash)
    return redirect(_list_url(request))
