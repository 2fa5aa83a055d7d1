from partnerhub.notices.selectors import unread_count
from partnerhub.partners.models import PartnerMember


def navigation(request):
    """What the header shows: the partner the user works for, or that they own accounts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    if membership is None:
        membership = PartnerMember.objects.select_related("partner").filter(user=user).first()
    return {
        "nav_membership": membership,
        "nav_is_customer": user.owned_accounts.exists(),
        "nav_unread": unread_count(user=user),
    }
