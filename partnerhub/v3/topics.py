"""The V3 webhook topics, derived from the domain's own events, and the V3 notification body.

The public partner-webhooks guide: "A webhook is an HTTP POST callback request sent to a URL
of your choice when an event occurs. The POST payload provides the URL from which the details
of the event are retrieved", e.g. ``{"url": ".../v3/partner/accounts/{account_id}/plan",
"api_key": "{api key}", "event_type": "tier.increase"}``; the guide gives that same plan URL
for all four topics. ``api_key`` here is the client id of the credentials that subscribed (the
API key itself is a secret, stored only hashed). Every delivery also carries the Standard
Webhooks signature headers, as native deliveries do.
"""

import json

from django.conf import settings

from partnerhub.webhooks.surfaces import Surface, surface_register

# id -> (event type, name, description), as the public API lists them.
V3_TOPICS = {
    1: (
        "tier.increase",
        "Billing Tier Upgrade",
        "Executes when an account's billing tier is upgraded.",
    ),
    2: (
        "tier.decrease",
        "Billing Tier Downgrade",
        "Executes when an account's billing tier is downgraded.",
    ),
    3: ("account.cancel", "Account Cancelled", "Executes when an account is cancelled."),
    4: ("account.disable", "Account Disabled", "Executes when an account is disabled."),
}
TOPIC_OF_EVENT = {event: topic for topic, (event, _n, _d) in V3_TOPICS.items()}
V3_EVENTS = {event: name for event, name, _d in V3_TOPICS.values()}

# The plans from lowest to highest: a move up is an upgrade, down a downgrade.
TIER_ORDER = {"TRIAL": 0, "BRONZE": 1, "SILVER": 2, "GOLD": 3}


def plan_direction(old_plan: str, new_plan: str) -> str | None:
    """``tier.increase``, ``tier.decrease`` or None (the same rank, or a plan not ranked)."""
    old, new = TIER_ORDER.get(old_plan), TIER_ORDER.get(new_plan)
    if old is None or new is None or old == new:
        return None
    return "tier.increase" if new > old else "tier.decrease"


def derive(event_type: str, data: dict) -> list[tuple[str, dict]]:
    """The V3 events one native event stands for."""
    if event_type in ("account.converted", "plan.changed"):
        direction = plan_direction(data.get("previous_plan_type", ""), data.get("plan_type", ""))
        return [(direction, data)] if direction else []
    if event_type == "account.cancelled":
        return [("account.cancel", data)]
    if event_type == "account.disabled":
        return [("account.disable", data)]
    return []


def resource_url(encoded_account_id: str) -> str:
    base = settings.PARTNERHUB_BASE_URL.rstrip("/")
    return f"{base}/v3/partner/accounts/{encoded_account_id}/plan"


def notification(*, event_type: str, encoded_account_id: str, api_key: str) -> dict:
    return {
        "url": resource_url(encoded_account_id),
        "api_key": api_key,
        "event_type": event_type,
    }


def body(endpoint, event) -> str | None:
    """The V3 body for a V3 subscription; None for any other endpoint."""
    if endpoint.v3_topic is None:
        return None
    from partnerhub.v3.models import V3Subscription

    client_id = (
        V3Subscription.objects.filter(endpoint_id=endpoint.pk)
        .values_list("client__client_id", flat=True)
        .first()
    )
    event_type = (
        event.event_type if event.event_type in V3_EVENTS else V3_TOPICS[endpoint.v3_topic][0]
    )
    message = notification(
        event_type=event_type,
        encoded_account_id=str(event.payload.get("encoded_account_id", "")),
        api_key=client_id or "",
    )
    return json.dumps(message, separators=(",", ":"))


def register() -> None:
    surface_register(Surface(name="v3", events=V3_EVENTS, derive=derive, body=body))
