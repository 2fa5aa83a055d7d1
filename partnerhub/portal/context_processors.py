from partnerhub.notices.selectors import unread_count
from partnerhub.partners.models import PartnerMember
from partnerhub.portal.customers import customer_account_count


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
    count = customer_account_count(user)
    return {
        "nav_membership": membership,
        "nav_is_customer": count > 0,
        "nav_customer_accounts": count,
        "nav_area": area,
        "nav_unread": unread_count(user=user),
    }
