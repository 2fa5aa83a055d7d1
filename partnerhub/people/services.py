from django.db import transaction

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import InvalidTransition, NotFound
from partnerhub.core.timefmt import is_time_zone
from partnerhub.partners.models import PartnerMember
from partnerhub.people.models import Profile


@transaction.atomic
def profile_update(*, actor, time_zone: str) -> Profile:
    """The person sets their own time zone; "" goes back to the default."""
    time_zone = (time_zone or "").strip()
    if time_zone and not is_time_zone(time_zone):
        raise InvalidTransition(f"{time_zone} is not a time zone", code="time_zone_unknown")
    profile, _ = Profile.objects.select_for_update().get_or_create(user=actor)
    before = {"time_zone": profile.time_zone}
    if profile.time_zone != time_zone:
        profile.time_zone = time_zone
        profile.save(update_fields=["time_zone"])
        audit_record(
            actor=actor,
            action=events.PROFILE_UPDATED,
            target=profile,
            before=before,
            after={"time_zone": time_zone},
        )
    return profile


@transaction.atomic
def current_team_set(*, actor, member_id: int) -> PartnerMember:
    """The person chooses which of their teams they work in now: pages, reports and the
    services they use without credentials act for that team from then on. Only one of their
    own memberships can be chosen; anyone else's is not found."""
    try:
        member = PartnerMember.objects.select_related("partner").get(
            pk=member_id, user_id=getattr(actor, "pk", None)
        )
    except (PartnerMember.DoesNotExist, ValueError, TypeError):
        raise NotFound("no such team", code="team_not_found") from None
    profile, _ = Profile.objects.select_for_update().get_or_create(user=actor)
    before = profile.current_member_id
    if before != member.pk:
        profile.current_member = member
        profile.save(update_fields=["current_member"])
        audit_record(
            actor=actor,
            action=events.TEAM_SWITCHED,
            target=profile,
            partner=member.partner,
            before={"member_id": before},
            after={"member_id": member.pk, "partner": member.partner.name},
        )
    return member
