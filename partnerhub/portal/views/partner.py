"""The partner portal: My Organization > Accounts > My accounts, and the request flow."""

import dataclasses
import math

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from partnerhub.access import disclaimers, durations
from partnerhub.access import selectors as access_selectors
from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.levels import DEFAULT_LEVEL, LEVELS, AccessLevel, level_info, level_words
from partnerhub.access.services import (
    MESSAGE_MAX_LENGTH,
    grant_extension_request,
    manage_request_cancel,
    manage_request_create,
)
from partnerhub.clients import selectors as account_selectors
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.reports import accounts_csv as accounts_csv_lines
from partnerhub.clients.status import AccountStatus
from partnerhub.core.errors import ServiceError
from partnerhub.earnings import selectors as earnings_selectors
from partnerhub.moves.request_codes import request_code_refused
from partnerhub.organizations import selectors as org_selectors
from partnerhub.partners.selectors import (
    member_display_name,
    restricted_member_id,
    teammates_of,
)
from partnerhub.partnerships.models import Partnership
from partnerhub.portal.auth import client_ip, partner_member_required
from partnerhub.portal.rows import RowLinks, account_row, account_values, row_html
from partnerhub.portal.selection import SELECTION_MAX
from partnerhub.portal.views.assignments import account_assignment_context
from partnerhub.portal.views.common import safe_next, sentence
from partnerhub.portal.views.organization import account_panel_context
from partnerhub.v3.cancellations import cancellation_withdraw as cancellation_withdraw_service
from partnerhub.v3.cancellations import scheduled_for
from partnerhub.v3.models import AccountUser

# The latest lines of an account shown on its page; the Earnings lines page has them all.
ACCOUNT_LINES_SHOWN = 12


def _visible_to(request) -> int | None:
    return restricted_member_id(request.membership)


def _scoped(request, query):
    """The list query bound to what the member may see."""
    return dataclasses.replace(query, visible_to=_visible_to(request))


def _account_or_404(request, encoded_account_id: str) -> ClientAccount:
    try:
        return account_selectors.partner_account_get(
            partner_id=request.membership.partner_id,
            encoded_account_id=encoded_account_id,
            visible_to=_visible_to(request),
        )
    except ClientAccount.DoesNotExist:
        raise Http404("no such account") from None


def _list_url(request) -> str:
    return safe_next(request, reverse("partner-accounts"))


# What an htmx answer swaps in: the row of My accounts, or (``swap=action``) only the action of
# a row elsewhere, such as Earnings > Would earn as managed.
ROW_TEMPLATES = {"": "portal/_account_row.html", "action": "portal/_opportunity_action.html"}


def _swap(request) -> str:
    swap = request.POST.get("swap") or request.GET.get("swap") or ""
    return swap if swap in ROW_TEMPLATES else ""


def _render_row(request, account: ClientAccount, *, flash: str = "") -> HttpResponse:
    """The updated row, swapped in place, and an empty overlay."""
    pending = access_selectors.pending_request_for(account_id=account.pk)
    next_url = _list_url(request)
    return render(
        request,
        "portal/_row_swap.html",
        # The row template falls back to ``current_url``; a missing filter argument is an error.
        {
            "a": account,
            "pending": pending,
            "row_html": row_html(
                account_row(account_values(account, pending), RowLinks(), _group_paths(request)),
                csrf_token=get_token(request),
                next_url=next_url,
                can_act=request.membership.can_act,
            ),
            "next": next_url,
            "current_url": next_url,
            "flash": flash,
            "row_template": ROW_TEMPLATES[_swap(request)],
        },
    )


# The Sort menu (phones have no column headers to click): URL value -> label.
SORT_CHOICES = (
    ("organization", "Organization A–Z"),
    ("-organization", "Organization Z–A"),
    ("owner", "Owner A–Z"),
    ("-owner", "Owner Z–A"),
    ("login", "Login name A–Z"),
    ("-login", "Login name Z–A"),
    ("-contacts", "Most contacts"),
    ("contacts", "Fewest contacts"),
    ("-last_login", "Latest login"),
    ("last_login", "Earliest login"),
    ("-moved", "Latest to move in"),
    ("moved", "Earliest to move in"),
)


def page_numbers(current: int, last: int, *, around: int = 2) -> list[int | None]:
    """The page links of a pager: the first, the last and a few around the current page;
    None stands for a gap ("…")."""
    shown = {1, last, *range(current - around, current + around + 1)}
    numbers: list[int | None] = []
    for n in sorted(p for p in shown if 1 <= p <= last):
        if numbers and n - numbers[-1] > 1:
            numbers.append(None if n - numbers[-1] > 2 else n - 1)
        numbers.append(n)
    return numbers


