"""Settings for the test suite: the production settings, with e-mail kept in memory and
background tasks run at once when their transaction commits."""

from partnerhub.settings import *  # noqa: F403

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
