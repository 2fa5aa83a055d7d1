"""Notifications: the bell in the header and /notifications/, for partners and customers alike.
Each person sees, opens and marks read only their own notices."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from partnerhub.core.errors import NotFound
from partnerhub.notices.selectors import notices_for, unread_count
from partnerhub.notices.services import notice_open, notices_mark_all_read
from partnerhub.partners.selectors import membership_of

PAGE_SIZE = 100
MENU_SIZE = 8


def _base_template(request) -> str:
    return "portal/base.html" if membership_of(request.user) else "base.html"


@login_required
def notices_page(request):
    return render(
        request,
        "notices/page.html",
        {
            "notices": notices_for(user=request.user)[:PAGE_SIZE],
            "unread": unread_count(user=request.user),
            "base_template": _base_template(request),
            "nav_section": "notices",
        },
    )


@login_required
def notices_menu(request):
    """The bell's dropdown: the latest few, unread first (loaded by htmx when it opens)."""
    return render(
        request,
        "notices/_menu.html",
        {
            "notices": notices_for(user=request.user)[:MENU_SIZE],
            "unread": unread_count(user=request.user),
        },
    )


@login_required
@require_POST
def notice_open_view(request, notice_id: int):
    """Opening a notice marks it read and goes to the thing it is about."""
    try:
        notice = notice_open(actor=request.user, notice_id=notice_id)
    except NotFound:
        raise Http404("no such notice") from None
    target = notice.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "notices"
    return redirect(target)


@login_required
@require_POST
def notices_read_all(request):
    notices_mark_all_read(actor=request.user)
    return redirect("notices")
