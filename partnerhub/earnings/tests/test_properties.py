"""Properties of the monthly close over random small programs.

A program is one or two partners, up to five accounts with random moves, kinds and kind
changes, conversions, invoices and refunds that arrive at random points between closes, and
sometimes a second version of the terms. January to June 2026 close in order. A reference
model written here, in plain Python on ``rules.py``, predicts every line; the set-based SQL
close must write exactly those lines.

Each example runs in a transaction that is rolled back at its end.
"""

import datetime as dt
import itertools
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition
from partnerhub.earnings import rules
from partnerhub.earnings.close import month_close
from partnerhub.earnings.models import LedgerLine, LineType, MonthClose, Terms
from partnerhub.earnings.reports import report_json
from partnerhub.earnings.selectors import financial_benefit_report
from partnerhub.earnings.services import payout_approve, payout_mark_paid
from partnerhub.earnings.tests import builders
from partnerhub.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2026, m, 1) for m in range(1, 7)]
TODAY = dt.date(2026, 11, 26)
FIRST_DAY, LAST_DAY = dt.date(2025, 11, 1), dt.date(2026, 6, 30)

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- programs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundSpec:
    offset_days: int
    amount: int
    arrival: int


@dataclass(frozen=True)
class InvoiceSpec:
    paid_on: dt.date
    amount: int
    arrival: int
    refunds: tuple[RefundSpec, ...]


@dataclass(frozen=True)
class AccountSpec:
    partner: int
    currency: str
    single_bill: bool
    moved_on: dt.date
    kind: str
    kind_changes: tuple[tuple[int, int], ...]  # (days after moving, hour), in order
    conversion: tuple[dt.date, int, int] | None  # (day, hour, arrival)
    invoices: tuple[InvoiceSpec, ...]


@dataclass(frozen=True)
class TermsSpec:
    effective_from: dt.date
    rate: str
    window_days: int
    holding_days: int
    eur_bonus: int | None  # None: no EUR row in these terms


@dataclass(frozen=True)
class Program:
    deployed: tuple[dt.date, ...]
    new_terms: TermsSpec | None
    accounts: tuple[AccountSpec, ...]


arrivals = st.integers(min_value=0, max_value=len(MONTHS) - 1)
fact_days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
# Days around the edges of the windows (30, 60, 90 days) so that the inclusive edges come up
# often, the default 60 most.
edge_offsets = st.sampled_from([59, 60, 61]) | st.sampled_from([-1, 0, 29, 30, 31, 89, 90, 91])


@st.composite
def invoice_specs(draw) -> InvoiceSpec:
    amount = draw(st.integers(min_value=1, max_value=20_000))
    refunds, left = [], amount
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        if left == 0:
            break
        part = left if draw(st.booleans()) else draw(st.integers(min_value=1, max_value=left))
        offset = draw(st.integers(0, 45) | st.sampled_from([0, 9, 10, 11, 29, 30, 31]))
        refunds.append(RefundSpec(offset, part, draw(arrivals)))
        left -= part
    return InvoiceSpec(draw(fact_days), amount, draw(arrivals), tuple(refunds))


@st.composite
def account_specs(draw, deployed: list[dt.date]) -> AccountSpec:
    # (0, 0) is midnight of the day it moved: the same instant as the credit itself.
    changes = draw(
        st.lists(
            st.tuples(st.integers(0, 150) | st.just(0), st.integers(0, 23) | st.just(0)),
            max_size=2,
            unique=True,
        )
    )
    converts = st.tuples(
        st.dates(min_value=dt.date(2025, 6, 1), max_value=LAST_DAY), st.integers(0, 23), arrivals
    )
    conversion = draw(st.one_of(st.none(), converts, converts))
    partner = draw(st.integers(0, len(deployed) - 1))
    anchors = [deployed[partner]] + ([conversion[0]] if conversion else [])
    moved_on = draw(
        st.one_of(
            fact_days,
            *(st.builds(lambda o, a=a: a + dt.timedelta(days=o), edge_offsets) for a in anchors),
        )
    )
    return AccountSpec(
        partner=partner,
        currency=draw(st.sampled_from(["USD", "EUR"])),
        single_bill=draw(st.sampled_from([False, False, False, True])),
        moved_on=moved_on,
        kind=draw(st.sampled_from([builders.REFERRED, builders.MANAGED])),
        kind_changes=tuple(sorted(changes)),
        conversion=conversion,
        invoices=tuple(draw(st.lists(invoice_specs(), max_size=3))),
    )


