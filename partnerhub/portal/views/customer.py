"""The customer's side: their account, and Settings > Billing > Your solution provider."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.access import disclaimers
from partnerhub.access import selectors as access_selectors
from partnerhub.access.levels import level_info, level_words, levels_up_to
from partnerhub.access.services import (
    grant_level_set,
    manage_request_confirm,
    manage_request_decline,
    partner_access_revoke,
)
from partnerhub.audit import reports as audit_reports
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import ServiceError
from partnerhub.core.timefmt import format_date
from partnerhub.organizations.detach import (
    detach_request_confirm,
    detach_request_decline,
    detach_terms,
    pending_detach_for,
)
from partnerhub.partners.selectors import account_assignees, member_display_name
from partnerhub.portal.auth import client_ip, user_agent
from partnerhub.portal.customers import customer_account_or_404, customer_accounts
from partnerhub.portal.views.common import sentence
from partnerhub.v3.cancellations import cancellation_withdraw as cancellation_withdraw_service
from partnerhub.v3.cancellations import scheduled_for


def _own_account_or_404(request, encoded_account_id: str) -> ClientAccount:
    """The owner's pages (who may operate the account): the owner alone."""
    return customer_account_or_404(request.user, encoded_account_id, owner_only=True)


@login_required
def home(request):
    accounts = list(
        customer_accounts(request.user).select_related("partner").order_by("organization_name")
    )
    if not accounts:
        raise Http404("no accounts")
    if len(accounts) == 1:
        return redirect("customer-account", encoded_account_id=accounts[0].encoded_account_id)
    pending = access_selectors.pending_requests_by_account(account_ids=[a.pk for a in accounts])
    return render(
        request, "customer/home.html", {"rows": [(a, pending.get(a.pk)) for a in accounts]}
    )


@login_required
def account(request, encoded_account_id: str):
    a = customer_account_or_404(request.user, encoded_account_id)
    scheduled = scheduled_for(account_id=a.pk)
    return render(
        request,
        "customer/account.html",
        {
            "a": a,
            "pending": access_selectors.pending_request_for(account_id=a.pk)
            if a.viewer_is_owner
            else None,
            "scheduled": scheduled,
            "withdraw_url": reverse("customer-cancellation-withdraw", args=[a.encoded_account_id])
            if scheduled is not None and a.viewer_is_owner
            else "",
            "nav_section": "home",
        },
    )


@login_required
@require_POST
def cancellation_withdraw(request, encoded_account_id: str):
    """The owner withdraws a cancellation their partner scheduled."""
    a = _own_account_or_404(request, encoded_account_id)
    scheduled = scheduled_for(account_id=a.pk)
    try:
        if scheduled is None:
            raise ServiceError("No cancellation is scheduled for this account.")
        cancellation_withdraw_service(actor=request.user, cancellation_id=scheduled.pk)
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(request, "Cancellation withdrawn: your account stays open.")
    return redirect("customer-account", encoded_account_id=a.encoded_account_id)


# How a confirmation names what was granted.
LEVEL_WORDS = {
    "full": "full access",
    "marketing": "marketing access",
    "reports": "read-only access",
}


def _level_options(ceiling: str, partner_name: str, *, current: str | None = None) -> list[dict]:
    """The levels a customer may choose up to ``ceiling``, each with its sentence and the
    disclaimer they agree to by choosing it."""
    return [
        {
            "value": info.level.value,
            "label": info.label,
            "sentence": info.sentence,
            "disclaimer": disclaimers.for_level(info.level).for_partner(partner_name),
            "version": disclaimers.for_level(info.level).version,
            "current": info.level == current,
        }
        for info in levels_up_to(ceiling)
    ]


def _provider_context(a: ClientAccount) -> dict:
    pending = access_selectors.pending_request_for(account_id=a.pk)
    partner_name = (pending.partner.name if pending else a.partner.name) if a.partner_id else ""
    grant = access_selectors.active_grant_for(account_id=a.pk) if a.is_managed else None
    shown = disclaimers.for_level(
        (pending.grant.level if pending.is_extension else pending.level) if pending else "full"
    )
    return {
        "a": a,
        "pending": pending,
        "grant": grant,
        "level_info": level_info(a.access_level) if a.is_managed and a.access_level else None,
        "level_words": level_words(a.access_level or "full"),
        "request_levels": _level_options(pending.level, partner_name)
        if pending and not pending.is_extension
        else [],
        "grant_levels": _level_options(
            grant.asked_level if grant else "full", partner_name, current=a.access_level
        )
        if a.is_managed
        else [],
        "extension_ends_at": pending.grant.ends_at + dt.timedelta(days=pending.duration_days)
        if pending and pending.is_extension
        else None,
        "disclaimer": shown.for_partner(partner_name) if partner_name else "",
        "disclaimer_version": shown.version,
        "timeline": access_selectors.access_timeline(account_id=a.pk),
        "consents": access_selectors.consent_records(account_id=a.pk),
        # Names only: the partner's staff are reached through the partner, and their
        # addresses are the partner's to give.
        "assigned_people": (
            [
                member_display_name(m)
                for m in account_assignees(account_id=a.pk, partner_id=a.partner_id)
            ]
            if a.partner_id
            else []
        ),
        "detach": (detach := pending_detach_for(account_id=a.pk)),
        "detach_text": detach_terms(detach) if detach else "",
        "provider_word": "organization"
        if a.partner_id and a.partner.is_organization
        else "partner",
        "nav_section": "billing",
    }


@login_required
def provider(request, encoded_account_id: str):
    a = _own_account_or_404(request, encoded_account_id)
    return render(request, "customer/provider.html", _provider_context(a))


