"""Who is asking: the decorators every page uses."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from partnerhub.partners.models import PartnerMember


def partner_member_required(view):
    """The signed-in user must be a partner member; ``request.membership`` is theirs.
    Anyone else gets 404: the portal does not admit it exists to them."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = (
            PartnerMember.objects.select_related("partner").filter(user=request.user).first()
        )
        if membership is None:
            raise Http404("no partner portal for this user")
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper


def team_manager_required(view):
    @partner_member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_manage_team:
            raise Http404("only owners and admins manage the team")
        return view(request, *args, **kwargs)

    return wrapper


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]
