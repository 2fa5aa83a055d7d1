"""Bulk pricing quotes and Single Bill statements: what *Pricing* and *Statements* show, for a
partner's own tools. A key that sees only some accounts (its member's assignments) sees
neither: both add up every account."""

import datetime as dt
from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from partnerhub.api.auth import key_visible_to
from partnerhub.api.errors import ApiError
from partnerhub.api.routers.accounts import ERRORS
from partnerhub.core.errors import ServiceError
from partnerhub.earnings.rules import minor_to_decimal, parse_month
from partnerhub.pricing import selectors as pricing
from partnerhub.pricing.reports import statement_csv

router = Router(tags=["pricing"])


def _partner(request):
    if key_visible_to(request) is not None:
        raise ApiError(404, "not_found", "this key sees only some accounts; statements add up all")
    return request.auth.partner


def _money(by_currency: dict[str, int]) -> dict[str, str]:
    return {c: str(minor_to_decimal(v)) for c, v in by_currency.items()}


class VolumeTierOut(Schema):
    min_accounts: int
    max_accounts: int | None
    discount_percent: str


class PricingQuoteOut(Schema):
    paying_accounts: int = Field(description="Open, not disabled, not on a trial")
    tier: VolumeTierOut
    next_tier: VolumeTierOut | None
    accounts_to_next_tier: int | None
    list_prices: dict[str, str] = Field(description="Currency → the month's list prices")
    discount: dict[str, str] = Field(description="Currency → the month's discount now")
    add: int
    tier_after_add: VolumeTierOut
    saving_after_add: dict[str, str] = Field(
        description="Currency → what the current accounts would cost a month less"
    )
    sentence: str
    paying_definition: str


class QuoteQuery(Schema):
    add: int = Field(0, ge=0, le=100_000, description="Paying accounts to add")


def _tier(t) -> VolumeTierOut:
    return VolumeTierOut(
        min_accounts=t.min_accounts,
        max_accounts=t.max_accounts,
        discount_percent=f"{t.discount_percent:.2f}",
    )


@router.get(
    "/pricing/quote", response={200: PricingQuoteOut, **ERRORS}, summary="Volume tier quote"
)
def pricing_quote(request, q: Query[QuoteQuery]):
    """Your volume tier today, the next one, and what adding ``add`` paying accounts would do."""
    partner = _partner(request)
    if not pricing.shows_pricing(partner):
        raise ApiError(404, "not_found", "bulk pricing is for organizations and Single Bill")
    try:
        quote = pricing.quote(partner=partner, add=q.add)
    except ServiceError as exc:
        raise ApiError(409, exc.code, exc.message) from None
    return PricingQuoteOut(
        paying_accounts=quote.paying,
        tier=_tier(quote.tier),
        next_tier=quote.next_tier and _tier(quote.next_tier),
        accounts_to_next_tier=quote.needed_for_next,
        list_prices=_money(quote.list_total),
        discount=_money(quote.discount_now),
        add=q.add,
        tier_after_add=_tier(quote.tier_after_add),
        saving_after_add=_money(quote.saving_after_add),
        sentence=quote.sentence(add=q.add) if q.add else quote.sentence(),
        paying_definition=pricing.PAYING_DEFINITION,
    )


class SingleBillTotalsOut(Schema):
    amount: str
    discount: str
    total: str


class SingleBillMonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    closed: bool = Field(description="false: the month's preview, not closed yet")
    totals: dict[str, SingleBillTotalsOut] | None = Field(
        description="null for a preview: see the month"
    )


class SingleBillLineOut(Schema):
    line: str = Field(description="charge or adjustment")
    account: str = Field(description="The account's login name")
    organization_name: str
    plan: str
    currency: str
    contact_tier: int
    list_price: str
    billed_from: dt.date | None
    billed_to: dt.date | None
    days_billed: int
    days_in_month: int
    amount: str
    discount_percent: str
    discount: str
    total: str
    corrects_month: str | None


