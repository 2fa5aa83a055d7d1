"""Settings for PartnerHub.

Everything that differs between a laptop and production comes from the environment:
``DATABASE_URL`` (SQLite file by default), ``PARTNERHUB_DEBUG``, ``PARTNERHUB_SECRET_KEY``,
``PARTNERHUB_ALLOWED_HOSTS``, ``PARTNERHUB_EMAIL_DIR``, ``PARTNERHUB_HTTPS`` and the others in the
README's settings table.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PARTNERHUB_VAR_DIR", BASE_DIR / "var"))
# The SQLite file, test databases and e-mails of a laptop or the demo live here.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _env_flag("PARTNERHUB_DEBUG")
# The built-in key is public (it is in this file): it only serves a laptop with debug on.
LOCAL_ONLY_SECRET_KEY = "partnerhub-local-only-secret-key-change-me"
SECRET_KEY = os.environ.get("PARTNERHUB_SECRET_KEY") or LOCAL_ONLY_SECRET_KEY
if not DEBUG and SECRET_KEY == LOCAL_ONLY_SECRET_KEY:
    raise ImproperlyConfigured(
        "PARTNERHUB_SECRET_KEY is not set: with PARTNERHUB_DEBUG off, PartnerHub needs a long "
        "random secret key of its own (for development, set PARTNERHUB_DEBUG=1 instead)."
    )
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
    # Ninja as an app: its docs pages use the Swagger UI it ships, not a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "partnerhub.core",
    "partnerhub.audit",
    "partnerhub.notices",
    "partnerhub.partners",
    "partnerhub.invitations",
    "partnerhub.people",
    "partnerhub.clients",
    "partnerhub.partnerships",
    "partnerhub.access",
    "partnerhub.moves",
    "partnerhub.organizations",
    "partnerhub.brand",
    "partnerhub.onboarding",
    "partnerhub.billing",
    "partnerhub.earnings",
    "partnerhub.pricing",
    "partnerhub.imports",
    "partnerhub.webhooks",
    "partnerhub.api",
    "partnerhub.v3",
    "partnerhub.help",
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
    "partnerhub.people.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "partnerhub.core.middleware.RefuseUnstorableAddress",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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
                "partnerhub.help.context_processors.help_link",
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
    # Kept open between requests, as on PostgreSQL: opening one and running the PRAGMAs below
    # costs more than most pages' queries.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=10000;"
            "PRAGMA foreign_keys=ON;"
            # Pages of the file are read from memory the system already caches, instead of
            # a read call per page: lookups by id across a large table cost far less.
            "PRAGMA mmap_size=1073741824;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file (not memory) so tests see WAL and IMMEDIATE transactions as production does; one
    # per process so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get(
    "PARTNERHUB_DATABASE_PREPARE", "1"
) not in ("", "0"):
    # The statements the lists run again and again (``core.prepared``) are prepared once per
    # connection, with a generic plan, instead of planned on every request; Django's own
    # statements are never prepared. Behind a pooler that shares server connections between
    # transactions and cannot keep prepared statements (PgBouncer before 1.21 in transaction
    # mode), set PARTNERHUB_DATABASE_PREPARE=0.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("prepare_threshold", 5)
    _options["options"] = " ".join(
        filter(None, [_options.get("options", ""), "-c plan_cache_mode=force_generic_plan"])
    )

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
# Failed sign-ins within the cool-off are counted by django-axes per username from one address,
# per username from anywhere and per address whatever the username; any count at its limit
# pauses sign-in (partnerhub.core.lockouts).
AXES_HANDLER = "partnerhub.core.lockouts.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("PARTNERHUB_LOGIN_FAILURE_LIMIT", "5"))
PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_USERNAME = int(
    os.environ.get("PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_USERNAME", "10")
)
PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(
    os.environ.get("PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20")
)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "partnerhub.core.ratelimit.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token from the form or the page (htmx's hx-headers); no script reads
# the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SAMESITE = "Lax"

# --- HTTPS and browser protections ----------------------------------------------------------
# Served behind HTTPS (directly or by a TLS proxy): redirect plain HTTP, send cookies only over
# HTTPS and tell browsers to keep to HTTPS (HSTS).
HTTPS = _env_flag("PARTNERHUB_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("PARTNERHUB_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# The request header by which a TLS proxy says the browser's connection was HTTPS, e.g.
# X-Forwarded-Proto (the proxy must set it on every request and drop any the client sent).
_PROXY_SSL_HEADER = os.environ.get("PARTNERHUB_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
# How many proxies in front of the application append to X-Forwarded-For: the client's address
# (for sign-in lock-outs and rate limits) is then read from that header, not the proxy's.
PARTNERHUB_TRUSTED_PROXIES = int(os.environ.get("PARTNERHUB_TRUSTED_PROXIES", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every page: scripts, styles and images from this site only; no inline script or style, no
# framing, forms post here only.
EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Besides the site's own style sheets, only an empty style attribute (the hash is that
        # of the empty string), which htmx leaves on elements it swaps in.
        "style-src": [SELF, "'unsafe-hashes'", EMPTY_STYLE_HASH],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "partnerhub" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- Uploaded files -------------------------------------------------------------------------
# Brand kit logos, stored through Django's storage API. They are never served from this
# directory by the web server: a checked view sends each to those who may see it.
MEDIA_ROOT = os.environ.get("PARTNERHUB_MEDIA_ROOT", str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
# One way to write dates and moments (see partnerhub/core/timefmt.py), the admin included.
FORMAT_MODULE_PATH = ["partnerhub.formats"]

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
        "QUEUES": ["default", "webhooks"],
    }
}
# The worker's threads per queue: webhook deliveries (which wait on partners' servers) run
# beside e-mail and the sweeps, never in front of them.
PARTNERHUB_WORKER_THREADS = {
    "default": 1,
    "webhooks": int(os.environ.get("PARTNERHUB_WEBHOOK_THREADS", "2")),
}
# How often each queue's worker threads look for work, in seconds: a webhook goes out within a
# fraction of a second of the change that caused it (an idle look is one indexed query).
PARTNERHUB_WORKER_POLL_SECONDS = {
    "default": 1.0,
    "webhooks": float(os.environ.get("PARTNERHUB_WEBHOOK_POLL_SECONDS", "0.2")),
}
# How often the worker runs its periodic sweeps (expiring requests), in seconds.
PARTNERHUB_SWEEP_INTERVAL_SECONDS = int(os.environ.get("PARTNERHUB_SWEEP_INTERVAL", "60"))

# --- Program rules --------------------------------------------------------------------------
# A manage request that the customer has not answered expires after this many days.
MANAGE_REQUEST_EXPIRY_DAYS = int(os.environ.get("PARTNERHUB_REQUEST_EXPIRY_DAYS", "30"))
# How long access lasts when a partner does not choose (days; one of 30, 90, 180, 365, 730).
# Empty: until the customer turns it off.
PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS = (
    int(os.environ["PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS"])
    if os.environ.get("PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS")
    else None
)
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
    "partnerhub.moves.tasks.moves_expire_due_task",
    "partnerhub.access.tasks.grants_sweep_task",
    "partnerhub.invitations.tasks.invitations_expire_due_task",
    "partnerhub.webhooks.tasks.webhooks_sweep_task",
    "partnerhub.core.tasks.emails_retry_due_task",
    "partnerhub.v3.tasks.cancellations_due_task",
    "partnerhub.onboarding.tasks.onboarding_checks_sweep_task",
    "partnerhub.core.tasks.rate_counts_sweep_task",
]
# Webhook targets on private, loopback or link-local addresses are refused unless this is on
# (the demo and the tests deliver to 127.0.0.1).
PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE = _env_flag("PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE")
# One delivery attempt (connect, TLS, request and answer) ends after this many seconds.
PARTNERHUB_WEBHOOKS_DEADLINE_SECONDS = float(os.environ.get("PARTNERHUB_WEBHOOKS_DEADLINE", "15"))

# --- Rate limits ----------------------------------------------------------------------------
# Counts live where every server process sees them: in the database's own counter table
# (core.RateCount, one statement a hit), or in Redis where PARTNERHUB_CACHE_URL (or REDIS_URL)
# names one and the redis package is installed (`pip install redis`). Without Redis, Django's
# cache is the database's (a table that the core app's migrations create).
_CACHE_URL = os.environ.get("PARTNERHUB_CACHE_URL") or os.environ.get("REDIS_URL")
if _CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "partnerhub_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# The cache rate limits count in, or None for the database's counter table. A cache named here
# must increment atomically (Redis does; Django's database cache does not, and is refused).
PARTNERHUB_RATELIMIT_CACHE = "default" if _CACHE_URL else None
# Password-reset e-mails: per address asking, and per e-mail asked for. Beyond either, the page
# answers as always but sends nothing.
PARTNERHUB_PASSWORD_RESET_RATE_PER_ADDRESS = os.environ.get(
    "PARTNERHUB_PASSWORD_RESET_RATE_PER_ADDRESS", "10/h"
)
PARTNERHUB_PASSWORD_RESET_RATE_PER_EMAIL = os.environ.get(
    "PARTNERHUB_PASSWORD_RESET_RATE_PER_EMAIL", "3/h"
)
# Wrong client credentials at the V3 token endpoint, per client id and per address.
PARTNERHUB_V3_TOKEN_FAILURES_PER_CLIENT = os.environ.get(
    "PARTNERHUB_V3_TOKEN_FAILURES_PER_CLIENT", "10/10min"
)
PARTNERHUB_V3_TOKEN_FAILURES_PER_ADDRESS = os.environ.get(
    "PARTNERHUB_V3_TOKEN_FAILURES_PER_ADDRESS", "30/10min"
)
# Wrong request codes a partner may try for one account; beyond it every try is refused.
PARTNERHUB_REQUEST_CODE_FAILURES = os.environ.get("PARTNERHUB_REQUEST_CODE_FAILURES", "5/h")
# Sign-ups through an invite link, per address.
PARTNERHUB_JOIN_RATE_PER_ADDRESS = os.environ.get("PARTNERHUB_JOIN_RATE_PER_ADDRESS", "10/h")
# Moves a partner may ask for (each one e-mails an account owner).
PARTNERHUB_MOVE_RATE_PER_PARTNER = os.environ.get("PARTNERHUB_MOVE_RATE_PER_PARTNER", "30/h")
# Calls per V3 credential: a short burst and a daily quota (429 throttled / quota_exceeded).
PARTNERHUB_V3_RATE_PER_SECOND = os.environ.get("PARTNERHUB_V3_RATE_PER_SECOND", "4/s")
PARTNERHUB_V3_RATE_PER_DAY = os.environ.get("PARTNERHUB_V3_RATE_PER_DAY", "10000/day")
# The email product's own API, to which account_operations/sync and contacts/unsubscribe
# forward on behalf of a managed account: its base URL, the bearer token PartnerHub sends it,
# a deadline in seconds and the largest answer read. Unset: those endpoints answer 500 (the
# only server error the contract lists for them) with a sentence saying so.
PARTNERHUB_PRODUCT_API_URL = os.environ.get("PARTNERHUB_PRODUCT_API_URL", "")
PARTNERHUB_PRODUCT_API_TOKEN = os.environ.get("PARTNERHUB_PRODUCT_API_TOKEN", "")
PARTNERHUB_PRODUCT_API_DEADLINE_SECONDS = float(
    os.environ.get("PARTNERHUB_PRODUCT_API_DEADLINE", "10")
)
PARTNERHUB_PRODUCT_API_MAX_BYTES = int(
    os.environ.get("PARTNERHUB_PRODUCT_API_MAX_BYTES", "1048576")
)
# Requests per API key, e.g. "600/min".
PARTNERHUB_API_RATE = os.environ.get("PARTNERHUB_API_RATE", "600/min")
