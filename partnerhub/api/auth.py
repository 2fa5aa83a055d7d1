from django.http import HttpRequest
from ninja.security import HttpBearer

from partnerhub.api.keys import api_key_authenticate
from partnerhub.api.models import ApiKey


class PartnerKey(HttpBearer):
    """A partner's API key. ``request.auth`` is the key."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = api_key_authenticate(token)
        if key is None or key.is_staff_key:
            return None
        return key


class StaffKey(HttpBearer):
    """A program-staff API key, for bringing billing data in."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = api_key_authenticate(token)
        if key is None or not key.is_staff_key:
            return None
        return key
