"""The one place that writes an organization's groups and which group each account is in.

Every function takes the ``actor`` (the person acting, or None for program staff and the
demo), checks the organization's rules and writes one audit row with the change."""

from django.db import transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.locks import lock_one
from partnerhub.organizations.models import AccountGroup, GroupManager
from partnerhub.partners.models import Partner, PartnerKind, PartnerMember, PartnerRole
from partnerhub.partners.selectors import member_display_name, membership_of
from partnerhub.partners.services import (
    act_check,
    locked_team_manager_of,
    member_assignments_set,
    partner_create,
)


def _actor_check(partner: Partner, actor) -> None:
    """A member acting on ``partner``'s groups must be in its team (anyone else is told
    there is no such organization) and may not be a viewer. Program staff and program tools
    (``actor`` None) act for every organization."""
    if actor is None or getattr(actor, "is_staff", False):
        return
    membership = membership_of(actor)
    if membership is None or membership.partner_id != partner.pk:
        raise NotFound("no such organization", code="not_found")
    act_check(membership)


def organization_create(*, name: str, deployed_on=None, actor=None, **fields) -> Partner:
    """A new multi-account organization (a *My Organization* of kind organization)."""
    return partner_create(
        name=name,
        deployed_on=deployed_on or timezone.localdate(),
        actor=actor,
        kind=PartnerKind.ORGANIZATION,
        **fields,
    )


@transaction.atomic
def group_create(
    *, partner: Partner, name: str, parent: AccountGroup | None = None, actor=None
) -> AccountGroup:
    """A group of ``partner``'s accounts, at the top or inside a top-level group."""
    _actor_check(partner, actor)
    name = " ".join(name.split())
    if not name:
        raise InvalidTransition("a group needs a name", code="group_name_missing")
    if len(name) > 120:
        raise InvalidTransition("a group name has at most 120 characters", code="group_name_long")
    if parent is not None:
        if parent.partner_id != partner.pk:
            raise NotFound("no such group", code="group_not_found")
        if parent.parent_id is not None:
            raise InvalidTransition(
                "groups nest one level deep: choose a top-level group as the parent",
                code="group_too_deep",
            )
    siblings = AccountGroup.objects.filter(partner=partner, parent=parent)
    if siblings.filter(name__iexact=name).exists():
        raise Conflict(f"there is already a group called {name}", code="group_exists")
    group = AccountGroup.objects.create(partner=partner, parent=parent, name=name)
    audit_record(
        actor=actor,
        action=events.GROUP_CREATED,
        target=group,
        partner=partner,
        after={"name": name, "parent": parent.pk if parent else None},
    )
    return group


@transaction.atomic
def account_group_set(
    *, partner: Partner, account: ClientAccount, group: AccountGroup | None, actor=None
) -> ClientAccount:
    """Put ``account`` (one of ``partner``'s) into ``group``, or into no group. The group
    managers of the old and the new group keep exactly their groups' accounts."""
    _actor_check(partner, actor)
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.partner_id != partner.pk:
        raise NotFound("no such account", code="account_not_found")
    if group is not None and group.partner_id != partner.pk:
        raise NotFound("no such group", code="group_not_found")
    before = account.group_id
    new = group.pk if group else None
    if before == new:
        return account
    ClientAccount.objects.filter(pk=account.pk).update(group_id=new)
    account.group_id = new
    # The group managers of the group it left and of the one it joined keep exactly their
    # groups' accounts.
    for member in _managers_of_groups([before, new]):
        group_manager_sync(member=member, actor=actor)
    audit_record(
        actor=actor,
        action=events.ACCOUNT_GROUP_CHANGED,
        target=account,
        partner=partner,
        account=account,
        before={"group": before},
        after={"group": new, "group_name": group.path if group else ""},
    )
    return account


# --- Group managers ----------------------------------------------------------------------------


def _with_subgroups(group_ids) -> set[int]:
    ids = set(group_ids)
    return ids | set(AccountGroup.objects.filter(parent_id__in=ids).values_list("pk", flat=True))


