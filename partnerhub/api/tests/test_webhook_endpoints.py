"""Webhook endpoints through /api/v1: add, list, change, remove, rotate the secret, send a test
event, read the delivery log and replay; each change leaves its audit row."""

import pytest
from django.test import override_settings
from standardwebhooks import Webhook

from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.audit.models import AuditEvent
from partnerhub.partners.models import PartnerRole
from partnerhub.partners.services import member_role_change
from partnerhub.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from partnerhub.webhooks.services import delivery_attempt
from partnerhub.webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def _audit(endpoint_id: int) -> list[tuple]:
    return [
        (e.actor_label, e.partner_id, e.before, e.after)
        for e in AuditEvent.objects.filter(
            action="webhooks.endpoint_changed", target_id=str(endpoint_id)
        ).order_by("id")
    ]


def test_an_endpoint_added_through_the_api_shows_its_secret_once(cast: Cast, client):
    response = api_call(
        client,
        "post",
        "/webhooks/endpoints",
        key=cast.owner_key,
        body={
            "url": "http://127.0.0.1:9/crm",
            "event_types": ["request.confirmed", "plan.changed"],
            "description": "CRM",
        },
    )

    assert response.status_code == 201
    created = WebhookEndpoint.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": created.pk,
        "url": "http://127.0.0.1:9/crm",
        "description": "CRM",
        "event_types": ["plan.changed", "request.confirmed"],
        "enabled": True,
        "disabled_reason": "",
        "created_at": response.json()["created_at"],
        "secret": created.secret,
    }
    assert created.partner == cast.partner
    assert _audit(created.pk) == [
        (
            # The change is recorded as done through the key, by its name.
            "Olga Owens through the API key “Olga's CRM”",
            cast.partner.pk,
            {},
            {
                "url": "http://127.0.0.1:9/crm",
                "event_types": ["plan.changed", "request.confirmed"],
                "created": True,
            },
        )
    ]
    # Read back, the secret is not shown.
    shown = api_call(client, "get", f"/webhooks/endpoints/{created.pk}", key=cast.read_key)
    assert "secret" not in shown.json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "http://127.0.0.1:9/a", "event_types": ["nope"]}, 422, "event_type_invalid"),
        ({"url": "ftp://127.0.0.1/a"}, 422, "url_invalid"),
        ({"url": "not a url"}, 422, "url_invalid"),
        ({"event_types": []}, 422, "invalid_request"),
        ({"url": "http://127.0.0.1/" + "a" * 600}, 422, "invalid_request"),
    ],
)
def test_a_bad_endpoint_is_refused(cast: Cast, client, body, status, code):
    before = snapshot()

    response = api_call(client, "post", "/webhooks/endpoints", key=cast.owner_key, body=body)

    assert_error(response, status, code)
    assert snapshot() == before


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_private_target_is_refused_when_the_setting_is_off(cast: Cast, client):
    before = snapshot()

    created = api_call(
        client,
        "post",
        "/webhooks/endpoints",
        key=cast.owner_key,
        body={"url": "http://169.254.169.254/latest"},
    )
    moved = api_call(
        client,
        "patch",
        f"/webhooks/endpoints/{cast.endpoint.pk}",
        key=cast.owner_key,
        body={"url": "http://10.0.0.8/hooks"},
    )

    assert_error(created, 422, "url_private")
    assert_error(moved, 422, "url_private")
    assert snapshot() == before


def test_changing_an_endpoint_is_audited_with_before_and_after(cast: Cast, client):
    response = api_call(
        client,
        "patch",
        f"/webhooks/endpoints/{cast.endpoint.pk}",
        key=cast.owner_key,
        body={"event_types": ["plan.changed"], "enabled": False},
    )

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("event_types", "enabled", "disabled_reason")} == {
        "event_types": ["plan.changed"],
        "enabled": False,
        "disabled_reason": "Turned off by the partner",
    }
    assert _audit(cast.endpoint.pk)[-1] == (
        "Olga Owens through the API key “Olga's CRM”",
        cast.partner.pk,
        {"url": cast.endpoint.url, "event_types": [], "enabled": True},
        {"url": cast.endpoint.url, "event_types": ["plan.changed"], "enabled": False},
    )


def test_removing_an_endpoint(cast: Cast, client):
    response = api_call(
        client, "delete", f"/webhooks/endpoints/{cast.endpoint.pk}", key=cast.owner_key
    )
    again = api_call(
        client, "delete", f"/webhooks/endpoints/{cast.endpoint.pk}", key=cast.owner_key
    )

    assert (response.status_code, response.content) == (204, b"")
    assert WebhookEndpoint.objects.filter(pk=cast.endpoint.pk).exists() is False
    assert WebhookDelivery.objects.filter(endpoint_id=cast.endpoint.pk).count() == 0
    assert _audit(cast.endpoint.pk)[-1] == (
        "Olga Owens through the API key “Olga's CRM”",
        cast.partner.pk,
        {"url": cast.endpoint.url},
        {"deleted": True},
    )
    assert_error(again, 404, "not_found")


