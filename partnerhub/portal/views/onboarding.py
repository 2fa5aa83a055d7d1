"""My Organization > Onboarding: the checklist every child account follows, each child's
progress, the roll-up per group, and reminders to owners who are stuck. Everyone in the team
reads it (a group manager, their groups' accounts only); owners and admins change the
checklist and send reminders."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from partnerhub.core.errors import ServiceError
from partnerhub.core.timefmt import format_datetime
from partnerhub.onboarding import checks, selectors, services
from partnerhub.organizations.models import AccountGroup
from partnerhub.partners.selectors import restricted_member_id
from partnerhub.portal.auth import managers_only, partner_member_required
from partnerhub.portal.views.common import sentence, top_group_from_query

PAGE_SIZE = 50
SORT_CHOICES = (
    ("progress", "Least progress first"),
    ("-progress", "Most progress first"),
    ("name", "Name"),
)


def _url(**params) -> str:
    params = {k: v for k, v in params.items() if v}
    return reverse("partner-onboarding") + ("?" + urlencode(params) if params else "")


@partner_member_required
def onboarding_page(request):
    membership = request.membership
    partner = membership.partner
    visible_to = restricted_member_id(membership)
    group = top_group_from_query(request)
    sort = request.GET.get("sort", "progress")
    if sort not in dict(SORT_CHOICES):
        sort = "progress"
    steps = selectors.checklist(partner_id=partner.pk)
    rows = selectors.progress_rows(
        partner_id=partner.pk,
        visible_to=visible_to,
        group_id=group.pk if group else None,
        sort=sort,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    total_steps = len(steps)
    for a in page.object_list:
        a.percent = a.done * 100 // total_steps if total_steps else 0
        a.complete = total_steps and a.done >= total_steps
    params = {"group": group.pk if group else "", "sort": sort}
    used = {s.check_name for s in steps if s.check_name}
    for s in steps:
        check = checks.get_check(s.check_name) if s.check_name else None
        s.check_rule = (
            check.rule if check else "This check is not available now, so it is not evaluated."
        )
    return render(
        request,
        "portal/onboarding.html",
        {
            "partner": partner,
            "steps": steps,
            "check_choices": [c for c in checks.available_checks() if c.name not in used],
            "groups": AccountGroup.objects.filter(partner=partner, parent=None),
            "group": group,
            "sort": sort,
            "sort_choices": SORT_CHOICES,
            "page": page,
            "total": selectors.rollup_total(
                partner_id=partner.pk, visible_to=visible_to, group_id=group.pk if group else None
            ),
            "by_group": []
            if group
            else selectors.rollup_by_group(partner_id=partner.pk, visible_to=visible_to),
            "prev_url": page.has_previous() and _url(**params, page=page.previous_page_number()),
            "next_url": page.has_next() and _url(**params, page=page.next_page_number()),
            "current_url": request.get_full_path(),
            "can_manage": membership.can_manage_team,
            "nav_section": "onboarding",
        },
    )


def _back(request):
    target = request.POST.get("next", "")
    if target.startswith("/portal/onboarding/") and not target.startswith("//"):
        return redirect(target)
    return redirect("partner-onboarding")


def _refuse_unless_manager(request) -> bool:
    if request.membership.can_manage_team:
        return False
    messages.error(request, managers_only(request.membership, "change the onboarding checklist"))
    return True


@partner_member_required
@require_POST
def step_add(request):
    if _refuse_unless_manager(request):
        return redirect("partner-onboarding")
    kind = request.POST.get("kind", "reported")
    try:
        step = services.step_create(
            partner=request.membership.partner,
            title=request.POST.get("title", ""),
            help_text=request.POST.get("help_text", ""),
            link=request.POST.get("link", ""),
            check="" if kind == "reported" else kind,
            actor=request.user,
        )
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(request, f"“{step.title}” is now step {step.position} of the checklist.")
    return redirect("partner-onboarding")


@partner_member_required
@require_POST
def step_change(request, step_id: int):
    if _refuse_unless_manager(request):
        return redirect("partner-onboarding")
    partner = request.membership.partner
    action = request.POST.get("action", "")
    try:
        if action == "save":
            step = services.step_update(
                partner=partner,
                step_id=step_id,
                title=request.POST.get("title", ""),
                help_text=request.POST.get("help_text", ""),
                link=request.POST.get("link", ""),
                actor=request.user,
            )
            messages.success(request, f"“{step.title}” was saved.")
        elif action in ("up", "down"):
            services.step_move(
                partner=partner, step_id=step_id, up=action == "up", actor=request.user
            )
        elif action == "remove":
            step = services.step_remove(partner=partner, step_id=step_id, actor=request.user)
            messages.success(
                request,
                f"“{step.title}” was removed. Completions recorded for it stay in each "
                "account's history.",
            )
        else:
            messages.error(request, "Choose Save, Move up, Move down or Remove.")
    except ServiceError as error:
        if error.code == "step_not_found":
            raise Http404("no such step") from None
        messages.error(request, sentence(error.message))
    return redirect("partner-onboarding")


@partner_member_required
@require_POST
def nudge(request):
    membership = request.membership
    if not membership.can_manage_team:
        messages.error(request, managers_only(membership, "send onboarding reminders"))
        return _back(request)
    # Account ids as the page sends them; anything else (or beyond a database id) is no account.
    ids = [
        int(v)
        for v in request.POST.getlist("account")
        if v.isascii() and v.isdigit() and len(v) <= 18
    ][:PAGE_SIZE]
    if not ids:
        messages.error(request, "Select the accounts whose owners you want to remind.")
        return _back(request)
    visible = selectors.children(
        partner_id=membership.partner_id, visible_to=restricted_member_id(membership)
    ).filter(pk__in=ids)
    result = services.nudges_send(
        partner=membership.partner,
        account_ids=list(visible.values_list("pk", flat=True)),
        actor=request.user,
    )
    if result.sent:
        names = ", ".join(a.organization_name for a in result.sent)
        messages.success(request, f"A reminder was sent to the owner of {names}.")
    for account, why, when in result.refused:
        text = f"No reminder to {account.organization_name}: it {why}."
        if when is not None:
            text += f" The next one is possible from {format_datetime(when)}."
        messages.warning(request, text)
    return _back(request)
