"""Partners and their teams. Owners and admins manage the team; only an owner makes or
removes an owner; a partner always keeps at least one owner."""

from django.db import transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import AuditRow, actor_label_for, audit_record, audit_record_bulk
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.core.timefmt import is_time_zone
from partnerhub.partners.models import (
    AccountAssignment,
    MemberVisibility,
    Partner,
    PartnerKind,
    PartnerMember,
    PartnerRole,
)
from partnerhub.partners.selectors import member_display_name, membership_of


def act_check(membership: PartnerMember) -> PartnerMember:
    """Refuse a viewer: they read accounts, pages and reports and change nothing. Every
    service a member acts through passes here (through ``acting_membership_of`` or
    ``team_manager_of``)."""
    if not membership.can_act:
        raise PermissionDenied(
            f"as a viewer of {membership.partner.name} you can read accounts and reports but "
            "not change anything; ask an owner or admin",
            code="viewer_read_only",
        )
    return membership


def acting_membership_of(actor) -> PartnerMember | None:
    """The actor's membership of the team they act for (``membership_of``), refused for a
    viewer; None when they are in no team (each service says what that means to it)."""
    membership = membership_of(actor)
    return act_check(membership) if membership is not None else None


def team_manager_of(actor) -> PartnerMember:
    """The actor's membership if they may manage its team (owners and admins)."""
    membership = acting_membership_of(actor)
    if membership is None or not membership.can_manage_team:
        raise PermissionDenied("only owners and admins manage the team")
    return membership


def locked_team_manager_of(actor) -> PartnerMember:
    """The actor's membership, read again once the partner's row is locked: changes to one
    partner's team run one at a time, so the last-owner check sees the change before it."""
    lock_one(Partner.objects.all(), pk=team_manager_of(actor).partner_id)
    return team_manager_of(actor)


def role_assignable_check(manager: PartnerMember, role: str) -> None:
    if role not in PartnerRole.values:
        raise InvalidTransition("unknown role", code="role_invalid")
    if role == PartnerRole.OWNER and manager.role != PartnerRole.OWNER:
        raise PermissionDenied("only an owner can make someone an owner")


@transaction.atomic
def partner_create(
    *, name: str, deployed_on, actor=None, kind: str = PartnerKind.AGENCY, **fields
) -> Partner:
    """A new *My Organization*: an agency partner, or (``kind``) a multi-account organization,
    whose group managers always see only their groups' accounts."""
    if kind == PartnerKind.ORGANIZATION:
        fields["member_visibility"] = MemberVisibility.ASSIGNED
    partner = Partner.objects.create(name=name, deployed_on=deployed_on, kind=kind, **fields)
    audit_record(
        actor=actor,
        action=events.PARTNER_CREATED,
        target=partner,
        partner=partner,
        after={"name": name, "deployed_on": deployed_on.isoformat(), "kind": kind},
    )
    return partner


@transaction.atomic
def member_join(*, partner: Partner, user, role: str, invitation_id: int) -> PartnerMember:
    """``user`` joins ``partner``'s team with ``role``: only the acceptance of an invitation
    (``invitations.services``), the person's own action, calls this. Someone already in other
    teams keeps them and works in the new one from now on (they switch back in the header)."""
    from partnerhub.people.services import current_team_set

    if role not in PartnerRole.values:
        raise InvalidTransition("unknown role", code="role_invalid")
    lock_one(Partner.objects.all(), pk=partner.pk)
    if PartnerMember.objects.filter(partner=partner, user=user).exists():
        raise Conflict(f"you already belong to the team of {partner.name}", code="member_exists")
    others = PartnerMember.objects.filter(user=user).exists()
    member = PartnerMember.objects.create(partner=partner, user=user, role=role)
    audit_record(
        actor=user,
        action=events.MEMBER_ADDED,
        target=member,
        partner=partner,
        after={"email": user.email, "role": role, "invitation_id": invitation_id},
    )
    if others:
        current_team_set(actor=user, member_id=member.pk)
    return member


def _lock_member(manager: PartnerMember, member_id: int) -> PartnerMember:
    try:
        return lock_one(
            PartnerMember.objects.select_related("user"),
            pk=member_id,
            partner_id=manager.partner_id,
        )
    except PartnerMember.DoesNotExist:
        raise NotFound("no such team member") from None


