"""Reads of brand kits that pages, the API and other apps share."""

from django.db.models import Q

from partnerhub.brand import rules
from partnerhub.brand.models import BrandKit
from partnerhub.clients.models import ClientAccount
from partnerhub.organizations.models import AccountGroup


def organization_kit(*, partner_id: int) -> BrandKit | None:
    return BrandKit.objects.filter(
        partner_id=partner_id, group__isnull=True, account__isnull=True
    ).first()


def group_chain(group: AccountGroup | None) -> list[AccountGroup]:
    """The group's top-level group (if it is a subgroup), then the group."""
    if group is None:
        return []
    if group.parent_id is None:
        return [group]
    return [group.parent, group]


def _levels(partner_id: int, groups: list[AccountGroup], account_id: int | None):
    wanted = Q(partner_id=partner_id, group__isnull=True, account__isnull=True)
    if groups:
        wanted |= Q(group_id__in=[g.pk for g in groups])
    if account_id is not None:
        wanted |= Q(account_id=account_id)
    kits = list(BrandKit.objects.filter(wanted))
    org = next(
        (k for k in kits if k.level == rules.ORGANIZATION and k.partner_id == partner_id), None
    )
    by_group = {k.group_id: k for k in kits if k.group_id is not None}
    own = next((k for k in kits if account_id is not None and k.account_id == account_id), None)
    levels = []
    if org is not None:
        levels.append(org.as_level())
    for g in groups:
        if g.pk in by_group:
            levels.append(by_group[g.pk].as_level())
    if own is not None:
        levels.append(own.as_level())
    return levels


def account_levels(account: ClientAccount) -> list[rules.Level]:
    """The kits above and at ``account``, from the organization down. An account outside any
    organization (or in an agency's partnership) has none."""
    if account.partner_id is None:
        return []
    group = (
        AccountGroup.objects.select_related("parent").filter(pk=account.group_id).first()
        if account.group_id
        else None
    )
    return _levels(account.partner_id, group_chain(group), account.pk)


def group_levels(group: AccountGroup) -> list[rules.Level]:
    """The kits above and at ``group``: what the group's accounts inherit."""
    return _levels(group.partner_id, group_chain(group), None)


def effective_brand(*, account: ClientAccount) -> dict[str, rules.EffectiveField]:
    """The account's effective kit: each field's value, its source and whether it is locked."""
    return rules.effective_kit(account_levels(account))


def effective_for_group(*, group: AccountGroup) -> dict[str, rules.EffectiveField]:
    return rules.effective_kit(group_levels(group))


def effective_for_organization(*, partner_id: int) -> dict[str, rules.EffectiveField]:
    return rules.effective_kit(_levels(partner_id, [], None))


def brand_applied(account_id: int) -> bool:
    """Whether the account's effective kit has a logo, or a primary colour of its own (not
    the default): the onboarding step "brand kit applied"."""
    account = ClientAccount.objects.filter(pk=account_id).first()
    if account is None:
        return False
    kit = effective_brand(account=account)
    return kit["logo"].source != rules.DEFAULT or kit["primary_color"].source != rules.DEFAULT


def affected_accounts(kit: BrandKit):
    """The accounts a change of ``kit`` concerns: ``None`` meaning all of the organization's,
    else a queryset."""
    if kit.level == rules.ORGANIZATION:
        return None
    if kit.level == rules.ACCOUNT:
        return ClientAccount.objects.filter(pk=kit.account_id)
    return ClientAccount.objects.filter(
        Q(group_id=kit.group_id) | Q(group__parent_id=kit.group_id), partner_id=kit.partner_id
    )


def logo_visible_to(user, kit: BrandKit) -> bool:
    """Whether ``user`` may see the logo of ``kit``: a member of its organization, or the
    owner or a user of an account that inherits from it (or whose kit it is)."""
    from partnerhub.partners.models import PartnerMember
    from partnerhub.v3.models import AccountUser

    if user is None or not user.is_authenticated or not kit.logo:
        return False
    if PartnerMember.objects.filter(user=user, partner_id=kit.partner_id).exists():
        return True
    mine = ClientAccount.objects.filter(
        Q(owner=user) | Q(pk__in=AccountUser.objects.filter(user=user).values("account_id")),
        partner_id=kit.partner_id,
    )
    if kit.level == rules.ORGANIZATION:
        return mine.exists()
    if kit.level == rules.ACCOUNT:
        return mine.filter(pk=kit.account_id).exists()
    return mine.filter(Q(group_id=kit.group_id) | Q(group__parent_id=kit.group_id)).exists()
