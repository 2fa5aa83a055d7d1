"""Reads that the pricing pages, the API and other reports share."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from partnerhub.clients.models import BillingStatus, ClientAccount, DisabledReason, PlanType
from partnerhub.earnings.rules import format_minor
from partnerhub.partners.models import Partner
from partnerhub.pricing import rules
from partnerhub.pricing.models import SingleBill, Statement, StatementLine
from partnerhub.pricing.statements import (
    BuiltStatement,
    book_for,
    list_price,
    price_table,
    statement_build,
)

# "Paying", defined once: the quote counts these accounts and the pages say so in these words.
PAYING = Q(billing_status=BillingStatus.OPEN, disabled_reason=DisabledReason.NONE) & ~Q(
    plan_type=PlanType.TRIAL
)
PAYING_DEFINITION = "A paying account is Open, not disabled and not on a trial."


def paying_accounts(partner: Partner) -> QuerySet[ClientAccount]:
    """The accounts that set ``partner``'s volume tier: all paying children of an
    organization; an agency's paying accounts on Single Bill."""
    qs = ClientAccount.objects.filter(PAYING, partner_id=partner.pk)
    return qs if partner.is_organization else qs.filter(single_bill=True)


def single_bill_of(partner: Partner) -> SingleBill | None:
    return SingleBill.objects.filter(partner_id=partner.pk).first()


@dataclass(frozen=True)
class Quote:
    paying: int
    tier: rules.VolumeTier
    next_tier: rules.VolumeTier | None
    tiers: list[rules.VolumeTier]
    list_total: dict[str, int]  # currency → list prices of the paying accounts, a month
    discount_now: dict[str, int]  # currency → the discount at the current tier
    add: int
    tier_after_add: rules.VolumeTier
    saving_after_add: dict[str, int]  # currency → a month less on the current accounts
    needed_for_next: int | None
    saving_at_next: dict[str, int]

    def sentence(self, *, add: int | None = None) -> str:
        """ "adding 3 more accounts moves you to −20 %: 412.00 USD a month less"."""
        if add is None:
            if self.next_tier is None:
                return f"You are in the top tier ({self.tier.discount_label})."
            add, tier, saving = self.needed_for_next, self.next_tier, self.saving_at_next
        else:
            tier, saving = self.tier_after_add, self.saving_after_add
        noun = "account" if add == 1 else "accounts"
        if tier.min_accounts == self.tier.min_accounts:
            return f"Adding {add} more {noun} keeps you at {tier.discount_label}."
        money = " and ".join(format_minor(v, c) for c, v in sorted(saving.items()) if v) or (
            "nothing"
        )
        return f"Adding {add} more {noun} moves you to {tier.discount_label}: {money} a month less."


def _discounts(rows, percent: Decimal) -> dict[str, int]:
    out: dict[str, int] = {}
    for currency, price in rows:
        out[currency] = out.get(currency, 0) + rules.discount_of(price, percent)
    return out


def quote(*, partner: Partner, add: int = 0, today: dt.date | None = None) -> Quote:
    """The partner's tier today, the next one, and what ``add`` more paying accounts would
    do: the discount on the current paying accounts' list prices at each tier, per currency
    (each account's discount rounded as on a statement)."""
    today = today or timezone.localdate()
    book = book_for(today)
    tiers = book.volume_tiers()
    prices = price_table(book)
    rows = [
        (
            currency,
            list_price(
                prices, plan=plan, currency=currency, contact_tier=rules.contact_tier(contacts)[0]
            ),
        )
        for plan, currency, contacts in paying_accounts(partner).values_list(
            "plan_type", "currency", "contact_count"
        )
    ]
    paying = len(rows)
    tier = rules.tier_for(tiers, paying)
    nxt = rules.next_tier(tiers, paying)
    after = rules.tier_for(tiers, paying + add)
    now = _discounts(rows, tier.discount_percent)
    list_total: dict[str, int] = {}
    for currency, price in rows:
        list_total[currency] = list_total.get(currency, 0) + price

    def saving(t: rules.VolumeTier) -> dict[str, int]:
        at = _discounts(rows, t.discount_percent)
        return {c: at[c] - now.get(c, 0) for c in sorted(at)}

    return Quote(
        paying=paying,
        tier=tier,
        next_tier=nxt,
        tiers=sorted(tiers, key=lambda t: t.min_accounts),
        list_total=dict(sorted(list_total.items())),
        discount_now=dict(sorted(now.items())),
        add=add,
        tier_after_add=after,
        saving_after_add=saving(after),
        needed_for_next=None if nxt is None else nxt.min_accounts - paying,
        saving_at_next={} if nxt is None else saving(nxt),
    )


