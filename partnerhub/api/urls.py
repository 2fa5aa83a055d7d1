"""The native API, ``/api/v1``: OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``."""

import threading

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.throttling import BaseThrottle

from partnerhub.api import errors
from partnerhub.api.auth import PartnerKey, StaffKey
from partnerhub.api.parsing import TextSafeParser
from partnerhub.api.renderers import ORJSONRenderer
from partnerhub.api.routers import (
    accounts,
    assignments,
    billing,
    brand,
    earnings,
    moves,
    onboarding,
    organizations,
    pricing,
    webhooks,
)
from partnerhub.core import ratelimit


class PerKeyThrottle(BaseThrottle):
    """``PARTNERHUB_API_RATE`` per API key (per address before a key is known), counted in the
    cache all server processes share: under several workers a key gets its rate, not its rate
    times the workers. The rate is read on every request, so that a changed setting applies
    at once."""

    def __init__(self):
        self._last = threading.local()  # the answer for this thread's request, for wait()

    def allow_request(self, request) -> bool:
        auth = getattr(request, "auth", None)
        ident = (
            f"key:{auth}" if auth is not None else f"address:{ratelimit.client_address(request)}"
        )
        self._last.hit = ratelimit.hit(
            "api", ident, ratelimit.Rate.parse(settings.PARTNERHUB_API_RATE)
        )
        return self._last.hit.allowed

    def wait(self) -> float | None:
        hit = getattr(self._last, "hit", None)
        return hit.retry_after if hit is not None else None


api = NinjaAPI(
    title="PartnerHub API",
    version="1.0.0",
    description=(
        "Everything the partner portal does, for a partner's own tools. Authenticate with an API "
        "key from the portal (My Organization › API keys) as `Authorization: Bearer …`. Errors are "
        '`{"error": {"code", "message", "details"}}`. POSTs that create honour `Idempotency-Key`.'
    ),
    urls_namespace="api-v1",
    auth=PartnerKey(),
    throttle=[PerKeyThrottle()],
    parser=TextSafeParser(),
    renderer=ORJSONRenderer(),
)
errors.install(api)
api.add_router("", accounts.router)
api.add_router("", assignments.router)
api.add_router("", moves.router)
api.add_router("", organizations.router)
api.add_router("", earnings.router)
api.add_router("", onboarding.router)
api.add_router("", pricing.router)
api.add_router("", webhooks.router)
api.add_router("", brand.router)
api.add_router("", billing.router, auth=StaffKey())

urlpatterns = api.urls


@csrf_exempt
def not_found(request):
    """Any other path under ``/api/v1/`` (an account id no account can have, among them)."""
    return JsonResponse(errors.error_body("not_found", "not found"), status=404)