@login_required
def timeline_csv(request, encoded_account_id: str):
    """The account's whole timeline, newest first, streamed: only its owner downloads it."""
    a = _own_account_or_404(request, encoded_account_id)
    events = access_selectors.access_timeline(account_id=a.pk).iterator(chunk_size=500)
    response = StreamingHttpResponse(
        audit_reports.timeline_csv(events), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="timeline-{a.login_name}.csv"'
    return response


def _answer(request, encoded_account_id: str, action) -> object:
    a = _own_account_or_404(request, encoded_account_id)
    pending = access_selectors.pending_request_for(account_id=a.pk)
    try:
        if pending is None:
            raise ServiceError("There is no request waiting for your answer.")
        action(a, pending)
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    return redirect("customer-provider", encoded_account_id=a.encoded_account_id)


def _version_seen(request, level: str) -> str:
    """The version of the disclaimer shown for ``level``; forms that show one level only
    send it as ``disclaimer_version``."""
    return request.POST.get(f"disclaimer_version_{level}") or request.POST.get(
        "disclaimer_version", ""
    )


@login_required
@require_POST
def request_confirm(request, encoded_account_id: str):
    def confirm(a, pending):
        level = (
            pending.level if pending.is_extension else request.POST.get("level") or pending.level
        )
        consent = manage_request_confirm(
            actor=request.user,
            request_id=pending.pk,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            disclaimer_version=_version_seen(request, level),
            level=None if pending.is_extension else level,
            auto_renew=bool(request.POST.get("auto_renew")),
        )
        if pending.is_extension:
            text = (
                f"{pending.partner.name}'s access now lasts until {format_date(consent.ends_at)}."
            )
        else:
            text = f"{pending.partner.name} now has {level_words(consent.level)} to your account."
        messages.success(request, text)

    return _answer(request, encoded_account_id, confirm)


@login_required
@require_POST
def access_level(request, encoded_account_id: str):
    """The customer lowers the partner's access, or raises it up to what was asked."""
    a = _own_account_or_404(request, encoded_account_id)
    level = request.POST.get("level", "")
    try:
        grant_level_set(
            actor=request.user,
            account_id=a.pk,
            level=level,
            disclaimer_version=_version_seen(request, level),
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
        messages.success(request, f"{a.partner.name} now has {level_words(level)} to your account.")
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    return redirect("customer-provider", encoded_account_id=a.encoded_account_id)


@login_required
@require_http_methods(["GET", "POST"])
def request_decline(request, encoded_account_id: str):
    """Decline asks once: GET shows the question (an overlay under htmx), POST answers it."""
    if request.method == "GET":
        a = _own_account_or_404(request, encoded_account_id)
        pending = access_selectors.pending_request_for(account_id=a.pk)
        if pending is None:
            messages.error(request, "There is no request waiting for your answer.")
            return redirect("customer-provider", encoded_account_id=a.encoded_account_id)
        template = "customer/_decline_overlay.html" if request.htmx else "customer/decline.html"
        return render(request, template, {"a": a, "pending": pending, "nav_section": "billing"})

    def decline(a, pending):
        manage_request_decline(
            actor=request.user, request_id=pending.pk, ip_address=client_ip(request)
        )
        messages.success(request, f"You declined the request from {pending.partner.name}.")

    return _answer(request, encoded_account_id, decline)


@login_required
@require_http_methods(["GET", "POST"])
def access_off(request, encoded_account_id: str):
    a = _own_account_or_404(request, encoded_account_id)
    if request.method == "GET":
        template = (
            "customer/_access_off_overlay.html" if request.htmx else "customer/access_off.html"
        )
        return render(request, template, {"a": a, "nav_section": "billing"})
    try:
        partner_access_revoke(
            actor=request.user,
            account_id=a.pk,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
        messages.success(
            request, f"Partner access is off. {a.partner.name} can no longer operate your account."
        )
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    return redirect("customer-provider", encoded_account_id=a.encoded_account_id)


@login_required
@require_POST
def detach_answer(request, encoded_account_id: str, request_id: int):
    """The owner confirms or declines an organization's request to detach the account."""
    a = _own_account_or_404(request, encoded_account_id)
    pending = pending_detach_for(account_id=a.pk)
    if pending is None or pending.pk != request_id:
        raise Http404("no such request")
    name = pending.partner.name
    try:
        if request.POST.get("answer") == "confirm":
            detach_request_confirm(
                actor=request.user, request_id=pending.pk, ip_address=client_ip(request)
            )
            messages.success(request, f"Your account is no longer part of {name}.")
        else:
            detach_request_decline(
                actor=request.user, request_id=pending.pk, ip_address=client_ip(request)
            )
            messages.success(request, f"Declined: your account stays with {name}.")
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    return redirect("customer-provider", encoded_account_id=a.encoded_account_id)


@login_required
def onboarding(request, encoded_account_id: str):
    """The account's onboarding checklist, as its organization defined it: read-only here
    (PartnerHub checks some steps itself; the email product reports the others)."""
    from partnerhub.onboarding.selectors import account_checklist

    a = customer_account_or_404(request.user, encoded_account_id)
    states = account_checklist(partner_id=a.partner_id, account_id=a.pk) if a.partner_id else []
    done = sum(1 for s in states if s.done)
    return render(
        request,
        "customer/onboarding.html",
        {
            "a": a,
            "states": states,
            "done": done,
            "total": len(states),
            "percent": done * 100 // len(states) if states else 0,
            "nav_section": "onboarding",
        },
    )