def statements(*, partner_id: int) -> QuerySet[Statement]:
    return Statement.objects.filter(partner_id=partner_id).order_by("-month")


def statement_get(*, partner_id: int, month: dt.date) -> Statement:
    """``Statement.DoesNotExist`` for another partner's month, as for a month never closed."""
    return Statement.objects.select_related("book", "close").get(partner_id=partner_id, month=month)


def statement_lines(statement: Statement) -> QuerySet[StatementLine]:
    return (
        StatementLine.objects.filter(statement=statement)
        .select_related("account")
        .order_by("kind", "currency", "account__organization_name", "id")
    )


def statement_totals(statement: Statement) -> dict[str, dict[str, int]]:
    """Per currency, the sums of the lines: amount, discount and total, in cents."""
    rows = (
        StatementLine.objects.filter(statement=statement)
        .values("currency")
        .annotate(
            amount=Sum("amount_minor"), discount=Sum("discount_minor"), total=Sum("total_minor")
        )
        .order_by("currency")
    )
    return {
        r["currency"]: {"amount": r["amount"], "discount": r["discount"], "total": r["total"]}
        for r in rows
    }


def open_month(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()).replace(day=1)


def statement_preview(*, partner: Partner, month: dt.date) -> BuiltStatement:
    """The statement ``month`` would get if it closed now (nothing is written)."""
    return statement_build(partner, month)


def _months(months) -> list[dt.date]:
    return sorted({m.replace(day=1) for m in months})


def _in_group(group_id: int) -> Q:
    return Q(account__group_id=group_id) | Q(account__group__parent_id=group_id)


def discount_by_month(
    *, partner_id: int, months, group_id: int | None = None, today: dt.date | None = None
) -> dict[dt.date, dict[str, int]]:
    """First day of month → currency → the discount the partner's Single Bill statements
    give in cents: closed months from their statements (charges and adjustments), a month not
    closed yet from its preview. Months before Single Bill, or still to come, are empty.
    ``group_id`` keeps the accounts of that group (and of the groups inside it)."""
    wanted = _months(months)
    out: dict[dt.date, dict[str, int]] = {m: {} for m in wanted}
    enrolment = SingleBill.objects.filter(partner_id=partner_id).first()
    if enrolment is None or not wanted:
        return out
    lines = StatementLine.objects.filter(
        statement__partner_id=partner_id, statement__month__in=wanted
    )
    if group_id is not None:
        lines = lines.filter(_in_group(group_id))
    closed = set(
        Statement.objects.filter(partner_id=partner_id, month__in=wanted).values_list(
            "month", flat=True
        )
    )
    for row in (
        lines.values("statement__month", "currency")
        .annotate(discount=Sum("discount_minor"))
        .order_by("statement__month", "currency")
    ):
        out[row["statement__month"]][row["currency"]] = row["discount"]
    current = open_month(today)
    partner = None
    groups = None if group_id is None else _group_and_inner(group_id)
    for month in wanted:
        if month in closed or month > current or month < enrolment.since_month:
            continue
        partner = partner or Partner.objects.get(pk=partner_id)
        for line in statement_preview(partner=partner, month=month).lines:
            if groups is not None and line.group_id not in groups:
                continue
            out[month][line.currency] = out[month].get(line.currency, 0) + line.discount_minor
        out[month] = dict(sorted(out[month].items()))
    return out


