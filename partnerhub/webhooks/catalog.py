"""The events a partner can subscribe to.

``NATIVE_EVENTS`` are the domain's own. A compatible surface (see ``webhooks.surfaces``) adds
its own event types, derived from the native ones, when it registers; ``ALL_EVENTS`` holds
both, and is what endpoints may choose from.
"""

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
    "access.level_changed": "The customer changed the access level",
    "access.expiring": "Access ends soon (30, 7 and 1 day before)",
    "access.expired": "Access ended at its end date",
    "access.extended": "Access was extended (confirmed or renewed automatically)",
    "account.converted": "A trial account became paying",
    "plan.changed": "An account changed plan",
    "account.cancelled": "An account was cancelled",
    "account.disabled": "An account was disabled (compliance or a balance due)",
    "month.closed": "A month's earnings were closed",
    "payout.paid": "A payout to you was paid",
    "brand.changed": "A brand kit changed (the organization's, a group's or an account's)",
    "webhook.test": "A test event you sent from the portal or the API",
}
# Native events and those the registered surfaces add (filled in as they register).
ALL_EVENTS: dict[str, str] = dict(NATIVE_EVENTS)
