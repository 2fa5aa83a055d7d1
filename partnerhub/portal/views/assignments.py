"""Who serves which account: owners and admins assign accounts of the partnership to members
of the team (from the team page, an account's page, or a selection on *My accounts*), and
choose whether plain members see every account or only those assigned to them."""

import dataclasses
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from partnerhub.clients import selectors as account_selectors
from partnerhub.clients.converters import AccountIdConverter
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import NotFound, ServiceError
from partnerhub.partners.models import MemberVisibility, PartnerMember
from partnerhub.partners.selectors import member_display_name
from partnerhub.partners.services import (
    ASSIGN_MAX,
    accounts_assign,
    accounts_unassign,
    partner_member_visibility_set,
)
from partnerhub.portal.auth import team_manager_required
from partnerhub.portal.selection import selected_account_ids
from partnerhub.portal.views.common import safe_next, sentence

SEARCH_RESULTS_SHOWN = 25
ASSIGNED = "{accounts} assigned to {name}."
ALREADY_ASSIGNED = "Those accounts were already assigned to {name}."
ACCOUNT_ID = re.compile(AccountIdConverter.regex)


def _member_or_404(request, member_id) -> PartnerMember:
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        raise Http404("no such team member") from None
    return get_object_or_404(
        PartnerMember.objects.select_related("user"),
        pk=member_id,
        partner_id=request.membership.partner_id,
    )


def _account_pks(request, encoded_ids: list[str]) -> list[int]:
    """The accounts of the partnership named in the form, by their public ids; one that is not
    the partner's is a 404 and nothing changes."""
    encoded_ids = list(dict.fromkeys(i.strip() for i in encoded_ids if i.strip()))
    if not all(ACCOUNT_ID.fullmatch(i) for i in encoded_ids):
        raise Http404("no such account")
    found = dict(
        account_selectors.partner_accounts(partner_id=request.membership.partner_id)
        .filter(encoded_account_id__in=encoded_ids)
        .values_list("encoded_account_id", "pk")
    )
    if len(found) != len(encoded_ids):
        raise Http404("no such account")
    return [found[i] for i in encoded_ids]


def _accounts_word(n: int) -> str:
    return f"{n} account{'s' if n != 1 else ''}"


def _change(request, service, done: str, nothing: str):
    member = _member_or_404(request, request.POST.get("member"))
    fallback = reverse("partner-team-member-accounts", args=[member.pk])
    chosen = request.POST.getlist("account")
    if len(chosen) > ASSIGN_MAX:
        messages.error(request, f"Choose at most {ASSIGN_MAX} accounts at a time.")
        return redirect(safe_next(request, fallback))
    try:
        pks = _account_pks(request, chosen)
        n = service(actor=request.user, member_id=member.pk, account_ids=pks)
    except NotFound:
        raise Http404("no such account") from None
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        _report(request, n, member, done, nothing)
    return redirect(safe_next(request, fallback))


def _report(request, n: int, member, done: str, nothing: str) -> None:
    """What an assignment changed, as the message on the page it returns to."""
    name = member_display_name(member)
    if n:
        messages.success(request, done.format(accounts=_accounts_word(n), name=name))
    else:
        messages.info(request, nothing.format(name=name))


@team_manager_required("assign accounts")
@require_POST
def accounts_assign_view(request):
    """``account`` (one or more public account ids) and ``member`` (a team member's id)."""
    return _change(request, accounts_assign, ASSIGNED, ALREADY_ASSIGNED)


@team_manager_required("assign accounts")
@require_POST
def accounts_assign_selected(request):
    """The *Assign to* action of the *My accounts* selection bar: the ticked accounts, or all
    those matching the filter (at most ``SELECTION_MAX``), to one member."""
    member = _member_or_404(request, request.POST.get("member"))
    back = safe_next(request, reverse("partner-accounts"))
    selection = selected_account_ids(request.POST, partner_id=request.membership.partner_id)
    if selection.error:
        messages.error(request, selection.error)
        return redirect(back)
    try:
        n = accounts_assign(
            actor=request.user, member_id=member.pk, account_ids=selection.account_ids
        )
    except NotFound:
        messages.error(
            request, "Some of the selected accounts are not in your partnership: none was assigned."
        )
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        _report(request, n, member, ASSIGNED, ALREADY_ASSIGNED)
    return redirect(back)


@team_manager_required("assign accounts")
@require_POST
def accounts_unassign_view(request):
    return _change(
        request,
        accounts_unassign,
        "{accounts} no longer assigned to {name}.",
        "None of those accounts was assigned to {name}.",
    )


@team_manager_required("assign accounts")
def member_accounts(request, member_id: int):
    """One member's assigned accounts (paged), and a search of the partnership's accounts to
    assign more of them at once."""
    member = _member_or_404(request, member_id)
    partner_id = request.membership.partner_id
    assigned_query = account_selectors.parse_account_list_query(
        {"cursor": request.GET.get("cursor", "")}
    )
    for message in assigned_query.errors:
        messages.warning(request, message)
    assigned_query = dataclasses.replace(assigned_query, assigned_to=member.pk)
    assigned = account_selectors.partner_accounts_page(partner_id=partner_id, query=assigned_query)
    assigned_total = account_selectors.partner_accounts_count(
        partner_id=partner_id, query=assigned_query
    )
    search = (request.GET.get("q") or "").strip()[: account_selectors.SEARCH_MAX_LENGTH]
    results = None
    if search:
        found = account_selectors.parse_account_list_query({"q": search})
        found = dataclasses.replace(found, size=SEARCH_RESULTS_SHOWN)
        rows = account_selectors.partner_accounts_page(partner_id=partner_id, query=found).rows
        mine = set(
            member.assignments.filter(account_id__in=[a.pk for a in rows]).values_list(
                "account_id", flat=True
            )
        )
        results = {
            "rows": [(a, a.pk in mine) for a in rows],
            "total": account_selectors.partner_accounts_count(partner_id=partner_id, query=found),
        }
    here = request.get_full_path()
    return render(
        request,
        "portal/member_accounts.html",
        {
            "member": member,
            "name": member_display_name(member),
            "assigned": assigned,
            "assigned_total": assigned_total,
            "next_url": assigned.next_cursor
            and f"{request.path}?{urlencode({'cursor': assigned.next_cursor})}",
            "first_url": request.path if assigned_query.cursor else "",
            "search": search,
            "results": results,
            "shown": SEARCH_RESULTS_SHOWN,
            "here": here,
            "max": ASSIGN_MAX,
            "nav_section": "team",
        },
    )


@team_manager_required("choose which accounts members see")
@require_POST
def member_visibility(request):
    try:
        partner = partner_member_visibility_set(
            actor=request.user, visibility=request.POST.get("visibility", "")
        )
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        if partner.member_visibility == MemberVisibility.ASSIGNED:
            messages.success(request, "Members now see only the accounts assigned to them.")
        else:
            messages.success(request, "Members now see every account of the partnership.")
    return redirect("partner-team")


def account_assignment_context(request, account: ClientAccount) -> dict:
    """What an account's page shows of who serves it, and what an owner or admin may change."""
    from partnerhub.partners.selectors import account_assignees

    assignees = account_assignees(account_id=account.pk, partner_id=account.partner_id)
    others = []
    if request.membership.can_manage_team:
        taken = {m.pk for m in assignees}
        others = [
            m
            for m in request.membership.partner.members.select_related("user").order_by(
                "user__first_name", "user__last_name", "user__email"
            )
            if m.pk not in taken
        ]
    return {"assignees": assignees, "assignable": others}
