"""Where webhooks may go: one strict reading of the URL, and only public addresses unless
``PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE`` is on."""

import ipaddress

import pytest
from django.test import override_settings

from partnerhub.core.errors import InvalidTransition
from partnerhub.webhooks.safety import (
    Target,
    address_is_public,
    check_target,
    target_parse,
    target_resolve,
)
from partnerhub.webhooks.tests.hostile import MALFORMED, NOT_PUBLIC, PUBLIC


def _refusal(url: str, **kwargs) -> str | None:
    try:
        check_target(url, **kwargs)
    except InvalidTransition as exc:
        return exc.code
    return None


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_malformed_and_ambiguous_urls_are_refused(fake_dns):
    assert {url: _refusal(url) for url in MALFORMED} == dict.fromkeys(MALFORMED, "url_invalid")
    # (The surfaces refuse a NUL character before the guard sees it.)
    assert _refusal("http://8.8.8.8/hook\x00") == "url_invalid"


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=True)
def test_allowing_private_targets_never_relaxes_the_parser(fake_dns):
    assert {url: _refusal(url) for url in MALFORMED} == dict.fromkeys(MALFORMED, "url_invalid")


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_every_non_public_address_is_refused_when_the_setting_is_off(fake_dns):
    assert {url: _refusal(url) for url in NOT_PUBLIC} == dict.fromkeys(NOT_PUBLIC, "url_private")


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_public_targets_are_accepted_when_the_setting_is_off(fake_dns):
    assert {url: _refusal(url) for url in PUBLIC} == dict.fromkeys(PUBLIC)


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=True)
def test_non_public_targets_are_accepted_when_the_setting_is_on(fake_dns):
    assert {url: _refusal(url) for url in NOT_PUBLIC} == dict.fromkeys(NOT_PUBLIC)


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_name_that_does_not_resolve_is_refused(fake_dns):
    assert _refusal("https://nowhere.partner.test/hook") == "url_unresolvable"


def test_the_messages_say_what_is_wrong(fake_dns):
    messages = {}
    for url in (
        "http://127.0.0.1:9301\\@8.8.8.8/hook",
        "http://user:pass@8.8.8.8/hook",
        "http://8.8.8.8:99999/hook",
        "http://[::1/hook",
        "http://8.8.8.8/ho ok",
        "gopher://8.8.8.8/",
    ):
        with pytest.raises(InvalidTransition) as refused:
            target_parse(url)
        messages[url] = refused.value.message

    assert messages == {
        "http://127.0.0.1:9301\\@8.8.8.8/hook": "the URL contains a backslash",
        "http://user:pass@8.8.8.8/hook": (
            "the URL must not contain a user name or password (user@host)"
        ),
        "http://8.8.8.8:99999/hook": "the port '99999' is not a number from 1 to 65535",
        "http://[::1/hook": "the IPv6 address in brackets is not valid",
        "http://8.8.8.8/ho ok": (
            "the URL contains spaces, control characters or characters that must be "
            "percent-encoded (host names in their xn-- form)"
        ),
        "gopher://8.8.8.8/": "the URL must start with http:// or https:// and a host",
    }


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_private_answer_is_named_in_the_refusal(fake_dns):
    with pytest.raises(InvalidTransition) as refused:
        check_target("https://mixed.partner.test/hook")

    assert refused.value.message == (
        "mixed.partner.test (10.0.0.7) is not a public address: private, loopback, link-local, "
        "shared or reserved addresses cannot receive webhooks"
    )


def test_the_parser_reads_host_port_and_request_path():
    assert [
        target_parse(url)
        for url in (
            "HTTPS://Hooks.Partner.Test/a/b?c=d&e=%20f",
            "http://[2606:4700:4700:0::1111]:8080",
            "http://8.8.8.8?x=1",
        )
    ] == [
        Target("https", "hooks.partner.test", 443, "/a/b?c=d&e=%20f", None),
        Target(
            "http",
            "2606:4700:4700::1111",
            8080,
            "/",
            ipaddress.IPv6Address("2606:4700:4700::1111"),
        ),
        Target("http", "8.8.8.8", 80, "/?x=1", ipaddress.IPv4Address("8.8.8.8")),
    ]
    assert [
        target_parse(url).host_header
        for url in ("https://h.partner.test/", "https://h.partner.test:8443/", "http://[::1]:81/")
    ] == ["h.partner.test", "h.partner.test:8443", "[::1]:81"]


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_the_host_is_looked_up_once_and_every_answer_is_kept(fake_dns):
    addresses = target_resolve(target_parse("https://hooks.partner.test/hook"))

    assert addresses == [
        ipaddress.IPv4Address("8.8.8.8"),
        ipaddress.IPv6Address("2606:4700:4700::1111"),
    ]
    assert fake_dns.lookups == ["hooks.partner.test"]


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=True)
def test_registration_does_not_look_up_names_when_private_targets_are_allowed(fake_dns):
    check_target("https://nowhere.partner.test/hook")

    assert fake_dns.lookups == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("100.63.255.255", True),
        ("100.64.0.0", False),
        ("100.127.255.255", False),
        ("100.128.0.0", True),
        ("255.255.255.255", False),
        ("2001:4860:4860::8888", True),
        ("fec0::1", False),
        ("feff::1", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo, client 192.0.2.45
        ("2001:0:808:808::f7f7:f7f7", True),  # Teredo, server and client 8.8.8.8
        ("2001:2::1", False),  # benchmarking, in 2001::/23
        ("3fff::1", False),
        ("64:ff9b::a9fe:a9fe", False),
    ],
)
def test_address_ranges(address, public):
    assert address_is_public(ipaddress.ip_address(address)) is public


def test_the_compatible_surface_requires_https(fake_dns):
    assert _refusal("http://8.8.8.8/hooks", require_https=True) == "url_invalid"
    assert _refusal("https://8.8.8.8/hooks", require_https=True) is None


def test_a_url_longer_than_512_characters_is_refused():
    assert _refusal("https://8.8.8.8/" + "a" * 496) is None
    assert _refusal("https://8.8.8.8/" + "a" * 497) == "url_invalid"
