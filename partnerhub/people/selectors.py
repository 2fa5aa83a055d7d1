"""Which time zone a person reads times in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery


def time_zones_of(user, teams=None) -> tuple[str, str]:
    """(the person's own choice or "", the zone of the team they work in now or the
    program's default). ``teams``: their ``partners.selectors.teams_of``, where already read."""
    from partnerhub.partners.selectors import teams_of

    teams = teams if teams is not None else teams_of(user)
    own = teams.own_zone
    if own is None:  # in no team: the profile is read on its own
        own = (
            get_user_model()
            .objects.filter(pk=getattr(user, "pk", None))
            .values_list("profile__time_zone", flat=True)
            .first()
        )
    membership = teams.current
    partners = membership.partner.time_zone if membership is not None else ""
    return own or "", partners or settings.TIME_ZONE


def time_zone_for(user, teams=None) -> str:
    """The person's own zone, else their partner's, else the program's (``TIME_ZONE``)."""
    own, default = time_zones_of(user, teams)
    return own or default


def time_zones_for(user_ids) -> dict[int, str]:
    """``time_zone_for`` of many people at once, by user id (one query): their own zone, else
    the zone of the team they work in now (their chosen one, else their earliest)."""
    from partnerhub.partners.models import PartnerMember

    earliest = (
        PartnerMember.objects.filter(user_id=OuterRef("pk"))
        .order_by("joined_at", "pk")
        .values("partner__time_zone")[:1]
    )
    rows = (
        get_user_model()
        .objects.filter(pk__in=set(user_ids))
        .annotate(earliest_zone=Subquery(earliest))
        .values_list(
            "pk",
            "profile__time_zone",
            "profile__current_member__partner__time_zone",
            "earliest_zone",
        )
    )
    return {pk: own or chosen or first or settings.TIME_ZONE for pk, own, chosen, first in rows}
