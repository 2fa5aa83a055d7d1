from partnerhub.notices.selectors import unread_count
from partnerhub.partners.models import PartnerMember
from partnerhub.partners.selectors import restricted_member_id
from partnerhub.portal.customers import customer_accounts
from partnerhub.pricing.selectors import billing_menu


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
    customer_account_count = customer_accounts(user).count()
    billing = {}
    if membership is not None and restricted_member_id(membership) is None:
        billing = billing_menu(membership.partner)
    return {
        "nav_membership": membership,
        "nav_is_customer": customer_account_count > 0,
        "nav_customer_accounts": customer_account_count,
        "nav_area": area,
        "nav_unread": unread_count(user=user),
        "nav_pricing": billing.get("pricing", False),
        "nav_statements": billing.get("statements", False),
    }
