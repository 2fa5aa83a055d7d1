"""The registry of audit event types. Every change the product makes is one of these."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    # Shown on the access timeline that the partner and the customer both see.
    on_access_timeline: bool = False


_REGISTRY: dict[str, EventType] = {}


def register(code: str, label: str, *, on_access_timeline: bool = False) -> EventType:
    event = EventType(code, label, on_access_timeline)
    _REGISTRY[code] = event
    return event


def get(code: str) -> EventType:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise ValueError(f"unknown audit event type {code!r}") from None


def all_types() -> list[EventType]:
    return list(_REGISTRY.values())


def access_timeline_codes() -> list[str]:
    return [e.code for e in _REGISTRY.values() if e.on_access_timeline]


PARTNER_CREATED = register("partner.created", "Partner created")
PARTNER_UPDATED = register("partner.updated", "Partner updated")
MEMBER_ADDED = register("member.added", "Team member added")
MEMBER_ROLE_CHANGED = register("member.role_changed", "Team member role changed")
MEMBER_REMOVED = register("member.removed", "Team member removed")
INVITATION_SENT = register("invitation.sent", "Invitation sent")
INVITATION_ACCEPTED = register("invitation.accepted", "Invitation accepted")
INVITATION_DECLINED = register("invitation.declined", "Invitation declined")
INVITATION_REVOKED = register("invitation.revoked", "Invitation revoked")
INVITATION_EXPIRED = register("invitation.expired", "Invitation expired unanswered")
PROFILE_UPDATED = register("people.profile_updated", "Personal settings changed")
ACCOUNT_CREATED = register("account.created", "Client account created")
ACCOUNT_CREDITED = register(
    "partnership.credited", "Account moved under the partnership", on_access_timeline=True
)
REQUEST_CREATED = register(
    "access.requested", "Permission to manage requested", on_access_timeline=True
)
REQUEST_CANCELLED = register(
    "access.request_cancelled", "Request cancelled by the partner", on_access_timeline=True
)
REQUEST_CONFIRMED = register(
    "access.confirmed", "Customer confirmed: partner has full access", on_access_timeline=True
)
REQUEST_DECLINED = register(
    "access.declined", "Customer declined the request", on_access_timeline=True
)
REQUEST_EXPIRED = register(
    "access.request_expired", "Request expired unanswered", on_access_timeline=True
)
ACCESS_REVOKED = register(
    "access.revoked", "Customer turned partner access off", on_access_timeline=True
)
ACCESS_LEVEL_CHANGED = register(
    "access.level_changed", "Customer changed the access level", on_access_timeline=True
)
EXTENSION_REQUESTED = register(
    "access.extension_requested", "Extension of access requested", on_access_timeline=True
)
ACCESS_EXTENDED = register("access.extended", "Access extended", on_access_timeline=True)
ACCESS_EXPIRING = register("access.expiring", "Access end warned")
ACCESS_EXPIRED = register("access.expired", "Access ended at its end date", on_access_timeline=True)
ACCOUNT_OWNER_SET = register(
    "account.owner_accepted", "Owner accepted the account", on_access_timeline=True
)
ACCOUNT_ASSIGNED = register(
    "account.assigned", "Assigned to a member of the partner's team", on_access_timeline=True
)
ACCOUNT_UNASSIGNED = register(
    "account.unassigned",
    "No longer assigned to a member of the partner's team",
    on_access_timeline=True,
)
ACCOUNT_PLAN_CHANGED_BY_PARTNER = register(
    "account.plan_changed_by_partner", "Plan changed by the partner", on_access_timeline=True
)
ACCOUNT_CANCELLED_BY_PARTNER = register(
    "account.cancelled_by_partner", "Account cancelled by the partner", on_access_timeline=True
)
ADMIN_CHANGE = register("admin.changed", "Changed by program staff in the admin")
MONTH_CLOSED = register("earnings.month_closed", "Month closed")
LEDGER_LINE_WRITTEN = register("earnings.line_written", "Earnings line written")
PAYOUT_APPROVED = register("earnings.payout_approved", "Payout approved")
PAYOUT_PAID = register("earnings.payout_paid", "Payout paid")
TERMS_CREATED = register("earnings.terms_created", "Program terms added")
STATEMENTS_CLOSED = register("pricing.statements_closed", "Single Bill statements closed")
SINGLE_BILL_ENABLED = register("pricing.single_bill_enabled", "Single Bill turned on")
BILLING_RECEIVED = register("billing.received", "Billing data received")
API_KEY_CREATED = register("api.key_created", "API key created")
API_KEY_REVOKED = register("api.key_revoked", "API key revoked")
WEBHOOK_ENDPOINT_CHANGED = register("webhooks.endpoint_changed", "Webhook endpoint changed")
MOVE_REQUESTED = register(
    "move.requested", "Partner asked the owner to move the account in", on_access_timeline=True
)
MOVE_CANCELLED = register("move.cancelled", "Partner cancelled its move", on_access_timeline=True)
MOVE_DECLINED = register("move.declined", "Owner declined the move", on_access_timeline=True)
MOVE_EXPIRED = register("move.expired", "Move expired unanswered", on_access_timeline=True)
ACCOUNT_MOVED_IN = register(
    "account.moved_in", "Owner confirmed: the account moved in", on_access_timeline=True
)
ACCOUNT_MOVED_OUT = register(
    "account.moved_out", "The account moved to another partnership", on_access_timeline=True
)
INVITE_CODE_REGENERATED = register("partner.invite_code_regenerated", "Invite link replaced")
REQUEST_CODE_CHANGED = register(
    "account.request_code_changed", "Request code setting changed", on_access_timeline=True
)
CANCELLATION_SCHEDULED = register(
    "account.cancellation_scheduled",
    "Cancellation scheduled by the partner",
    on_access_timeline=True,
)
CANCELLATION_WITHDRAWN = register(
    "account.cancellation_withdrawn", "Scheduled cancellation withdrawn", on_access_timeline=True
)
CANCELLATION_CARRIED_OUT = register(
    "account.cancellation_carried_out",
    "Scheduled cancellation carried out",
    on_access_timeline=True,
)
ACCOUNT_USER_CREATED = register(
    "account.user_created", "User added to the account by the partner", on_access_timeline=True
)
ACCOUNT_OPERATION_SENT = register(
    "account.operation_sent", "Partner sent a request to the account", on_access_timeline=True
)
CONTACTS_UNSUBSCRIBED = register(
    "account.contacts_unsubscribed", "Partner unsubscribed contacts", on_access_timeline=True
)
HELP_VERSION_ADDED = register("help.version_added", "Help article version written")
HELP_ARTICLE_PUBLISHED = register("help.article_published", "Help article published")
HELP_ARTICLE_WITHDRAWN = register("help.article_withdrawn", "Help article withdrawn")
GROUP_CREATED = register("organization.group_created", "Account group created")
GROUP_RENAMED = register("organization.group_renamed", "Account group renamed")
GROUP_DELETED = register("organization.group_deleted", "Account group deleted")
ACCOUNT_GROUP_CHANGED = register(
    "account.group_changed", "Account moved to another group", on_access_timeline=True
)
BRAND_CHANGED = register("brand.changed", "Brand kit changed", on_access_timeline=True)
ACCOUNT_TAGGED = register("account.tagged", "Tag added to the account", on_access_timeline=True)
ACCOUNT_UNTAGGED = register(
    "account.untagged", "Tag removed from the account", on_access_timeline=True
)
DETACH_REQUESTED = register(
    "account.detach_requested", "Organization asked to detach the account", on_access_timeline=True
)
DETACH_CANCELLED = register(
    "account.detach_cancelled", "Detach request withdrawn", on_access_timeline=True
)
DETACH_DECLINED = register(
    "account.detach_declined", "Owner declined to detach the account", on_access_timeline=True
)
ACCOUNT_DETACHED = register(
    "account.detached", "Account detached from the organization", on_access_timeline=True
)
ONBOARDING_STEP_ADDED = register("onboarding.step_added", "Onboarding step added")
ONBOARDING_STEP_CHANGED = register("onboarding.step_changed", "Onboarding step changed")
ONBOARDING_STEP_MOVED = register("onboarding.step_moved", "Onboarding steps reordered")
ONBOARDING_STEP_REMOVED = register("onboarding.step_removed", "Onboarding step removed")
ONBOARDING_STEP_DONE = register("onboarding.step_done", "Onboarding step done")
ONBOARDING_STEP_UNDONE = register("onboarding.step_undone", "Onboarding step no longer done")
ONBOARDING_NUDGE_SENT = register("onboarding.nudge_sent", "Onboarding reminder sent to the owner")
TEAM_SWITCHED = register("people.team_switched", "Switched to another team")
GROUP_MANAGER_ADDED = register("organization.group_manager_added", "Group given to a manager")
GROUP_MANAGER_REMOVED = register("organization.group_manager_removed", "Group taken from a manager")
