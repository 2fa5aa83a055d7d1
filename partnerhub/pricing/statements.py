"""Building a month's Single Bill statement for one partner: its children, the days each is
billed, its list price, the tier discount and, for months already closed, the adjustments
that late changes call for. The close (``services.statements_close``) writes what this builds;
the open month's preview shows it unwritten. The rules are those of ``rules.py``.

Which accounts: an account is on its partner's statement while the partner is on Single Bill
and the account is on Single Bill (``ClientAccount.single_bill``), or the partner is an
organization (all its children are billed through it). A child is billed from the later of
its conversion and the day it joined the partnership, to the day before it was cancelled or
left; an account disabled or on a trial when the statement is built is not billed. It is
priced at the plan it had on its last billed day (from the billing events), in its contact
tier when the month is first built (an adjustment keeps the tier the closed line used).

Which tier: the number of children billed for at least one day of the month sets one
discount for all of them (``rules.tier_for``). A closed month keeps its tier: a late change
corrects the days and the amounts, at the percentage the month closed with.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum

from partnerhub.billing.models import BillingEvent, BillingEventKind
from partnerhub.clients.models import BillingStatus, DisabledReason, PlanType
from partnerhub.core.errors import InvalidTransition
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import Partnership
from partnerhub.pricing import rules
from partnerhub.pricing.models import LineKind, PriceBook, Statement, StatementLine

# How many closed months back a close looks for late changes to correct.
ADJUSTMENT_MONTHS = 12


@dataclass(frozen=True)
class Child:
    account_id: int
    login_name: str
    organization_name: str
    group_id: int | None
    plan: str
    currency: str
    contact_tier: int
    period: rules.Period


@dataclass(frozen=True)
class BuiltLine:
    account_id: int
    login_name: str
    organization_name: str
    group_id: int | None
    kind: str
    plan: str
    currency: str
    contact_tier: int
    list_price_minor: int
    billed_from: dt.date | None
    billed_to: dt.date | None
    days_billed: int
    month_days: int
    amount_minor: int
    discount_percent: Decimal
    discount_minor: int
    corrects_month: dt.date | None = None

    @property
    def total_minor(self) -> int:
        return self.amount_minor - self.discount_minor


@dataclass
class BuiltStatement:
    partner_id: int
    month: dt.date
    book: PriceBook
    paying_accounts: int
    tier: rules.VolumeTier
    lines: list[BuiltLine] = field(default_factory=list)

    def totals(self) -> dict[str, dict[str, int]]:
        """Per currency: amount, discount and total, in cents (sums of the lines)."""
        out: dict[str, dict[str, int]] = {}
        for line in self.lines:
            t = out.setdefault(line.currency, {"amount": 0, "discount": 0, "total": 0})
            t["amount"] += line.amount_minor
            t["discount"] += line.discount_minor
            t["total"] += line.total_minor
        return dict(sorted(out.items()))


def book_for(month: dt.date) -> PriceBook:
    book = (
        PriceBook.objects.filter(effective_month__lte=month.replace(day=1))
        .order_by("-effective_month")
        .prefetch_related("tiers", "prices")
        .first()
    )
    if book is None:
        raise InvalidTransition(f"no price book is in force in {month:%B %Y}", code="no_price_book")
    return book


def price_table(book: PriceBook) -> dict[tuple[str, str, int], int]:
    return {(p.plan, p.currency, p.contact_tier): p.list_price_minor for p in book.prices.all()}


def list_price(prices: dict, *, plan: str, currency: str, contact_tier: int) -> int:
    try:
        return prices[(plan, currency, contact_tier)]
    except KeyError:
        raise InvalidTransition(
            f"the price book has no {plan} price in {currency} for contact tier {contact_tier}",
            code="price_missing",
        ) from None


def _day(value: dt.datetime | None) -> dt.date | None:
    return None if value is None else value.astimezone(dt.UTC).date()


def billed_children(partner: Partner, month: dt.date) -> list[Child]:
    """Every child billed for at least one day of ``month``, with its period and plan."""
    first = month.replace(day=1)
    last = first.replace(day=rules.days_in_month(first))
    after_last = last + dt.timedelta(days=1)
    cancelled = BillingEvent.objects.filter(
        account_id=OuterRef("account_id"), kind=BillingEventKind.CANCELLATION
    ).order_by("occurred_at")
    rows = (
        Partnership.objects.filter(partner_id=partner.pk, moved_on__lte=last)
        .filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=dt.datetime.combine(first, dt.time(), dt.UTC))
        )
        .filter(
            account__converted_at__lt=dt.datetime.combine(after_last, dt.time(), dt.UTC),
            account__disabled_reason=DisabledReason.NONE,
        )
        .exclude(account__plan_type=PlanType.TRIAL)
    )
    if not partner.is_organization:
        rows = rows.filter(account__single_bill=True)
    rows = rows.annotate(cancelled_at=Subquery(cancelled.values("occurred_at")[:1])).values_list(
        "account_id",
        "moved_on",
        "ended_at",
        "cancelled_at",
        "account__converted_at",
        "account__billing_status",
        "account__plan_type",
        "account__currency",
        "account__contact_count",
        "account__login_name",
        "account__organization_name",
        "account__group_id",
    )
    plans = _plans_until(partner, rows, after_last)
    children = []
    for (
        account_id,
        moved_on,
        ended_at,
        cancelled_at,
        converted_at,
        status,
        plan,
        currency,
        contacts,
        login,
        name,
        group_id,
    ) in rows.iterator(chunk_size=2000):
        cancelled_on = _day(cancelled_at)
        if status == BillingStatus.CANCELED and cancelled_on is None:
            continue  # cancelled without a date: nothing to bill it from
        if status != BillingStatus.CANCELED:
            cancelled_on = None
        period = rules.billed_period(
            month=first,
            paying_from=max(moved_on, _day(converted_at)),
            ended_on=_day(ended_at),
            cancelled_on=cancelled_on,
        )
        if period is None:
            continue
        plan = _plan_on(plans.get(account_id, ()), period.last) or plan
        children.append(
            Child(
                account_id,
                login,
                name,
                group_id,
                plan,
                currency,
                rules.contact_tier(contacts)[0],
                period,
            )
        )
    return children


def _plans_until(partner: Partner, rows, after_last: dt.date) -> dict[int, list]:
    """Each account's plan changes up to the month's end, oldest first."""
    events = (
        BillingEvent.objects.filter(
            account_id__in=rows.values("account_id"),
            kind__in=(BillingEventKind.CONVERSION, BillingEventKind.PLAN_CHANGE),
            occurred_at__lt=dt.datetime.combine(after_last, dt.time(), dt.UTC),
        )
        .exclude(plan_type="")
        .order_by("account_id", "occurred_at", "id")
        .values_list("account_id", "occurred_at", "plan_type")
    )
    out: dict[int, list] = defaultdict(list)
    for account_id, at, plan in events.iterator(chunk_size=2000):
        out[account_id].append((_day(at), plan))
    return out


def _plan_on(changes, day: dt.date) -> str | None:
    plan = None
    for on, changed_to in changes:
        if on <= day:
            plan = changed_to
    return plan


def _charge_line(child: Child, prices: dict, month: dt.date, percent: Decimal) -> BuiltLine:
    price = list_price(
        prices, plan=child.plan, currency=child.currency, contact_tier=child.contact_tier
    )
    c = rules.charge(list_price_minor=price, period=child.period, month=month, percent=percent)
    return BuiltLine(
        child.account_id,
        child.login_name,
        child.organization_name,
        child.group_id,
        LineKind.CHARGE,
        child.plan,
        child.currency,
        child.contact_tier,
        price,
        child.period.first,
        child.period.last,
        child.period.days,
        rules.days_in_month(month),
        c.amount_minor,
        percent,
        c.discount_minor,
    )


def statement_build(partner: Partner, month: dt.date) -> BuiltStatement:
    """The statement of ``month`` as it stands: its charges, and adjustments for changes to
    the partner's closed months that their statements do not show yet."""
    month = month.replace(day=1)
    book = book_for(month)
    prices = price_table(book)
    tiers = book.volume_tiers()
    children = billed_children(partner, month)
    tier = rules.tier_for(tiers, len(children))
    built = BuiltStatement(partner.pk, month, book, len(children), tier)
    built.lines = [_charge_line(c, prices, month, tier.discount_percent) for c in children]
    built.lines.sort(key=lambda line: (line.currency, line.organization_name, line.account_id))
    built.lines += _adjustments(partner, month)
    return built


