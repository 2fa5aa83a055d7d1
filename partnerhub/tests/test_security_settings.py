"""Production settings: the start-up refusal, ``check --deploy``, HTTPS behind a proxy, and the
browser protections every page carries."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from partnerhub.tests.factories import PASSWORD, UserFactory
from partnerhub.tests.world import build_world
from partnerhub.webhooks.services import endpoint_create

REPO = Path(__file__).resolve().parents[2]
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PRODUCTION = {
    "PARTNERHUB_SECRET_KEY": "x7Qm2vR9pL4tW8zK1nB6cF3hJ5dS0gY2aE7uI9oP4rT6yU1wQ8",
    "PARTNERHUB_HTTPS": "1",
    "PARTNERHUB_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "PARTNERHUB_ALLOWED_HOSTS": "partners.example.com",
}


def _policy(response) -> dict | None:
    header = response.get("Content-Security-Policy")
    if header is None:
        return None
    directives = (part.strip().partition(" ") for part in header.split(";"))
    return {name: value for name, _, value in directives}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """``args`` in a fresh interpreter with the production settings and only ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    clean.update(DJANGO_SETTINGS_MODULE="partnerhub.settings", **env)
    clean.setdefault("PARTNERHUB_VAR_DIR", os.environ.get("PARTNERHUB_VAR_DIR", str(REPO / "var")))
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=REPO, env=clean, capture_output=True, text=True, timeout=120
    )


def _settings(*names: str, **env: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    result = _run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Start-up and check --deploy ------------------------------------------------------------


def test_debug_off_without_a_secret_key_refuses_to_start():
    # When the settings load with debug off and no key of their own
    result = _run(["-c", "from django.conf import settings; settings.SECRET_KEY"])

    # Then they refuse, saying what to set
    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: PARTNERHUB_SECRET_KEY is not set: with "
        "PARTNERHUB_DEBUG off, PartnerHub needs a long random secret key of its own (for "
        "development, set PARTNERHUB_DEBUG=1 instead)."
    ) in result.stderr


def test_debug_on_starts_with_the_built_in_key():
    assert _settings("DEBUG", "SECRET_KEY", PARTNERHUB_DEBUG="1") == {
        "DEBUG": True,
        "SECRET_KEY": "partnerhub-local-only-secret-key-change-me",
    }


def test_check_deploy_reports_nothing_with_production_settings():
    # When Django's deployment check runs with a key, HTTPS and a host name
    result = _run(["-m", "partnerhub.cli", "check", "--deploy"], **PRODUCTION)

    # Then it finds nothing to warn about
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_https_turns_on_the_redirect_secure_cookies_hsts_and_the_proxy_header():
    values = _settings(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        **PRODUCTION,
    )

    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_without_https_nothing_insists_on_it():
    values = _settings(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        PARTNERHUB_DEBUG="1",
    )

    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_PROXY_SSL_HEADER": None,
    }


# --- Behind a TLS proxy ---------------------------------------------------------------------

BEHIND_PROXY = dict(
    SECURE_SSL_REDIRECT=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)


@override_settings(**BEHIND_PROXY)
def test_plain_http_is_redirected_to_https(client):
    response = client.get("/signin/?next=/portal/accounts/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/signin/?next=/portal/accounts/"


@pytest.mark.django_db
@override_settings(**BEHIND_PROXY)
def test_over_https_the_session_cookie_is_secure_and_http_only_and_hsts_is_sent(client):
    # Given a user
    UserFactory(username="hana@example.test")

    # When they sign in through the proxy, which says the connection was HTTPS
    client.get("/signin/", headers={"x-forwarded-proto": "https"})
    response = client.post(
        "/signin/",
        {"username": "hana@example.test", "password": PASSWORD},
        headers={"x-forwarded-proto": "https"},
    )

    # Then the cookies only travel over HTTPS and scripts cannot read them
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")
    csrf = response.cookies["csrftoken"]
    assert (csrf["secure"], csrf["httponly"]) == (True, True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# --- Headers on every page ------------------------------------------------------------------


def _pages(world, endpoint) -> dict:
    account = world.account.encoded_account_id
    return {
        None: ["/signin/", "/password/reset/", "/password/reset/sent/"],
        world.owner.user: [
            "/portal/accounts/",
            f"/portal/accounts/{account}/",
            f"/portal/accounts/{account}/request/",
            "/portal/earnings/",
            "/portal/earnings/lines/",
            "/notifications/",
            "/portal/team/",
            "/portal/api-keys/",
            "/portal/webhooks/",
            f"/portal/webhooks/{endpoint.pk}/",
        ],
        world.customer: [f"/account/{account}/", f"/account/{account}/settings/billing/"],
        UserFactory(username="sam@partnerhub.test", is_staff=True, is_superuser=True): [
            "/staff/earnings/",
            "/admin/",
            "/admin/partners/partner/",
            f"/admin/partners/partner/{world.partner.pk}/change/",
        ],
    }


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_the_browser_protections(client):
    # Given people of each kind and the pages they open
    world = build_world()
    endpoint = endpoint_create(
        actor=world.owner.user,
        url="https://hooks.brightwave.test/partnerhub",
        event_types=["request.confirmed"],
    )
    found = {}

    # When each page is opened
    for user, paths in _pages(world, endpoint).items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path)
            found[path] = (
                response.status_code,
                _policy(response),
                response.get("X-Content-Type-Options"),
                response.get("Referrer-Policy"),
                response.get("X-Frame-Options"),
            )

    # Then every one answers with the same protections
    expected = (200, POLICY, "nosniff", "same-origin", "DENY")
    assert {path: got for path, got in found.items() if got != expected} == {}


@pytest.mark.django_db
def test_error_pages_and_api_answers_carry_them_too(client):
    for path in ("/no-such-page/", "/api/v1/accounts", reverse("home")):
        response = client.get(path)
        assert _policy(response) == POLICY, path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["X-Frame-Options"] == "DENY", path


@pytest.mark.django_db
def test_the_api_docs_pages_keep_the_site_policy(client):
    # Given Ninja's pages, Swagger UI served from this site and started from a static file
    client.force_login(build_world().owner.user)

    # When the docs pages are opened
    responses = [client.get("/api/v1/docs"), client.get("/v3/docs")]

    # Then their policy is the site's, unrelaxed
    assert [r.status_code for r in responses] == [200, 200]
    assert [_policy(r) for r in responses] == [POLICY, POLICY]
    response = responses[0]
    assert response["X-Frame-Options"] == "DENY"
