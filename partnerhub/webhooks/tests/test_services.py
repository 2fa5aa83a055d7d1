"""Endpoint changes (owners and admins only, each audited), replay and the test send."""

import datetime as dt

import pytest

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from partnerhub.webhooks.services import (
    ROTATION_OVERLAP,
    deliveries_due,
    delivery_attempt,
    delivery_replay,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_send_test,
    endpoint_update,
    event_emit,
)

pytestmark = pytest.mark.django_db


def _rows():
    return (
        list(WebhookEndpoint.objects.order_by("pk").values_list()),
        list(WebhookEvent.objects.order_by("pk").values_list()),
        list(WebhookDelivery.objects.order_by("pk").values_list()),
        AuditEvent.objects.count(),
    )


def _audit(endpoint_id: int) -> list[tuple]:
    return [
        (e.actor_label, e.before, e.after)
        for e in AuditEvent.objects.filter(
            action="webhooks.endpoint_changed",
            target_type="webhooks.webhookendpoint",
            target_id=str(endpoint_id),
        ).order_by("id")
    ]


def test_owners_and_admins_add_change_rotate_and_remove_endpoints_each_audited(team):
    # When Adam adds an endpoint, Olga changes it, rotates its secret and removes it
    endpoint = endpoint_create(
        actor=team.admin.user,
        url="http://127.0.0.1:9/crm",
        event_types=["request.created", "plan.changed", "request.created"],
        description="CRM",
    )
    first_secret = endpoint.secret
    endpoint_update(
        actor=team.owner.user, endpoint_id=endpoint.pk, url="http://127.0.0.1:9/crm2", enabled=False
    )
    rotated = endpoint_rotate_secret(actor=team.owner.user, endpoint_id=endpoint.pk)
    endpoint_delete(actor=team.owner.user, endpoint_id=endpoint.pk)

    # Then each step left its audit row, in order
    assert _audit(endpoint.pk) == [
        (
            "Adam Adler",
            {},
            {
                "url": "http://127.0.0.1:9/crm",
                "event_types": ["plan.changed", "request.created"],
                "created": True,
            },
        ),
        (
            "Olga Owens",
            {
                "url": "http://127.0.0.1:9/crm",
                "event_types": ["plan.changed", "request.created"],
                "enabled": True,
            },
            {
                "url": "http://127.0.0.1:9/crm2",
                "event_types": ["plan.changed", "request.created"],
                "enabled": False,
            },
        ),
        ("Olga Owens", {}, {"secret_rotated": True}),
        ("Olga Owens", {"url": "http://127.0.0.1:9/crm2"}, {"deleted": True}),
    ]
    assert first_secret.startswith("whsec_")
    assert (rotated.previous_secret, rotated.secret != first_secret) == (first_secret, True)
    assert rotated.previous_secret_until is not None
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists() is False
    assert ROTATION_OVERLAP.total_seconds() == 24 * 3600


def test_switching_an_endpoint_off_and_on_records_why(team):
    endpoint = endpoint_create(actor=team.owner.user, url="http://127.0.0.1:9/a", event_types=[])

    off = endpoint_update(actor=team.owner.user, endpoint_id=endpoint.pk, enabled=False)
    off_reason = off.disabled_reason
    on = endpoint_update(actor=team.owner.user, endpoint_id=endpoint.pk, enabled=True)

    assert (off_reason, on.enabled, on.disabled_reason) == ("Turned off by the partner", True, "")


@pytest.mark.parametrize(
    ("event_types", "url", "code"),
    [
        (["request.created", "nope.never"], "http://127.0.0.1:9/a", "event_type_invalid"),
        ([], "ftp://127.0.0.1/a", "url_invalid"),
    ],
)
def test_a_bad_endpoint_is_refused_and_nothing_is_written(team, event_types, url, code):
    before = _rows()

    with pytest.raises(InvalidTransition) as refused:
        endpoint_create(actor=team.owner.user, url=url, event_types=event_types)

    assert refused.value.code == code
    assert _rows() == before


@pytest.fixture
def endpoint(team) -> WebhookEndpoint:
    return endpoint_create(actor=team.owner.user, url="http://127.0.0.1:9/crm", event_types=[])


def _attempts(actor, endpoint_id: int):
    return {
        "change": lambda: endpoint_update(actor=actor, endpoint_id=endpoint_id, description="x"),
        "rotate": lambda: endpoint_rotate_secret(actor=actor, endpoint_id=endpoint_id),
        "remove": lambda: endpoint_delete(actor=actor, endpoint_id=endpoint_id),
        "test": lambda: endpoint_send_test(actor=actor, endpoint_id=endpoint_id),
    }


