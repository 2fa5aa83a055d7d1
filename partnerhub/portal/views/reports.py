"""My Organization > Reports: the roll-up across every account the member sees (an
organization's children, or an agency's accounts), filtered by group, with a 12-month chart
and a CSV. Viewers read it like everyone in the team."""

from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from partnerhub.clients.models import BillingStatus, PlanType
from partnerhub.core import csvfiles
from partnerhub.earnings.rules import format_minor
from partnerhub.organizations.models import AccountGroup
from partnerhub.partners.selectors import restricted_member_id
from partnerhub.portal.auth import partner_member_required
from partnerhub.portal.charts import bar_chart
from partnerhub.portal.views.common import top_group_from_query
from partnerhub.reports.selectors import rollup_csv_rows, rollup_report


def _report(request, group):
    return rollup_report(
        partner_id=request.membership.partner_id,
        visible_to=restricted_member_id(request.membership),
        group_id=group.pk if group else None,
        months=12,
        today=timezone.localdate(),
    )


def _chart(report):
    currency = max(report.currencies, key=lambda c: report.spend_totals.get(c, 0), default="USD")
    return bar_chart(
        [(r.month.strftime("%b %y"), r.spend.get(currency, 0)) for r in report.months],
        currency=currency,
        title=f"Spend per month, {currency}",
    )


@partner_member_required
def reports_page(request):
    group = top_group_from_query(request)
    report = _report(request, group)
    statuses = dict(BillingStatus.choices)
    plans = dict(PlanType.choices)
    matrix = [
        {
            "status": statuses[s],
            "cells": [report.by_status_plan.get((s, p), 0) for p in report.plans],
            "total": sum(report.by_status_plan.get((s, p), 0) for p in report.plans),
        }
        for s in report.statuses
    ]
    months = [
        {
            "month": r.month,
            "spend": [format_minor(r.spend.get(c, 0), c) for c in report.currencies],
            "discount": [format_minor(r.discount.get(c, 0), c) for c in report.currencies],
        }
        for r in reversed(report.months)
    ]
    params = {"group": group.pk} if group else {}
    return render(
        request,
        "portal/reports.html",
        {
            "partner": request.membership.partner,
            "report": report,
            "matrix": matrix,
            "plan_labels": [plans[p] for p in report.plans],
            "months": months,
            "spend_totals": [format_minor(report.spend_totals[c], c) for c in report.currencies],
            "discount_totals": [
                format_minor(report.discount_totals[c], c) for c in report.currencies
            ],
            "chart": _chart(report),
            "groups": AccountGroup.objects.filter(partner=request.membership.partner, parent=None),
            "group": group,
            "csv_url": reverse("partner-reports-csv") + ("?" + urlencode(params) if params else ""),
            "nav_section": "reports",
        },
    )


@partner_member_required
def reports_csv(request):
    group = top_group_from_query(request)
    report = _report(request, group)
    rows = rollup_csv_rows(report)
    header = next(rows)
    response = StreamingHttpResponse(
        csvfiles.stream(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="rollup.csv"'
    return response
