"""Who is asking: the decorators every page uses."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from partnerhub.core import ratelimit
from partnerhub.partners.selectors import teams_for_request
from partnerhub.portal.customers import is_customer


def _not_for_you(
    request, *, title: str, text: str, links: list[tuple[str, str]], in_portal: bool = False
):
    """A 403 page that says why, and links (label, URL name) to this person's own work."""
    return render(
        request,
        "portal/forbidden.html",
        {
            "title": title,
            "text": text,
            "links": links,
            "base_template": "portal/base.html" if in_portal else "base.html",
        },
        status=403,
    )


def partner_member_required(view):
    """The signed-in user must be a partner member; ``request.membership`` is theirs.

    Program staff and customers are told that this is the partner portal and sent to their
    own pages; anyone else gets 404: the portal does not admit it exists to them."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = teams_for_request(request).current
        if membership is None:
            if request.user.is_staff:
                return _not_for_you(
                    request,
                    title="This is the partner portal",
                    text="Partner teams work here. As program staff, your tools are "
                    "Close and payouts and the admin.",
                    links=[("Close and payouts", "staff-earnings"), ("Admin", "admin:index")],
                )
            if is_customer(request.user):
                return _not_for_you(
                    request,
                    title="This is the partner portal",
                    text="Partner teams work here. Your own account, and who may operate it, "
                    "is under My account.",
                    links=[("My account", "customer-home")],
                )
            raise Http404("no partner portal for this user")
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper


def team_manager_required(what: str):
    """Only owners and admins of the partner may use the page. A member is told so, in one
    sentence naming the page's work: ``@team_manager_required("manage API keys")`` answers
    "Only owners and admins of Brightwave manage API keys."."""

    def decorator(view):
        @partner_member_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.membership.can_manage_team:
                return _not_for_you(
                    request,
                    title="Owners and admins only",
                    text=managers_only(request.membership, what),
                    links=[("My accounts", "partner-accounts"), ("Team", "partner-team")],
                    in_portal=True,
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def managers_only(membership, what: str) -> str:
    """The sentence a member reads where only owners and admins may act."""
    return f"Only owners and admins of {membership.partner.name} {what}."


def client_ip(request) -> str | None:
    """The person's address, also behind ``PARTNERHUB_TRUSTED_PROXIES`` proxies."""
    return ratelimit.client_address(request) or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]
