"""My Organization > Earnings, in three tabs: the summary (the Financial Benefit Report, the
balance and why it is or is not payable, the 12-month chart, payouts), the month's lines, and
the referred accounts that would earn as managed."""

import dataclasses
import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from partnerhub.access import selectors as access_selectors
from partnerhub.earnings import selectors as earnings
from partnerhub.earnings.explain import balance_reasons, balance_since_report
from partnerhub.earnings.filters import LineFilter, parse_line_filter, parse_opportunity_cursor
from partnerhub.earnings.models import LineType
from partnerhub.earnings.reports import lines_csv
from partnerhub.earnings.rules import parse_month
from partnerhub.partners.selectors import restricted_member_id
from partnerhub.portal.auth import partner_member_required
from partnerhub.portal.charts import bar_chart

TABS = (
    ("summary", "Summary", "partner-earnings"),
    ("lines", "Lines", "partner-earnings-lines"),
    ("opportunities", "Would earn as managed", "partner-earnings-opportunities"),
)


def _visible_to(request) -> int | None:
    return restricted_member_id(request.membership)


def _scoped(request, line_filter: LineFilter) -> LineFilter:
    """The filter bound to the accounts the member may see (lines naming no account stay)."""
    return dataclasses.replace(line_filter, visible_to=_visible_to(request))


def _month_from(request, closed: list[dt.date]) -> dt.date | None:
    text = request.GET.get("month")
    if not text:
        return closed[0] if closed else None
    try:
        return parse_month(text)
    except ValueError:
        raise Http404("no such month") from None


def _url(name: str, **params) -> str:
    params = {k: v for k, v in params.items() if v}
    return reverse(name) + ("?" + urlencode(params) if params else "")


def _context(request, tab: str) -> dict:
    """What every tab shows: the month picker and the tabs, for the chosen month."""
    closed = earnings.closed_months()
    month = _month_from(request, closed)
    month_param = f"{month:%Y-%m}" if month else ""
    return {
        "partner": request.membership.partner,
        "month": month,
        "closed": closed,
        "tab": tab,
        "tabs": [
            {
                "key": key,
                "label": label,
                "url": _url(name, month=month_param),
                "current": key == tab,
            }
            for key, label, name in TABS
        ],
        "nav_section": "earnings",
        "current_url": request.get_full_path(),
    }


def _chart(partner_id: int, month: dt.date):
    series = earnings.monthly_earnings(partner_id=partner_id, last_month=month)
    currencies = sorted({c for row in series for c in row["totals"]})
    currency = max(
        currencies, key=lambda c: sum(abs(r["totals"].get(c, 0)) for r in series), default="USD"
    )
    return bar_chart(
        [(r["month"].strftime("%b %y"), r["totals"].get(currency, 0)) for r in series],
        currency=currency,
        title=f"Earnings per month, {currency}",
    )


@partner_member_required
def earnings_page(request):
    context = _context(request, "summary")
    month, partner = context["month"], context["partner"]
    if month:
        today = timezone.localdate()
        holding = earnings.holding_days()
        reports = earnings.financial_benefit_report(partner_id=partner.pk, month=month)
        closing = {r.currency: r.closing_balance for r in reports}
        balances = []
        for currency in earnings.partner_currencies(partner_id=partner.pk):
            split = earnings.balance_split(partner_id=partner.pk, currency=currency, today=today)
            after = earnings.lines_after(partner_id=partner.pk, currency=currency, month=month)
            balances.append(
                {
                    "currency": currency,
                    "split": split,
                    "since_report": balance_since_report(
                        month=month,
                        report_balance=closing.get(currency, 0),
                        currency=currency,
                        **after,
                    ),
                    "reasons": balance_reasons(split, currency=currency, holding_days=holding),
                }
            )
        context.update(
            reports=reports,
            balances=balances,
            chart=_chart(partner.pk, month),
            payouts=earnings.partner_payouts(partner_id=partner.pk),
            opportunities=earnings.managed_opportunities_totals(
                partner_id=partner.pk, month=month, visible_to=_visible_to(request)
            ),
            lines_url=_url("partner-earnings-lines", month=f"{month:%Y-%m}"),
            opportunities_url=_url("partner-earnings-opportunities", month=f"{month:%Y-%m}"),
        )
    return render(request, "portal/earnings.html", context)


def _line_filter_params(month: dt.date, line_filter: LineFilter) -> dict:
    return {
        "month": f"{month:%Y-%m}",
        "type": line_filter.line_type,
        "account": line_filter.account,
    }


@partner_member_required
def earnings_lines(request):
    context = _context(request, "lines")
    month, partner = context["month"], context["partner"]
    line_filter = _scoped(request, parse_line_filter(request.GET))
    for message in line_filter.errors:
        messages.warning(request, message)
    if month:
        page = earnings.partner_lines_page(
            partner_id=partner.pk, month=month, line_filter=line_filter
        )
        params = _line_filter_params(month, line_filter)
        context.update(
            line_filter=line_filter,
            line_types=LineType.choices,
            page=page,
            total=earnings.partner_lines_count(
                partner_id=partner.pk, month=month, line_filter=line_filter
            ),
            csv_url=_url("partner-earnings-csv", **params),
            clear_url=_url("partner-earnings-lines", month=params["month"]),
            first_url=_url("partner-earnings-lines", **params),
            next_url=page.next_cursor
            and _url("partner-earnings-lines", **params, cursor=page.next_cursor),
            prev_url=page.prev_cursor
            and _url("partner-earnings-lines", **params, cursor=page.prev_cursor),
        )
    return render(request, "portal/earnings_lines.html", context)


@partner_member_required
def earnings_opportunities(request):
    context = _context(request, "opportunities")
    month, partner = context["month"], context["partner"]
    cursor, errors = parse_opportunity_cursor(request.GET)
    for message in errors:
        messages.warning(request, message)
    if month:
        page = earnings.managed_opportunities_page(
            partner_id=partner.pk, month=month, cursor=cursor, visible_to=_visible_to(request)
        )
        pending = access_selectors.pending_requests_by_account(
            account_ids=[a.pk for a in page.rows]
        )
        month_param = f"{month:%Y-%m}"
        context.update(
            page=page,
            rows=[(a, pending.get(a.pk)) for a in page.rows],
            totals=earnings.managed_opportunities_totals(
                partner_id=partner.pk, month=month, visible_to=_visible_to(request)
            ),
            first_url=_url("partner-earnings-opportunities", month=month_param),
            next_url=page.next_cursor
            and _url("partner-earnings-opportunities", month=month_param, cursor=page.next_cursor),
            prev_url=page.prev_cursor
            and _url("partner-earnings-opportunities", month=month_param, cursor=page.prev_cursor),
        )
    return render(request, "portal/earnings_opportunities.html", context)


@partner_member_required
def earnings_csv(request):
    """The lines of the Lines tab, with the same filter, streamed."""
    month = _month_from(request, earnings.closed_months())
    if month is None:
        raise Http404("no closed month yet")
    line_filter = _scoped(request, parse_line_filter(request.GET))
    lines = earnings.partner_lines(
        partner_id=request.membership.partner_id, month=month, line_filter=line_filter
    )
    response = StreamingHttpResponse(lines_csv(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="earnings-{month:%Y-%m}.csv"'
    return response
