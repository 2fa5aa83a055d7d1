"""My Organization > Earnings: the Financial Benefit Report, its lines and the accounts that
would earn more as managed."""

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from partnerhub.earnings import selectors as earnings
from partnerhub.earnings.reports import report_csv
from partnerhub.earnings.rules import parse_month
from partnerhub.portal.auth import partner_member_required
from partnerhub.portal.charts import bar_chart


def _month_from(request, closed: list[dt.date]) -> dt.date | None:
    text = request.GET.get("month")
    if not text:
        return closed[0] if closed else None
    try:
        month = parse_month(text)
    except ValueError:
        raise Http404("no such month") from None
    return month


@partner_member_required
def earnings_page(request):
    partner = request.membership.partner
    closed = earnings.closed_months()
    month = _month_from(request, closed)
    today = timezone.localdate()
    reports = earnings.financial_benefit_report(partner_id=partner.pk, month=month) if month else []
    lines = list(earnings.partner_lines(partner_id=partner.pk, month=month)) if month else []
    chart = None
    if month:
        series = earnings.monthly_earnings(partner_id=partner.pk, last_month=month)
        currencies = sorted({c for row in series for c in row["totals"]})
        currency = max(
            currencies, key=lambda c: sum(abs(r["totals"].get(c, 0)) for r in series), default="USD"
        )
        chart = bar_chart(
            [(r["month"].strftime("%b %y"), r["totals"].get(currency, 0)) for r in series],
            currency=currency,
            title=f"Earnings per month, {currency}",
        )
    balances = []
    for currency in earnings.partner_currencies(partner_id=partner.pk):
        balances.append(
            {
                "currency": currency,
                "payable": earnings.payable_balance(
                    partner_id=partner.pk, currency=currency, today=today
                ),
                "held": earnings.held_balance(
                    partner_id=partner.pk, currency=currency, today=today
                ),
                "payout": earnings.open_payout(partner_id=partner.pk, currency=currency),
            }
        )
    opportunities = (
        earnings.managed_opportunities(partner_id=partner.pk, month=month) if month else []
    )
    return render(
        request,
        "portal/earnings.html",
        {
            "month": month,
            "closed": closed,
            "reports": reports,
            "lines": lines,
            "chart": chart,
            "balances": balances,
            "opportunities": opportunities,
            "nav_section": "earnings",
            "current_url": request.get_full_path(),
        },
    )


@partner_member_required
def earnings_csv(request):
    month = _month_from(request, earnings.closed_months())
    if month is None:
        raise Http404("no closed month yet")
    partner = request.membership.partner
    response = HttpResponse(
        report_csv(partner_id=partner.pk, month=month), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="earnings-{month:%Y-%m}.csv"'
    return response
