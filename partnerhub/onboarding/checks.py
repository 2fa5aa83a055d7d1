"""The automatic checks an onboarding step may use: PartnerHub looks at the account itself.

Each check answers, for a set of accounts, which of them meet it, in one query where it can.
A check whose data lives in a part of the product that is not installed is unavailable: it is
not offered as a choice and never evaluated."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    # What the page says the check looks at, in one sentence.
    rule: str
    # accounts (a queryset of ClientAccount) -> the ids of those that meet the check
    met: Callable[[QuerySet], set[int]]
    available: Callable[[], bool] = lambda: True


def _plan_chosen(accounts: QuerySet) -> set[int]:
    from partnerhub.clients.models import PlanType

    return set(accounts.exclude(plan_type=PlanType.TRIAL).values_list("pk", flat=True))


def _first_user_invited(accounts: QuerySet) -> set[int]:
    from partnerhub.invitations.models import Invitation, InvitationKind, InvitationStatus
    from partnerhub.v3.models import AccountUser

    has_user = Exists(AccountUser.objects.filter(account_id=OuterRef("pk")))
    owner_accepted = Exists(
        Invitation.objects.filter(
            account_id=OuterRef("pk"),
            kind=InvitationKind.ACCOUNT_OWNER,
            status=InvitationStatus.ACCEPTED,
        )
    )
    return set(accounts.filter(Q(has_user) | Q(owner_accepted)).values_list("pk", flat=True))


BRAND_MODULE = "partnerhub.brand.selectors"


def _brand_applied_function():
    """``brand_applied(account_id)`` of the brand kit, or None while it is not installed."""
    try:
        module = importlib.import_module(BRAND_MODULE)
    except ImportError:
        return None
    return getattr(module, "brand_applied", None)


def _brand_applied(accounts: QuerySet) -> set[int]:
    brand_applied = _brand_applied_function()
    if brand_applied is None:
        return set()
    return {pk for pk in accounts.values_list("pk", flat=True) if brand_applied(pk)}


PLAN_CHOSEN = "plan_chosen"
FIRST_USER_INVITED = "first_user_invited"
BRAND_APPLIED = "brand_applied"

REGISTRY: dict[str, Check] = {
    c.name: c
    for c in (
        Check(
            PLAN_CHOSEN,
            "Plan chosen",
            "Done once the account is on a paid plan (Bronze, Silver or Gold), not a trial.",
            _plan_chosen,
        ),
        Check(
            FIRST_USER_INVITED,
            "First user invited",
            "Done once the account has a user besides its owner, or the person invited to own "
            "the account accepted the invitation.",
            _first_user_invited,
        ),
        Check(
            BRAND_APPLIED,
            "Brand kit applied",
            "Done once the account uses the organization's brand kit.",
            _brand_applied,
            available=lambda: _brand_applied_function() is not None,
        ),
    )
}


def available_checks() -> list[Check]:
    """The checks a step may use now, in the registry's order."""
    return [c for c in REGISTRY.values() if c.available()]


def get_check(name: str) -> Check | None:
    """The check called ``name`` if it is available now, else None."""
    check = REGISTRY.get(name)
    return check if check is not None and check.available() else None
