import pytest
from django.core.cache import caches


@pytest.fixture
def fake_dns(monkeypatch):
    """Webhook targets resolve through a stub (``webhooks.tests.dns.FakeDNS``) that answers
    for the ``.partner.test`` names of ``webhooks.tests.hostile``."""
    from partnerhub.webhooks import safety
    from partnerhub.webhooks.tests.dns import FakeDNS
    from partnerhub.webhooks.tests.hostile import DNS

    dns = FakeDNS(answers={name: list(answers) for name, answers in DNS.items()})
    monkeypatch.setattr(safety, "resolver", dns)
    return dns


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Rate limits count in the cache: every test starts with clean counts, and with no API
    key, V3 credentials or kept statement remembered by this process (as a fresh server
    process)."""
    from partnerhub.api import keycache
    from partnerhub.core import prepared

    for cache in caches.all():
        cache.clear()
    keycache.keys.clear()
    keycache.v3_clients.clear()
    prepared.forget()
    yield
    keycache.keys.clear()
    keycache.v3_clients.clear()
    prepared.forget()
