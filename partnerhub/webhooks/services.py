"""Webhook endpoints, the event outbox and deliveries.

``event_emit`` writes the event and one delivery per subscribed endpoint inside the caller's
transaction (the outbox); the worker sends them after commit, signed per Standard Webhooks,
retrying on a schedule. Receivers de-duplicate on ``webhook-id``.
"""

import base64
import datetime as dt
import json
import random
import secrets
import time

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from partnerhub.audit import events as audit_events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.core.tasks import enqueue_later
from partnerhub.partners.services import acting_membership_of
from partnerhub.webhooks import transport
from partnerhub.webhooks.catalog import ALL_EVENTS
from partnerhub.webhooks.models import (
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from partnerhub.webhooks.safety import check_target, target_parse, target_resolve
from partnerhub.webhooks.surfaces import derived_events, surface_body

# Seconds to wait after each failed attempt; after the last one the delivery gives up.
RETRY_SCHEDULE = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
# At most this much of an answer is read; the delivery log keeps the first characters.
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 500
DISABLE_AFTER = dt.timedelta(days=5)
ROTATION_OVERLAP = dt.timedelta(hours=24)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check_events(event_types: list[str]) -> list[str]:
    unknown = [e for e in event_types if e not in ALL_EVENTS]
    if unknown:
        raise InvalidTransition(
            f"unknown event types: {', '.join(unknown)}", code="event_type_invalid"
        )
    return sorted(set(event_types))


def _manager_partner_id(actor) -> int:
    membership = acting_membership_of(actor)
    if membership is None or not membership.can_manage_team:
        raise PermissionDenied("only owners and admins manage webhooks")
    return membership.partner_id


@transaction.atomic
def endpoint_create(
    *, actor, url: str, event_types: list[str], description: str = "", v3_topic: int | None = None
) -> WebhookEndpoint:
    partner_id = _manager_partner_id(actor)
    check_target(url, require_https=v3_topic is not None)
    endpoint = WebhookEndpoint.objects.create(
        partner_id=partner_id,
        url=url,
        description=description[:200],
        event_types=_check_events(event_types),
        secret=new_secret(),
        v3_topic=v3_topic,
    )
    audit_record(
        actor=actor,
        action=audit_events.WEBHOOK_ENDPOINT_CHANGED,
        target=endpoint,
        partner=endpoint.partner,
        after={"url": url, "event_types": endpoint.event_types, "created": True},
    )
    return endpoint


def _lock_endpoint(actor, endpoint_id: int) -> WebhookEndpoint:
    partner_id = _manager_partner_id(actor)
    try:
        return lock_one(
            WebhookEndpoint.objects.select_related("partner"), pk=endpoint_id, partner_id=partner_id
        )
    except WebhookEndpoint.DoesNotExist:
        raise NotFound("no such endpoint") from None


@transaction.atomic
def endpoint_update(
    *,
    actor,
    endpoint_id: int,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    endpoint = _lock_endpoint(actor, endpoint_id)
    before = {"url": endpoint.url, "event_types": endpoint.event_types, "enabled": endpoint.enabled}
    fields = []
    if url is not None and url != endpoint.url:
        check_target(url, require_https=endpoint.v3_topic is not None)
        endpoint.url = url
        fields.append("url")
    if event_types is not None:
        endpoint.event_types = _check_events(event_types)
        fields.append("event_types")
    if description is not None:
        endpoint.description = description[:200]
        fields.append("description")
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        endpoint.disabled_reason = "" if enabled else "Turned off by the partner"
        endpoint.failing_since = None
        fields += ["enabled", "disabled_reason", "failing_since"]
    if fields:
        endpoint.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=audit_events.WEBHOOK_ENDPOINT_CHANGED,
            target=endpoint,
            partner=endpoint.partner,
            before=before,
            after={
                "url": endpoint.url,
                "event_types": endpoint.event_types,
                "enabled": endpoint.enabled,
            },
        )
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint_id: int) -> None:
    endpoint = _lock_endpoint(actor, endpoint_id)
    audit_record(
        actor=actor,
        action=audit_events.WEBHOOK_ENDPOINT_CHANGED,
        target=endpoint,
        partner=endpoint.partner,
        before={"url": endpoint.url},
        after={"deleted": True},
    )
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, actor, endpoint_id: int) -> WebhookEndpoint:
    """A new secret; the old one keeps signing beside it for a day so receivers can switch."""
    endpoint = _lock_endpoint(actor, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["previous_secret", "previous_secret_until", "secret"])
    audit_record(
        actor=actor,
        action=audit_events.WEBHOOK_ENDPOINT_CHANGED,
        target=endpoint,
        partner=endpoint.partner,
        after={"secret_rotated": True},
    )
    return endpoint