def _owners_left_without(member: PartnerMember) -> int:
    return (
        PartnerMember.objects.filter(partner_id=member.partner_id, role=PartnerRole.OWNER)
        .exclude(pk=member.pk)
        .count()
    )


@transaction.atomic
def member_role_change(*, actor, member_id: int, role: str) -> PartnerMember:
    manager = locked_team_manager_of(actor)
    role_assignable_check(manager, role)
    member = _lock_member(manager, member_id)
    if member.role == PartnerRole.OWNER and manager.role != PartnerRole.OWNER:
        raise PermissionDenied("only an owner can change an owner's role")
    demoting_owner = member.role == PartnerRole.OWNER and role != PartnerRole.OWNER
    if demoting_owner and _owners_left_without(member) == 0:
        raise InvalidTransition("a partner keeps at least one owner", code="last_owner")
    if member.role == role:
        return member
    before = {"role": member.role}
    member.role = role
    member.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action=events.MEMBER_ROLE_CHANGED,
        target=member,
        partner=member.partner,
        before=before,
        after={"role": role},
    )
    return member


@transaction.atomic
def member_remove(*, actor, member_id: int) -> None:
    from partnerhub.partnerships.models import MemberAccountCount

    manager = locked_team_manager_of(actor)
    member = _lock_member(manager, member_id)
    if member.role == PartnerRole.OWNER and manager.role != PartnerRole.OWNER:
        raise PermissionDenied("only an owner can remove an owner")
    if member.role == PartnerRole.OWNER and _owners_left_without(member) == 0:
        raise InvalidTransition("a partner keeps at least one owner", code="last_owner")
    audit_record(
        actor=actor,
        action=events.MEMBER_REMOVED,
        target=member,
        partner=member.partner,
        before={"email": member.user.email, "role": member.role},
    )
    # Their assignments first: a change of an assigned account's kind holds these rows while
    # it writes the member's counters (``partnerships.counters.counts_shift``), so the delete
    # waits for it, and the counters deleted next include what it wrote.
    AccountAssignment.objects.filter(member=member).delete()
    MemberAccountCount.objects.filter(member=member).delete()
    member.delete()


@transaction.atomic
def partner_time_zone_set(*, actor, time_zone: str) -> Partner:
    """An owner or admin sets the zone the team reads times in (unless a member chose one)."""
    time_zone = (time_zone or "").strip()
    if not is_time_zone(time_zone):
        raise InvalidTransition(
            f"{time_zone or 'that'} is not a time zone", code="time_zone_unknown"
        )
    manager = team_manager_of(actor)
    partner = lock_one(Partner.objects.all(), pk=manager.partner_id)
    if partner.time_zone != time_zone:
        before = {"time_zone": partner.time_zone}
        partner.time_zone = time_zone
        partner.save(update_fields=["time_zone"])
        audit_record(
            actor=actor,
            action=events.PARTNER_UPDATED,
            target=partner,
            partner=partner,
            before=before,
            after={"time_zone": time_zone},
        )
    return partner


# --- Which accounts members see, and who serves which account --------------------------------

ASSIGN_MAX = 500


@transaction.atomic
def partner_member_visibility_set(*, actor, visibility: str) -> Partner:
    """An owner or admin chooses whether plain members see every account of the partnership
    or only the accounts assigned to them."""
    if visibility not in MemberVisibility.values:
        raise InvalidTransition("unknown choice of what members see", code="visibility_invalid")
    manager = team_manager_of(actor)
    partner = lock_one(Partner.objects.all(), pk=manager.partner_id)
    if partner.is_organization and visibility != MemberVisibility.ASSIGNED:
        raise InvalidTransition(
            "in an organization group managers always see only the accounts of their groups",
            code="visibility_fixed",
        )
    if partner.member_visibility != visibility:
        before = {"member_visibility": partner.member_visibility}
        partner.member_visibility = visibility
        partner.save(update_fields=["member_visibility"])
        audit_record(
            actor=actor,
            action=events.PARTNER_UPDATED,
            target=partner,
            partner=partner,
            before=before,
            after={"member_visibility": visibility},
        )
    return partner


