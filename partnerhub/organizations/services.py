"""The one place that writes an organization's groups, its tags and which group each account
is in.

Every function takes the ``actor`` (the person acting, or None for program staff and the
demo), checks the organization's rules and writes one audit row with the change. Pages and
the API find the organization from who is asking (``organization_manager_of``) and pass it
in; nothing here trusts an id from outside to belong to it."""

from django.db import transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import AuditRow, audit_record, audit_record_bulk
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.core.text import TextError, clean_text
from partnerhub.organizations.models import AccountGroup, AccountTag, AccountTagging, GroupManager
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


def admin_actor_check(partner: Partner, actor) -> None:
    """As ``_actor_check``, for what only the organization's owners and admins do (its
    checklist, reminders, detaching an account)."""
    _actor_check(partner, actor)
    if actor is None or getattr(actor, "is_staff", False):
        return
    if not membership_of(actor).can_manage_team:
        raise PermissionDenied(
            "only owners and admins of the organization do this", code="organization_admin_only"
        )


GROUP_NAME_MAX = 120
TAG_NAME_MAX = 60
TAGS_PER_ACTION_MAX = 20


def organization_manager_of(actor) -> PartnerMember:
    """The actor's membership if they run an organization's accounts (its owners and admins):
    NotFound for anyone outside an organization (an agency has no such pages), and
    PermissionDenied for a group manager or viewer."""
    membership = membership_of(actor)
    if membership is None or not membership.partner.is_organization:
        raise NotFound("no such organization", code="not_an_organization")
    if not membership.can_manage_team:
        raise PermissionDenied(
            "only owners and admins of the organization do this", code="organization_admin_only"
        )
    return membership


def organization_member_of(actor) -> PartnerMember:
    """The actor's membership in an organization (any role, for reading)."""
    membership = membership_of(actor)
    if membership is None or not membership.partner.is_organization:
        raise NotFound("no such organization", code="not_an_organization")
    return membership


def organization_create(*, name: str, deployed_on=None, actor=None, **fields) -> Partner:
    """A new multi-account organization (a *My Organization* of kind organization)."""
    return partner_create(
        name=name,
        deployed_on=deployed_on or timezone.localdate(),
        actor=actor,
        kind=PartnerKind.ORGANIZATION,
        **fields,
    )


def _group_name(name: str) -> str:
    try:
        name = clean_text(name or "", max_length=GROUP_NAME_MAX * 2)
    except TextError as error:
        raise InvalidTransition(
            f"the group name {error.problem}", code="group_name_invalid"
        ) from None
    name = " ".join(name.split())
    if not name:
        raise InvalidTransition("a group needs a name", code="group_name_missing")
    if len(name) > GROUP_NAME_MAX:
        raise InvalidTransition(
            f"a group name has at most {GROUP_NAME_MAX} characters", code="group_name_long"
        )
    return name


def group_of(*, partner: Partner, group_id) -> AccountGroup:
    """One of ``partner``'s groups, or NotFound (another organization's group is not found)."""
    try:
        return AccountGroup.objects.select_related("parent").get(partner=partner, pk=int(group_id))
    except (AccountGroup.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("no such group", code="group_not_found") from None


@transaction.atomic
def group_create(
    *, partner: Partner, name: str, parent: AccountGroup | None = None, actor=None
) -> AccountGroup:
    """A group of ``partner``'s accounts, at the top or inside a top-level group."""
    _actor_check(partner, actor)
    name = _group_name(name)
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
    account, before = _group_set(partner=partner, account=account, group=group, actor=actor)
    if before != account.group_id:
        _managers_sync([before, account.group_id], actor=actor)
    return account


def _group_set(
    *, partner: Partner, account: ClientAccount, group: AccountGroup | None, actor
) -> tuple[ClientAccount, int | None]:
    """Move one account and audit it; returns the account and the group it was in. Its group
    managers are brought up to date by the caller (``_managers_sync``), once for a whole move."""
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.partner_id != partner.pk:
        raise NotFound("no such account", code="account_not_found")
    if group is not None and group.partner_id != partner.pk:
        raise NotFound("no such group", code="group_not_found")
    before = account.group_id
    new = group.pk if group else None
    if before == new:
        return account, before
    ClientAccount.objects.filter(pk=account.pk).update(group_id=new)
    account.group_id = new
    audit_record(
        actor=actor,
        action=events.ACCOUNT_GROUP_CHANGED,
        target=account,
        partner=partner,
        account=account,
        before={"group": before},
        after={"group": new, "group_name": group.path if group else ""},
    )
    return account, before


def _managers_sync(group_ids, *, actor) -> None:
    """The group managers of the groups accounts left or joined keep exactly their groups'
    accounts."""
    for member in _managers_of_groups(group_ids):
        group_manager_sync(member=member, actor=actor)


@transaction.atomic
def group_rename(*, partner: Partner, group_id: int, name: str, actor=None) -> AccountGroup:
    _actor_check(partner, actor)
    group = lock_one(
        AccountGroup.objects.filter(partner=partner),
        pk=group_of(partner=partner, group_id=group_id).pk,
    )
    name = _group_name(name)
    if name == group.name:
        return group
    siblings = AccountGroup.objects.filter(partner=partner, parent_id=group.parent_id)
    if siblings.exclude(pk=group.pk).filter(name__iexact=name).exists():
        raise Conflict(f"there is already a group called {name}", code="group_exists")
    before = group.name
    group.name = name
    group.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action=events.GROUP_RENAMED,
        target=group,
        partner=partner,
        before={"name": before},
        after={"name": name},
    )
    return group


