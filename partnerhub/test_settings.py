"""Settings for the test suite: the production settings, with e-mail kept in memory and
background tasks run at once when their transaction commits. Debug stays off, as in
production, so the suite brings a key of its own."""

import os
import tempfile

os.environ.setdefault("PARTNERHUB_SECRET_KEY", "partnerhub-test-suite-only-secret-key")

from partnerhub.settings import *  # noqa: E402, F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASKS["default"]["QUEUES"],  # noqa: F405
    }
}
PARTNERHUB_BASE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE = True
# One cache per test process, emptied before each test (see conftest.py). Rate limits count in
# the database (rolled back with each test); several processes sharing one count, and Redis,
# have tests of their own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Browser tests put back the rows migrations write (see portal/tests/conftest.py); content
# types and permissions are rebuilt by the flush itself, so they are left out, and so are the
# help centre's shipped articles (loaded again by the flush, or by the tests that read them).
TEST_NON_SERIALIZED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "partnerhub.help"]
# Uploaded files (brand kit logos) of a test run go to a directory of its own.
MEDIA_ROOT = tempfile.mkdtemp(prefix="partnerhub-test-media-")
# PostgreSQL: a test database is thrown away, so its commits need not wait for the disk (many
# tests commit, and each one that does flushes every table after it).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