@st.composite
def programs(draw) -> Program:
    deployed = draw(
        st.lists(
            st.dates(min_value=dt.date(2025, 6, 1), max_value=dt.date(2026, 5, 1)),
            min_size=1,
            max_size=2,
        )
    )
    new_terms = draw(
        st.none()
        | st.builds(
            TermsSpec,
            effective_from=st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2026, 5, 1)),
            rate=st.sampled_from(["0.15", "0.25", "0.125", "0.333333"]),
            window_days=st.sampled_from([30, 60, 90]),
            holding_days=st.sampled_from([10, 30]),
            eur_bonus=st.sampled_from([None, 0, 7500]),
        )
    )
    accounts = draw(st.lists(account_specs(deployed), min_size=1, max_size=5))
    return Program(tuple(deployed), new_terms, tuple(accounts))


# --- the reference model ----------------------------------------------------------------------


@dataclass
class ModelTerms:
    effective_from: dt.date
    rate_ppm: int
    window_days: int
    holding_days: int
    bonus: dict[str, int]


@dataclass
class ModelAccount:
    partnership_id: int
    partner_id: int
    account_id: int
    deployed_on: dt.date
    currency: str
    single_bill: bool
    moved_on: dt.date
    kinds: list[tuple[dt.datetime, int, str]]  # (effective at, order written, kind)
    converted_on: dt.date | None = None


