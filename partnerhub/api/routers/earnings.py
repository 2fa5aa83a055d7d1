"""Earnings statements and lines of the partner's closed months."""

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from partnerhub.api.auth import key_visible_to
from partnerhub.api.errors import ApiError
from partnerhub.api.routers.accounts import ERRORS
from partnerhub.earnings import selectors as earnings
from partnerhub.earnings.filters import LineFilter
from partnerhub.earnings.models import MonthClose
from partnerhub.earnings.rules import minor_to_decimal, parse_month

router = Router(tags=["earnings"])


class StatementOut(Schema):
    month: str = Field(description="YYYY-MM")
    currency: str
    revenue_share: str
    incentives: str
    adjustments: str
    earnings: str
    disbursements: str
    opening_balance: str
    closing_balance: str
    lines: int


class LineOut(Schema):
    id: int
    month: str
    account_id: str | None
    line_type: str
    amount: str
    currency: str
    reason: str
    payable_on: dt.date


class MonthQuery(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="A closed month, YYYY-MM")


def _closed_month(text: str) -> dt.date:
    try:
        month = parse_month(text)
    except ValueError as exc:
        raise ApiError(400, "month_invalid", str(exc)) from None
    if not MonthClose.objects.filter(month=month).exists():
        raise ApiError(404, "month_not_closed", f"{month:%B %Y} is not closed")
    return month


@router.get("/earnings/months", response={200: list[str], **ERRORS}, summary="Closed months")
def closed_months(request):
    return [m.strftime("%Y-%m") for m in earnings.closed_months()]


@router.get(
    "/earnings/statements", response={200: list[StatementOut], **ERRORS}, summary="Statement"
)
def statements(request, q: Query[MonthQuery]):
    """The Financial Benefit Report of a closed month, one statement per currency."""
    month = _closed_month(q.month)
    return [
        StatementOut(
            month=q.month,
            currency=r.currency,
            revenue_share=str(minor_to_decimal(r.revenue_share)),
            incentives=str(minor_to_decimal(r.incentives)),
            adjustments=str(minor_to_decimal(r.adjustments)),
            earnings=str(minor_to_decimal(r.earnings)),
            disbursements=str(minor_to_decimal(r.disbursements)),
            opening_balance=str(minor_to_decimal(r.opening_balance)),
            closing_balance=str(minor_to_decimal(r.closing_balance)),
            lines=r.lines,
        )
        for r in earnings.financial_benefit_report(partner_id=request.auth.partner_id, month=month)
    ]


@router.get("/earnings/lines", response={200: list[LineOut], **ERRORS}, summary="Lines of a month")
def lines(request, q: Query[MonthQuery]):
    """Every line of a closed month, each with the reason it was earned."""
    month = _closed_month(q.month)
    return [
        LineOut(
            id=line.pk,
            month=q.month,
            account_id=earnings.account_public_id(line.account) or None,
            line_type=line.line_type,
            amount=str(minor_to_decimal(line.amount_minor)),
            currency=line.currency,
            reason=line.reason,
            payable_on=line.payable_on,
        )
        for line in earnings.partner_lines(
            partner_id=request.auth.partner_id,
            month=month,
            line_filter=LineFilter(visible_to=key_visible_to(request)),
        )
    ]
