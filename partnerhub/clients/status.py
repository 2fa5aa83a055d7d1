"""The account status that partners filter on, derived from billing data.

One status per account, in this order of precedence: a disabled account shows why it is
disabled; a Single Bill account shows Single Bill; otherwise its billing status decides.
"""

from django.db.models import Q, TextChoices

from partnerhub.clients.models import BillingStatus, DisabledReason


class AccountStatus(TextChoices):
    ACTIVE = "active", "Active"
    TRIAL_ACTIVE = "trial_active", "Trial - active"
    TRIAL_EXPIRED = "trial_expired", "Trial - expired"
    CANCELLED = "cancelled", "Cancelled"
    DISABLED_COMPLIANCE = "disabled_compliance", "Disabled - compliance"
    DISABLED_BALANCE_DUE = "disabled_balance_due", "Disabled - balance due"
    SINGLE_BILL = "single_bill", "Single Bill"


_ENABLED = Q(disabled_reason=DisabledReason.NONE)
_BILLED_NORMALLY = _ENABLED & Q(single_bill=False)

STATUS_FILTERS: dict[str, Q] = {
    AccountStatus.DISABLED_COMPLIANCE: Q(disabled_reason=DisabledReason.COMPLIANCE),
    AccountStatus.DISABLED_BALANCE_DUE: Q(disabled_reason=DisabledReason.BALANCE_DUE),
    AccountStatus.SINGLE_BILL: _ENABLED & Q(single_bill=True),
    AccountStatus.ACTIVE: _BILLED_NORMALLY & Q(billing_status=BillingStatus.OPEN),
    AccountStatus.TRIAL_ACTIVE: _BILLED_NORMALLY & Q(billing_status=BillingStatus.TRIAL),
    AccountStatus.TRIAL_EXPIRED: _BILLED_NORMALLY & Q(billing_status=BillingStatus.TRIAL_END),
    AccountStatus.CANCELLED: _BILLED_NORMALLY & Q(billing_status=BillingStatus.CANCELED),
}


def status_from_values(
    *, billing_status: str, disabled_reason: str, single_bill: bool
) -> AccountStatus:
    if disabled_reason == DisabledReason.COMPLIANCE:
        return AccountStatus.DISABLED_COMPLIANCE
    if disabled_reason == DisabledReason.BALANCE_DUE:
        return AccountStatus.DISABLED_BALANCE_DUE
    if single_bill:
        return AccountStatus.SINGLE_BILL
    return {
        BillingStatus.OPEN: AccountStatus.ACTIVE,
        BillingStatus.TRIAL: AccountStatus.TRIAL_ACTIVE,
        BillingStatus.TRIAL_END: AccountStatus.TRIAL_EXPIRED,
        BillingStatus.CANCELED: AccountStatus.CANCELLED,
    }[billing_status]


def status_of(account) -> AccountStatus:
    return status_from_values(
        billing_status=account.billing_status,
        disabled_reason=account.disabled_reason,
        single_bill=account.single_bill,
    )
