"""The native API, ``/api/v1``: OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``."""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.throttling import AuthRateThrottle

from partnerhub.api import errors
from partnerhub.api.auth import PartnerKey, StaffKey
from partnerhub.api.parsing import TextSafeParser
from partnerhub.api.routers import accounts, billing, earnings, webhooks


class PerKeyThrottle(AuthRateThrottle):
    scope = "api_key"

    def __init__(self):
        super().__init__(settings.PARTNERHUB_API_RATE)

    def allow_request(self, request) -> bool:
        # The rate is read on every request, so that a changed setting applies at once.
        if self.rate != settings.PARTNERHUB_API_RATE:
            self.rate = settings.PARTNERHUB_API_RATE
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


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
)
errors.install(api)
api.add_router("", accounts.router)
api.add_router("", earnings.router)
api.add_router("", webhooks.router)
api.add_router("", billing.router, auth=StaffKey())

urlpatterns = api.urls


@csrf_exempt
def not_found(request):
    """Any other path under ``/api/v1/`` (an account id no account can have, among them)."""
    return JsonResponse(errors.error_body("not_found", "not found"), status=404)
