from django.db import transaction

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import InvalidTransition
from partnerhub.core.timefmt import is_time_zone
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
