"""Hostile targets in the portal's *Add an endpoint* form (My Organization › Developers ›
Webhooks): the page answers 200 with the guard's refusal under the URL field, and nothing is
stored."""

import pytest
from django.test import override_settings
from django.urls import reverse

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


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_target_is_refused_under_the_field(olga, fake_dns, url, allow_private):
    before = _stored()

    with override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=allow_private):
        response = _add(olga, url)
        expected = _guard_says(url.strip())

    assert response.status_code == 200
    assert response.context["form"].errors == {"url": [expected]}
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert _stored() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_target_that_is_not_public_is_refused_under_the_field(olga, fake_dns, url):
    before = _stored()

    response = _add(olga, url)

    assert response.status_code == 200
    assert response.context["form"].errors == {"url": [_guard_says(url)]}
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
@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_target_is_added(olga, world, fake_dns, url):
    response = _add(olga, url)

    endpoint = WebhookEndpoint.objects.get(partner=world.partner)
    assert response.status_code == 302
    assert response["Location"] == reverse("partner-webhook", args=[endpoint.pk])
    assert endpoint.url == url
