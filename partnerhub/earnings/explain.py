"""Every ledger line in words a partner understands."""

import datetime as dt

from partnerhub.earnings.models import LedgerLine, LineType, ReasonCode
from partnerhub.earnings.rules import PPM, format_minor


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
