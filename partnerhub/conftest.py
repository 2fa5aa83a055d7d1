import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Rate limits count in the cache: every test starts with clean counts."""
    for cache in caches.all():
        cache.clear()
    yield
