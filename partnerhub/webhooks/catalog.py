"""The events a partner can subscribe to."""

NATIVE_EVENTS = {
    "account.credited": "An account moved under your partnership",
    "request.created": "A request for permission to manage was sent",
    "request.confirmed": "The customer confirmed: you manage the account",
    "request.declined": "The customer declined the request",
    "request.cancelled": "Your team cancelled a request",
    "request.expired": "A request expired unanswered",
    "access.revoked": "The customer turned partner access off",
    "account.moved_in": "An account's owner confirmed your move: it is in your partnership",
    "account.moved_out": "An account moved from your partnership to another partner",
    "account.assigned": "An account was assigned to a member of your team",
    "account.unassigned": "An account is no longer assigned to a member of your team",
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
