"""My Organization › Pricing (the volume tier and what adding accounts would do) and
› Statements (the Single Bill statement of each month: closed, or the open month's preview;
paged, printable, CSV). Both show every child's figures, so a member who sees only some
accounts is not shown them (404, as for a page that is not there)."""

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from partnerhub.core.errors import ServiceError
from partnerhub.earnings.rules import parse_month
from partnerhub.partners.selectors import restricted_member_id
from partnerhub.portal.auth import partner_member_required
from partnerhub.pricing import selectors as pricing
from partnerhub.pricing.reports import statement_csv

LINES_PER_PAGE = 100
MAX_ADD = 100_000


def _billing_reader(request):
    """The partner, when the member may read its prices and statements."""
    if restricted_member_id(request.membership) is not None:
        raise Http404("no such page")
    return request.membership.partner


def _month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValueError:
        raise Http404("no such month") from None


@partner_member_required
def pricing_page(request):
    partner = _billing_reader(request)
    if not pricing.shows_pricing(partner):
        raise Http404("no pricing for this partner")
    error, add = "", None
    raw = request.GET.get("add", "").strip()
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_ADD:
            error = f"Enter a whole number of accounts from 1 to {MAX_ADD:,}."
        else:
            add = int(raw)
    context = {
        "nav_section": "pricing",
        "partner": partner,
        "paying_definition": pricing.PAYING_DEFINITION,
        "add_value": raw,
        "add_error": error,
        "single_bill": pricing.single_bill_of(partner),
    }
    try:
        quote = pricing.quote(partner=partner, add=add or 0)
    except ServiceError as exc:
        context["unpriced"] = exc.message
        return render(request, "portal/pricing.html", context)
    context |= {
        "quote": quote,
        "next_sentence": quote.sentence(),
        "add_sentence": quote.sentence(add=add) if add else "",
    }
    return render(request, "portal/pricing.html", context)


def _single_bill_partner(request):
    partner = _billing_reader(request)
    if pricing.single_bill_of(partner) is None:
        raise Http404("this partner is not on Single Bill")
    return partner


@partner_member_required
def statements_page(request):
    partner = _single_bill_partner(request)
    months = pricing.statement_months(partner=partner)
    totals = pricing.statement_totals_by_month(partner_id=partner.pk)
    rows = [
        {
            "month": month,
            "closed": month in totals,
            "totals": totals.get(month, {}),
            "url": reverse("partner-statement", args=[f"{month:%Y-%m}"]),
        }
        for month in months
    ]
    return render(
        request,
        "portal/statements.html",
        {"nav_section": "statements", "partner": partner, "rows": rows},
    )


def _view(request, month_text: str):
    partner = _single_bill_partner(request)
    month = _month(month_text)
    try:
        view = pricing.statement_view(partner=partner, month=month)
    except ServiceError as exc:
        raise Http404(exc.message) from None
    if view is None:
        raise Http404("no statement for this month")
    return partner, view


@partner_member_required
def statement_page(request, month: str):
    partner, view = _view(request, month)
    paginator = Paginator(view.lines, LINES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    base = reverse("partner-statement", args=[month])
    return render(
        request,
        "portal/statement.html",
        {
            "nav_section": "statements",
            "partner": partner,
            "statement": view,
            "page": page,
            "prev_url": page.has_previous() and f"{base}?page={page.previous_page_number()}",
            "next_url": page.has_next() and f"{base}?page={page.next_page_number()}",
            "csv_url": reverse("partner-statement-csv", args=[month]),
            "print_url": reverse("partner-statement-print", args=[month]),
        },
    )


@partner_member_required
def statement_print(request, month: str):
    partner, view = _view(request, month)
    return render(
        request,
        "portal/statement_print.html",
        {"partner": partner, "statement": view, "lines": view.lines},
    )


@partner_member_required
def statement_download(request, month: str):
    _partner, view = _view(request, month)
    response = StreamingHttpResponse(statement_csv(view), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statement-{month}.csv"'
    return response