def _group_and_inner(group_id: int) -> set[int]:
    from partnerhub.organizations.models import AccountGroup

    return {group_id, *AccountGroup.objects.filter(parent_id=group_id).values_list("pk", flat=True)}


@dataclass(frozen=True)
class StatementView:
    """A statement to show: a closed one, or the open month's preview (``closed`` False)."""

    month: dt.date
    closed: bool
    paying_accounts: int
    discount_percent: Decimal
    book_label: str
    totals: dict[str, dict[str, int]]
    lines: object  # a queryset of StatementLine rows, or a list of built lines

    @property
    def discount_label(self) -> str:
        return rules.percent_label(self.discount_percent)

    @property
    def line_count(self) -> int:
        lines = self.lines
        return lines.count() if isinstance(lines, QuerySet) else len(lines)


def statement_view(*, partner: Partner, month: dt.date, today: dt.date | None = None):
    """The partner's statement of ``month``: closed, else its preview while the month is not
    closed and Single Bill covers it; ``None`` when there is no such statement."""
    from django.db.models import F

    month = month.replace(day=1)
    found = Statement.objects.filter(partner_id=partner.pk, month=month).select_related("book")
    statement = found.first()
    if statement is not None:
        lines = statement_lines(statement).annotate(
            organization_name=F("account__organization_name"),
            login_name=F("account__login_name"),
        )
        return StatementView(
            month,
            True,
            statement.paying_accounts,
            statement.discount_percent,
            str(statement.book),
            statement_totals(statement),
            lines,
        )
    enrolment = single_bill_of(partner)
    current = open_month(today)
    if enrolment is None or month < enrolment.since_month or month > current:
        return None
    built = statement_preview(partner=partner, month=month)
    return StatementView(
        month,
        False,
        built.paying_accounts,
        built.tier.discount_percent,
        str(built.book),
        built.totals(),
        sorted(built.lines, key=lambda x: (x.kind, x.currency, x.organization_name, x.account_id)),
    )


def statement_months(*, partner: Partner, today: dt.date | None = None) -> list[dt.date]:
    """The months the partner has a statement for, newest first: the months not closed yet
    since Single Bill began (previews), then the closed ones."""
    closed = list(statements(partner_id=partner.pk).values_list("month", flat=True))
    enrolment = single_bill_of(partner)
    out = []
    if enrolment is not None:
        month = open_month(today)
        while month >= enrolment.since_month and month not in closed:
            out.append(month)
            month = (month - dt.timedelta(days=1)).replace(day=1)
    return out + closed


def shows_pricing(partner: Partner) -> bool:
    """Bulk pricing concerns organizations, and partners on Single Bill."""
    return partner.is_organization or single_bill_of(partner) is not None


def statement_totals_by_month(*, partner_id: int) -> dict[dt.date, dict[str, dict[str, int]]]:
    """Closed months → currency → amount, discount and total, in one query."""
    out: dict[dt.date, dict[str, dict[str, int]]] = {}
    for row in (
        StatementLine.objects.filter(statement__partner_id=partner_id)
        .values("statement__month", "currency")
        .annotate(
            amount=Sum("amount_minor"), discount=Sum("discount_minor"), total=Sum("total_minor")
        )
        .order_by("-statement__month", "currency")
    ):
        out.setdefault(row["statement__month"], {})[row["currency"]] = {
            "amount": row["amount"],
            "discount": row["discount"],
            "total": row["total"],
        }
    for month in Statement.objects.filter(partner_id=partner_id).values_list("month", flat=True):
        out.setdefault(month, {})
    return out


def billing_menu(partner: Partner) -> dict[str, bool]:
    """Which of Pricing and Statements the partner's menu shows (one query, none where the
    partner was read with its enrolment: ``select_related("single_bill")``)."""
    try:
        on_single_bill = partner.single_bill is not None
    except SingleBill.DoesNotExist:
        on_single_bill = False
    return {"pricing": partner.is_organization or on_single_bill, "statements": on_single_bill}
