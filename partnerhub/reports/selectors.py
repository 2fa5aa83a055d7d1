"""The roll-up report: figures added up across every account of a *My Organization* (an
organization's children, or an agency partner's accounts) that the member sees, optionally in
one group. Each figure is one aggregate query; nothing is summed in Python per account.

Monthly spend is what the billing system reported as paid: the invoices paid in each month,
per currency, in exact cents (refunds are not taken off). The discount earned is bulk pricing's
(``pricing.selectors.discount_by_month``), for those bulk pricing applies to (an organization,
or a partner on Single Bill: the same rule as the Pricing menu); other reports have no
discount figures."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from partnerhub.billing.models import Invoice
from partnerhub.clients.models import BillingStatus, PlanType
from partnerhub.onboarding import selectors as onboarding
from partnerhub.onboarding.selectors import Rollup
from partnerhub.partners.models import Partner
from partnerhub.pricing.selectors import billing_menu, discount_by_month

MONTHS_MAX = 36


class MonthStart(TruncMonth):
    """The first day of a date's month. On SQLite in its own ``date()`` function: Django's
    ``TruncMonth`` calls back into Python for every row there, which took four fifths of the
    report for 110,000 invoices."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, 'start of month')", params


def month_starts(*, last: dt.date, months: int) -> list[dt.date]:
    """The first days of the ``months`` months up to and including ``last``'s, oldest first."""
    first = last.replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


@dataclass
class MonthRow:
    month: dt.date
    spend: dict[str, int] = field(default_factory=dict)  # currency -> cents
    discount: dict[str, int] = field(default_factory=dict)  # currency -> cents


@dataclass
class RollupReport:
    months: list[MonthRow]
    currencies: list[str]
    has_discount: bool
    accounts: int
    contacts: int
    # (billing status, plan) -> accounts
    by_status_plan: dict[tuple[str, str], int]
    statuses: list[str]
    plans: list[str]
    onboarding: Rollup
    spend_totals: dict[str, int]
    discount_totals: dict[str, int]


def rollup_report(
    *,
    partner_id: int,
    visible_to: int | None = None,
    group_id: int | None = None,
    months: int = 12,
    today: dt.date,
) -> RollupReport:
    accounts = onboarding.children(partner_id=partner_id, visible_to=visible_to, group_id=group_id)
    starts = month_starts(last=today, months=months)
    counts = accounts.aggregate(n=Count("id"), contacts=Sum("contact_count"))
    by_status_plan = {
        (r["billing_status"], r["plan_type"]): r["n"]
        for r in accounts.values("billing_status", "plan_type").annotate(n=Count("id")).order_by()
    }
    rows = {m: MonthRow(m) for m in starts}
    spend = (
        Invoice.objects.filter(account__in=accounts.values("pk"), paid_on__gte=starts[0])
        .filter(paid_on__lte=today)
        .annotate(month=MonthStart("paid_on"))
        .values("month", "currency")
        .annotate(cents=Sum("amount_minor"))
        .order_by()
    )
    for r in spend:
        rows[r["month"]].spend[r["currency"]] = r["cents"]
    has_discount = billing_menu(Partner.objects.get(pk=partner_id))["pricing"]
    if has_discount:
        discounts = discount_by_month(partner_id=partner_id, months=starts, group_id=group_id)
        for month, per_currency in (discounts or {}).items():
            if month in rows:
                rows[month].discount = {c: int(v) for c, v in per_currency.items()}
    ordered = [rows[m] for m in starts]
    currencies = sorted({c for r in ordered for c in (*r.spend, *r.discount)})
    return RollupReport(
        months=ordered,
        currencies=currencies,
        has_discount=has_discount,
        accounts=counts["n"],
        contacts=counts["contacts"] or 0,
        by_status_plan=by_status_plan,
        statuses=[s for s in BillingStatus.values if any(k[0] == s for k in by_status_plan)],
        plans=[p for p in PlanType.values if any(k[1] == p for k in by_status_plan)],
        onboarding=onboarding.rollup_total(
            partner_id=partner_id, visible_to=visible_to, group_id=group_id
        ),
        spend_totals={c: sum(r.spend.get(c, 0) for r in ordered) for c in currencies},
        discount_totals={c: sum(r.discount.get(c, 0) for r in ordered) for c in currencies},
    )


CSV_HEADER = ["month", "currency", "spend", "discount"]


def rollup_csv_rows(report: RollupReport):
    """One line per month and currency: the amounts in major units with two decimals."""
    from partnerhub.earnings.rules import minor_to_decimal

    yield CSV_HEADER if report.has_discount else CSV_HEADER[:3]
    for row in report.months:
        for currency in report.currencies or ["USD"]:
            line = [f"{row.month:%Y-%m}", currency, minor_to_decimal(row.spend.get(currency, 0))]
            if report.has_discount:
                line.append(minor_to_decimal(row.discount.get(currency, 0)))
            yield line