@dataclass
class Model:
    """The rules of the issue, applied fact by fact in Python."""

    terms: list[ModelTerms]
    accounts: dict[int, ModelAccount] = field(default_factory=dict)
    invoices: dict[int, tuple[int, dt.date, int, str]] = field(default_factory=dict)
    refunds: dict[int, tuple[int, dt.date, int]] = field(default_factory=dict)
    lines: dict[str, dict] = field(default_factory=dict)
    first_closed: dt.date | None = None

    def locked_terms(self, moved_on: dt.date) -> ModelTerms:
        ordered = sorted(self.terms, key=lambda t: t.effective_from)
        in_force = [t for t in ordered if t.effective_from <= moved_on]
        return in_force[-1] if in_force else ordered[0]

    def kind_on(self, acct: ModelAccount, day: dt.date) -> tuple[str, dt.date]:
        known = [k for k in acct.kinds if k[0].astimezone(dt.UTC).date() <= day]
        at, _, kind = max(known, key=lambda k: (k[0], k[1]))
        return kind, at.astimezone(dt.UTC).date()

    def _write(self, key: str, month: dt.date, since: dt.date, line_type: str, **values) -> None:
        late = since <= values["fact_on"] < month
        self.lines[key] = {
            "month": month,
            "line_type": LineType.ADJUSTMENT if late else line_type,
            "corrects_month": rules.month_start(values["fact_on"]) if late else None,
            "corrected_type": line_type if late else "",
            **values,
        }

    def close(self, month: dt.date) -> None:
        last = rules.month_end(month)
        since = self.first_closed or month
        self.first_closed = since
        for acct in self.accounts.values():
            self._bonus(acct, month, since, last)
        for invoice_id in sorted(self.invoices):
            self._revenue_share(invoice_id, month, since, last)
        for refund_id in sorted(self.refunds):
            self._clawback(refund_id, month, since, last)
        for acct in self.accounts.values():
            self._bonus_reversal(acct, month, since, last)

    def _window(self, acct: ModelAccount) -> tuple[ModelTerms, rules.Window]:
        terms = self.locked_terms(acct.moved_on)
        w = rules.window(
            moved_on=acct.moved_on,
            converted_on=acct.converted_on,
            deployed_on=acct.deployed_on,
            window_days=terms.window_days,
        )
        return terms, w

    def _bonus(self, acct: ModelAccount, month, since, last) -> None:
        key = f"nab:{acct.partnership_id}"
        terms, w = self._window(acct)
        if key in self.lines or acct.converted_on is None:
            return
        if not rules.earns_new_account_bonus(converted=True, in_window=w.in_window):
            return
        accrued = rules.nab_accrual_day(converted_on=acct.converted_on, moved_on=acct.moved_on)
        bonus = terms.bonus.get(acct.currency, 0)
        if accrued > last or bonus <= 0:
            return
        self._write(
            key,
            month,
            since,
            LineType.NEW_ACCOUNT_BONUS,
            partner_id=acct.partner_id,
            account_id=acct.account_id,
            amount_minor=bonus,
            currency=acct.currency,
            fact_on=accrued,
            reason_code="window_conversion" if w.by_conversion else "window_deployment",
            basis_minor=None,
            rate_ppm=None,
            invoice_id=None,
            refund_id=None,
            qualified_on=acct.moved_on,
            payable_on=accrued + dt.timedelta(days=terms.holding_days),
        )

    def _revenue_share(self, invoice_id: int, month, since, last) -> None:
        account_id, paid_on, amount, _ = self.invoices[invoice_id]
        acct = self.accounts[account_id]
        key = f"rs:{invoice_id}"
        if key in self.lines or paid_on > last or acct.moved_on > paid_on:
            return
        terms, w = self._window(acct)
        kind, since_day = self.kind_on(acct, paid_on)
        managed = kind == builders.MANAGED
        if not rules.earns_revenue_share(
            managed_on_day=managed, in_window=w.in_window, single_bill=acct.single_bill
        ):
            return
        reason = (
            "managed"
            if managed
            else ("window_conversion" if w.by_conversion else "window_deployment")
        )
        self._write(
            key,
            month,
            since,
            LineType.REVENUE_SHARE,
            partner_id=acct.partner_id,
            account_id=acct.account_id,
            amount_minor=rules.share_of(amount, terms.rate_ppm),
            currency=acct.currency,
            fact_on=paid_on,
            reason_code=reason,
            basis_minor=amount,
            rate_ppm=terms.rate_ppm,
            invoice_id=invoice_id,
            refund_id=None,
            qualified_on=since_day if managed else acct.moved_on,
            payable_on=paid_on + dt.timedelta(days=terms.holding_days),
        )

    def _clawback(self, refund_id: int, month, since, last) -> None:
        invoice_id, refunded_on, amount = self.refunds[refund_id]
        key = f"cb:{refund_id}"
        share_line = self.lines.get(f"rs:{invoice_id}")
        if key in self.lines or refunded_on > last or share_line is None:
            return
        clawed = rules.share_of(amount, share_line["rate_ppm"])
        if clawed <= 0:
            return
        self._write(
            key,
            month,
            since,
            LineType.CLAWBACK,
            partner_id=share_line["partner_id"],
            account_id=share_line["account_id"],
            amount_minor=-clawed,
            currency=share_line["currency"],
            fact_on=refunded_on,
            reason_code="refund",
            basis_minor=amount,
            rate_ppm=share_line["rate_ppm"],
            invoice_id=invoice_id,
            refund_id=refund_id,
            qualified_on=share_line["qualified_on"],
            payable_on=refunded_on,
        )

    def _bonus_reversal(self, acct: ModelAccount, month, since, last) -> None:
        key = f"nabrev:{acct.partnership_id}"
        bonus_line = self.lines.get(f"nab:{acct.partnership_id}")
        own = sorted(
            (paid_on, invoice_id)
            for invoice_id, (account_id, paid_on, _, _) in self.invoices.items()
            if account_id == acct.account_id
        )
        if key in self.lines or bonus_line is None or not own:
            return
        paid_on, converting = own[0]
        refunded = [
            (day, amount)
            for invoice_id, day, amount in self.refunds.values()
            if invoice_id == converting and day <= last
        ]
        invoice_amount = self.invoices[converting][2]
        if not refunded or sum(a for _, a in refunded) != invoice_amount:
            return
        full_on = max(day for day, _ in refunded)
        holding = self.locked_terms(acct.moved_on).holding_days
        if full_on > paid_on + dt.timedelta(days=holding):
            return
        self._write(
            key,
            month,
            since,
            LineType.CLAWBACK,
            partner_id=acct.partner_id,
            account_id=acct.account_id,
            amount_minor=-bonus_line["amount_minor"],
            currency=acct.currency,
            fact_on=full_on,
            reason_code="bonus_reversal",
            basis_minor=invoice_amount,
            rate_ppm=None,
            invoice_id=converting,
            refund_id=None,
            qualified_on=bonus_line["qualified_on"],
            payable_on=full_on,
        )


# --- running a program ------------------------------------------------------------------------

COMPARED = (
    "source_key",
    "month",
    "line_type",
    "partner_id",
    "account_id",
    "amount_minor",
    "currency",
    "fact_on",
    "reason_code",
    "basis_minor",
    "rate_ppm",
    "invoice_id",
    "refund_id",
    "qualified_on",
    "corrects_month",
    "corrected_type",
    "payable_on",
)


def _stored_lines() -> list[tuple]:
    rows = LedgerLine.objects.exclude(line_type=LineType.DISBURSEMENT).values(*COMPARED)
    return sorted(tuple(row[c] for c in COMPARED) for row in rows)


