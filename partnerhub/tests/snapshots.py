"""What a refused action must leave untouched, in one comparable value.

A test takes ``access_state(account)`` before the action and asserts it is equal afterwards:
the account's requests and their statuses, its grants, its partnership mirror, its partnerships and their
kind history, its consent records, and the number of audit rows (its own, and in all).
"""

from partnerhub.access.models import ConsentRecord, Grant, ManageRequest
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import ClientAccount
from partnerhub.partners.models import AccountAssignment, Partner, PartnerMember
from partnerhub.partnerships.models import Partnership, PartnershipKindChange


def access_state(account) -> dict:
    account = ClientAccount.objects.get(pk=account.pk)
    return {
        "requests": list(
            ManageRequest.objects.filter(account_id=account.pk)
            .order_by("id")
            .values_list("id", "status", "decided_at", "decided_by_id")
        ),
        "mirror": (
            account.partner_id,
            account.partnership_kind,
            account.partnered_on,
            account.access_level,
        ),
        "grants": list(
            Grant.objects.filter(account_id=account.pk)
            .order_by("id")
            .values_list("id", "status", "level", "ends_at", "auto_renew")
        ),
        "partnerships": list(
            Partnership.objects.filter(account_id=account.pk)
            .order_by("id")
            .values_list("id", "partner_id", "kind", "moved_on", "ended_at")
        ),
        "kind_changes": list(
            PartnershipKindChange.objects.filter(partnership__account_id=account.pk)
            .order_by("id")
            .values_list("id", "kind", "cause")
        ),
        "consents": list(
            ConsentRecord.objects.filter(account_id=account.pk).order_by("id").values_list("id")
        ),
        "account_audit_rows": AuditEvent.objects.filter(account_id=account.pk).count(),
        "audit_rows": AuditEvent.objects.count(),
    }


def own_state(account) -> dict:
    """``access_state`` of one account alone, blind to audit rows written for others."""
    state = access_state(account)
    del state["audit_rows"]
    return state


def team_state(partner) -> dict:
    return {
        "members": list(
            PartnerMember.objects.filter(partner=partner)
            .order_by("id")
            .values_list("id", "user__email", "role")
        ),
        "member_visibility": Partner.objects.get(pk=partner.pk).member_visibility,
        "assignments": list(
            AccountAssignment.objects.filter(partner=partner)
            .order_by("id")
            .values_list("id", "account_id", "member_id")
        ),
        "audit_rows": AuditEvent.objects.count(),
    }
