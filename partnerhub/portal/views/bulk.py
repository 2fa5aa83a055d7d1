"""Requests for many accounts at once: the action of the selection bar of *My accounts* and of
*Would earn as managed*. The bar posts the selection; the overlay asks the message, level and
duration once; the result page lists the requests made and the accounts skipped, with why."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from partnerhub.access.services import manage_requests_create_bulk
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import ServiceError
from partnerhub.partners.selectors import restricted_member_id, visible_only
from partnerhub.portal.auth import client_ip, partner_member_required
from partnerhub.portal.selection import selected_account_ids
from partnerhub.portal.views.common import safe_next, sentence
from partnerhub.portal.views.partner import access_fields_context, access_fields_values

# Why an account was skipped, by the refusal's code; any other refusal gives its own sentence.
SKIP_REASONS = {
    "already_managed": "You already manage it",
    "request_pending": "A request is already waiting for the customer",
    "another_partnership": "It moved to another partnership",
    "not_found": "Not found in your partnership",
}


def _accounts_by_id(
    partner_id: int, ids: list[int], *, visible_to: int | None
) -> dict[int, ClientAccount]:
    """The selected accounts the member may see, to name them on the page."""
    accounts = visible_only(
        ClientAccount.objects.filter(pk__in=ids, partner_id=partner_id), member_id=visible_to
    )
    return {
        a.pk: a
        for a in accounts.only(
            "id", "encoded_account_id", "organization_name", "owner_name", "partnership_kind"
        )
    }


@partner_member_required
@require_POST
def requests_bulk(request):
    """Without ``send``: the overlay (or, without htmx, the page) that asks once for all the
    selected accounts. With ``send``: the requests, and the page of what came of them."""
    partner = request.membership.partner
    visible_to = restricted_member_id(request.membership)
    selection = selected_account_ids(request.POST, partner_id=partner.pk, visible_to=visible_to)
    back = safe_next(request, reverse("partner-accounts"))
    context = {
        "next": back,
        "selection": selection,
        "message": request.POST.get("message", ""),
        "nav_section": "accounts",
        **access_fields_context(request, partner.name),
    }
    if selection.error:
        context["error"] = selection.error
        return _ask(request, context, status=400)
    accounts = _accounts_by_id(partner.pk, selection.account_ids, visible_to=visible_to)
    context["accounts"] = [accounts[i] for i in selection.account_ids if i in accounts]
    if not request.POST.get("send"):
        return _ask(request, context)
    try:
        level, duration = access_fields_values(request)
        results = manage_requests_create_bulk(
            actor=request.user,
            account_ids=selection.account_ids,
            message=context["message"],
            level=level,
            duration_days=duration,
            ip_address=client_ip(request),
        )
    except ServiceError as error:
        context.update(
            error=sentence(error.message), message_error=error.code.startswith("message_")
        )
        return _ask(request, context, status=400)
    made, skipped = [], []
    for result in results:
        account = accounts.get(result.account_id)
        if result.request is not None:
            made.append((account, result.request))
        else:
            reason = SKIP_REASONS.get(result.error.code) or sentence(result.error.message)
            skipped.append((account, reason))
    return render(
        request,
        "portal/bulk_result.html",
        {**context, "made": made, "skipped": skipped, "level_label": _label(level, context)},
    )


def _label(level: str, context: dict) -> str:
    return next(info.label for info in context["levels"] if info.level == level)


def _ask(request, context: dict, *, status: int = 200):
    if request.htmx and not request.POST.get("send"):
        return render(request, "portal/_bulk_request_overlay.html", context, status=200)
    return render(request, "portal/bulk_request_page.html", context, status=status)
