from django.http import HttpRequest
from ninja.security import APIKeyHeader

from partnerhub.audit.services import acting_through
from partnerhub.v3.credentials import request_authenticate
from partnerhub.v3.models import V3Client


def bearer_token(request: HttpRequest) -> str | None:
    """The token of ``Authorization: Bearer <token>``. The public API's own examples also send
    the bare token, so that is accepted too."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _, rest = header.partition(" ")
    if rest and scheme.lower() == "bearer":
        return rest.strip() or None
    if " " in header:
        return None  # another scheme (Basic, ...)
    return header


class V3ClientAuth(APIKeyHeader):
    """``x-api-key`` plus ``Authorization: Bearer <token>``, both of one client.
    ``request.auth`` is the ``V3Client``."""

    param_name = "x-api-key"

    def authenticate(self, request: HttpRequest, key: str | None) -> V3Client | None:
        client = request_authenticate(api_key=key, token=bearer_token(request))
        if client is not None:
            acting_through(client.created_by, f"the V3 credentials “{client.name}”")
        return client