def _predicted_lines(model: Model) -> list[tuple]:
    return sorted(
        tuple(key if c == "source_key" else line[c] for c in COMPARED)
        for key, line in model.lines.items()
    )


def _run(program: Program) -> Model:
    """Build the program through the services, closing January to June as facts arrive, and
    feed the same facts to the model."""
    partners = [builders.partner(deployed_on=day) for day in program.deployed]
    if program.new_terms is not None:
        spec = program.new_terms
        bonuses = {"USD": (12000, 6000)}
        if spec.eur_bonus is not None:
            bonuses["EUR"] = (spec.eur_bonus, 5000)
        builders.terms(
            spec.effective_from,
            spec.rate,
            window_days=spec.window_days,
            holding_days=spec.holding_days,
            bonuses=bonuses,
        )
    model = Model(
        terms=[
            ModelTerms(
                t.effective_from,
                rules.rate_to_ppm(t.revenue_share_rate),
                t.window_days,
                t.holding_days,
                {c.currency: c.new_account_bonus_minor for c in t.currencies.all()},
            )
            for t in Terms.objects.prefetch_related("currencies")
        ]
    )
    order = itertools.count(1)
    arriving: list[list] = [[] for _ in MONTHS]
    for spec in program.accounts:
        owner = partners[spec.partner]
        acct = builders.account(
            owner,
            moved_on=spec.moved_on,
            converted_on=None,
            kind=spec.kind,
            currency=spec.currency,
            single_bill=spec.single_bill,
        )
        partnership = acct.partnerships.get()
        state = ModelAccount(
            partnership_id=partnership.pk,
            partner_id=owner.pk,
            account_id=acct.pk,
            deployed_on=owner.deployed_on,
            currency=spec.currency,
            single_bill=spec.single_bill,
            moved_on=spec.moved_on,
            kinds=[(builders.utc(spec.moved_on, 0), 0, spec.kind)],
        )
        kind = spec.kind
        for offset, hour in spec.kind_changes:
            kind = builders.MANAGED if kind == builders.REFERRED else builders.REFERRED
            at = builders.utc(spec.moved_on + dt.timedelta(days=offset), hour)
            builders.set_kind(acct, kind, at)
            state.kinds.append((at, next(order), kind))
        model.accounts[acct.pk] = state
        if spec.conversion is not None:
            arriving[spec.conversion[2]].append(("conversion", acct, spec.conversion))
        for invoice in spec.invoices:
            arriving[invoice.arrival].append(("invoice", acct, invoice))
    for index, month in enumerate(MONTHS):
        # Invoices before their refunds; a refund never arrives before its invoice.
        for what, acct, spec in [a for a in arriving[index] if a[0] != "refund"]:
            if what == "conversion":
                day, hour, _ = spec
                builders.convert(acct, day, external_id=f"EV-{acct.pk}", hour=hour)
                model.accounts[acct.pk].converted_on = day
                continue
            invoice = builders.pay(acct, f"INV-{acct.pk}-{next(order)}", spec.paid_on, spec.amount)
            model.invoices[invoice.pk] = (acct.pk, spec.paid_on, spec.amount, acct.currency)
            for refund in spec.refunds:
                later = max(refund.arrival, index)
                arriving[later].append(("refund", invoice, refund))
        for _, invoice, refund in [a for a in arriving[index] if a[0] == "refund"]:
            refunded_on = invoice.paid_on + dt.timedelta(days=refund.offset_days)
            stored = builders.refund(
                invoice, f"RF-{invoice.pk}-{next(order)}", refunded_on, refund.amount
            )
            model.refunds[stored.pk] = (invoice.pk, refunded_on, refund.amount)
        month_close(month=month, today=TODAY)
        model.close(month)
    return model


