"""Hostile targets in the portal's *Add an endpoint* form (My Organization › Developers ›
Webhooks): the page answers 200 with the guard's refusal under the URL field, and nothing is
stored."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition
from partnerhub.portal.views.common import sentence
from partnerhub.tests.world import World, build_world
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.safety import check_target
from partnerhub.webhooks.tests.hostile import MALFORMED, NOT_PUBLIC, PUBLIC

PAGE = reverse("partner-webhooks")


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def olga(client, world):
    """Olga, Brightwave's owner, signed in."""
    client.force_login(world.owner.user)
    return client


def _stored() -> tuple[list, int]:
    return list(WebhookEndpoint.objects.order_by("pk").values_list()), AuditEvent.objects.count()


def _guard_says(url: str) -> str:
    with pytest.raises(InvalidTransition) as refused:
        check_target(url)
    return sentence(refused.value.message)


def _add(client, url: str):
    return client.post(PAGE, {"url": url, "description": "CRM"})


def _field_errors(client, urls: list[str]) -> dict[str, tuple[int, dict]]:
    """Per URL: the page's status and its form's errors after *Add endpoint*."""
    out = {}
    for url in urls:
        response = _add(client, url)
        out[url] = (response.status_code, response.context["form"].errors)
        for message in response.context["form"].errors.get("url", []):
            assert escape(message) in response.content.decode()
    return out


@pytest.mark.parametrize("allow_private", [True, False])
def test_a_malformed_target_is_refused_under_the_field(olga, fake_dns, allow_private):
    before = _stored()

    with override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=allow_private):
        shown = _field_errors(olga, MALFORMED)
        expected = {url: (200, {"url": [_guard_says(url.strip())]}) for url in MALFORMED}

    assert shown == expected
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_target_that_is_not_public_is_refused_under_the_field(olga, fake_dns):
    before = _stored()

    shown = _field_errors(olga, NOT_PUBLIC)

    assert shown == {url: (200, {"url": [_guard_says(url)]}) for url in NOT_PUBLIC}
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_the_refusal_names_the_address_a_name_resolves_to(olga, fake_dns):
    response = _add(olga, "https://localhost.partner.test/hook")

    assert response.context["form"].errors == {
        "url": [
            "Localhost.partner.test (127.0.0.1) is not a public address: private, loopback, "
            "link-local, shared or reserved addresses cannot receive webhooks."
        ]
    }


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_public_target_is_added(olga, world, fake_dns):
    answers = [_add(olga, url) for url in PUBLIC]

    endpoints = list(WebhookEndpoint.objects.filter(partner=world.partner).order_by("pk"))
    assert [e.url for e in endpoints] == PUBLIC
    assert [(a.status_code, a["Location"]) for a in answers] == [
        (302, reverse("partner-webhook", args=[e.pk])) for e in endpoints
    ]
