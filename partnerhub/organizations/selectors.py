"""Reads of an organization's groups and tags that its pages and the API share."""

from django.db.models import Count, Q

from partnerhub.clients.models import ClientAccount
from partnerhub.organizations.models import AccountGroup, AccountTag


def group_choices(*, partner_id: int) -> list[tuple[int, str]]:
    """Every group of the organization as (id, path), each top-level group followed by its
    subgroups, by name."""
    groups = list(AccountGroup.objects.filter(partner_id=partner_id).select_related("parent"))
    top = sorted((g for g in groups if g.parent_id is None), key=lambda g: g.name.lower())
    out = []
    for group in top:
        out.append((group.pk, group.name))
        subs = sorted((g for g in groups if g.parent_id == group.pk), key=lambda g: g.name.lower())
        out.extend((sub.pk, sub.path) for sub in subs)
    return out


def group_tree(*, partner_id: int) -> list[tuple[AccountGroup, list[AccountGroup], int]]:
    """(top-level group, its subgroups, accounts in it and its subgroups) by name; each group
    carries ``n``, the accounts directly in it. One query."""
    counted = (
        AccountGroup.objects.filter(partner_id=partner_id)
        .select_related("parent")
        .annotate(n=Count("accounts", filter=Q(accounts__partner_id=partner_id)))
    )
    by_parent: dict[int | None, list] = {}
    for group in counted:
        by_parent.setdefault(group.parent_id, []).append(group)
    rows = []
    for group in sorted(by_parent.get(None, []), key=lambda g: g.name.lower()):
        subs = sorted(by_parent.get(group.pk, []), key=lambda g: g.name.lower())
        rows.append((group, subs, group.n + sum(s.n for s in subs)))
    return rows


def ungrouped_count(*, partner_id: int) -> int:
    return ClientAccount.objects.filter(partner_id=partner_id, group__isnull=True).count()


def tags_with_counts(*, partner_id: int):
    return AccountTag.objects.filter(partner_id=partner_id).annotate(n=Count("taggings"))


def account_tags(*, partner_id: int, account_id: int) -> list[AccountTag]:
    return list(
        AccountTag.objects.filter(partner_id=partner_id, taggings__account_id=account_id).order_by(
            "name"
        )
    )


def organization_counts(*, partner_id: int) -> dict[str, int]:
    """What the organization holds: accounts, groups, tags."""
    return {
        "accounts": ClientAccount.objects.filter(partner_id=partner_id).count(),
        "groups": AccountGroup.objects.filter(partner_id=partner_id).count(),
        "tags": AccountTag.objects.filter(partner_id=partner_id).count(),
    }
