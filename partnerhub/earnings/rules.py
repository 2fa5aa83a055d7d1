"""The money rules as plain functions over plain values. The monthly close applies the same
rules in SQL; tests hold the two to each other.

Window: an account is *in window* when the day it moved under the partnership is no later than
``window_days`` after its conversion day, or no later than ``window_days`` after the partner's
deployment day (both inclusive). An account credited before it converts is in window.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PPM = 1_000_000  # rates are held as parts per million in the ledger: 20% = 200_000


def rate_to_ppm(rate: Decimal) -> int:
    ppm = (Decimal(rate) * PPM).to_integral_value(rounding=ROUND_HALF_UP)
    if Decimal(rate) * PPM != ppm:
        raise ValueError(f"rate {rate} has more than six decimal places")
    return int(ppm)


def share_of(amount_minor: int, rate_ppm: int) -> int:
    """``rate × amount``, rounded half-up to the minor unit (half away from zero for a negative
    amount, so that a clawback mirrors the share it takes back)."""
    magnitude = (abs(amount_minor) * rate_ppm * 2 + PPM) // (2 * PPM)
    return magnitude if amount_minor >= 0 else -magnitude


@dataclass(frozen=True)
class Window:
    in_window: bool
    by_conversion: bool
    by_deployment: bool
    days_after_conversion: int | None  # moved_on - converted_on; None if not converted
    days_after_deployment: int

    def explain(self, window_days: int) -> str:
        if self.by_conversion and self.days_after_conversion is not None:
            if self.days_after_conversion <= 0:
                return "in window: credited before it converted"
            return (
                f"in window: moved {self.days_after_conversion} days after conversion "
                f"(at most {window_days})"
            )
        if self.by_conversion:
            return "in window: credited before it converted"
        if self.by_deployment:
            return (
                f"in window: moved {self.days_after_deployment} days after the partner's "
                f"deployment (at most {window_days})"
            )
        conv = (
            f"{self.days_after_conversion} days after conversion"
            if self.days_after_conversion is not None
            else "before conversion"
        )
        return f"out of window: moved {conv} and {self.days_after_deployment} days after deployment"


def window(
    *, moved_on: dt.date, converted_on: dt.date | None, deployed_on: dt.date, window_days: int
) -> Window:
    after_deployment = (moved_on - deployed_on).days
    by_deployment = after_deployment <= window_days
    if converted_on is None:
        # Not converted yet: credited before conversion, so in window once it converts.
        return Window(True, True, by_deployment, None, after_deployment)
    after_conversion = (moved_on - converted_on).days
    by_conversion = after_conversion <= window_days
    return Window(
        by_conversion or by_deployment,
        by_conversion,
        by_deployment,
        after_conversion,
        after_deployment,
    )


def earns_revenue_share(*, managed_on_day: bool, in_window: bool, single_bill: bool) -> bool:
    """Revenue share on an invoice: never for Single Bill; always when managed that day;
    when referred, only in window."""
    if single_bill:
        return False
    return managed_on_day or in_window


def earns_new_account_bonus(*, converted: bool, in_window: bool) -> bool:
    return converted and in_window


def nab_accrual_day(*, converted_on: dt.date, moved_on: dt.date) -> dt.date:
    """A bonus accrues on the later of conversion and moving."""
    return max(converted_on, moved_on)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> dt.date:
    """Exactly ``YYYY-MM`` (four digits, a dash, two digits; ``2026-1`` is refused, not taken
    for January) → the first day of that month."""
    found = _MONTH.fullmatch(text) if text.isascii() else None
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"{shown!r} is not a month; use YYYY-MM")
    return dt.date(int(found[1]), int(found[2]), 1)


def format_minor(amount_minor: int, currency: str) -> str:
    sign = "-" if amount_minor < 0 else ""
    units, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{units:,}.{cents:02d} {currency}"


def minor_to_decimal(amount_minor: int) -> Decimal:
    return (Decimal(amount_minor) / 100).quantize(Decimal("0.01"))


def decimal_to_minor(amount: Decimal) -> int:
    q = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if q != Decimal(amount):
        raise ValueError(f"{amount} has more than two decimal places")
    return int(q * 100)


@dataclass(frozen=True)
class BalanceSplit:
    """A partner's balance in one currency today, split by why each part is or is not paid.

    ``payable`` is every line past its holding period less what was paid out; ``held_by_day``
    holds the lines still in their holding period, summed per day they become payable.
    ``approved`` is a payout staff approved that has not been paid yet (it is still part of
    ``payable`` until its disbursement line is written).
    """

    payable: int
    held_by_day: tuple[tuple[dt.date, int], ...]
    minimum: int
    approved: int | None = None
    approved_on: dt.date | None = None

    @property
    def held(self) -> int:
        return sum(amount for _, amount in self.held_by_day)

    @property
    def balance(self) -> int:
        return self.payable + self.held

    @property
    def next_payable(self) -> tuple[dt.date, int] | None:
        return self.held_by_day[0] if self.held_by_day else None

    @property
    def held_until(self) -> dt.date | None:
        return self.held_by_day[-1][0] if self.held_by_day else None

    @property
    def payable_state(self) -> str:
        """``approved``: waiting to be paid; ``ready``: at least the minimum, to be approved;
        ``below_minimum``: carries forward; ``negative``: clawbacks exceed what is payable;
        ``none``: nothing payable."""
        if self.approved is not None:
            return "approved"
        if self.payable < 0:
            return "negative"
        if self.payable == 0:
            return "none"
        if self.payable < self.minimum:
            return "below_minimum"
        return "ready"


def balance_split(
    *,
    payable: int,
    held_by_day: list[tuple[dt.date, int]],
    minimum: int,
    approved: int | None = None,
    approved_on: dt.date | None = None,
) -> BalanceSplit:
    days = tuple(sorted((day, amount) for day, amount in held_by_day if amount))
    return BalanceSplit(payable, days, minimum, approved, approved_on)
