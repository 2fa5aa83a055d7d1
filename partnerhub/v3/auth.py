from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyHeader

from partnerhub.audit.services import acting_through
from partnerhub.core import ratelimit
from partnerhub.core.ratelimit import Rate
from partnerhub.partners.selectors import bind_to_partner
from partnerhub.v3.credentials import request_authenticate
from partnerhub.v3.errors import V3Error
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
            rate_check(client)
            acting_through(client.created_by, f"the V3 credentials “{client.name}”")
            # Credentials act for the team they were made for, whichever team their creator
            # works in now.
            bind_to_partner(client.created_by, client.partner_id)
        return client


def rate_check(client: V3Client) -> None:
    """The public rate limits, per credential: ``PARTNERHUB_V3_RATE_PER_SECOND`` (4/s) answers
    429 ``throttled`` beyond it, ``PARTNERHUB_V3_RATE_PER_DAY`` (10000/day) 429
    ``quota_exceeded``. Counted in the shared cache, so every server process sees one count; a
    call refused for the burst does not count against the day (both are counted at once, and
    the day's hit is given back)."""
    burst, day = ratelimit.hits(
        [
            ("v3:second", client.client_id, Rate.parse(settings.PARTNERHUB_V3_RATE_PER_SECOND)),
            ("v3:day", client.client_id, Rate.parse(settings.PARTNERHUB_V3_RATE_PER_DAY)),
        ]
    )
    if not burst.allowed:
        ratelimit.give_back("v3:day", client.client_id)
        raise V3Error(
            429,
            "throttled",
            "Too many requests per second for these credentials; slow down and retry.",
            headers={"Retry-After": str(burst.retry_after)},
        )
    if not day.allowed:
        raise V3Error(
            429,
            "quota_exceeded",
            "The daily request quota of these credentials is used up.",
            headers={"Retry-After": str(day.retry_after)},
        )
