"""Program staff: close months and pay partners."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.core.errors import ServiceError
from partnerhub.core.text import TextField
from partnerhub.earnings import selectors as earnings
from partnerhub.earnings.close import month_close
from partnerhub.earnings.models import MonthClose
from partnerhub.earnings.rules import parse_month
from partnerhub.earnings.services import payout_approve, payout_mark_paid
from partnerhub.portal.views.common import sentence


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise Http404("staff only")
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def earnings_overview(request):
    today = timezone.localdate()
    return render(
        request,
        "staff/earnings.html",
        {
            "next_month": earnings.next_month_to_close(today=today),
            "closes": MonthClose.objects.select_related("closed_by")[:24],
            "balances": earnings.partner_balances(today=today),
        },
    )


@staff_required
@require_POST
def close_month(request):
    try:
        month = parse_month(request.POST.get("month", ""))
        # A page does not wait for another close to finish: it says one is running.
        result = month_close(month=month, actor=request.user, wait=False)
    except ValueError as error:
        messages.error(request, str(error))
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        verb = "Closed" if result.created else "Already closed:"
        messages.success(
            request, f"{verb} {result.close.month:%B %Y}, {result.close.line_count:,} lines."
        )
    return redirect("staff-earnings")


class PayoutApproveForm(forms.Form):
    partner_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    currency = forms.RegexField(regex=r"^[A-Z]{3}$")


class PaymentReferenceForm(forms.Form):
    reference = TextField(label="Payment reference", max_length=100, required=False)


@staff_required
@require_POST
def approve_payout(request):
    form = PayoutApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That payout is not one of the balances below; nothing changed.")
        return redirect("staff-earnings")
    try:
        payout = payout_approve(actor=request.user, **form.cleaned_data)
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(request, f"Payout to {payout.partner.name} approved.")
    return redirect("staff-earnings")


@staff_required
@require_POST
def mark_paid(request, payout_id: int):
    form = PaymentReferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reference"][0] + " Nothing changed.")
        return redirect("staff-earnings")
    try:
        line = payout_mark_paid(
            actor=request.user, payout_id=payout_id, reference=form.cleaned_data["reference"]
        )
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(request, f"Marked paid; {line.partner.name}'s balance is reduced.")
    return redirect("staff-earnings")
