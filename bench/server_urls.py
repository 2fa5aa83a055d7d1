"""The product's URLs plus two constant Ninja endpoints, for the API throughput benchmark.

- ``/bench/constant``: returns ``{"ok": true}`` through the same middleware and the same Ninja
  machinery as the API, without authentication, throttling, queries or a response schema: the
  ceiling the API's throughput is compared with;
- ``/bench/constant-keyed``: the same behind the API's own key check and per-key throttle, to
  tell what those cost from what the accounts list itself costs.
"""

from django.urls import path
from ninja import NinjaAPI

from partnerhub.api.auth import PartnerKey
from partnerhub.api.urls import PerKeyThrottle
from partnerhub.urls import urlpatterns as product_urlpatterns

bare = NinjaAPI(title="Bench", urls_namespace="bench", docs_url=None, openapi_url=None)


@bare.get("/constant")
def constant(request):
    return {"ok": True}


@bare.get("/constant-keyed", auth=PartnerKey(), throttle=[PerKeyThrottle()])
def constant_keyed(request):
    return {"ok": True}


urlpatterns = [path("bench/", bare.urls), *product_urlpatterns]
