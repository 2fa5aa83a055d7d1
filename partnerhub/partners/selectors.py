from partnerhub.partners.models import PartnerMember


def membership_of(user) -> PartnerMember | None:
    """The partner team the user works for, or None (customers, staff, anonymous)."""
    return (
        PartnerMember.objects.select_related("partner")
        .filter(user_id=getattr(user, "pk", None))
        .first()
    )
