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


def _assert_refused(response, key: str) -> None:
    assert response.status_code == 400, response.content
    [error] = response.json()
    assert sorted(error) == ["error_key", "error_message"]
    assert error["error_key"] == key
    assert error["error_message"]


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_hook_uri_is_refused(client, cast, subscribed, fake_dns, url, allow_private):
    before = _stored()

    with override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=allow_private):
        new, moved = _put(client, cast, 1, as_https(url)), _put(client, cast, 3, as_https(url))

    _assert_refused(new, "partner.api.url_invalid")
    _assert_refused(moved, "partner.api.url_invalid")
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_hook_uri_that_is_not_public_is_refused(client, cast, subscribed, fake_dns, url):
    before = _stored()

    new, moved = _put(client, cast, 1, as_https(url)), _put(client, cast, 3, as_https(url))

    _assert_refused(new, "partner.api.url_private")
    _assert_refused(moved, "partner.api.url_private")
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_hook_uri_must_be_https(client, cast, subscribed, fake_dns):
    before = _stored()

    response = _put(client, cast, 1, "http://hooks.partner.test/hook")

    _assert_refused(response, "partner.api.url_invalid")
    assert response.json()[0]["error_message"] == ("the URL must start with https:// and a host")
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [u for u in PUBLIC if u.lower().startswith("https")]
    + [as_https(u) for u in PUBLIC if u.startswith("http:")],
)
def test_a_public_https_hook_uri_is_accepted(client, cast, subscribed, fake_dns, url):
    new, moved = _put(client, cast, 1, url), _put(client, cast, 3, url)

    assert (new.status_code, moved.status_code) == (200, 200)
    assert (new.json()["hook_uri"], moved.json()["hook_uri"]) == (url, url)