@transaction.atomic
def group_delete(
    *, partner: Partner, group_id: int, move_accounts: bool = False, actor=None
) -> int:
    """Delete an empty group; with ``move_accounts`` its accounts first move to its parent
    group (or to no group, for a top-level group). A group with subgroups is refused: delete or
    rename those first. Returns how many accounts moved."""
    _actor_check(partner, actor)
    group = lock_one(
        AccountGroup.objects.filter(partner=partner),
        pk=group_of(partner=partner, group_id=group_id).pk,
    )
    if group.subgroups.exists():
        raise InvalidTransition(
            "this group has subgroups; delete them first", code="group_has_subgroups"
        )
    account_ids = list(
        ClientAccount.objects.filter(partner=partner, group=group).values_list("id", flat=True)
    )
    if account_ids and not move_accounts:
        raise InvalidTransition(
            f"this group holds {len(account_ids)} account(s); move them out first",
            code="group_not_empty",
        )
    parent = AccountGroup.objects.get(pk=group.parent_id) if group.parent_id else None
    for account_id in account_ids:
        _group_set(partner=partner, account=ClientAccount(pk=account_id), group=parent, actor=actor)
    name, path = group.name, group.path
    audit_record(
        actor=actor,
        action=events.GROUP_DELETED,
        target=group,
        partner=partner,
        before={"name": name, "path": path, "parent": group.parent_id},
        after={"accounts_moved": len(account_ids), "moved_to": parent.pk if parent else None},
    )
    managers = _managers_of_groups([group.pk, group.parent_id])
    # Accounts that joined the group since (none: they wait on this lock) would be left with
    # no group by the foreign key, never with a dangling one.
    group.delete()
    # Its managers lose the group with it (their rows cascade), and so its accounts; the
    # parent's managers keep the accounts that moved up to it.
    for member in managers:
        group_manager_sync(member=member, actor=actor)
    return len(account_ids)


@transaction.atomic
def accounts_group_set(
    *, partner: Partner, account_ids: list[int], group: AccountGroup | None, actor=None
) -> int:
    """Move several of ``partner``'s accounts into ``group`` (or none): all or nothing, one
    audit row each. Returns how many changed group."""
    found = set(
        ClientAccount.objects.filter(partner=partner, pk__in=account_ids).values_list(
            "id", flat=True
        )
    )
    if len(found) != len(set(account_ids)):
        raise NotFound("no such account", code="account_not_found")
    _actor_check(partner, actor)
    new = group.pk if group else None
    left = []  # the group each moved account was in
    for account_id in account_ids:
        _, before = _group_set(
            partner=partner, account=ClientAccount(pk=account_id), group=group, actor=actor
        )
        if before != new:
            left.append(before)
    if left:
        _managers_sync([*set(left), new], actor=actor)
    return len(left)


# --- Tags --------------------------------------------------------------------------------


def tag_name(name: str) -> str:
    try:
        name = clean_text(name or "", max_length=TAG_NAME_MAX, required=True)
    except TextError as error:
        raise InvalidTransition(f"a tag {error.problem}", code="tag_invalid") from None
    return " ".join(name.split())


def tag_names(value) -> list[str]:
    """Tags as people type them: "drive-through, new in 2026" or a list; repeats once."""
    parts = value.split(",") if isinstance(value, str) else list(value or [])
    names: list[str] = []
    for part in parts:
        if not str(part).strip():
            continue
        name = tag_name(str(part))
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
    if len(names) > TAGS_PER_ACTION_MAX:
        raise InvalidTransition(f"at most {TAGS_PER_ACTION_MAX} tags at once", code="too_many_tags")
    return names


