"""Where webhooks may go: http(s) with a host, and no private, loopback or link-local address
unless ``PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE`` is on."""

import pytest
from django.test import override_settings

from partnerhub.core.errors import InvalidTransition
from partnerhub.webhooks.safety import check_target

PRIVATE = [
    ("http://127.0.0.1:8000/hooks", "url_private"),
    ("http://localhost/hooks", "url_private"),
    ("https://10.1.2.3/hooks", "url_private"),
    ("http://192.168.0.10/hooks", "url_private"),
    ("http://172.16.5.4/hooks", "url_private"),
    ("http://169.254.169.254/latest/meta-data", "url_private"),
    ("http://[::1]/hooks", "url_private"),
    ("http://[fe80::1]/hooks", "url_private"),
    ("http://[fd00::1]/hooks", "url_private"),
    ("http://0.0.0.0/hooks", "url_private"),
]
NOT_HTTP = [
    "ftp://8.8.8.8/hooks",
    "file:///etc/passwd",
    "gopher://8.8.8.8/",
    "javascript:alert(1)",
    "http:///no-host",
    "8.8.8.8/hooks",
]


def _refusal(url: str) -> str | None:
    try:
        check_target(url)
    except InvalidTransition as exc:
        return exc.code
    return None


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_private_loopback_and_link_local_hosts_are_refused_when_the_setting_is_off():
    assert {url: _refusal(url) for url, _ in PRIVATE} == dict(PRIVATE)


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_only_http_and_https_with_a_host_are_accepted():
    assert {url: _refusal(url) for url in NOT_HTTP} == dict.fromkeys(NOT_HTTP, "url_invalid")


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_public_address_is_accepted_when_the_setting_is_off():
    assert {url: _refusal(url) for url in ("http://8.8.8.8/hooks", "https://1.1.1.1:8443/")} == {
        "http://8.8.8.8/hooks": None,
        "https://1.1.1.1:8443/": None,
    }


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=True)
def test_private_hosts_are_accepted_when_the_setting_is_on_but_other_schemes_are_not():
    assert {url: _refusal(url) for url, _ in PRIVATE} == {url: None for url, _ in PRIVATE}
    assert {url: _refusal(url) for url in NOT_HTTP} == dict.fromkeys(NOT_HTTP, "url_invalid")


def test_the_compatible_surface_requires_https():
    with pytest.raises(InvalidTransition) as refused:
        check_target("http://8.8.8.8/hooks", require_https=True)

    assert refused.value.code == "url_invalid"
    check_target("https://8.8.8.8/hooks", require_https=True)


def test_a_url_longer_than_512_characters_is_refused():
    assert _refusal("https://8.8.8.8/" + "a" * 500) == "url_invalid"