def test_rotating_the_secret_keeps_the_old_one_signing_for_a_day(cast: Cast, client):
    old = cast.endpoint.secret

    response = api_call(
        client, "post", f"/webhooks/endpoints/{cast.endpoint.pk}/rotate-secret", key=cast.owner_key
    )

    cast.endpoint.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["secret"] == cast.endpoint.secret != old
    assert cast.endpoint.previous_secret == old
    assert _audit(cast.endpoint.pk)[-1][3] == {"secret_rotated": True}


def test_a_test_event_arrives_signed_and_shows_in_the_log(
    cast: Cast, client, receiver, django_capture_on_commit_callbacks
):
    # Given Brightwave's endpoint points at its receiver
    api_call(
        client,
        "patch",
        f"/webhooks/endpoints/{cast.endpoint.pk}",
        key=cast.owner_key,
        body={"url": receiver.url},
    )
    receiver.secret = cast.endpoint.secret

    # When Olga's tool sends a test event
    with django_capture_on_commit_callbacks(execute=True):
        sent = api_call(
            client, "post", f"/webhooks/endpoints/{cast.endpoint.pk}/test", key=cast.owner_key
        )

    # Then it arrived, verified, and the delivery log shows it with its attempt
    assert (sent.status_code, sent.content) == (202, b"")
    [received] = receiver.requests
    assert received.event_type == "webhook.test"
    Webhook(cast.endpoint.secret).verify(received.body, received.headers)
    log = api_call(
        client, "get", f"/webhooks/endpoints/{cast.endpoint.pk}/deliveries", key=cast.read_key
    ).json()
    newest = log[0]
    assert {k: newest[k] for k in ("message_id", "event_type", "status", "attempts")} == {
        "message_id": received.webhook_id,
        "event_type": "webhook.test",
        "status": "succeeded",
        "attempts": 1,
    }
    assert [
        (a["status_code"], a["response_excerpt"], a["error"]) for a in newest["attempt_log"]
    ] == [(200, "ok", "")]


def test_replaying_a_failed_delivery(cast: Cast, client, django_capture_on_commit_callbacks):
    # Given a delivery to a port nobody listens on, given up after its attempt
    delivery_attempt(delivery_id=cast.delivery.pk)
    WebhookDelivery.objects.filter(pk=cast.delivery.pk).update(status=DeliveryStatus.FAILED)

    # When Olga's tool replays it
    with django_capture_on_commit_callbacks() as queued:
        response = api_call(
            client, "post", f"/webhooks/deliveries/{cast.delivery.pk}/replay", key=cast.owner_key
        )

    # Then it is due again from the start, and queued for the worker
    cast.delivery.refresh_from_db()
    assert (response.status_code, response.content) == (202, b"")
    assert (cast.delivery.status, cast.delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert len(queued) == 1
    log = api_call(
        client, "get", f"/webhooks/endpoints/{cast.endpoint.pk}/deliveries", key=cast.read_key
    ).json()
    replayed = next(d for d in log if d["id"] == cast.delivery.pk)
    assert [a["error"] for a in replayed["attempt_log"]] == [
        "could not connect: connection refused"
    ]


def test_a_key_whose_creator_is_now_a_plain_member_manages_no_webhooks(cast: Cast, client):
    # Given Adam, who made a write key as an admin, is now a plain member
    member_role_change(actor=cast.owner.user, member_id=cast.admin.pk, role=PartnerRole.MEMBER)
    before = snapshot()

    # When his key tries to change webhooks
    answers = {
        "add": api_call(
            client,
            "post",
            "/webhooks/endpoints",
            key=cast.admin_key,
            body={"url": "http://127.0.0.1:9/x"},
        ),
        "change": api_call(
            client,
            "patch",
            f"/webhooks/endpoints/{cast.endpoint.pk}",
            key=cast.admin_key,
            body={"description": "Mine now"},
        ),
        "remove": api_call(
            client, "delete", f"/webhooks/endpoints/{cast.endpoint.pk}", key=cast.admin_key
        ),
        "replay": api_call(
            client, "post", f"/webhooks/deliveries/{cast.delivery.pk}/replay", key=cast.admin_key
        ),
    }

    # Then each is refused and nothing changed, though he may still read them
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)
    assert {r.json()["error"]["code"] for r in answers.values()} == {"permission_denied"}
    assert snapshot() == before
    listed = api_call(client, "get", "/webhooks/endpoints", key=cast.admin_key)
    assert [e["id"] for e in listed.json()] == [cast.endpoint.pk]