@contextmanager
def rolled_back():
    """One example in a transaction that is undone, so that examples never meet."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- the properties ---------------------------------------------------------------------------


@EXAMPLES
@given(program=programs())
def test_the_sql_close_writes_exactly_the_lines_the_rules_predict(program):
    with rolled_back():
        model = _run(program)

        assert _stored_lines() == _predicted_lines(model)


@settings(EXAMPLES, max_examples=10)
@given(program=programs())
def test_closing_a_closed_month_again_is_a_no_op(program):
    with rolled_back():
        _run(program)
        before = [builders.snapshot(m) for m in (LedgerLine, MonthClose, AuditEvent)]

        again = [month_close(month=month, today=TODAY) for month in MONTHS]

        assert [r.created for r in again] == [False] * len(MONTHS)
        assert [builders.snapshot(m) for m in (LedgerLine, MonthClose, AuditEvent)] == before
        assert [r.close.line_count for r in again] == [
            LedgerLine.objects.filter(month=month).count() for month in MONTHS
        ]


def _expected_report(lines: list[LedgerLine], partner_id: int, month: dt.date) -> dict:
    """Per currency: opening balance, revenue share, incentives, adjustments, disbursements and
    closing balance, summed straight from the lines."""
    mine = [line for line in lines if line.partner_id == partner_id and line.month <= month]
    expected = {}
    for currency in sorted({line.currency for line in mine}):
        of = [line for line in mine if line.currency == currency]
        now = [line for line in of if line.month == month]
        expected[currency] = (
            sum(line.amount_minor for line in of if line.month < month),
            sum(line.amount_minor for line in now if line.line_type == LineType.REVENUE_SHARE),
            sum(line.amount_minor for line in now if line.line_type == LineType.NEW_ACCOUNT_BONUS),
            sum(
                line.amount_minor
                for line in now
                if line.line_type in (LineType.CLAWBACK, LineType.ADJUSTMENT)
            ),
            sum(line.amount_minor for line in now if line.line_type == LineType.DISBURSEMENT),
            sum(line.amount_minor for line in of),
        )
    return expected


def _pay_out(partner_id: int, currency: str, staff) -> int | str:
    """Approve and pay what can be paid; the amount paid, or the code of the refusal."""
    try:
        payout = payout_approve(actor=staff, partner_id=partner_id, currency=currency, today=TODAY)
    except InvalidTransition as refused:
        return refused.code
    payout_mark_paid(actor=staff, payout_id=payout.pk, reference="wire", today=TODAY)
    return payout.amount_minor


@settings(EXAMPLES, max_examples=15)
@given(program=programs())
def test_the_financial_benefit_report_adds_up_and_every_line_explains_itself(program):
    with rolled_back():
        model = _run(program)
        staff = UserFactory(is_staff=True)
        partner_ids = sorted({a.partner_id for a in model.accounts.values()})
        minimum = {"USD": 6000 if program.new_terms else 5000, "EUR": 5000}
        for partner_id, currency in itertools.product(partner_ids, ["USD", "EUR"]):
            payable = sum(
                line["amount_minor"]
                for line in model.lines.values()
                if line["partner_id"] == partner_id
                and line["currency"] == currency
                and line["payable_on"] <= TODAY
            )
            outcome = _pay_out(partner_id, currency, staff)
            assert outcome == (
                payable if payable > 0 and payable >= minimum[currency] else "below_minimum"
            )

        lines = list(LedgerLine.objects.select_related("account", "invoice", "payout"))
        # No line without a reason, and each reason starts with what the line is
        starts = {
            LineType.NEW_ACCOUNT_BONUS: ("New account bonus",),
            LineType.REVENUE_SHARE: ("Revenue share",),
            LineType.CLAWBACK: ("Clawback", "Bonus reversed"),
            LineType.ADJUSTMENT: ("Adjustment for",),
            LineType.DISBURSEMENT: ("Paid out on 2026-11-26 (reference wire)",),
        }
        assert [line for line in lines if not line.reason.startswith(starts[line.line_type])] == []
        assert [
            line
            for line in lines
            if line.invoice_id and line.invoice.external_id not in line.reason
        ] == []

        # The report of every month adds up, per partner and currency
        for partner_id, month in itertools.product(partner_ids, [*MONTHS, TODAY.replace(day=1)]):
            expected = _expected_report(lines, partner_id, month)
            reports = financial_benefit_report(partner_id=partner_id, month=month)
            assert {
                r.currency: (
                    r.opening_balance,
                    r.revenue_share,
                    r.incentives,
                    r.adjustments,
                    r.disbursements,
                    r.closing_balance,
                )
                for r in reports
            } == expected
            assert [r.earnings for r in reports] == [
                r.revenue_share + r.incentives + r.adjustments for r in reports
            ]
            assert [r.closing_balance for r in reports] == [
                r.opening_balance + r.earnings + r.disbursements for r in reports
            ]
        # and the JSON report carries the same totals
        for partner_id in partner_ids:
            november = TODAY.replace(day=1)
            expected = _expected_report(lines, partner_id, november)
            totals = json.loads(report_json(partner_id=partner_id, month=november))["totals"]
            assert {
                c: (Decimal(t["opening_balance"]) * 100, Decimal(t["closing_balance"]) * 100)
                for c, t in totals.items()
            } == {c: (Decimal(e[0]), Decimal(e[5])) for c, e in expected.items()}