def event_emit(
    *, partner_id: int, event_type: str, data: dict, endpoints=None, force: bool = False
) -> WebhookEvent | None:
    """Record an event and its deliveries in the caller's transaction; send after commit.
    ``force`` sends to the given endpoints whatever events they chose (test sends). The events
    a registered surface derives from a native event follow it (not for test sends)."""
    if event_type not in ALL_EVENTS:
        raise ValueError(f"unknown event type {event_type!r}")
    event = _event_record(
        partner_id=partner_id,
        event_type=event_type,
        data=data,
        endpoints=endpoints,
        force=force,
    )
    if endpoints is None:
        for derived_type, derived_data in derived_events(event_type, data):
            _event_record(partner_id=partner_id, event_type=derived_type, data=derived_data)
    return event


def events_emit_many(*, partner_id: int, event_type: str, datas: list[dict]) -> int:
    """``event_emit`` of one event type for many changes of one partner at once (a bulk
    request): the partner's endpoints are read once, the events and their deliveries written
    in one insert each, all handed to the worker on commit. Returns how many events were
    recorded (none when no endpoint wants them)."""
    if event_type not in ALL_EVENTS:
        raise ValueError(f"unknown event type {event_type!r}")
    endpoints = list(WebhookEndpoint.objects.filter(partner_id=partner_id, enabled=True))
    count = _events_record(
        partner_id=partner_id, event_type=event_type, datas=datas, endpoints=endpoints
    )
    derived: dict[str, list[dict]] = {}
    for data in datas:
        for derived_type, derived_data in derived_events(event_type, data):
            derived.setdefault(derived_type, []).append(derived_data)
    for derived_type, derived_datas in derived.items():
        _events_record(
            partner_id=partner_id,
            event_type=derived_type,
            datas=derived_datas,
            endpoints=endpoints,
        )
    return count


def _events_record(
    *, partner_id: int, event_type: str, datas: list[dict], endpoints: list[WebhookEndpoint]
) -> int:
    targets = [e for e in endpoints if e.wants(event_type)]
    if not targets or not datas:
        return 0
    now = timezone.now()
    events = WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                partner_id=partner_id,
                event_type=event_type,
                payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
                created_at=now,
            )
            for data in datas
        ]
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, endpoint=e, next_attempt_at=now)
            for event in events
            for e in targets
        ]
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))
    return len(events)


def _event_record(
    *, partner_id: int, event_type: str, data: dict, endpoints=None, force: bool = False
) -> WebhookEvent | None:
    candidates = (
        endpoints
        if endpoints is not None
        else WebhookEndpoint.objects.filter(partner_id=partner_id, enabled=True)
    )
    targets = [e for e in candidates if force or e.wants(event_type)]
    if not targets:
        return None
    now = timezone.now()
    event = WebhookEvent.objects.create(
        partner_id=partner_id,
        event_type=event_type,
        payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
        created_at=now,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, endpoint=e, next_attempt_at=now) for e in targets]
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))
    return event


def _enqueue(delivery_ids: list[int], run_after: dt.datetime | None = None) -> None:
    from partnerhub.webhooks.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        if run_after is None:
            deliver_webhook.enqueue(delivery_id=delivery_id)
        else:
            enqueue_later(deliver_webhook, run_after, delivery_id=delivery_id)


def message_body(event: WebhookEvent, endpoint: WebhookEndpoint | None = None) -> str:
    """The request body: the surface's own format for an endpoint a surface claims, the
    Standard Webhooks envelope otherwise."""
    if endpoint is not None and (body := surface_body(endpoint, event)) is not None:
        return body
    return json.dumps(
        {
            "type": event.event_type,
            "timestamp": event.created_at.isoformat(),
            "data": event.payload,
        },
        separators=(",", ":"),
    )


def sign(endpoint: WebhookEndpoint, message_id: str, at: dt.datetime, body: str) -> str:
    signatures = [Webhook(endpoint.secret).sign(message_id, at, body)]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and endpoint.previous_secret_until > at
    ):
        signatures.append(Webhook(endpoint.previous_secret).sign(message_id, at, body))
    return " ".join(signatures)


def _retry_delay(attempts: int, retry_after: str | None) -> float | None:
    if attempts > len(RETRY_SCHEDULE):
        return None
    delay = RETRY_SCHEDULE[attempts - 1] * random.uniform(0.9, 1.1)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after.strip()))
    return delay


