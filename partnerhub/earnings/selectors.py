"""Reads of earnings that the partner pages, the staff page and the commands share."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.billing.models import Invoice
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind
from partnerhub.earnings import rules
from partnerhub.earnings.models import LedgerLine, LineType, MonthClose, Payout, PayoutStatus, Terms


def terms_for(moved_on: dt.date) -> Terms:
    """The terms locked for an account that moved on ``moved_on``."""
    terms = Terms.objects.filter(effective_from__lte=moved_on).order_by("-effective_from").first()
    return terms or Terms.objects.order_by("effective_from").first()


def partner_lines(*, partner_id: int, month: dt.date):
    return (
        LedgerLine.objects.filter(partner_id=partner_id, month=month)
        .select_related("account", "invoice", "payout")
        .order_by("line_type", "account__organization_name", "id")
    )


def account_public_id(account: ClientAccount | None) -> str:
    if account is None:
        return ""
    return account.external_id or account.encoded_account_id


@dataclass
class Report:
    """The Financial Benefit Report of one partner, one month, one currency."""

    currency: str
    revenue_share: int = 0
    incentives: int = 0
    adjustments: int = 0
    disbursements: int = 0
    opening_balance: int = 0
    lines: int = 0

    @property
    def earnings(self) -> int:
        return self.revenue_share + self.incentives + self.adjustments

    @property
    def closing_balance(self) -> int:
        return self.opening_balance + self.earnings + self.disbursements


# Which report column each line type adds to.
COLUMN_OF = {
    LineType.REVENUE_SHARE: "revenue_share",
    LineType.NEW_ACCOUNT_BONUS: "incentives",
    LineType.CLAWBACK: "adjustments",
    LineType.ADJUSTMENT: "adjustments",
    LineType.DISBURSEMENT: "disbursements",
}


def financial_benefit_report(*, partner_id: int, month: dt.date) -> list[Report]:
    reports: dict[str, Report] = {}
    opening = (
        LedgerLine.objects.filter(partner_id=partner_id, month__lt=month)
        .values("currency")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    for row in opening:
        reports.setdefault(row["currency"], Report(row["currency"])).opening_balance = row["total"]
    sums = (
        LedgerLine.objects.filter(partner_id=partner_id, month=month)
        .values("currency", "line_type")
        .annotate(total=Sum("amount_minor"), n=Count("id"))
        .order_by()
    )
    for row in sums:
        report = reports.setdefault(row["currency"], Report(row["currency"]))
        column = COLUMN_OF[row["line_type"]]
        setattr(report, column, getattr(report, column) + row["total"])
        report.lines += row["n"]
    return sorted(reports.values(), key=lambda r: r.currency)


def monthly_earnings(*, partner_id: int, last_month: dt.date, months: int = 12) -> list[dict]:
    """Earnings (everything but disbursements) per month and currency, oldest first."""
    first = last_month
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    rows = (
        LedgerLine.objects.filter(partner_id=partner_id, month__gte=first, month__lte=last_month)
        .exclude(line_type=LineType.DISBURSEMENT)
        .values("month", "currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("month")
    )
    by_month: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_month[row["month"]][row["currency"]] = row["total"]
    out, m = [], first
    while m <= last_month:
        out.append({"month": m, "totals": by_month.get(m, {})})
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def closed_months(*, limit: int = 24) -> list[dt.date]:
    return list(MonthClose.objects.order_by("-month").values_list("month", flat=True)[:limit])


def payable_balance(*, partner_id: int, currency: str, today: dt.date) -> int:
    """What could be paid out today: every line past its holding period, less what is paid."""
    total = LedgerLine.objects.filter(
        partner_id=partner_id, currency=currency, payable_on__lte=today
    ).aggregate(total=Sum("amount_minor"))["total"]
    return total or 0


def held_balance(*, partner_id: int, currency: str, today: dt.date) -> int:
    total = LedgerLine.objects.filter(
        partner_id=partner_id, currency=currency, payable_on__gt=today
    ).aggregate(total=Sum("amount_minor"))["total"]
    return total or 0


def open_payout(*, partner_id: int, currency: str) -> Payout | None:
    return Payout.objects.filter(
        partner_id=partner_id, currency=currency, status=PayoutStatus.APPROVED
    ).first()


@dataclass
class Eligibility:
    """What an account earns under its locked terms, the reasons in words, and the dates the
    window rule compares."""

    bonus: bool
    bonus_reason: str
    revenue_share: bool
    revenue_share_reason: str
    window_text: str
    terms: Terms | None = None
    notes: list[str] = field(default_factory=list)
    managed: bool = False
    converted_on: dt.date | None = None
    moved_on: dt.date | None = None
    deployed_on: dt.date | None = None
    window_days: int = 0
    days_after_conversion: int | None = None
    days_after_deployment: int = 0

    @property
    def conversion_window_ends(self) -> dt.date | None:
        if self.converted_on is None:
            return None
        return self.converted_on + dt.timedelta(days=self.window_days)

    @property
    def deployment_window_ends(self) -> dt.date | None:
        if self.deployed_on is None:
            return None
        return self.deployed_on + dt.timedelta(days=self.window_days)

    @property
    def moved_before_conversion(self) -> bool:
        return self.days_after_conversion is None or self.days_after_conversion <= 0


def account_eligibility(*, account: ClientAccount) -> Eligibility | None:
    """What the account earns today under its locked terms, and why, in words."""
    if account.partner_id is None:
        return None
    moved_on = account.partnered_on
    terms = terms_for(moved_on)
    converted_on = account.converted_at.astimezone(dt.UTC).date() if account.converted_at else None
    w = rules.window(
        moved_on=moved_on,
        converted_on=converted_on,
        deployed_on=account.partner.deployed_on,
        window_days=terms.window_days,
    )
    window_text = w.explain(terms.window_days)
    managed = account.partnership_kind == PartnershipKind.MANAGED
    notes = []
    if converted_on is None and account.billing_status == BillingStatus.TRIAL:
        bonus, bonus_reason = (
            False,
            "no bonus yet: still a trial (it earns one when it converts, being in window)",
        )
    elif converted_on is None:
        bonus, bonus_reason = (
            False,
            "no bonus: the trial ended without converting (it earns one if it converts, "
            "being in window)",
        )
    elif rules.earns_new_account_bonus(converted=True, in_window=w.in_window):
        bonus, bonus_reason = True, f"bonus: {window_text}"
    else:
        bonus, bonus_reason = False, f"no bonus: {window_text.removeprefix('out of window: ')}"
    rs = rules.earns_revenue_share(
        managed_on_day=managed, in_window=w.in_window, single_bill=account.single_bill
    )
    if account.single_bill:
        rs_reason = "no revenue share: a Single Bill account (you get its upfront discount instead)"
    elif managed:
        rs_reason = "revenue share on every invoice: managed (whatever the window)"
    elif w.in_window:
        rs_reason = f"revenue share on every invoice: {window_text}"
    else:
        rs_reason = "no revenue share while referred: out of window; it would earn as managed"
    if account.billing_status == BillingStatus.CANCELED:
        notes.append(
            "Cancelled: it pays no more invoices, so it earns nothing new; "
            "what it earned before stays yours."
        )
    return Eligibility(
        bonus,
        bonus_reason,
        rs,
        rs_reason,
        window_text,
        terms,
        notes,
        managed=managed,
        converted_on=converted_on,
        moved_on=moved_on,
        deployed_on=account.partner.deployed_on,
        window_days=terms.window_days,
        days_after_conversion=w.days_after_conversion,
        days_after_deployment=w.days_after_deployment,
    )


@dataclass
class Opportunity:
    account: ClientAccount
    paid_minor: int
    currency: str
    would_earn_minor: int
    pending: bool


def managed_opportunities(*, partner_id: int, month: dt.date, limit: int = 50) -> list[Opportunity]:
    """Referred accounts that earn no revenue share today, with what they paid in ``month`` and
    what that would have earned as managed: the reason to ask for permission to manage."""
    last = rules.month_end(month)
    paid = (
        Invoice.objects.filter(
            account__partner_id=partner_id,
            account__partnership_kind=PartnershipKind.REFERRED,
            account__single_bill=False,
            paid_on__gte=month,
            paid_on__lte=last,
        )
        .values("account_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("-total")
    )
    totals = {(r["account_id"]): (r["total"], r["currency"]) for r in paid}
    accounts = ClientAccount.objects.filter(pk__in=totals).select_related("partner")
    pending = set(
        ManageRequest.objects.filter(
            account_id__in=totals, status=RequestStatus.PENDING
        ).values_list("account_id", flat=True)
    )
    out = []
    for account in accounts:
        eligibility = account_eligibility(account=account)
        if eligibility is None or eligibility.revenue_share:
            continue
        total, currency = totals[account.pk]
        rate = rules.rate_to_ppm(eligibility.terms.revenue_share_rate)
        out.append(
            Opportunity(
                account, total, currency, rules.share_of(total, rate), account.pk in pending
            )
        )
    out.sort(key=lambda o: -o.would_earn_minor)
    return out[:limit]


def lines_for_account(*, partner_id: int, account_id: int):
    return (
        LedgerLine.objects.filter(partner_id=partner_id, account_id=account_id)
        .select_related("account", "invoice")
        .order_by("-month", "-id")
    )


def partner_currencies(*, partner_id: int) -> list[str]:
    return sorted(
        LedgerLine.objects.filter(partner_id=partner_id)
        .order_by("currency")
        .values_list("currency", flat=True)
        .distinct()
    )


@dataclass
class PartnerBalance:
    partner_id: int
    partner_name: str
    currency: str
    payable: int
    held: int
    minimum: int
    payout: Payout | None

    @property
    def meets_minimum(self) -> bool:
        return self.payable > 0 and self.payable >= self.minimum


def partner_balances(*, today: dt.date) -> list[PartnerBalance]:
    """Every partner's payable and held balance per currency, for the staff payout page."""
    from django.db.models import Case, IntegerField, When

    from partnerhub.earnings.models import TermsCurrency

    rows = (
        LedgerLine.objects.values("partner_id", "partner__name", "currency")
        .annotate(
            payable=Sum(
                Case(
                    When(payable_on__lte=today, then="amount_minor"),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
            held=Sum(
                Case(
                    When(payable_on__gt=today, then="amount_minor"),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
        )
        .order_by("partner__name", "currency")
    )
    minimums = {}
    for tc in TermsCurrency.objects.filter(terms__effective_from__lte=today).order_by(
        "terms__effective_from"
    ):
        minimums[tc.currency] = tc.minimum_payout_minor
    payouts = {
        (p.partner_id, p.currency): p for p in Payout.objects.filter(status=PayoutStatus.APPROVED)
    }
    return [
        PartnerBalance(
            r["partner_id"],
            r["partner__name"],
            r["currency"],
            r["payable"],
            r["held"],
            minimums.get(r["currency"], 0),
            payouts.get((r["partner_id"], r["currency"])),
        )
        for r in rows
    ]


def next_month_to_close(*, today: dt.date) -> dt.date | None:
    latest = MonthClose.objects.order_by("-month").first()
    if latest is not None:
        candidate = (latest.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    else:
        candidate = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return candidate if rules.month_end(candidate) < today else None
