"""Hostile hook_uri values on PUT /v3/partner/webhooks/subscriptions/{topic}: refused with 400
and the V3 error array, for a new subscription and for moving an existing one; nothing is
stored."""

import pytest
from django.test import override_settings

from partnerhub.audit.models import AuditEvent
from partnerhub.webhooks import services as webhooks
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.tests.hostile import MALFORMED, NOT_PUBLIC, PUBLIC, as_https

SUBSCRIPTIONS = "/v3/partner/webhooks/subscriptions"
SUBSCRIBED_HOOK = "https://8.8.8.8/cancelled"
KEY_INVALID = "partner.api.url_invalid"


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


@pytest.fixture
def subscribed(cast):
    """Topic 3 is subscribed already; topic 1 is not."""
    with override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False):
        return webhooks.endpoint_create(
            actor=cast.owner.member.user,
            url=SUBSCRIBED_HOOK,
            event_types=["account.cancel"],
            v3_topic=3,
        )


def _stored() -> tuple[list, int]:
    endpoints = list(WebhookEndpoint.objects.order_by("pk").values_list())
    return endpoints, AuditEvent.objects.count()


def _put(client, cast, topic: int, hook_uri: str):
    return client.put(
        f"{SUBSCRIPTIONS}/{topic}",
        data={"hook_uri": hook_uri},
        content_type="application/json",
        headers=cast.owner.headers,
    )


def _refusal(response) -> tuple[int, str]:
    """The status and error key of a V3 refusal (one error in the V3 array)."""
    [error] = response.json()
    assert sorted(error) == ["error_key", "error_message"] and error["error_message"]
    return response.status_code, error["error_key"]


def _both_puts(client, cast, urls: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Per URL: the refusals of subscribing topic 1 and of moving topic 3 there."""
    return {
        url: [_refusal(_put(client, cast, topic, as_https(url))) for topic in (1, 3)]
        for url in urls
    }


@pytest.mark.parametrize("allow_private", [True, False])
def test_a_malformed_hook_uri_is_refused(client, cast, subscribed, fake_dns, allow_private):
    before = _stored()

    with override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=allow_private):
        refused = _both_puts(client, cast, MALFORMED)

    # Control characters are refused by the V3 schema before the guard sees them.
    assert refused == {
        url: [(400, "partner.api.validation.error" if _has_control(url) else KEY_INVALID)] * 2
        for url in MALFORMED
    }
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_hook_uri_that_is_not_public_is_refused(client, cast, subscribed, fake_dns):
    before = _stored()

    refused = _both_puts(client, cast, NOT_PUBLIC)

    assert refused == dict.fromkeys(NOT_PUBLIC, [(400, "partner.api.url_private")] * 2)
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_hook_uri_must_be_https(client, cast, subscribed, fake_dns):
    before = _stored()

    response = _put(client, cast, 1, "http://hooks.partner.test/hook")

    assert _refusal(response) == (400, "partner.api.url_invalid")
    assert response.json()[0]["error_message"] == "the URL must start with https:// and a host"
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_public_https_hook_uri_is_accepted(client, cast, subscribed, fake_dns):
    urls = [as_https(u) for u in PUBLIC]

    answers = {url: [_put(client, cast, topic, url) for topic in (1, 3)] for url in urls}

    assert {
        url: [(a.status_code, a.json()["hook_uri"]) for a in two] for url, two in answers.items()
    } == {url: [(200, url), (200, url)] for url in urls}
