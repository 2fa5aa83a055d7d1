from partnerhub.notices.selectors import unread_count
from partnerhub.partners.selectors import membership_of, memberships_of
from partnerhub.portal.customers import customer_account_count


def navigation(request):
    """What the header shows: the team the user works in now (and their other teams, to
    switch to), that they own accounts, and, for someone who is both, which of the two the
    page belongs to (``nav_area``: "organization"
    for the partner portal, "account" for the customer pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    if membership is None:
        membership = membership_of(user)
    teams = memberships_of(user) if membership is not None else []
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
        # The teams the header's switcher offers (only when there is a choice).
        "nav_teams": teams if len(teams) > 1 else [],
        "nav_is_customer": count > 0,
        "nav_customer_accounts": count,
        "nav_area": area,
        "nav_unread": unread_count(user=user),
    }