def group_manager_accounts(*, member: PartnerMember) -> list[int]:
    """The ids of the organization's accounts in the member's groups and their subgroups."""
    groups = _with_subgroups(
        GroupManager.objects.filter(member=member).values_list("group_id", flat=True)
    )
    if not groups:
        return []
    return list(
        ClientAccount.objects.filter(partner_id=member.partner_id, group_id__in=groups)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def group_manager_sync(*, member: PartnerMember, actor=None, group_names=()) -> tuple[int, int]:
    """Make the member's assigned accounts exactly their groups' accounts (the member's row
    is locked first: one change to a member's assignments at a time). Returns (assigned,
    unassigned)."""
    lock_one(PartnerMember.objects.all(), pk=member.pk)
    return member_assignments_set(
        actor=actor,
        member=member,
        account_ids=group_manager_accounts(member=member),
        group_names=tuple(group_names),
    )


def _managers_of_groups(group_ids) -> list[PartnerMember]:
    """The group managers whose accounts change when accounts enter or leave these groups
    (a top-level group's managers see its subgroups too)."""
    ids = {g for g in group_ids if g is not None}
    if not ids:
        return []
    parents = AccountGroup.objects.filter(pk__in=ids, parent__isnull=False).values_list(
        "parent_id", flat=True
    )
    ids |= set(parents)
    return list(
        PartnerMember.objects.select_related("partner", "user")
        .filter(managed_groups__group_id__in=ids)
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def group_managers_set(*, actor, member_id: int, group_ids: list[int]) -> tuple[int, int]:
    """An owner or admin of an organization chooses the groups a group manager looks after
    (all of them at once: those not named are taken back). The manager's assigned accounts
    become exactly the accounts of those groups and their subgroups, and they are told in
    the product. Returns (accounts assigned, accounts unassigned)."""
    manager = locked_team_manager_of(actor)
    if not manager.partner.is_organization:
        raise InvalidTransition(
            "only an organization gives groups to its team", code="not_an_organization"
        )
    try:
        member = lock_one(
            PartnerMember.objects.select_related("user", "partner"),
            pk=member_id,
            partner_id=manager.partner_id,
        )
    except PartnerMember.DoesNotExist:
        raise NotFound("no such team member") from None
    if member.role != PartnerRole.MEMBER:
        raise InvalidTransition(
            f"{member_display_name(member)} is {member.role_label.lower()}: only a group "
            "manager is given groups (owners and admins see every account)",
            code="not_a_group_manager",
        )
    wanted_ids = {int(g) for g in group_ids}
    groups = {
        g.pk: g
        for g in AccountGroup.objects.filter(pk__in=wanted_ids, partner_id=manager.partner_id)
    }
    if len(groups) != len(wanted_ids):
        raise NotFound("no such group", code="group_not_found")
    current = {gm.group_id: gm for gm in GroupManager.objects.filter(member=member)}
    added = [groups[g] for g in sorted(wanted_ids - set(current))]
    removed = [current[g] for g in sorted(set(current) - wanted_ids)]
    now = timezone.now()
    for group in added:
        row = GroupManager.objects.create(
            member=member, group=group, assigned_by=actor, assigned_at=now
        )
        audit_record(
            actor=actor,
            action=events.GROUP_MANAGER_ADDED,
            target=row,
            partner=member.partner,
            after={
                "member_id": member.pk,
                "member_name": member_display_name(member),
                "group": group.pk,
                "group_name": group.path,
            },
            at=now,
        )
    for row in removed:
        audit_record(
            actor=actor,
            action=events.GROUP_MANAGER_REMOVED,
            target=row,
            partner=member.partner,
            before={
                "member_id": member.pk,
                "member_name": member_display_name(member),
                "group": row.group_id,
                "group_name": row.group.path,
            },
            at=now,
        )
        row.delete()
    return member_assignments_set(
        actor=actor,
        member=member,
        account_ids=group_manager_accounts(member=member),
        group_names=tuple(g.path for g in added),
    )


def groups_of_managers(*, partner_id: int) -> dict[int, list[AccountGroup]]:
    """The groups each group manager of the organization looks after, by member id."""
    rows = GroupManager.objects.filter(member__partner_id=partner_id).select_related(
        "group", "group__parent"
    )
    out: dict[int, list[AccountGroup]] = {}
    for row in rows.order_by("group__name", "pk"):
        out.setdefault(row.member_id, []).append(row.group)
    return out
