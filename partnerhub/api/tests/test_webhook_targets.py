"""Hostile webhook targets through /api/v1: adding an endpoint and moving one there are both
refused with 422 and the guard's code, and nothing is stored."""

import pytest
from django.test import override_settings

from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.tests.hostile import MALFORMED, NOT_PUBLIC, PUBLIC

pytestmark = pytest.mark.django_db


def _create(client, cast: Cast, url: str):
    return api_call(client, "post", "/webhooks/endpoints", key=cast.owner_key, body={"url": url})


def _move(client, cast: Cast, url: str):
    return api_call(
        client,
        "patch",
        f"/webhooks/endpoints/{cast.endpoint.pk}",
        key=cast.owner_key,
        body={"url": url},
    )


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_target_is_refused_on_create_and_change(
    cast: Cast, client, fake_dns, url, allow_private
):
    before = snapshot()

    with override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=allow_private):
        created, moved = _create(client, cast, url), _move(client, cast, url)

    assert_error(created, 422, "url_invalid")
    assert_error(moved, 422, "url_invalid")
    assert snapshot() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_target_that_is_not_public_is_refused_on_create_and_change(
    cast: Cast, client, fake_dns, url
):
    before = snapshot()

    created, moved = _create(client, cast, url), _move(client, cast, url)

    assert_error(created, 422, "url_private")
    assert_error(moved, 422, "url_private")
    assert snapshot() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_name_that_does_not_resolve_is_refused(cast: Cast, client, fake_dns):
    before = snapshot()

    created = _create(client, cast, "https://nowhere.partner.test/hook")

    assert_error(created, 422, "url_unresolvable")
    assert created.json()["error"]["message"] == "nowhere.partner.test does not resolve"
    assert snapshot() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_target_is_accepted_on_create_and_change(cast: Cast, client, fake_dns, url):
    created, moved = _create(client, cast, url), _move(client, cast, url)

    assert (created.status_code, moved.status_code) == (201, 200)
    assert WebhookEndpoint.objects.get(pk=created.json()["id"]).url == url
    assert WebhookEndpoint.objects.get(pk=cast.endpoint.pk).url == url
