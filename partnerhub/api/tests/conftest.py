import copy

import pytest
from django.core.cache import cache
from django.db import transaction

from partnerhub.api import keycache
from partnerhub.api.tests.cast import Cast, build_cast


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The per-key throttle counts in the cache; every test starts with a clean count, and
    # with no key remembered by this process (as a fresh server process).
    cache.clear()
    keycache.keys.clear()
    yield
    cache.clear()
    keycache.keys.clear()


@pytest.fixture(scope="module")
def _module_cast(django_db_setup, django_db_blocker):
    """The cast, built once per module inside a transaction that is rolled back at its end.
    Each test runs in a savepoint within it (the ``db`` fixture), as Django's
    ``TestCase.setUpTestData`` does."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_cast()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def cast(_module_cast, db) -> Cast:
    # A copy per test, so that one test's refreshed objects never leak into the next.
    return copy.deepcopy(_module_cast)
