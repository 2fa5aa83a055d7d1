"""A partner's lines for a month as CSV or JSON: what ``partnerhub report`` prints and the
Earnings page downloads."""

import datetime as dt
import json
from collections.abc import Iterator

from partnerhub.core import csvfiles
from partnerhub.earnings.rules import minor_to_decimal
from partnerhub.earnings.selectors import account_public_id, financial_benefit_report, partner_lines

CSV_COLUMNS = ["account_id", "line_type", "amount", "currency", "reason"]


def line_row(line) -> dict:
    return {
        "account_id": account_public_id(line.account),
        "line_type": line.line_type,
        "amount": str(minor_to_decimal(line.amount_minor)),
        "currency": line.currency,
        "reason": line.reason,
    }


def report_rows(*, partner_id: int, month: dt.date) -> list[dict]:
    return [line_row(line) for line in partner_lines(partner_id=partner_id, month=month)]


def lines_csv(lines) -> Iterator[str]:
    """``lines`` as CSV, a few hundred rows at a time: the header, then one row per line, read
    in chunks so that any number of lines streams in constant memory."""
    rows = (line_row(line).values() for line in lines.iterator(chunk_size=2000))
    return csvfiles.stream(CSV_COLUMNS, rows)


def report_csv(*, partner_id: int, month: dt.date) -> str:
    return "".join(lines_csv(partner_lines(partner_id=partner_id, month=month)))


def report_json(*, partner_id: int, month: dt.date) -> str:
    rows = report_rows(partner_id=partner_id, month=month)
    totals = {}
    for r in financial_benefit_report(partner_id=partner_id, month=month):
        totals[r.currency] = {
            "revenue_share": str(minor_to_decimal(r.revenue_share)),
            "incentives": str(minor_to_decimal(r.incentives)),
            "adjustments": str(minor_to_decimal(r.adjustments)),
            "earnings": str(minor_to_decimal(r.earnings)),
            "disbursements": str(minor_to_decimal(r.disbursements)),
            "opening_balance": str(minor_to_decimal(r.opening_balance)),
            "closing_balance": str(minor_to_decimal(r.closing_balance)),
        }
    return json.dumps({"month": month.strftime("%Y-%m"), "lines": rows, "totals": totals}, indent=2)
