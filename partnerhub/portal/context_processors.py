from django.contrib.auth import get_user_model

from partnerhub.notices.selectors import unread
from partnerhub.partners.models import PartnerMember
from partnerhub.portal.customers import count_of, customer_account_count_subquery


def header_counts(user) -> tuple[int, int]:
    """(the accounts whose customer pages the user may open, their unread notices), in one
    statement: the header is on every page."""
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            customer_account_count_subquery(user.pk),
            count_of(unread(user=user)),
        )
        .first()
    )
    return row or (0, 0)


def navigation(request):
    """What the header shows: the partner the user works for, that they own accounts, and, for
    someone who is both, which of the two the page belongs to (``nav_area``: "organization"
    for the partner portal, "account" for the customer pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    if membership is None:
        membership = PartnerMember.objects.select_related("partner").filter(user=user).first()
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name or "") if match else ""
    area = ""
    if url_name.startswith("partner-"):
        area = "organization"
    elif url_name.startswith("customer-"):
        area = "account"
    customer_account_count, unread_count = header_counts(user)
    return {
        "nav_membership": membership,
        "nav_is_customer": customer_account_count > 0,
        "nav_customer_accounts": customer_account_count,
        "nav_area": area,
        "nav_unread": unread_count,
    }