def _refusals(actor, endpoint_id: int) -> dict[str, str]:
    outcome = {}
    for name, attempt in _attempts(actor, endpoint_id).items():
        try:
            attempt()
            outcome[name] = "done"
        except (PermissionDenied, NotFound) as exc:
            outcome[name] = exc.code
    return outcome


def test_members_customers_and_other_partners_change_no_endpoint(team, endpoint):
    before = _rows()

    outcomes = {
        "member": _refusals(team.member.user, endpoint.pk),
        "customer": _refusals(team.bakery.owner, endpoint.pk),
        "other partner": _refusals(team.other_owner.user, endpoint.pk),
    }

    assert outcomes == {
        "member": dict.fromkeys(["change", "rotate", "remove", "test"], "permission_denied"),
        "customer": dict.fromkeys(["change", "rotate", "remove", "test"], "permission_denied"),
        "other partner": dict.fromkeys(["change", "rotate", "remove", "test"], "not_found"),
    }
    with pytest.raises(PermissionDenied):
        endpoint_create(actor=team.member.user, url="http://127.0.0.1:9/m", event_types=[])
    assert _rows() == before


def test_a_test_send_reaches_only_that_endpoint_whatever_it_subscribed_to(team, receiver):
    # Given an endpoint that only wants plan changes, and another that wants everything
    picky = endpoint_create(actor=team.owner.user, url=receiver.url, event_types=["plan.changed"])
    endpoint_create(actor=team.owner.user, url="http://127.0.0.1:9/all", event_types=[])
    receiver.secret = picky.secret

    # When Olga sends a test event to the picky one, and the worker sends it
    event = endpoint_send_test(actor=team.owner.user, endpoint_id=picky.pk)
    [delivery] = event.deliveries.all()
    delivery_attempt(delivery_id=delivery.pk)

    # Then it went there alone, as a webhook.test event
    assert delivery.endpoint == picky
    [received] = receiver.requests
    assert (received.event_type, received.data) == (
        "webhook.test",
        {"test": True, "message": "A test event from PartnerHub", "endpoint_id": picky.pk},
    )


def test_a_disabled_endpoint_gets_no_test_send_and_no_replay(team, endpoint):
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={})
    delivery = event.deliveries.get()
    endpoint_update(actor=team.owner.user, endpoint_id=endpoint.pk, enabled=False)
    before = _rows()

    with pytest.raises(InvalidTransition) as no_test:
        endpoint_send_test(actor=team.owner.user, endpoint_id=endpoint.pk)
    with pytest.raises(InvalidTransition) as no_replay:
        delivery_replay(actor=team.owner.user, delivery_id=delivery.pk)

    assert (no_test.value.code, no_replay.value.code) == ("endpoint_disabled", "endpoint_disabled")
    assert _rows() == before


def test_a_replay_sends_the_same_message_again_from_the_start(team, receiver):
    # Given a delivery that gave up
    endpoint = endpoint_create(actor=team.owner.user, url=receiver.url, event_types=[])
    receiver.secret = endpoint.secret
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={"n": 1})
    delivery = event.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=8)

    # When Olga replays it, and the worker sends it
    replayed = delivery_replay(actor=team.owner.user, delivery_id=delivery.pk)
    state = (replayed.status, replayed.attempts, replayed.next_attempt_at is not None)
    delivery_attempt(delivery_id=delivery.pk)

    # Then it started over and went out with the event's own webhook-id
    assert state == (DeliveryStatus.PENDING, 0, True)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert [r.webhook_id for r in receiver.requests] == [event.message_id]


def test_nobody_else_replays_a_delivery(team, endpoint):
    delivery = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={})
    delivery = delivery.deliveries.get()
    before = _rows()

    outcomes = {}
    for who, user in {
        "member": team.member.user,
        "customer": team.bakery.owner,
        "other partner": team.other_owner.user,
    }.items():
        try:
            delivery_replay(actor=user, delivery_id=delivery.pk)
            outcomes[who] = "done"
        except (PermissionDenied, NotFound) as exc:
            outcomes[who] = exc.code

    assert outcomes == {
        "member": "permission_denied",
        "customer": "permission_denied",
        "other partner": "not_found",
    }
    assert _rows() == before


def test_the_sweep_finds_deliveries_left_behind(team, endpoint):
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={})
    delivery = event.deliveries.get()
    later = delivery.next_attempt_at

    assert deliveries_due(now=later) == []
    assert deliveries_due(now=later + dt.timedelta(minutes=3)) == [delivery.pk]
