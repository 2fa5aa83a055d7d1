"""Every ledger line, and a balance that is not all payable, in words a partner understands."""

import datetime as dt

from partnerhub.core import timefmt
from partnerhub.earnings.models import LedgerLine, LineType, ReasonCode
from partnerhub.earnings.rules import PPM, BalanceSplit, format_minor


def format_rate(rate_ppm: int) -> str:
    pct = rate_ppm * 100 / PPM
    return f"{pct:g}%"


def _moved_before_conversion(line: LedgerLine) -> bool:
    """An account credited while still a trial is in window whenever it converts."""
    converted_at = line.account.converted_at if line.account_id else None
    if line.qualified_on is None:
        return False
    return converted_at is None or line.qualified_on < converted_at.astimezone(dt.UTC).date()


def _why(line: LedgerLine) -> str:
    since = f"{line.qualified_on:%Y-%m-%d}" if line.qualified_on else "?"
    if line.reason_code == ReasonCode.MANAGED:
        return f"managed since {since}"
    if line.reason_code == ReasonCode.WINDOW_CONVERSION and _moved_before_conversion(line):
        return f"in window: moved under the partnership {since}, before it converted"
    if line.reason_code == ReasonCode.WINDOW_CONVERSION:
        return f"in window: moved under the partnership {since}, within the window after conversion"
    if line.reason_code == ReasonCode.WINDOW_DEPLOYMENT:
        return f"in window: moved under the partnership {since}, within the window after your deployment"
    return ""


def line_reason(line: LedgerLine) -> str:
    kind = line.corrected_type if line.line_type == LineType.ADJUSTMENT else line.line_type
    text = ""
    if kind == LineType.REVENUE_SHARE:
        text = (
            f"Revenue share {format_rate(line.rate_ppm)} of {format_minor(line.basis_minor, line.currency)} "
            f"on invoice {line.invoice.external_id if line.invoice_id else '?'} paid {line.fact_on:%Y-%m-%d}; "
            f"{'' if line.reason_code == ReasonCode.MANAGED else 'referred, '}{_why(line)}"
        )
    elif kind == LineType.NEW_ACCOUNT_BONUS:
        text = f"New account bonus, accrued {line.fact_on:%Y-%m-%d} (the later of conversion and moving); {_why(line)}"
    elif kind == LineType.CLAWBACK and line.reason_code == ReasonCode.BONUS_REVERSAL:
        text = (
            f"Bonus reversed: the converting invoice "
            f"{line.invoice.external_id if line.invoice_id else ''} was fully refunded by {line.fact_on:%Y-%m-%d}, "
            f"within the holding period"
        )
    elif kind == LineType.CLAWBACK:
        text = (
            f"Clawback {format_rate(line.rate_ppm)} of {format_minor(line.basis_minor, line.currency)} "
            f"refunded {line.fact_on:%Y-%m-%d} on invoice "
            f"{line.invoice.external_id if line.invoice_id else '?'}, which had earned revenue share"
        )
    elif kind == LineType.DISBURSEMENT:
        text = f"Paid out on {line.fact_on:%Y-%m-%d}" + (
            f" (reference {line.payout.reference})"
            if line.payout_id and line.payout.reference
            else ""
        )
    if line.line_type == LineType.ADJUSTMENT and line.corrects_month:
        text = f"Adjustment for {line.corrects_month:%B %Y} (earned then, entered in a later close): {text[:1].lower()}{text[1:]}"
    return text


def _day(day: dt.date) -> str:
    return timefmt.format_date(day)


def balance_reasons(split: BalanceSplit, *, currency: str, holding_days: int | None) -> list[str]:
    """Why the balance is, or is not yet, paid out: one sentence per part of it."""

    def money(amount: int) -> str:
        return format_minor(amount, currency)

    reasons = []
    state = split.payable_state
    if state == "approved":
        reasons.append(
            f"{money(split.approved)} was approved for payout on {_day(split.approved_on)} and is "
            "waiting to be paid; it leaves the balance when it is paid."
        )
        if split.payable > split.approved:
            reasons.append(
                f"{money(split.payable - split.approved)} more became payable after that "
                "approval; it goes with a later payout."
            )
    elif state == "ready":
        reasons.append(
            f"{money(split.payable)} is payable: it is at least the minimum payout of "
            f"{money(split.minimum)}, so program staff approve it for payment after the next close."
        )
    elif state == "below_minimum":
        reasons.append(
            f"{money(split.payable)} is payable but below the minimum payout of "
            f"{money(split.minimum)}: it carries forward until it reaches the minimum."
        )
    elif state == "negative":
        reasons.append(
            f"Clawbacks exceed what is payable by {money(-split.payable)}: later earnings make up "
            "for it before anything is paid out."
        )
    if split.held_by_day:
        after = (
            f"{holding_days} days after the day it was earned"
            if holding_days is not None
            else "when its holding period ends"
        )
        day, amount = split.next_payable
        text = f"{money(split.held)} is within the holding period: a line becomes payable {after}."
        if len(split.held_by_day) == 1:
            text += f" It becomes payable on {_day(day)}."
        else:
            text += (
                f" The next {money(amount)} becomes payable on {_day(day)}; all of it by "
                f"{_day(split.held_until)}."
            )
        reasons.append(text)
    if not reasons:
        reasons.append("Nothing is owed: every line so far has been paid out.")
    return reasons


def balance_since_report(
    *, month: dt.date, report_balance: int, paid_out: int, earned: int, currency: str
) -> str:
    """How the report's Balance at the end of ``month`` became today's balance: payouts
    since (``paid_out``, negative) and lines of later months (``earned``). Empty when nothing
    changed."""
    if not paid_out and not earned:
        return ""
    parts = []
    if paid_out:
        parts.append(f"{format_minor(-paid_out, currency)} was paid out")
    if earned:
        parts.append(f"{format_minor(earned, currency)} came from later months")
    today = report_balance + paid_out + earned
    return (
        f"The report's Balance at the end of {month:%B %Y} was "
        f"{format_minor(report_balance, currency)}; since then {' and '.join(parts)}, so the "
        f"balance today is {format_minor(today, currency)}."
    )
