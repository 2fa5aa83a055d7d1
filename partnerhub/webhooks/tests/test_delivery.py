"""Deliveries to a real receiver on 127.0.0.1: Standard Webhooks signatures, retries on the
schedule, 410 and Retry-After, giving up, disabling a failing endpoint, secret rotation."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from partnerhub.access.disclaimers import CURRENT as CURRENT_DISCLAIMER
from partnerhub.access.services import manage_request_confirm, manage_request_create
from partnerhub.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from partnerhub.webhooks.services import (
    RETRY_SCHEDULE,
    delivery_attempt,
    delivery_replay,
    endpoint_create,
    endpoint_rotate_secret,
    event_emit,
)

pytestmark = pytest.mark.django_db

OTHER_SECRET = "whsec_" + "c2VjcmV0LW9mLXNvbWVvbmUtZWxzZQ=="  # base64 of a fixed text


@pytest.fixture
def endpoint(team, receiver) -> WebhookEndpoint:
    created = endpoint_create(
        actor=team.owner.user, url=receiver.url, event_types=[], description="Brightwave CRM"
    )
    receiver.secret = created.secret
    return created


def _emit(team, event_type: str = "plan.changed") -> WebhookDelivery:
    event = event_emit(
        partner_id=team.partner.pk, event_type=event_type, data={"plan_type": "GOLD"}
    )
    return WebhookDelivery.objects.get(event=event)


def _delay(delivery: WebhookDelivery) -> float:
    delivery.refresh_from_db()
    last = delivery.attempt_log.first()
    return (delivery.next_attempt_at - last.at).total_seconds()


def test_a_receiver_taken_down_and_brought_back_gets_every_event_exactly_once(
    team, receiver, endpoint, django_capture_on_commit_callbacks
):
    # Given a receiver that is up when Olga asks to manage Blue Bakery
    with django_capture_on_commit_callbacks(execute=True):
        request = manage_request_create(
            actor=team.owner.user, account_id=team.bakery.pk, message="May we help?"
        )
    created = WebhookDelivery.objects.get(event__event_type="request.created")

    # When it is down while Cora confirms
    receiver.stop()
    with django_capture_on_commit_callbacks(execute=True):
        manage_request_confirm(
            actor=team.bakery.owner,
            request_id=request.pk,
            ip_address="198.51.100.20",
            user_agent="Firefox",
            disclaimer_version=CURRENT_DISCLAIMER.version,
        )
    confirmed = WebhookDelivery.objects.get(event__event_type="request.confirmed")
    confirmed.refresh_from_db()
    failed_attempt = confirmed.attempt_log.get()

    # Then the confirmation waits about 5 seconds (give or take 10%) before its next try
    assert (confirmed.status, confirmed.attempts) == (DeliveryStatus.RETRYING, 1)
    assert 4.5 <= _delay(confirmed) <= 5.5
    assert failed_attempt.status_code is None
    assert failed_attempt.error == "could not connect: connection refused"
    assert [r.event_type for r in receiver.requests] == ["request.created"]

    # When the receiver is back, the retry runs, and Olga replays the first delivery too
    receiver.start()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=confirmed.pk)
        delivery_replay(actor=team.owner.user, delivery_id=created.pk)

    # Then after de-duplication on webhook-id every event arrived exactly once, verified
    events = list(WebhookEvent.objects.filter(partner=team.partner).order_by("id"))
    assert [e.event_type for e in events] == ["request.created", "request.confirmed"]
    assert receiver.unique_ids == [e.message_id for e in events]
    assert [r.webhook_id for r in receiver.requests] == [
        events[0].message_id,
        events[1].message_id,
        events[0].message_id,
    ]
    assert receiver.rejected == []
    assert [r.data["status"] for r in receiver.requests] == ["pending", "confirmed", "pending"]
    assert receiver.requests[1].data["account"]["kind"] == "managed"
    confirmed.refresh_from_db()
    created.refresh_from_db()
    assert (confirmed.status, confirmed.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert (created.status, created.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert [(a.status_code, a.error) for a in confirmed.attempt_log.order_by("at", "id")] == [
        (None, failed_attempt.error),
        (200, ""),
    ]


def test_a_delivery_carries_the_standard_webhooks_headers_and_body(team, receiver, endpoint):
    delivery = _emit(team)
    before = timezone.now()

    delivery_attempt(delivery_id=delivery.pk)

    [received] = receiver.requests
    event = delivery.event
    assert received.webhook_id == event.message_id
    assert abs(int(received.headers["webhook-timestamp"]) - before.timestamp()) <= 5
    assert received.signature.startswith("v1,")
    assert len(received.signature.split(" ")) == 1
    assert received.headers["content-type"] == "application/json"
    assert json.loads(received.body) == {
        "type": "plan.changed",
        "timestamp": event.created_at.isoformat(),
        "data": {"plan_type": "GOLD"},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER_SECRET).verify(received.body, received.headers)
    delivery.refresh_from_db()
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.response_excerpt, attempt.error) == (200, "ok", "")
    assert attempt.request_body == received.body.decode()


def test_a_410_answer_disables_the_endpoint_and_tells_its_owners(
    team, receiver, endpoint, django_capture_on_commit_callbacks
):
    receiver.answers = [(410, {})]
    delivery = _emit(team)

    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.FAILED, None)
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "The receiver answered 410 Gone")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            ["adam@brightwave.test", "olga@brightwave.test"],
            f"Webhook endpoint disabled: {receiver.url}",
        )
    ]
    # A disabled endpoint hears about nothing more.
    assert event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={}) is None


def test_retry_after_pushes_the_next_attempt_back(team, receiver, endpoint):
    receiver.answers = [(503, {"Retry-After": "120"})]
    delivery = _emit(team)

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert _delay(delivery) == 120
    assert delivery.attempt_log.get().status_code == 503


def test_a_delivery_retries_on_the_schedule_then_gives_up(team, receiver, endpoint):
    # Given a receiver that answers 500 every time
    receiver.answers = [(500, {})] * (len(RETRY_SCHEDULE) + 1)
    delivery = _emit(team)

    # When the worker tries every time the delivery comes due
    delays = []
    for _ in RETRY_SCHEDULE:
        delivery_attempt(delivery_id=delivery.pk)
        delays.append(_delay(delivery))
    delivery_attempt(delivery_id=delivery.pk)

    # Then it waited about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, each within 10%
    assert RETRY_SCHEDULE == [5, 300, 1800, 7200, 18000, 36000, 36000]
    within = [0.9 * s <= d <= 1.1 * s for d, s in zip(delays, RETRY_SCHEDULE, strict=True)]
    assert within == [True] * 7, delays
    # And after the last retry it gave up: eight attempts, no further try
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        8,
        None,
    )
    assert len(receiver.requests) == 8
    delivery_attempt(delivery_id=delivery.pk)
    assert len(receiver.requests) == 8
    assert delivery.attempt_log.count() == 8
    endpoint.refresh_from_db()
    assert endpoint.enabled is True


def test_an_endpoint_failing_for_five_days_is_disabled_and_its_owners_told(
    team, receiver, endpoint, django_capture_on_commit_callbacks
):
    # Given an endpoint that has been failing for five days and a minute
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=5, minutes=1)
    )
    receiver.stop()
    delivery = _emit(team)

    # When one more delivery fails
    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=delivery.pk)

    # Then the endpoint is disabled, the delivery given up, and owners and admins told
    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "Failing for 5 days")
    assert delivery.status == DeliveryStatus.FAILED
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            ["adam@brightwave.test", "olga@brightwave.test"],
            f"Webhook endpoint disabled: {receiver.url}",
        )
    ]
    assert "Failing for 5 days" in mail.outbox[0].body


def test_an_endpoint_failing_for_four_days_keeps_trying(
    team, receiver, endpoint, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=4, hours=23)
    )
    receiver.stop()
    delivery = _emit(team)

    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=delivery.pk)

    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert (endpoint.enabled, delivery.status) == (True, DeliveryStatus.RETRYING)
    assert mail.outbox == []


def test_a_success_ends_the_failing_streak(team, receiver, endpoint):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=2)
    )
    delivery = _emit(team)

    delivery_attempt(delivery_id=delivery.pk)

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_delivery_to_an_endpoint_disabled_since_is_given_up_unsent(team, receiver, endpoint):
    delivery = _emit(team)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_log.get().error == "endpoint disabled"
    assert receiver.requests == []


def test_after_rotation_both_secrets_sign_until_the_overlap_ends(team, receiver, endpoint):
    # Given Olga rotated the secret
    old_secret = endpoint.secret
    rotated = endpoint_rotate_secret(actor=team.owner.user, endpoint_id=endpoint.pk)
    receiver.secret = rotated.secret

    # When an event is delivered
    delivery_attempt(delivery_id=_emit(team).pk)

    # Then it carries two signatures, one per secret, and each secret verifies it
    [received] = receiver.requests
    new_signature = Webhook(rotated.secret).sign(
        received.webhook_id,
        dt.datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), tz=dt.UTC),
        received.body.decode(),
    )
    old_signature = Webhook(old_secret).sign(
        received.webhook_id,
        dt.datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), tz=dt.UTC),
        received.body.decode(),
    )
    assert received.signature.split(" ") == [new_signature, old_signature]
    for secret in (rotated.secret, old_secret):
        Webhook(secret).verify(received.body, received.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER_SECRET).verify(received.body, received.headers)

    # When the overlap is over, only the new secret signs
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - dt.timedelta(seconds=1)
    )
    delivery_attempt(delivery_id=_emit(team).pk)
    later = receiver.requests[1]
    assert len(later.signature.split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(later.body, later.headers)
    assert receiver.rejected == []