def _assignment_scope(actor, member_id: int, account_ids) -> tuple[PartnerMember, list]:
    """The member (locked: one change to a member's assignments at a time) and the accounts
    (locked), all of them the partner's own; anything else is refused before a row is
    written."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        raise InvalidTransition("choose at least one account", code="accounts_empty")
    if len(ids) > ASSIGN_MAX:
        raise InvalidTransition(
            f"choose at most {ASSIGN_MAX} accounts at a time", code="accounts_too_many"
        )
    manager = team_manager_of(actor)
    member = _lock_member(manager, member_id)
    # Locked, so that their kind stays as read until the member's counters are written
    # (``partnerships.counters``).
    accounts = [a for a in _accounts_lock(ids) if a.partner_id == manager.partner_id]
    if len(accounts) != len(ids):
        raise NotFound("no such account")
    return member, accounts


def _accounts_lock(account_ids) -> list:
    from partnerhub.partnerships.counters import accounts_lock

    return accounts_lock(account_ids)


def _counts_shift(member: PartnerMember, accounts: list, sign: int) -> None:
    """The member's kind counters after ``accounts`` (read locked) were assigned to them
    (``sign`` 1) or unassigned (-1)."""
    from partnerhub.partnerships.counters import assignments_shift

    assignments_shift(
        member_id=member.pk,
        partner_id=member.partner_id,
        held={a.pk: (a.partner_id, a.partnership_kind) for a in accounts},
        sign=sign,
    )


def _assignment_webhooks(member: PartnerMember, accounts: list, event_type: str, actor) -> None:
    from partnerhub.webhooks.emit import account_data
    from partnerhub.webhooks.models import WebhookEndpoint
    from partnerhub.webhooks.services import event_emit

    endpoints = list(WebhookEndpoint.objects.filter(partner_id=member.partner_id, enabled=True))
    if not any(e.wants(event_type) for e in endpoints):
        return
    person = {"name": member_display_name(member), "email": member.user.email}
    for account in accounts:
        event_emit(
            partner_id=member.partner_id,
            event_type=event_type,
            data={**account_data(account), "member": person, "by": actor_label_for(actor)},
            endpoints=endpoints,
        )


def _assignment_audit(*, actor, action, member: PartnerMember, rows: list[tuple[int, int]]):
    """One audit row per account (each is on that account's timeline): ``rows`` are
    ``(assignment id, account id)``."""
    after = {"member_id": member.pk, "member_name": member_display_name(member)}
    audit_record_bulk(
        actor=actor,
        action=action,
        target_model=AccountAssignment,
        rows=[
            AuditRow(
                target_id=target_id,
                partner_id=member.partner_id,
                account_id=account_id,
                after=after,
            )
            for target_id, account_id in rows
        ],
    )


def _assign(*, actor, member: PartnerMember, accounts: list, group_names: tuple = ()) -> int:
    """Assign ``accounts`` to ``member`` (those already assigned stay as they are), audit each,
    queue the webhooks and tell the member once (the bell). Returns how many were new."""
    already = set(
        AccountAssignment.objects.filter(
            member=member, account_id__in=[a.pk for a in accounts]
        ).values_list("account_id", flat=True)
    )
    new = [a for a in accounts if a.pk not in already]
    if not new:
        return 0
    now = timezone.now()
    created = AccountAssignment.objects.bulk_create(
        [
            AccountAssignment(
                partner_id=member.partner_id,
                account=a,
                member=member,
                assigned_by=actor,
                assigned_at=now,
            )
            for a in new
        ]
    )
    _counts_shift(member, new, 1)
    _assignment_audit(
        actor=actor,
        action=events.ACCOUNT_ASSIGNED,
        member=member,
        rows=[(c.pk, c.account_id) for c in created],
    )
    _assignment_webhooks(member, new, "account.assigned", actor)
    _assignment_notice(
        actor=actor,
        member=member,
        count=len(new),
        key=created[0].pk,
        at=now,
        group_names=group_names,
    )
    return len(new)


def _unassign(*, actor, member: PartnerMember, assignments: list, accounts: list) -> int:
    if not assignments:
        return 0
    _assignment_audit(
        actor=actor,
        action=events.ACCOUNT_UNASSIGNED,
        member=member,
        rows=[(x.pk, x.account_id) for x in assignments],
    )
    AccountAssignment.objects.filter(pk__in=[x.pk for x in assignments]).delete()
    gone = {x.account_id for x in assignments}
    # An assigned account no longer the partner's counts for no one: only the others shift.
    _counts_shift(member, [a for a in accounts if a.pk in gone], -1)
    _assignment_webhooks(member, [a for a in accounts if a.pk in gone], "account.unassigned", actor)
    return len(assignments)


def _assignment_notice(*, actor, member, count: int, key: int, at, group_names=()) -> None:
    """The member's bell: once per assignment action, linking to their accounts."""
    from django.urls import reverse

    from partnerhub.notices.models import NoticeKind
    from partnerhub.notices.services import notice_create

    if actor is not None and actor.pk == member.user_id:
        return  # they did it themselves
    who = actor_label_for(actor) if actor is not None else member.partner.name
    what = f"{count} account{'s' if count != 1 else ''}"
    if group_names:
        groups = ", ".join(group_names)
        title = f"{who} gave you {groups} at {member.partner.name}: {what} to look after"
    else:
        title = f"{who} assigned {what} to you at {member.partner.name}"
    notice_create(
        user_ids=[member.user_id],
        kind=NoticeKind.ACCOUNTS_ASSIGNED,
        title=title,
        url=f"{reverse('partner-accounts')}?assigned={member.pk}",
        source_key=f"assigned:{member.pk}:{key}",
        at=at,
    )


def _organizations_assign_by_group(member: PartnerMember) -> None:
    if member.partner.is_organization:
        raise InvalidTransition(
            f"in {member.partner.name} accounts are given to group managers by group: "
            "choose their groups on the team page",
            code="assign_by_group",
        )


@transaction.atomic
def accounts_assign(*, actor, member_id: int, account_ids: list[int]) -> int:
    """An owner or admin assigns accounts of the partnership (up to ``ASSIGN_MAX`` at once) to
    a member of its team. Accounts already assigned to them stay as they are. Returns how many
    were newly assigned. (In an organization, group managers get their groups' accounts:
    ``organizations.services.group_managers_set``.)"""
    member, accounts = _assignment_scope(actor, member_id, account_ids)
    _organizations_assign_by_group(member)
    return _assign(actor=actor, member=member, accounts=accounts)


@transaction.atomic
def accounts_unassign(*, actor, member_id: int, account_ids: list[int]) -> int:
    """The reverse of ``accounts_assign``. Accounts not assigned to the member are left as
    they are. Returns how many were unassigned."""
    member, accounts = _assignment_scope(actor, member_id, account_ids)
    _organizations_assign_by_group(member)
    assignments = list(
        AccountAssignment.objects.filter(
            member=member, account_id__in=[a.pk for a in accounts]
        ).order_by("account_id")
    )
    return _unassign(actor=actor, member=member, assignments=assignments, accounts=accounts)


def member_assignments_set(
    *, actor, member: PartnerMember, account_ids, group_names: tuple = ()
) -> tuple[int, int]:
    """Make ``member``'s assignments exactly ``account_ids`` (accounts of their partner; others
    are ignored), with the same audit rows, webhooks and notice as assigning by hand. For
    callers that checked who is asking and hold the member's row locked (the group managers
    of an organization). Returns (how many were assigned, how many unassigned)."""
    wanted = set(account_ids)
    current = {
        a.account_id: a
        for a in AccountAssignment.objects.filter(member=member).order_by("account_id")
    }
    add = sorted(wanted - set(current))
    drop = sorted(set(current) - wanted)
    affected = {a.pk: a for a in _accounts_lock(add + drop) if a.partner_id == member.partner_id}
    added = _assign(
        actor=actor,
        member=member,
        accounts=[affected[pk] for pk in add if pk in affected],
        group_names=group_names,
    )
    removed = _unassign(
        actor=actor,
        member=member,
        assignments=[current[pk] for pk in drop],
        accounts=[affected[pk] for pk in drop if pk in affected],
    )
    return added, removed
