from django.http import HttpRequest
from ninja.security import HttpBearer

from partnerhub.api.keycache import authenticate_cached
from partnerhub.api.keys import api_key_authenticate
from partnerhub.api.models import ApiKey


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
        return key


class StaffKey(HttpBearer):
    """A program-staff API key, for bringing billing data in."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = _key(token)
        if key is None or not key.is_staff_key:
            return None
        return key
