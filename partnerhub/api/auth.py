from django.http import HttpRequest
from ninja.security import HttpBearer

from partnerhub.api.keycache import authenticate_cached
from partnerhub.api.keys import api_key_authenticate
from partnerhub.api.models import ApiKey
from partnerhub.audit.services import acting_through
from partnerhub.partners.selectors import bind_to_partner, restricted_member_id_for


def _key(token: str) -> ApiKey | None:
    """The key of a bearer token: checked at most once a second per process (see
    ``keycache``). The one seam where who-may-call is decided for every API call."""
    return authenticate_cached(token, api_key_authenticate)


class PartnerKey(HttpBearer):
    """A partner's API key. ``request.auth`` is the key."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = _key(token)
        if key is None or key.is_staff_key:
            return None
        acting_through(key.created_by, f"the API key “{key.name}”")
        # A key acts for the team it was made in, whichever team its creator works in now.
        bind_to_partner(key.created_by, key.partner_id)
        return key


class StaffKey(HttpBearer):
    """A program-staff API key, for bringing billing data in."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = _key(token)
        if key is None or not key.is_staff_key:
            return None
        return key


def key_visible_to(request: HttpRequest) -> int | None:
    """The member whose assigned accounts bound what the calling key sees (a key acts as the
    member who created it), or None when it sees every account of the partnership."""
    key = request.auth
    known = None
    if getattr(key, "creator_member_id", None) is not None:  # read with the key (``_key``)
        known = (key.creator_member_id, key.creator_role)
    return restricted_member_id_for(partner=key.partner, user_id=key.created_by_id, known=known)
