"""Partner webhook subscriptions, one per topic (1 tier.increase, 2 tier.decrease,
3 account.cancel, 4 account.disable)."""

from ninja import Router, Status

from partnerhub.v3 import services
from partnerhub.v3.schemas import ERRORS, SubscriptionIn, SubscriptionOut, SubscriptionPutOut
from partnerhub.v3.topics import V3_TOPICS
from partnerhub.webhooks.models import WebhookEndpoint

router = Router(tags=["webhooks"])


def _out(topic: int, endpoint: WebhookEndpoint | None) -> SubscriptionOut:
    return SubscriptionOut(
        topic_id=topic,
        topic_name=V3_TOPICS[topic][1],
        topic_description=V3_TOPICS[topic][2],
        hook_uri=endpoint.url if endpoint else None,
    )


@router.get(
    "/partner/webhooks/subscriptions",
    response={200: list[SubscriptionOut], **ERRORS},
    summary="List the webhook topics and their subscriptions",
)
def list_subscriptions(request):
    """Every topic, with ``hook_uri`` null where it is not subscribed."""
    subscribed = services.subscriptions(client=request.auth)
    return [_out(topic, subscribed.get(topic)) for topic in sorted(V3_TOPICS)]


@router.get(
    "/partner/webhooks/subscriptions/{topic_id}",
    response={200: SubscriptionOut, **ERRORS},
    summary="One topic's subscription",
)
def get_subscription(request, topic_id: str):
    topic = services.topic_of(topic_id)
    return _out(topic, services.subscription(client=request.auth, topic=topic))


@router.put(
    "/partner/webhooks/subscriptions/{topic_id}",
    response={200: SubscriptionPutOut, **ERRORS},
    summary="Subscribe to a topic or change its hook_uri",
)
def put_subscription(request, topic_id: str, body: SubscriptionIn):
    topic = services.topic_of(topic_id)
    endpoint = services.subscription_put(client=request.auth, topic=topic, hook_uri=body.hook_uri)
    return SubscriptionPutOut(topic_id=topic, hook_uri=endpoint.url)


@router.delete(
    "/partner/webhooks/subscriptions/{topic_id}",
    response={204: None, **ERRORS},
    summary="Unsubscribe from a topic",
)
def delete_subscription(request, topic_id: str):
    """Answers 204 whether or not the topic was subscribed."""
    topic = services.topic_of(topic_id)
    services.subscription_delete(client=request.auth, topic=topic)
    return Status(204, None)


@router.post(
    "/partner/webhooks/subscriptions/{topic_id}/tests",
    response={201: SubscriptionOut, **ERRORS},
    summary="Send a test event to a subscribed topic",
)
def test_subscription(request, topic_id: str):
    """Sends the topic's notification, in the V3 format, to its hook_uri; 201 with the
    subscription."""
    topic = services.topic_of(topic_id)
    endpoint = services.subscription_test(client=request.auth, topic=topic)
    return Status(201, _out(topic, endpoint))
