"""Hostile webhook targets through /api/v1: adding an endpoint and moving one there are both
refused with 422 and the guard's code, and nothing is stored."""

import pytest
from django.test import override_settings

from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.services import delivery_attempt, event_emit
from partnerhub.webhooks.tests.hostile import MALFORMED, NOT_PUBLIC, PUBLIC
from partnerhub.webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


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


def _codes(client, cast: Cast, urls: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Per URL: the status and error code of adding it, and of moving an endpoint there."""
    out = {}
    for url in urls:
        answers = [_create(client, cast, url), _move(client, cast, url)]
        for answer in answers:
            assert_error(answer, answer.status_code, answer.json()["error"]["code"])
        out[url] = [(a.status_code, a.json()["error"]["code"]) for a in answers]
    return out


@pytest.mark.parametrize("allow_private", [True, False])
def test_a_malformed_target_is_refused_on_create_and_change(
    cast: Cast, client, fake_dns, allow_private
):
    before = snapshot()

    with override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=allow_private):
        refused = _codes(client, cast, MALFORMED)

    assert refused == dict.fromkeys(MALFORMED, [(422, "url_invalid")] * 2)
    assert snapshot() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_target_that_is_not_public_is_refused_on_create_and_change(cast: Cast, client, fake_dns):
    before = snapshot()

    refused = _codes(client, cast, NOT_PUBLIC)

    assert refused == dict.fromkeys(NOT_PUBLIC, [(422, "url_private")] * 2)
    assert snapshot() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_name_that_does_not_resolve_is_refused(cast: Cast, client, fake_dns):
    before = snapshot()

    created = _create(client, cast, "https://nowhere.partner.test/hook")

    assert_error(created, 422, "url_unresolvable")
    assert created.json()["error"]["message"] == "nowhere.partner.test does not resolve"
    assert snapshot() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_public_target_is_accepted_on_create_and_change(cast: Cast, client, fake_dns):
    answers = {url: [_create(client, cast, url), _move(client, cast, url)] for url in PUBLIC}

    assert {url: [a.status_code for a in two] for url, two in answers.items()} == dict.fromkeys(
        PUBLIC, [201, 200]
    )
    assert [
        WebhookEndpoint.objects.get(pk=created.json()["id"]).url for created, _ in answers.values()
    ] == PUBLIC
    assert WebhookEndpoint.objects.get(pk=cast.endpoint.pk).url == PUBLIC[-1]


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_an_endpoint_whose_name_rebinds_to_loopback_gets_nothing(
    cast: Cast, client, fake_dns, receiver
):
    # Given an endpoint added while its name answered a public address
    fake_dns.answers["rebind.partner.test"] = ["8.8.8.8"]
    created = _create(client, cast, f"http://rebind.partner.test:{receiver.port}/hooks")
    assert created.status_code == 201
    endpoint = WebhookEndpoint.objects.get(pk=created.json()["id"])
    event = event_emit(
        partner_id=cast.partner.pk, event_type="plan.changed", data={}, endpoints=[endpoint]
    )

    # When the name answers 127.0.0.1 by the time the worker delivers
    fake_dns.answers["rebind.partner.test"] = ["127.0.0.1"]
    delivery_attempt(delivery_id=event.deliveries.get().pk)

    # Then the loopback receiver got nothing, and the delivery log says why
    assert receiver.requests == []
    log = api_call(
        client, "get", f"/webhooks/endpoints/{endpoint.pk}/deliveries", key=cast.read_key
    ).json()
    assert [a["error"] for a in log[0]["attempt_log"]] == [
        "rebind.partner.test (127.0.0.1) is not a public address: private, loopback, "
        "link-local, shared or reserved addresses cannot receive webhooks"
    ]
