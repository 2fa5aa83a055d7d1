"""Reads of earnings that the partner pages, the staff page and the commands share."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from partnerhub.billing.models import Invoice
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind
from partnerhub.core.keyset import KeysetPage, keyset_page
from partnerhub.earnings import rules, sql
from partnerhub.earnings.filters import PAGE_ORDER, LineFilter, filter_lines
from partnerhub.earnings.models import (
    LedgerLine,
    LineType,
    MonthClose,
    Payout,
    PayoutStatus,
    Terms,
    TermsCurrency,
)
from partnerhub.partners.models import Partner
from partnerhub.partners.selectors import visible_only


def terms_for(moved_on: dt.date) -> Terms | None:
    """The terms locked for an account that moved on ``moved_on`` (None before the program has
    any terms)."""
    terms = Terms.objects.filter(effective_from__lte=moved_on).order_by("-effective_from").first()
    return terms or Terms.objects.order_by("effective_from").first()


def partner_lines(*, partner_id: int, month: dt.date, line_filter: LineFilter | None = None):
    """The partner's lines of ``month`` (optionally filtered), by type and account."""
    lines = LedgerLine.objects.filter(partner_id=partner_id, month=month)
    if line_filter is not None:
        lines = filter_lines(lines, line_filter)
    return lines.select_related("account", "invoice", "payout").order_by(
        "line_type", "account__organization_name", "id"
    )


LINES_PAGE_SIZE = 25


def partner_lines_page(
    *, partner_id: int, month: dt.date, line_filter: LineFilter, size: int = LINES_PAGE_SIZE
) -> KeysetPage:
    """One page of the partner's filtered lines of ``month``, in the order of the day of what
    earned them."""
    lines = filter_lines(LedgerLine.objects.filter(partner_id=partner_id, month=month), line_filter)
    return keyset_page(
        lines.select_related("account", "invoice", "payout"),
        field=PAGE_ORDER,
        descending=False,
        size=size,
        cursor=line_filter.cursor,
    )


def partner_lines_count(*, partner_id: int, month: dt.date, line_filter: LineFilter) -> int:
    return filter_lines(
        LedgerLine.objects.filter(partner_id=partner_id, month=month), line_filter
    ).count()


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


def minimum_payout(*, currency: str, today: dt.date) -> int:
    """The minimum payout of the terms in force today."""
    row = (
        TermsCurrency.objects.filter(currency=currency, terms__effective_from__lte=today)
        .order_by("-terms__effective_from")
        .first()
    )
    return row.minimum_payout_minor if row else 0


def holding_days() -> int | None:
    """The holding period in days, when every version of the terms has the same one."""
    days = set(Terms.objects.values_list("holding_days", flat=True))
    return days.pop() if len(days) == 1 else None


def balance_split(*, partner_id: int, currency: str, today: dt.date) -> rules.BalanceSplit:
    """The partner's balance today in ``currency``: payable, held per day it becomes payable,
    the minimum payout and a payout waiting to be paid."""
    held = (
        LedgerLine.objects.filter(partner_id=partner_id, currency=currency, payable_on__gt=today)
        .values("payable_on")
        .annotate(total=Sum("amount_minor"))
        .order_by("payable_on")
    )
    payout = open_payout(partner_id=partner_id, currency=currency)
    return rules.balance_split(
        payable=payable_balance(partner_id=partner_id, currency=currency, today=today),
        held_by_day=[(row["payable_on"], row["total"]) for row in held],
        minimum=minimum_payout(currency=currency, today=today),
        approved=payout.amount_minor if payout else None,
        approved_on=timezone.localdate(payout.approved_at) if payout else None,
    )


def lines_after(*, partner_id: int, currency: str, month: dt.date) -> dict[str, int]:
    """What the balance gained after ``month``: ``paid_out`` (disbursements, negative) and
    ``earned`` (every other line of later months)."""
    later = LedgerLine.objects.filter(partner_id=partner_id, currency=currency, month__gt=month)
    paid_out = later.filter(line_type=LineType.DISBURSEMENT).aggregate(t=Sum("amount_minor"))["t"]
    earned = later.exclude(line_type=LineType.DISBURSEMENT).aggregate(t=Sum("amount_minor"))["t"]
    return {"paid_out": paid_out or 0, "earned": earned or 0}


