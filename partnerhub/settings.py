"""Settings for PartnerHub.

Everything that differs between a laptop and production comes from the environment:
``DATABASE_URL`` (SQLite file by default), ``PARTNERHUB_DEBUG``, ``PARTNERHUB_SECRET_KEY``,
``PARTNERHUB_ALLOWED_HOSTS`` and ``PARTNERHUB_EMAIL_DIR``.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PARTNERHUB_VAR_DIR", BASE_DIR / "var"))
# The SQLite file, test databases and e-mails of a laptop or the demo live here.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _env_flag("PARTNERHUB_DEBUG")
SECRET_KEY = os.environ.get("PARTNERHUB_SECRET_KEY", "partnerhub-local-only-secret-key-change-me")
ALLOWED_HOSTS = os.environ.get("PARTNERHUB_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "partnerhub.core",
    "partnerhub.audit",
    "partnerhub.partners",
    "partnerhub.invitations",
    "partnerhub.clients",
    "partnerhub.partnerships",
    "partnerhub.access",
    "partnerhub.billing",
    "partnerhub.earnings",
    "partnerhub.imports",
    "partnerhub.webhooks",
    "partnerhub.api",
    "partnerhub.v3",
    "partnerhub.portal",
    "partnerhub.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnerhub.urls"
WSGI_APPLICATION = "partnerhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "partnerhub" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnerhub.portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (a file under var/) unless DATABASE_URL points elsewhere. SQLite runs in WAL mode with
# IMMEDIATE transactions so that concurrent writers queue instead of failing half-way.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'partnerhub.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=10000;"
            "PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file (not memory) so tests see WAL and IMMEDIATE transactions as production does; one
    # per process so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed sign-ins are throttled per username and address by django-axes.
AXES_FAILURE_LIMIT = int(os.environ.get("PARTNERHUB_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "partnerhub" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- E-mail ---------------------------------------------------------------------------------
# In the demo and on a laptop, each message lands as a file under var/mail/.
EMAIL_BACKEND = os.environ.get(
    "PARTNERHUB_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("PARTNERHUB_EMAIL_DIR", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = "PartnerHub <partners@partnerhub.example>"
PARTNERHUB_BASE_URL = os.environ.get("PARTNERHUB_BASE_URL", "http://127.0.0.1:8000")

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PARTNERHUB_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# How often the worker runs its periodic sweeps (expiring requests), in seconds.
PARTNERHUB_SWEEP_INTERVAL_SECONDS = int(os.environ.get("PARTNERHUB_SWEEP_INTERVAL", "60"))

# --- Program rules --------------------------------------------------------------------------
# A manage request that the customer has not answered expires after this many days.
MANAGE_REQUEST_EXPIRY_DAYS = int(os.environ.get("PARTNERHUB_REQUEST_EXPIRY_DAYS", "30"))
# An invitation (to a team, or to own an account) that is not answered expires after this.
INVITATION_EXPIRY_DAYS = int(os.environ.get("PARTNERHUB_INVITATION_EXPIRY_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"partnerhub": {"handlers": ["console"], "level": "INFO"}},
}

# Tasks the worker enqueues on its own every PARTNERHUB_SWEEP_INTERVAL_SECONDS.
PARTNERHUB_PERIODIC_TASKS = [
    "partnerhub.access.tasks.manage_requests_expire_due_task",
    "partnerhub.invitations.tasks.invitations_expire_due_task",
    "partnerhub.webhooks.tasks.webhooks_sweep_task",
]
# Webhook targets on private, loopback or link-local addresses are refused unless this is on
# (the demo and the tests deliver to 127.0.0.1).
PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE = _env_flag("PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE")

# Requests per API key, e.g. "600/min".
PARTNERHUB_API_RATE = os.environ.get("PARTNERHUB_API_RATE", "600/min")
