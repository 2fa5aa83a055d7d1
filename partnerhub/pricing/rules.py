"""Bulk pricing as plain functions over plain values: contact tiers, volume tiers, proration
and discounts. The statement build and the quote call these; tests hold them to worked
examples.

Rounding, stated once: a child billed for part of a month pays ``list × days billed ÷ days in
the month``, rounded half-up to the cent; its discount is ``that amount × percent ÷ 100``,
rounded half-up to the cent; its total is the amount less the discount. A statement's totals
are the sums of its lines' cents, so they add up to the cent by construction.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The contact tiers a list price depends on: (tier, lowest contacts, highest or None). The V3
# ``current_tiers`` answer shows the same tiers.
CONTACT_TIERS = ((1, 0, 500), (2, 501, 1000), (3, 1001, 2500), (4, 2501, 5000), (5, 5001, None))

PRICED_PLANS = ("BRONZE", "SILVER", "GOLD")

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def contact_tier(contacts: int) -> tuple[int, int, int | None]:
    """The contact tier ``contacts`` falls in: (tier, lowest, highest or None)."""
    contacts = max(contacts, 0)
    for tier, low, high in CONTACT_TIERS:
        if high is None or contacts <= high:
            return tier, low, high
    raise AssertionError("the last contact tier has no upper limit")


@dataclass(frozen=True)
class VolumeTier:
    """From ``min_accounts`` paying accounts (to ``max_accounts``, or without limit), a
    ``discount_percent`` off every list price."""

    min_accounts: int
    max_accounts: int | None
    discount_percent: Decimal

    @property
    def label(self) -> str:
        if self.max_accounts is None:
            return f"{self.min_accounts}+ accounts"
        if self.min_accounts == self.max_accounts:
            return f"{self.min_accounts} account{'s' if self.min_accounts != 1 else ''}"
        return f"{self.min_accounts}–{self.max_accounts} accounts"

    @property
    def discount_label(self) -> str:
        return percent_label(self.discount_percent)


def percent_label(percent: Decimal) -> str:
    """``10.00`` → ``−10 %``; ``0`` → ``0 %``; ``12.50`` → ``−12.5 %``."""
    shown = f"{Decimal(percent).normalize():f}"
    return "0 %" if Decimal(percent) == 0 else f"−{shown} %"


def tier_problems(tiers: Sequence[VolumeTier]) -> list[str]:
    """What is wrong with a book's volume tiers: they start at 1 account, follow each other
    without a gap or an overlap, only the last is open-ended, and each discount is an exact
    percentage from 0 to 100 with at most two decimals."""
    problems: list[str] = []
    if not tiers:
        return ["a price book needs at least one volume tier, from 1 account"]
    ordered = sorted(tiers, key=lambda t: t.min_accounts)
    if ordered[0].min_accounts != 1:
        problems.append(f"the first tier starts at 1 account, not {ordered[0].min_accounts}")
    for tier in ordered:
        if tier.max_accounts is not None and tier.max_accounts < tier.min_accounts:
            problems.append(f"{tier.label}: the last account is before the first")
        percent = Decimal(tier.discount_percent)
        if not Decimal(0) <= percent <= HUNDRED:
            problems.append(f"{tier.label}: a discount is from 0 to 100 %")
        elif percent != percent.quantize(CENT):
            problems.append(f"{tier.label}: a discount has at most two decimals")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.max_accounts is None:
            problems.append(f"{before.label}: only the last tier is open-ended")
        elif after.min_accounts <= before.max_accounts:
            problems.append(f"{before.label} and {after.label} overlap")
        elif after.min_accounts != before.max_accounts + 1:
            problems.append(
                f"no tier for {before.max_accounts + 1}–{after.min_accounts - 1} accounts"
            )
    if ordered[-1].max_accounts is not None:
        problems.append(
            f"the last tier ends at {ordered[-1].max_accounts}: leave its last account empty"
        )
    return problems


def tier_for(tiers: Sequence[VolumeTier], paying: int) -> VolumeTier:
    """The tier ``paying`` accounts fall in (none paying: the first tier)."""
    ordered = sorted(tiers, key=lambda t: t.min_accounts)
    for tier in ordered:
        if tier.max_accounts is None or paying <= tier.max_accounts:
            return tier
    return ordered[-1]


def next_tier(tiers: Sequence[VolumeTier], paying: int) -> VolumeTier | None:
    """The first tier above the one ``paying`` accounts fall in, if any."""
    current = tier_for(tiers, paying)
    later = [t for t in tiers if t.min_accounts > current.min_accounts]
    return min(later, key=lambda t: t.min_accounts) if later else None


def days_in_month(month: dt.date) -> int:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (nxt - month.replace(day=1)).days


def prorate(list_price_minor: int, days_billed: int, month_days: int) -> int:
    """``list × days ÷ month days``, rounded half-up to the cent (a whole month: the list)."""
    if not 0 <= days_billed <= month_days:
        raise ValueError(f"{days_billed} days billed in a month of {month_days}")
    return (list_price_minor * days_billed * 2 + month_days) // (2 * month_days)


def discount_of(amount_minor: int, percent: Decimal) -> int:
    """``amount × percent ÷ 100``, rounded half-up to the cent (half away from zero for a
    negative amount, so that a correction mirrors the discount it corrects)."""
    exact = Decimal(abs(amount_minor)) * Decimal(percent) / HUNDRED
    magnitude = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return magnitude if amount_minor >= 0 else -magnitude


@dataclass(frozen=True)
class Period:
    """The days of a month a child is billed for, both inclusive."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def billed_period(
    *,
    month: dt.date,
    paying_from: dt.date,
    ended_on: dt.date | None = None,
    cancelled_on: dt.date | None = None,
) -> Period | None:
    """The days of ``month`` a child is billed for: from the day it became a paying child
    (the later of its conversion and the day it joined), up to the day *before* it was
    cancelled or left. None when no day of the month is billed."""
    first = max(month.replace(day=1), paying_from)
    last = month.replace(day=days_in_month(month))
    for stop in (ended_on, cancelled_on):
        if stop is not None:
            last = min(last, stop - dt.timedelta(days=1))
    return Period(first, last) if last >= first else None


@dataclass(frozen=True)
class Charge:
    amount_minor: int
    discount_minor: int

    @property
    def total_minor(self) -> int:
        return self.amount_minor - self.discount_minor


def charge(*, list_price_minor: int, period: Period, month: dt.date, percent: Decimal) -> Charge:
    amount = prorate(list_price_minor, period.days, days_in_month(month))
    return Charge(amount, discount_of(amount, percent))
