from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from partnerhub.partners.models import PartnerMember
from partnerhub.portal.customers import is_customer


@login_required
def home(request):
    """Send each person to where their work is. Someone with two hats (a partner member who
    also owns accounts) lands in the partner portal and switches to *My account* from the
    header."""
    if PartnerMember.objects.filter(user=request.user).exists():
        return redirect("partner-accounts")
    if is_customer(request.user):
        return redirect("customer-home")
    if request.user.is_staff:
        return redirect("staff-earnings")
    messages.info(request, "Your sign-in is not linked to a partner or an account yet.")
    return redirect("login")


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: anything else (a bare word would be taken for a view name, a
    # control character cannot go in a Location header) falls back.
    if (
        target.startswith("/")
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


def sentence(text: str) -> str:
    """A service's refusal ("a request for this account is already waiting") as a sentence."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def top_group_from_query(request):
    """The organization's top-level group named by ``?group=`` (None when not given); 404 for
    anything else, another organization's group included."""
    from partnerhub.organizations.models import AccountGroup

    text = request.GET.get("group", "")
    if not text:
        return None
    if not text.isdigit():
        raise Http404("no such group")
    try:
        return AccountGroup.objects.get(
            partner_id=request.membership.partner_id, parent=None, pk=int(text)
        )
    except AccountGroup.DoesNotExist:
        raise Http404("no such group") from None