def _excerpt(body: bytes) -> str:
    """The start of an answer, as text the database stores (no NUL characters)."""
    return (
        body[: EXCERPT_CHARS * 4].decode(errors="replace")[:EXCERPT_CHARS].replace("\x00", "\ufffd")
    )


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery now, if it is still due, and record the outcome."""
    with transaction.atomic():
        delivery = lock_one(
            WebhookDelivery.objects.select_related("event", "endpoint"), pk=delivery_id
        )
        if delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
            return delivery
        delivery.attempts += 1
        delivery.next_attempt_at = None
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    endpoint, event = delivery.endpoint, delivery.event
    at = timezone.now()
    body = message_body(event, endpoint)
    status_code, excerpt, error, retry_after = None, "", "", None
    started = time.monotonic()
    if not endpoint.enabled:
        error = "endpoint disabled"
    else:
        try:
            # Parsed and resolved again at every attempt: the checked addresses are the ones
            # the request goes to.
            target = target_parse(endpoint.url, require_https=endpoint.v3_topic is not None)
            answer = transport.post(
                target,
                target_resolve(target),
                body=body.encode(),
                headers={
                    "content-type": "application/json",
                    "user-agent": "PartnerHub-Webhooks/1",
                    "webhook-id": event.message_id,
                    "webhook-timestamp": str(int(at.timestamp())),
                    "webhook-signature": sign(endpoint, event.message_id, at, body),
                },
                deadline=settings.PARTNERHUB_WEBHOOKS_DEADLINE_SECONDS,
                max_body=MAX_RESPONSE_BYTES,
            )
            status_code = answer.status
            excerpt = _excerpt(answer.body)
            retry_after = answer.retry_after
        except InvalidTransition as exc:
            error = exc.message[:300]
        except transport.DeliveryError as exc:
            status_code, error = exc.status, exc.message[:300]
    duration = int((time.monotonic() - started) * 1000)
    ok = not error and status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        delivery = lock_one(WebhookDelivery.objects.select_related("endpoint"), pk=delivery_id)
        DeliveryAttempt.objects.create(
            delivery=delivery,
            at=at,
            status_code=status_code,
            duration_ms=duration,
            request_body=body,
            response_excerpt=excerpt,
            error=error,
        )
        endpoint = lock_one(
            WebhookEndpoint.objects.select_related("partner"), pk=delivery.endpoint_id
        )
        if ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = timezone.now()
            delivery.save(update_fields=["status", "delivered_at"])
            if endpoint.failing_since:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
            return delivery
        if status_code == 410:
            _disable(endpoint, "The receiver answered 410 Gone")
        elif endpoint.enabled:
            endpoint.failing_since = endpoint.failing_since or at
            endpoint.save(update_fields=["failing_since"])
            if at - endpoint.failing_since >= DISABLE_AFTER:
                _disable(endpoint, "Failing for 5 days")
        delay = None if not endpoint.enabled else _retry_delay(delivery.attempts, retry_after)
        if delay is None:
            delivery.status = DeliveryStatus.FAILED
            delivery.save(update_fields=["status"])
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = at + dt.timedelta(seconds=delay)
            delivery.save(update_fields=["status", "next_attempt_at"])
            run_after = delivery.next_attempt_at
            transaction.on_commit(lambda: _enqueue([delivery_id], run_after=run_after))
    return delivery


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["enabled", "disabled_reason"])
    from partnerhub.webhooks.notifications import notify_endpoint_disabled

    notify_endpoint_disabled(endpoint)


def deliveries_due(*, now: dt.datetime | None = None) -> list[int]:
    """Deliveries whose time has come but that no queued task holds (e.g. after a restart)."""
    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=2)
    return list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lte=stale
        ).values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def delivery_replay(*, actor, delivery_id: int) -> WebhookDelivery:
    """Send an event again to the same endpoint, as a new delivery with the same webhook-id."""
    partner_id = _manager_partner_id(actor)
    try:
        old = WebhookDelivery.objects.select_related("event", "endpoint").get(
            pk=delivery_id, endpoint__partner_id=partner_id
        )
    except WebhookDelivery.DoesNotExist:
        raise NotFound("no such delivery") from None
    if not old.endpoint.enabled:
        raise InvalidTransition(
            "the endpoint is disabled; enable it first", code="endpoint_disabled"
        )
    old.status = DeliveryStatus.PENDING
    old.next_attempt_at = timezone.now()
    old.attempts = 0
    old.save(update_fields=["status", "next_attempt_at", "attempts"])
    transaction.on_commit(lambda: _enqueue([old.pk]))
    return old


@transaction.atomic
def endpoint_send_test(*, actor, endpoint_id: int) -> WebhookEvent:
    endpoint = _lock_endpoint(actor, endpoint_id)
    if not endpoint.enabled:
        raise InvalidTransition(
            "the endpoint is disabled; enable it first", code="endpoint_disabled"
        )
    return event_emit(
        partner_id=endpoint.partner_id,
        event_type="webhook.test",
        data={"test": True, "message": "A test event from PartnerHub", "endpoint_id": endpoint.pk},
        endpoints=[endpoint],
        force=True,
    )