class SingleBillStatementOut(Schema):
    month: str
    closed: bool
    accounts_billed: int
    discount_percent: str
    price_book: str
    totals: dict[str, SingleBillTotalsOut]
    lines: list[SingleBillLineOut]
    lines_total: int
    next: str | None = Field(description="URL of the next page of lines, or null")


class LinesQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    size: int = Field(100, ge=1, le=500)


def _totals(t: dict) -> SingleBillTotalsOut:
    return SingleBillTotalsOut(
        amount=str(minor_to_decimal(t["amount"])),
        discount=str(minor_to_decimal(t["discount"])),
        total=str(minor_to_decimal(t["total"])),
    )


def _single_bill(request):
    partner = _partner(request)
    if pricing.single_bill_of(partner) is None:
        raise ApiError(404, "not_found", "this partner is not on Single Bill")
    return partner


@router.get("/statements", response={200: list[SingleBillMonthOut], **ERRORS}, summary="Statements")
def list_statements(request):
    """Every month with a Single Bill statement, newest first: months not closed yet as
    previews (``closed`` false), then the closed ones with their totals."""
    partner = _single_bill(request)
    totals = pricing.statement_totals_by_month(partner_id=partner.pk)
    return [
        SingleBillMonthOut(
            month=f"{m:%Y-%m}",
            closed=m in totals,
            totals={c: _totals(t) for c, t in totals[m].items()} if m in totals else None,
        )
        for m in pricing.statement_months(partner=partner)
    ]


def _view(request, month: str):
    partner = _single_bill(request)
    try:
        first = parse_month(month)
    except ValueError as exc:
        raise ApiError(400, "month_invalid", str(exc)) from None
    try:
        view = pricing.statement_view(partner=partner, month=first)
    except ServiceError as exc:
        raise ApiError(409, exc.code, exc.message) from None
    if view is None:
        raise ApiError(404, "not_found", f"no statement for {first:%B %Y}")
    return view


@router.get("/statements/{month}.csv", response={200: None, **ERRORS}, summary="Statement CSV")
def statement_download(request, month: str):
    """Every line of the month's statement as CSV (``text/csv``), the same file as the
    page's download."""
    view = _view(request, month)
    response = StreamingHttpResponse(statement_csv(view), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statement-{month}.csv"'
    return response


def _line(line) -> SingleBillLineOut:
    return SingleBillLineOut(
        line=line.kind,
        account=line.login_name,
        organization_name=line.organization_name,
        plan=line.plan,
        currency=line.currency,
        contact_tier=line.contact_tier,
        list_price=str(minor_to_decimal(line.list_price_minor)),
        billed_from=line.billed_from,
        billed_to=line.billed_to,
        days_billed=line.days_billed,
        days_in_month=line.month_days,
        amount=str(minor_to_decimal(line.amount_minor)),
        discount_percent=f"{line.discount_percent:.2f}",
        discount=str(minor_to_decimal(line.discount_minor)),
        total=str(minor_to_decimal(line.total_minor)),
        corrects_month=f"{line.corrects_month:%Y-%m}" if line.corrects_month else None,
    )


@router.get(
    "/statements/{month}", response={200: SingleBillStatementOut, **ERRORS}, summary="A statement"
)
def statement_detail(request, month: str, q: Query[LinesQuery]):
    """The month's statement (``YYYY-MM``): closed, or the preview of a month not closed yet;
    its lines a page at a time."""
    view = _view(request, month)
    start = (q.page - 1) * q.size
    lines = list(view.lines[start : start + q.size + 1])
    more = len(lines) > q.size
    next_url = None
    if more:
        params = urlencode({"page": q.page + 1, "size": q.size})
        next_url = request.build_absolute_uri(request.path) + "?" + params
    return SingleBillStatementOut(
        month=f"{view.month:%Y-%m}",
        closed=view.closed,
        accounts_billed=view.paying_accounts,
        discount_percent=f"{view.discount_percent:.2f}",
        price_book=view.book_label,
        totals={c: _totals(t) for c, t in view.totals.items()},
        lines=[_line(x) for x in lines[: q.size]],
        lines_total=view.line_count,
        next=next_url,
    )