def _tag_get_or_create(partner: Partner, name: str) -> AccountTag:
    existing = AccountTag.objects.filter(partner=partner, name__iexact=name).first()
    if existing is not None:
        return existing
    tag, _ = AccountTag.objects.get_or_create(partner=partner, name=name)
    return tag


@transaction.atomic
def account_tags_add(
    *, partner: Partner, account_ids: list[int], names: list[str], actor=None
) -> int:
    """Put each tag of ``names`` on each of ``partner``'s accounts (made on first use). Returns
    how many tags were added (a tag already on an account is not added again)."""
    _actor_check(partner, actor)
    names = tag_names(names)
    if not names:
        raise InvalidTransition("enter at least one tag", code="tag_missing")
    accounts = list(ClientAccount.objects.filter(partner=partner, pk__in=account_ids))
    if len(accounts) != len(set(account_ids)):
        raise NotFound("no such account", code="account_not_found")
    added = 0
    for name in names:
        tag = _tag_get_or_create(partner, name)
        have = set(
            AccountTagging.objects.filter(tag=tag, account__in=accounts).values_list(
                "account_id", flat=True
            )
        )
        new = [a.pk for a in accounts if a.pk not in have]
        AccountTagging.objects.bulk_create([AccountTagging(tag=tag, account_id=pk) for pk in new])
        _audit_tagging(events.ACCOUNT_TAGGED, partner, new, actor, after={"tag": tag.name})
        added += len(new)
    return added


def _audit_tagging(action, partner: Partner, account_ids: list[int], actor, **change) -> None:
    """One audit row per account a tag was put on or taken off, in one insert."""
    if account_ids:
        audit_record_bulk(
            actor=actor,
            action=action,
            target_model=ClientAccount,
            rows=[
                AuditRow(target_id=pk, partner_id=partner.pk, account_id=pk, **change)
                for pk in account_ids
            ],
        )


@transaction.atomic
def account_tag_remove(*, partner: Partner, account_ids: list[int], name: str, actor=None) -> int:
    """Take the tag ``name`` off each of ``partner``'s accounts; returns how many lost it."""
    _actor_check(partner, actor)
    tag = AccountTag.objects.filter(partner=partner, name__iexact=tag_name(name)).first()
    if tag is None:
        raise NotFound("no such tag", code="tag_not_found")
    accounts = list(ClientAccount.objects.filter(partner=partner, pk__in=account_ids))
    if len(accounts) != len(set(account_ids)):
        raise NotFound("no such account", code="account_not_found")
    taggings = AccountTagging.objects.filter(tag=tag, account__in=accounts)
    gone = sorted(taggings.values_list("account_id", flat=True))
    taggings.delete()
    _audit_tagging(events.ACCOUNT_UNTAGGED, partner, gone, actor, before={"tag": tag.name})
    return len(gone)


@transaction.atomic
def organization_from_account(*, account_id: int, actor, name: str = "") -> Partner:
    """Program staff make an existing account the parent of a new organization: the
    organization is created, the account's owner is invited to be its owner (the ordinary
    team invitation), and asked to move the account in as its first child (the ordinary
    move, managed with full access). Nothing is attached until the owner accepts and
    confirms each."""
    from partnerhub.access.levels import AccessLevel
    from partnerhub.clients.models import PartnershipKind
    from partnerhub.invitations.services import team_invitation_create
    from partnerhub.moves.services import move_request_create_for_partner
    from partnerhub.partners.models import PartnerRole

    account = ClientAccount.objects.select_related("owner").get(pk=account_id)
    if account.owner is None:
        raise InvalidTransition(
            "the account has no owner to invite; it needs one first", code="no_owner"
        )
    if account.partner_id is not None and account.partner.is_organization:
        raise InvalidTransition(
            "the account already belongs to an organization", code="already_in_organization"
        )
    name = " ".join((name or account.organization_name).split())[:200]
    organization = organization_create(name=name, actor=actor)
    team_invitation_create(
        actor=actor,
        partner=organization,
        email=account.owner.email or account.owner.username,
        role=PartnerRole.OWNER,
        first_name=account.owner.first_name,
        last_name=account.owner.last_name,
    )
    move_request_create_for_partner(
        actor=actor,
        partner=organization,
        account_id=account.pk,
        kind=PartnershipKind.MANAGED,
        level=AccessLevel.FULL,
    )
    return organization


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
