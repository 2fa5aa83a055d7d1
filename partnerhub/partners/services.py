"""Partners and their teams. Owners and admins manage the team; only an owner makes or
removes an owner; a partner always keeps at least one owner."""

from django.db import transaction

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.core.timefmt import is_time_zone
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.partners.selectors import membership_of


def team_manager_of(actor) -> PartnerMember:
    """The actor's membership if they may manage its team (owners and admins)."""
    membership = membership_of(actor)
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
def partner_create(*, name: str, deployed_on, actor=None) -> Partner:
    partner = Partner.objects.create(name=name, deployed_on=deployed_on)
    audit_record(
        actor=actor,
        action=events.PARTNER_CREATED,
        target=partner,
        partner=partner,
        after={"name": name, "deployed_on": deployed_on.isoformat()},
    )
    return partner


@transaction.atomic
def member_join(*, partner: Partner, user, role: str, invitation_id: int) -> PartnerMember:
    """``user`` joins ``partner``'s team with ``role``: only the acceptance of an invitation
    (``invitations.services``), the person's own action, calls this."""
    if role not in PartnerRole.values:
        raise InvalidTransition("unknown role", code="role_invalid")
    lock_one(Partner.objects.all(), pk=partner.pk)
    existing = membership_of(user)
    if existing is not None:
        raise Conflict(
            f"you already belong to the team of {existing.partner.name}; "
            "leave it before joining another",
            code="member_exists",
        )
    member = PartnerMember.objects.create(partner=partner, user=user, role=role)
    audit_record(
        actor=user,
        action=events.MEMBER_ADDED,
        target=member,
        partner=partner,
        after={"email": user.email, "role": role, "invitation_id": invitation_id},
    )
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