def _adjustments(partner: Partner, month: dt.date) -> list[BuiltLine]:
    earlier = list(
        Statement.objects.filter(partner_id=partner.pk, month__lt=month)
        .select_related("book")
        .order_by("-month")[:ADJUSTMENT_MONTHS]
    )
    out: list[BuiltLine] = []
    for statement in sorted(earlier, key=lambda s: s.month):
        out += _month_corrections(partner, statement)
    return out


def _month_corrections(partner: Partner, statement: Statement) -> list[BuiltLine]:
    """What ``statement``'s month should say now, less what it and later corrections said,
    per account, at the percentage the month closed with."""
    month, percent = statement.month, statement.discount_percent
    recorded: dict[int, dict] = {}
    for row in (
        StatementLine.objects.filter(statement__partner_id=partner.pk)
        .filter(
            Q(statement=statement, kind=LineKind.CHARGE)
            | Q(corrects_month=month, statement__month__gt=month)
        )
        .values("account_id", "currency", "plan", "contact_tier", "list_price_minor")
        .annotate(
            days=Sum("days_billed"), amount=Sum("amount_minor"), discount=Sum("discount_minor")
        )
    ):
        entry = recorded.setdefault(row["account_id"], {"days": 0, "amount": 0, "discount": 0})
        for key in ("days", "amount", "discount"):
            entry[key] += row[key]
        entry.setdefault("tier", row["contact_tier"])
        entry.setdefault("currency", row["currency"])
    prices = price_table(statement.book)
    now = {c.account_id: c for c in billed_children(partner, month)}
    names = {}
    if set(recorded) - set(now):
        from partnerhub.clients.models import ClientAccount

        names = {
            a.pk: a
            for a in ClientAccount.objects.filter(pk__in=set(recorded) - set(now)).only(
                "login_name", "organization_name", "group_id", "plan_type", "currency"
            )
        }
    out = []
    for account_id in sorted(set(recorded) | set(now)):
        before = recorded.get(account_id, {"days": 0, "amount": 0, "discount": 0})
        child = now.get(account_id)
        if child is not None:
            tier = before.get("tier", child.contact_tier)
            price = list_price(prices, plan=child.plan, currency=child.currency, contact_tier=tier)
            c = rules.charge(
                list_price_minor=price, period=child.period, month=month, percent=percent
            )
            days, amount, discount = child.period.days, c.amount_minor, c.discount_minor
            login, name, group_id = child.login_name, child.organization_name, child.group_id
            plan, currency = child.plan, child.currency
            billed = (child.period.first, child.period.last)
        else:
            a = names[account_id]
            tier, price, days, amount, discount = before["tier"], 0, 0, 0, 0
            login, name, group_id = a.login_name, a.organization_name, a.group_id
            plan, currency, billed = a.plan_type, before["currency"], (None, None)
        if amount == before["amount"] and discount == before["discount"]:
            continue
        out.append(
            BuiltLine(
                account_id,
                login,
                name,
                group_id,
                LineKind.ADJUSTMENT,
                plan,
                currency,
                tier,
                price,
                billed[0],
                billed[1],
                days - before["days"],
                rules.days_in_month(month),
                amount - before["amount"],
                percent,
                discount - before["discount"],
                corrects_month=month,
            )
        )
    return out