def _pager(page, *, total: int, size: int, capped: bool = False) -> dict:
    """``capped``: ``total`` is a lower bound ("1,000+"); the pages go on past it."""
    last_page = max(1, math.ceil(total / size))
    if capped and page.start is not None:
        last_page = max(last_page, page.start // size + 1 + (1 if page.next_cursor else 0))
    pager = {"last_page": last_page, "shown": len(page.rows), "total": total, "more": capped}
    if page.start is not None and page.rows:
        current = min(last_page, page.start // size + 1)
        pager.update(
            first=page.start + 1,
            last=page.start + len(page.rows),
            current=current,
            numbers=page_numbers(current, last_page),
        )
    return pager


def _assignee_choices(request, *, restricted: bool) -> list[tuple[int, str]]:
    """The "Assigned to" filter: me first, then the team by name; none for a member who sees
    only their own accounts anyway."""
    if restricted:
        return []
    me = request.membership
    others = teammates_of(me)
    return [(me.pk, "Me")] + sorted(
        ((m.pk, member_display_name(m)) for m in others), key=lambda c: c[1].lower()
    )


def _group_paths(request) -> dict[int, str] | None:
    """An organization's groups by id ("North › Lakeside"), for the rows' Group column; None
    for an agency (no such column)."""
    partner = request.membership.partner
    if not partner.is_organization:
        return None
    return account_selectors.group_paths(partner_id=partner.pk)


def _organization_list_context(request) -> dict:
    """An organization's list also shows each account's group, and filters by group and tag."""
    partner = request.membership.partner
    if not partner.is_organization:
        return {}
    return {
        "is_organization": True,
        "group_choices": org_selectors.group_choices(partner_id=partner.pk),
        "no_group": account_selectors.NO_GROUP,
        "tag_choices": [
            (t.pk, t.name) for t in org_selectors.tags_with_counts(partner_id=partner.pk)
        ],
    }


@partner_member_required
def accounts(request):
    query = _scoped(request, account_selectors.parse_account_list_query(request.GET))
    partner_id = request.membership.partner_id
    kind_counts = account_selectors.partner_account_kind_counts(
        partner_id=partner_id, visible_to=query.visible_to
    )
    view = account_selectors.partner_accounts_view(
        partner_id=partner_id, query=query, kind_counts=kind_counts
    )
    query, page, total, total_capped = view.query, view.page, view.total, view.capped
    links, token, here = RowLinks(), get_token(request), request.get_full_path()
    paths, can_act = _group_paths(request), request.membership.can_act
    sort_value = f"{'-' if query.descending else ''}{query.sort}"
    context = {
        "query": query,
        "page": page,
        "pager": _pager(page, total=total, size=query.size, capped=total_capped),
        "rows": [
            row_html(
                account_row(values, links, paths), csrf_token=token, next_url=here, can_act=can_act
            )
            for values in page.rows
        ],
        "total": total,
        "total_capped": total_capped,
        "sort_value": sort_value,
        "sort_choices": SORT_CHOICES,
        "kind_counts": kind_counts,
        "statuses": AccountStatus.choices,
        "kinds": PartnershipKind.choices,
        "levels": AccessLevel.choices,
        "selection_max": SELECTION_MAX,
        "page_sizes": account_selectors.PAGE_SIZES,
        "sorts": account_selectors.SORTS,
        "current_url": here,
        "nav_section": "accounts",
        "assignee_choices": _assignee_choices(request, restricted=query.visible_to is not None),
        **_organization_list_context(request),
    }
    for message in query.errors:
        messages.warning(request, message)
    partial = request.htmx and request.htmx.target == "accounts-table"
    context["partial"] = partial
    template = "portal/_accounts_table.html" if partial else "portal/accounts.html"
    return render(request, template, context)


@partner_member_required
def accounts_export(request):
    """The filtered view of My accounts as CSV, every page of it, streamed."""
    query = account_selectors.parse_account_list_query(request.GET)
    if query.errors:
        # A page falls back to a default view and says so; a file must not quietly hold
        # other accounts than the ones asked for.
        return HttpResponse(
            "This link does not describe a view of My accounts (unknown account type, status "
            "or sort). Open My accounts and download from there.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    lines = accounts_csv_lines(
        partner_id=request.membership.partner_id,
        query=_scoped(request, query),
        with_groups=request.membership.partner.is_organization,
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-accounts.csv"'
    return response


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
            "grant": access_selectors.active_grant_for(account_id=account.pk, partner_id=partner_id)
            if account.is_managed
            else None,
            "level_info": level_info(account.access_level)
            if account.is_managed and account.access_level
            else None,
            "level_words": level_words(account.access_level or DEFAULT_LEVEL),
            "timeline": access_selectors.access_timeline(
                account_id=account.pk, partner_id=partner_id
            ),
            "consents": access_selectors.consent_records(
                account_id=account.pk, partner_id=partner_id
            ),
            "eligibility": earnings_selectors.account_eligibility(account=account),
            "account_lines": earnings_selectors.lines_for_account(
                partner_id=partner_id, account_id=account.pk
            )[:ACCOUNT_LINES_SHOWN],
            "next": request.get_full_path(),
            "nav_section": "accounts",
            "me": request.membership,
            **account_assignment_context(request, account),
            **_scheduled_context(request, account),
            **account_panel_context(request, account),
        },
    )


def _scheduled_context(request, account) -> dict:
    scheduled = scheduled_for(account_id=account.pk)
    may_withdraw = (
        scheduled is not None
        and scheduled.partner_id == request.membership.partner_id
        and request.membership.can_manage_team
    )
    return {
        "account_users": AccountUser.objects.filter(account=account).select_related("user"),
        "scheduled": scheduled,
        "withdraw_url": reverse("partner-cancellation-withdraw", args=[account.encoded_account_id])
        if may_withdraw
        else "",
    }


@partner_member_required
@require_POST
def cancellation_withdraw(request, encoded_account_id: str):
    """Withdraw the account's scheduled cancellation (owners and admins)."""
    account = _account_or_404(request, encoded_account_id)
    scheduled = scheduled_for(account_id=account.pk)
    try:
        if scheduled is None:
            raise ServiceError("No cancellation is scheduled for this account.")
        cancellation_withdraw_service(actor=request.user, cancellation_id=scheduled.pk)
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(request, "Cancellation withdrawn: the account stays open.")
    return redirect("partner-account", encoded_account_id=account.encoded_account_id)


def access_fields_context(request, partner_name: str) -> dict:
    """What the level and duration fields of a request form show: the choices, the values
    sent (or the defaults), and each level's disclaimer as the customer will read it."""
    data = request.POST if request.method == "POST" else request.GET
    default_duration = durations.default_duration()
    return {
        "levels": list(LEVELS.values()),
        "level": data.get("level") or DEFAULT_LEVEL,
        "duration_choices": durations.duration_choices(),
        "duration": data.get("duration", "" if default_duration is None else str(default_duration)),
        "disclaimers": [
            (level, disclaimers.for_level(level).for_partner(partner_name)) for level in LEVELS
        ],
        "max_length": MESSAGE_MAX_LENGTH,
    }


def access_fields_values(request) -> tuple[str, int | None]:
    """The level and duration a request form sent; ``ServiceError`` for a duration that is not
    one of the choices (the level is checked by the service)."""
    try:
        duration = durations.parse(request.POST.get("duration"))
    except ValueError:
        raise ServiceError("choose how long access lasts from the list") from None
    return request.POST.get("level") or DEFAULT_LEVEL, duration


@partner_member_required
@require_http_methods(["GET", "POST"])
def request_create(request, encoded_account_id: str):
    account = _account_or_404(request, encoded_account_id)
    context = {
        "a": account,
        "next": _list_url(request),
        "disclaimer": DISCLAIMER.for_partner(request.membership.partner.name),
        "message": "",
        "swap": _swap(request),
        "nav_section": "accounts",
        **access_fields_context(request, request.membership.partner.name),
    }
    if request.method == "POST":
        message = request.POST.get("message", "")
        try:
            level, duration = access_fields_values(request)
            manage_request_create(
                actor=request.user,
                account_id=account.pk,
                message=message,
                level=level,
                duration_days=duration,
                ip_address=client_ip(request),
                request_code=request.POST.get("request_code", "")[:64],
            )
        except ServiceError as error:
            request_code_refused(
                error=error, partner_id=request.membership.partner_id, account_id=account.pk
            )
            context.update(
                error=sentence(error.message),
                # A refusal of the message itself is shown under the message field.
                message_error=error.code.startswith("message_"),
                message=message,
                code_error=error.code.startswith("request_code_"),
                request_code=request.POST.get("request_code", "")[:64],
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


@partner_member_required
@require_POST
def extension_request(request, encoded_account_id: str):
    """Request an extension: one click asks the customer for the access to last one more
    duration."""
    account = _account_or_404(request, encoded_account_id)
    back = safe_next(request, reverse("partner-account", args=[account.encoded_account_id]))
    try:
        grant_extension_request(
            actor=request.user, account_id=account.pk, ip_address=client_ip(request)
        )
    except ServiceError as error:
        messages.error(request, sentence(error.message))
        return redirect(back)
    messages.success(
        request, f"Extension requested. {account.owner_name} will be asked to confirm."
    )
    return redirect(back)
