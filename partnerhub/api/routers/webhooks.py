"""Webhook endpoints, their deliveries, test sends and replays."""

import datetime as dt

from ninja import Router, Schema, Status
from pydantic import Field

from partnerhub.api.errors import ApiError
from partnerhub.api.idempotency import idempotent
from partnerhub.api.responses import json_response
from partnerhub.api.routers.accounts import ERRORS, require_write
from partnerhub.core.text import Line
from partnerhub.webhooks import services
from partnerhub.webhooks.catalog import ALL_EVENTS
from partnerhub.webhooks.models import WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])


class EventTypeOut(Schema):
    event_type: str
    description: str


class EndpointIn(Schema):
    url: str = Field(max_length=512)
    event_types: list[str] = Field(default_factory=list, description="Empty: every event")
    description: Line(200, required=False) = ""


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=512)
    event_types: list[str] | None = None
    description: Line(200, required=False) | None = None
    enabled: bool | None = None


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str
    created_at: dt.datetime


class EndpointSecretOut(EndpointOut):
    secret: str = Field(description="whsec_… secret to verify signatures (Standard Webhooks)")


class AttemptOut(Schema):
    at: dt.datetime
    status_code: int | None
    duration_ms: int
    response_excerpt: str
    error: str


class DeliveryOut(Schema):
    id: int
    message_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    attempt_log: list[AttemptOut]


def _endpoint_out(e: WebhookEndpoint, cls=EndpointOut, **extra):
    return cls(
        id=e.pk,
        url=e.url,
        description=e.description,
        event_types=e.event_types,
        enabled=e.enabled,
        disabled_reason=e.disabled_reason,
        created_at=e.created_at,
        **extra,
    )


def _endpoint(request, endpoint_id: int) -> WebhookEndpoint:
    found = WebhookEndpoint.objects.filter(
        pk=endpoint_id, partner_id=request.auth.partner_id
    ).first()
    if found is None:
        raise ApiError(404, "not_found", "no such endpoint")
    return found


def _manager(request):
    """Webhook changes act as the key's creator, who must still be an owner or admin."""
    require_write(request)
    return request.auth.created_by


@router.get(
    "/webhooks/event-types", response={200: list[EventTypeOut], **ERRORS}, summary="Event types"
)
def event_types(request):
    return [EventTypeOut(event_type=k, description=v) for k, v in ALL_EVENTS.items()]


@router.get(
    "/webhooks/endpoints", response={200: list[EndpointOut], **ERRORS}, summary="List endpoints"
)
def list_endpoints(request):
    return [
        _endpoint_out(e) for e in WebhookEndpoint.objects.filter(partner_id=request.auth.partner_id)
    ]


@router.post(
    "/webhooks/endpoints", response={201: EndpointSecretOut, **ERRORS}, summary="Add an endpoint"
)
@idempotent
def create_endpoint(request, body: EndpointIn):
    endpoint = services.endpoint_create(
        actor=_manager(request),
        url=body.url,
        event_types=body.event_types,
        description=body.description,
    )
    return json_response(
        _endpoint_out(endpoint, EndpointSecretOut, secret=endpoint.secret), status=201
    )


@router.get(
    "/webhooks/endpoints/{endpoint_id}",
    response={200: EndpointOut, **ERRORS},
    summary="One endpoint",
)
def get_endpoint(request, endpoint_id: int):
    return _endpoint_out(_endpoint(request, endpoint_id))


@router.patch(
    "/webhooks/endpoints/{endpoint_id}",
    response={200: EndpointOut, **ERRORS},
    summary="Change an endpoint",
)
def update_endpoint(request, endpoint_id: int, body: EndpointPatch):
    _endpoint(request, endpoint_id)
    endpoint = services.endpoint_update(
        actor=_manager(request),
        endpoint_id=endpoint_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        enabled=body.enabled,
    )
    return _endpoint_out(endpoint)


@router.delete(
    "/webhooks/endpoints/{endpoint_id}",
    response={204: None, **ERRORS},
    summary="Remove an endpoint",
)
def delete_endpoint(request, endpoint_id: int):
    _endpoint(request, endpoint_id)
    services.endpoint_delete(actor=_manager(request), endpoint_id=endpoint_id)
    return Status(204, None)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/rotate-secret",
    response={200: EndpointSecretOut, **ERRORS},
    summary="Rotate the signing secret",
)
def rotate_secret(request, endpoint_id: int):
    """The old secret keeps signing beside the new one for 24 hours."""
    _endpoint(request, endpoint_id)
    endpoint = services.endpoint_rotate_secret(actor=_manager(request), endpoint_id=endpoint_id)
    return _endpoint_out(endpoint, EndpointSecretOut, secret=endpoint.secret)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/test",
    response={202: None, **ERRORS},
    summary="Send a test event",
)
def send_test(request, endpoint_id: int):
    _endpoint(request, endpoint_id)
    services.endpoint_send_test(actor=_manager(request), endpoint_id=endpoint_id)
    return Status(202, None)


def _delivery_out(d: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.pk,
        message_id=d.event.message_id,
        event_type=d.event.event_type,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        delivered_at=d.delivered_at,
        created_at=d.created_at,
        attempt_log=[
            AttemptOut(
                at=a.at,
                status_code=a.status_code,
                duration_ms=a.duration_ms,
                response_excerpt=a.response_excerpt,
                error=a.error,
            )
            for a in d.attempt_log.all()[:10]
        ],
    )


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
    summary="Delivery log",
)
def deliveries(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    rows = endpoint.deliveries.select_related("event").prefetch_related("attempt_log")[:100]
    return [_delivery_out(d) for d in rows]


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay", response={202: None, **ERRORS}, summary="Replay"
)
def replay(request, delivery_id: int):
    services.delivery_replay(actor=_manager(request), delivery_id=delivery_id)
    return Status(202, None)