def partner_payouts(*, partner_id: int, limit: int = 6) -> list[Payout]:
    """The partner's latest payouts, approved or paid, newest first."""
    return list(Payout.objects.filter(partner_id=partner_id)[:limit])


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
    """What the account earns today under its locked terms, and why, in words. None when the
    account is in no partnership, or the program has no terms yet."""
    if account.partner_id is None:
        return None
    moved_on = account.partnered_on
    terms = terms_for(moved_on)
    if terms is None:  # no terms yet: nothing can be said about earnings
        return None
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


def managed_opportunities(
    *, partner_id: int, month: dt.date, visible_to: int | None = None
) -> QuerySet[ClientAccount]:
    """Referred accounts that earn no revenue share (out of window, not Single Bill) and paid in
    ``month``, each annotated with ``paid_minor`` and ``would_earn_minor``: what those invoices
    would have earned as managed, at the rate locked on the day it moved. Ordered by that,
    highest first, for keyset pages.

    The window test is the close's (``close._context_cte``), written per version of the terms.
    """
    partner = Partner.objects.get(pk=partner_id)
    terms = list(Terms.objects.order_by("effective_from"))
    converted_on = sql.day_of(f"{ClientAccount._meta.db_table}.converted_at")
    rates, out_of_window = [], Q(pk__in=[])
    for index, t in enumerate(terms):
        # Moves before the first terms take the first, as in the close.
        locked = Q(partnered_on__isnull=False)
        if index > 0:
            locked &= Q(partnered_on__gte=t.effective_from)
        if index + 1 < len(terms):
            locked &= Q(partnered_on__lt=terms[index + 1].effective_from)
        rates.append(When(locked, then=Value(rules.rate_to_ppm(t.revenue_share_rate))))
        # The SQL is fixed text; the window is a parameter.
        after_conversion = RawSQL(sql.add_days(converted_on, "%s"), [t.window_days])  # noqa: S611
        out_of_window |= (
            locked
            & Q(partnered_on__gt=after_conversion)
            & Q(partnered_on__gt=partner.deployed_on + dt.timedelta(days=t.window_days))
        )
    paid = (
        Invoice.objects.filter(
            account=OuterRef("pk"), paid_on__gte=month, paid_on__lte=rules.month_end(month)
        )
        .order_by()
        .values("account")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    accounts = visible_only(ClientAccount.objects.all(), member_id=visible_to)
    return (
        accounts.filter(
            partner_id=partner_id,
            partnership_kind=PartnershipKind.REFERRED,
            single_bill=False,
            converted_at__isnull=False,
        )
        .filter(out_of_window)
        .annotate(
            paid_minor=Cast(Subquery(paid), BigIntegerField()),
            rate_ppm=Case(*rates, default=Value(0), output_field=BigIntegerField()),
        )
        .filter(paid_minor__gt=0)
        .annotate(
            # share_of: rate x amount, rounded half-up to the cent, in integers
            would_earn_minor=ExpressionWrapper(
                (F("paid_minor") * F("rate_ppm") * 2 + rules.PPM) / (2 * rules.PPM),
                output_field=BigIntegerField(),
            )
        )
    )


OPPORTUNITIES_PAGE_SIZE = 25


def managed_opportunities_page(
    *,
    partner_id: int,
    month: dt.date,
    cursor=None,
    size: int = OPPORTUNITIES_PAGE_SIZE,
    visible_to: int | None = None,
) -> KeysetPage:
    return keyset_page(
        managed_opportunities(partner_id=partner_id, month=month, visible_to=visible_to),
        field="would_earn_minor",
        descending=True,
        size=size,
        cursor=cursor,
    )


def managed_opportunities_totals(
    *, partner_id: int, month: dt.date, visible_to: int | None = None
) -> list[dict]:
    """How many accounts, and what they would have earned together, per currency."""
    rows = (
        managed_opportunities(partner_id=partner_id, month=month, visible_to=visible_to)
        .values("currency")
        .annotate(accounts=Count("id"), would_earn=Sum("would_earn_minor"))
        .order_by("currency")
    )
    return list(rows)


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
    from django.db.models import IntegerField

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
