"""The events a partner can subscribe to."""

NATIVE_EVENTS = {
    "account.credited": "An account moved under your partnership",
    "request.created": "A request for permission to manage was sent",
    "request.confirmed": "The customer confirmed: you manage the account",
    "request.declined": "The customer declined the request",
    "request.cancelled": "Your team cancelled a request",
    "request.expired": "A request expired unanswered",
    "access.revoked": "The customer turned partner access off",
    "access.level_changed": "The customer changed the access level",
    "access.expiring": "Access ends soon (30, 7 and 1 day before)",
    "access.expired": "Access ended at its end date",
    "access.extended": "Access was extended (confirmed or renewed automatically)",
    "account.converted": "A trial account became paying",
    "plan.changed": "An account changed plan",
    "account.cancelled": "An account was cancelled",
    "month.closed": "A month's earnings were closed",
    "payout.paid": "A payout to you was paid",
    "webhook.test": "A test event you sent from the portal or the API",
}
# The public V3 partner API's topics: id -> (event type, name).
V3_TOPICS = {
    1: ("tier.increase", "Billing Tier Upgrade"),
    2: ("tier.decrease", "Billing Tier Downgrade"),
    3: ("account.cancel", "Account Cancelled"),
    4: ("account.disable", "Account Disabled"),
}
COMPAT_EVENTS = {event: name for event, name in V3_TOPICS.values()}
ALL_EVENTS = {**NATIVE_EVENTS, **COMPAT_EVENTS}
