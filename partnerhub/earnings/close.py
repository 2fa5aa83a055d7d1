"""The monthly close: writes a month's ledger lines set-based, in the database.

Each kind of line is one ``INSERT … SELECT`` over the whole program; all of them, the close
record and its audit row (the month, line count, totals per type and currency, and a
checksum of the lines) commit together or not at all. A fact (invoice, refund,
conversion) earns at most once, through the ledger's unique ``source_key``; a fact dated in a
month that was already closed lands in the month being closed as an *adjustment* naming its
month. The rules are those of ``rules.py``; tests hold the SQL to them.
"""

import datetime as dt
import time
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.core.locks import LockBusy, lock_named
from partnerhub.earnings import sql
from partnerhub.earnings.models import MonthClose, Terms
from partnerhub.earnings.rules import PPM, month_end, rate_to_ppm
from partnerhub.notices.models import NoticeKind
from partnerhub.notices.services import notice_create
from partnerhub.partners.models import PartnerKind, PartnerMember
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.services import event_emit

# SQLite's page cache while closing: a fixed budget (the default is 2 MiB), whatever the
# program's size; the close walks whole tables and adds to a dozen indexes at once.
CLOSE_PAGE_CACHE_KIB = 32 * 1024

LINE_COLUMNS = (
    "partner_id, account_id, partnership_id, month, line_type, amount_minor, currency, fact_on, "
    "reason_code, basis_minor, rate_ppm, invoice_id, refund_id, qualified_on, corrects_month, "
    "corrected_type, source_key, payable_on, close_id, payout_id, created_at"
)


# One close at a time, of any month: months close in order, so a second run has nothing to do
# before the first has finished.
CLOSE_LOCK = "earnings.month_close"
# SQLite: how long a close waits for another writer before it says so (when asked not to wait),
# and between two attempts when it waits.
SQLITE_RETRY_SECONDS = 0.5


class CloseRunning(Conflict):
    code = "close_running"


@dataclass(frozen=True)
class CloseResult:
    close: MonthClose
    created: bool


def _terms_cte() -> tuple[str, list]:
    """The terms as inline rows: each partnership finds the terms in force on the day it moved
    (``eff_from <= moved_on < next_from``); moves before the first terms take the first."""
    terms = list(Terms.objects.order_by("effective_from").prefetch_related("currencies"))
    if not terms:
        raise InvalidTransition("there are no program terms yet", code="no_terms")
    dp = sql.date_param()
    rows, params, bonus_rows, bonus_params = [], [], [], []
    for index, t in enumerate(terms):
        start = dt.date(1, 1, 1) if index == 0 else t.effective_from
        end = terms[index + 1].effective_from if index + 1 < len(terms) else dt.date(9999, 12, 31)
        rows.append(f"(%s, {dp}, {dp}, %s, %s, %s)")
        params += [
            t.pk,
            start.isoformat(),
            end.isoformat(),
            rate_to_ppm(t.revenue_share_rate),
            t.window_days,
            t.holding_days,
        ]
        for c in t.currencies.all():
            bonus_rows.append("(%s, %s, %s)")
            bonus_params += [t.pk, c.currency, c.new_account_bonus_minor]
    if not bonus_rows:
        bonus_rows.append("(%s, %s, %s)")
        bonus_params += [0, "", 0]
    cte = (
        f"terms (id, eff_from, next_from, rate_ppm, window_days, holding_days) AS (VALUES {', '.join(rows)}), "
        f"bonus (terms_id, currency, nab_minor) AS (VALUES {', '.join(bonus_rows)})"
    )
    return cte, params + bonus_params


def _context_cte() -> str:
    """One row per partnership with its locked terms and the two window tests; partnerships
    of organizations have none (they earn nothing in the partner program).

    Written with CROSS JOINs so that SQLite walks the partnerships in order and finds each
    account, partner and terms row by its key, instead of starting from the partners and
    jumping about the partnerships through an index; PostgreSQL plans it as it would the
    JOINs."""
    conv = sql.day_of("a.converted_at")
    return (
        "ctx AS ("
        " SELECT p.id AS partnership_id, p.partner_id, p.account_id, p.moved_on, p.ended_at,"
        f" a.currency, a.single_bill, {conv} AS converted_on, t.id AS terms_id, t.rate_ppm,"
        " t.holding_days,"
        f" CASE WHEN a.converted_at IS NULL OR p.moved_on <= {sql.add_days(conv, 't.window_days')}"
        " THEN 1 ELSE 0 END AS by_conversion,"
        f" CASE WHEN p.moved_on <= {sql.add_days('pr.deployed_on', 't.window_days')} THEN 1 ELSE 0 END"
        " AS by_deployment"
        " FROM partnerships_partnership p"
        " CROSS JOIN clients_clientaccount a"
        " CROSS JOIN partners_partner pr"
        " CROSS JOIN terms t"
        " WHERE a.id = p.account_id AND pr.id = p.partner_id"
        " AND p.moved_on >= t.eff_from AND p.moved_on < t.next_from"
        # An organization's partnerships hold its own child accounts: they earn nothing in
        # the partner program (its discount is on its Single Bill statement instead).
        f" AND pr.kind <> '{PartnerKind.ORGANIZATION.value}'"
        ")"
    )


def _adjusted(date_expr: str, line_type: str) -> tuple[str, str, str]:
    """line_type, corrects_month and corrected_type for a fact dated ``date_expr``: a fact
    dated in a month that was already closed (on or after the first closed month, before the
    month being closed) is an adjustment. Each of the three takes ``_late_params``."""
    d = sql.date_param()
    late = f"({date_expr} < {d} AND {date_expr} >= {d})"
    return (
        f"CASE WHEN {late} THEN 'adjustment' ELSE '{line_type}' END",
        f"CASE WHEN {late} THEN {sql.month_of(date_expr)} END",
        f"CASE WHEN {late} THEN '{line_type}' ELSE '' END",
    )


def _late_params(first: str, since: str) -> list[str]:
    """The parameters of the three expressions of ``_adjusted``."""
    return [first, since] * 3


# A missing number (amount, rate, id) in a SELECT that may be one branch of a UNION ALL: typed,
# so that PostgreSQL does not take a column NULL in every branch for text.
NO_NUMBER = "CAST(NULL AS BIGINT)"


def _bonuses_select(first: str, since: str, last: str, close_id: int, now) -> tuple[str, list]:
    """The new-account bonus lines, over ``ctx``: (SELECT, its parameters)."""
    # The bonus rows are CROSS JOINed so that SQLite looks them up for each partnership rather
    # than walking every partnership once per currency.
    d = sql.date_param()
    acc = sql.greatest("c.converted_on", "c.moved_on")
    line_type, corrects, corrected = _adjusted("x.acc_day", "new_account_bonus")
    return (
        f"SELECT x.partner_id, x.account_id, x.partnership_id, {d}, {line_type}, b.nab_minor,"
        " x.currency, x.acc_day,"
        " CASE WHEN x.by_conversion = 1 THEN 'window_conversion' ELSE 'window_deployment' END,"
        f" {NO_NUMBER}, {NO_NUMBER}, {NO_NUMBER}, {NO_NUMBER}, x.moved_on, {corrects},"
        f" {corrected}, {sql.key('nab', 'x.partnership_id')},"
        f" {sql.add_days('x.acc_day', 'x.holding_days')}, %s, {NO_NUMBER}, %s"
        f" FROM (SELECT c.*, {acc} AS acc_day FROM ctx c WHERE c.converted_on IS NOT NULL) x"
        " CROSS JOIN bonus b"
        " WHERE b.terms_id = x.terms_id AND b.currency = x.currency"
        f" AND (x.by_conversion = 1 OR x.by_deployment = 1) AND x.acc_day <= {d}"
        " AND b.nab_minor > 0"
        f" AND (x.ended_at IS NULL OR {sql.day_of('x.ended_at')} >= x.acc_day)"
        f" AND {sql.not_written('l', sql.key('nab', 'x.partnership_id'))}",
        [first, *_late_params(first, since), close_id, now, last],
    )


def _kind_spans_cte() -> str:
    """PostgreSQL: each kind change of each partnership as a span of days
    ``[from_day, next_day)``: from its UTC day until the day of the partnership's next change
    (open-ended for the last). Several changes on one day leave empty spans but the last, by
    (``effective_at``, id): that one is the kind of the day."""
    day = sql.day_of("kc.effective_at")
    return (
        "kind_spans AS ("
        f" SELECT kc.partnership_id, kc.kind, {day} AS from_day,"
        f" LEAD({day}) OVER (PARTITION BY kc.partnership_id ORDER BY kc.effective_at, kc.id)"
        " AS next_day"
        " FROM partnerships_partnershipkindchange kc"
        ")"
    )


def _kind_on_paid_day() -> str:
    """The join that gives each invoice ``k.kind``, the partnership's kind on the day it was
    paid, and ``k.from_day``, the day of the change that set it: the last change on or before
    that day, by (``effective_at``, id).

    PostgreSQL joins the spans of ``kind_spans`` (a hash join over the whole history; looked
    up invoice by invoice, they ran 1.3 million subqueries). SQLite looks each one up in the
    (partnership, moment) index: building the spans first means sorting and indexing every
    change of every partnership before the first invoice (reading October's revenue share at
    1,000,000 accounts took 9.4 s with the spans, 6.3 s with the lookups)."""
    if sql.is_postgres():
        return (
            " LEFT JOIN kind_spans k ON k.partnership_id = c.partnership_id"
            " AND k.from_day <= i.paid_on AND (k.next_day IS NULL OR k.next_day > i.paid_on)"
        )
    return (
        " LEFT JOIN (SELECT id, kind, substr(effective_at, 1, 10) AS from_day"
        " FROM partnerships_partnershipkindchange) k ON k.id = ("
        " SELECT kd.id FROM partnerships_partnershipkindchange kd"
        " WHERE kd.partnership_id = c.partnership_id"
        " AND kd.effective_at < date(i.paid_on, '+1 day')"
        " ORDER BY kd.effective_at DESC, kd.id DESC LIMIT 1)"
    )


def _revenue_share_select(
    first: str, since: str, last: str, close_id: int, now
) -> tuple[str, list]:
    """The revenue-share lines, over ``ctx`` (and on PostgreSQL ``kind_spans``): (SELECT, its
    parameters)."""
    d = sql.date_param()
    line_type, corrects, corrected = _adjusted("x.paid_on", "revenue_share")
    return (
        f"SELECT x.partner_id, x.account_id, x.partnership_id, {d}, {line_type},"
        f" (x.amount_minor * x.rate_ppm * 2 + {PPM}) / {2 * PPM}, x.currency, x.paid_on,"
        " CASE WHEN x.kind = 'managed' THEN 'managed'"
        " WHEN x.by_conversion = 1 THEN 'window_conversion' ELSE 'window_deployment' END,"
        f" x.amount_minor, x.rate_ppm, x.invoice_id, {NO_NUMBER},"
        " CASE WHEN x.kind = 'managed' THEN x.kind_since ELSE x.moved_on END,"
        f" {corrects}, {corrected}, {sql.key('rs', 'x.invoice_id')},"
        f" {sql.add_days('x.paid_on', 'x.holding_days')}, %s, {NO_NUMBER}, %s"
        " FROM ("
        "  SELECT i.id AS invoice_id, i.paid_on, i.amount_minor, c.partner_id, c.account_id,"
        "  c.partnership_id, c.currency, c.single_bill, c.rate_ppm, c.holding_days, c.moved_on,"
        "  c.by_conversion, c.by_deployment,"
        "  k.kind, k.from_day AS kind_since"
        "  FROM billing_invoice i"
        "  JOIN ctx c ON c.account_id = i.account_id AND c.moved_on <= i.paid_on"
        f"  AND (c.ended_at IS NULL OR {sql.day_of('c.ended_at')} > i.paid_on)"
        f" {_kind_on_paid_day()}"
        f"  WHERE {sql.unindexed('i.paid_on')} <= {d}"
        f"  AND {sql.not_written('l', sql.key('rs', 'i.id'))}"
        " ) x"
        f" WHERE x.single_bill = {sql.false()}"
        " AND (x.kind = 'managed' OR x.by_conversion = 1 OR x.by_deployment = 1)",
        [first, *_late_params(first, since), close_id, now, last],
    )


def _insert_earned(
    cur, cte: str, params: list, first: str, since: str, last: str, close_id: int, now
) -> None:
    """The new-account bonuses and the revenue share. On PostgreSQL one statement writes both,
    over one computation of ``ctx``; SQLite runs them as two, each planned on its own (the
    CROSS JOIN orders above are written for that)."""
    bonuses, bonus_params = _bonuses_select(first, since, last, close_id, now)
    shares, share_params = _revenue_share_select(first, since, last, close_id, now)
    insert = f"INSERT INTO earnings_ledgerline ({LINE_COLUMNS}) "
    if sql.is_postgres():
        cur.execute(
            f"WITH {cte}, {_context_cte()}, {_kind_spans_cte()} "
            f"{insert}{bonuses} UNION ALL {shares}{sql.skip_written()}",
            [*params, *bonus_params, *share_params],
        )
        return
    cur.execute(
        f"WITH {cte}, {_context_cte()} {insert}{bonuses}{sql.skip_written()}",
        [*params, *bonus_params],
    )
    cur.execute(
        f"WITH {cte}, {_context_cte()} {insert}{shares}{sql.skip_written()}",
        [*params, *share_params],
    )


def _insert_clawbacks(cur, first: str, since: str, last: str, close_id: int, now) -> None:
    d = sql.date_param()
    line_type, corrects, corrected = _adjusted("r.refunded_on", "clawback")
    share = f"((r.amount_minor * l.rate_ppm * 2 + {PPM}) / {2 * PPM})"
    cur.execute(
        f"INSERT INTO earnings_ledgerline ({LINE_COLUMNS}) "
        f"SELECT l.partner_id, l.account_id, l.partnership_id, {d}, {line_type}, -{share},"
        " l.currency, r.refunded_on, 'refund', r.amount_minor, l.rate_ppm, l.invoice_id, r.id,"
        f" l.qualified_on, {corrects}, {corrected}, {sql.key('cb', 'r.id')}, r.refunded_on,"
        " %s, NULL, %s"
        " FROM billing_refund r"
        f" JOIN earnings_ledgerline l ON l.source_key = {sql.key('rs', 'r.invoice_id')}"
        f" WHERE r.refunded_on <= {d} AND {share} > 0"
        f" AND {sql.not_written('c', sql.key('cb', 'r.id'))}{sql.skip_written()}",
        [first, *_late_params(first, since), close_id, now, last],
    )


def _insert_bonus_reversals(
    cur, cte: str, params: list, first: str, since: str, last: str, close_id: int, now
) -> None:
    """A full refund of the converting invoice (the account's first) within the holding period
    reverses the bonus."""
    d = sql.date_param()
    line_type, corrects, corrected = _adjusted("f.full_on", "clawback")
    cur.execute(
        f"WITH {cte} "
        f"INSERT INTO earnings_ledgerline ({LINE_COLUMNS}) "
        f"SELECT n.partner_id, n.account_id, n.partnership_id, {d}, {line_type}, -n.amount_minor,"
        " n.currency, f.full_on, 'bonus_reversal', f.amount_minor, NULL, f.invoice_id, NULL,"
        f" n.qualified_on, {corrects}, {corrected}, {sql.key('nabrev', 'n.partnership_id')},"
        " f.full_on, %s, NULL, %s"
        " FROM earnings_ledgerline n"
        " JOIN partnerships_partnership p ON p.id = n.partnership_id"
        " JOIN terms t ON p.moved_on >= t.eff_from AND p.moved_on < t.next_from"
        " JOIN ("
        "  SELECT ci.account_id, ci.id AS invoice_id, ci.amount_minor, ci.paid_on,"
        "  MAX(r.refunded_on) AS full_on"
        "  FROM billing_refund r JOIN billing_invoice ci ON ci.id = r.invoice_id"
        f"  WHERE r.refunded_on <= {d}"
        "  AND NOT EXISTS (SELECT 1 FROM billing_invoice e WHERE e.account_id = ci.account_id"
        "  AND (e.paid_on < ci.paid_on OR (e.paid_on = ci.paid_on AND e.id < ci.id)))"
        "  GROUP BY ci.account_id, ci.id, ci.amount_minor, ci.paid_on"
        "  HAVING SUM(r.amount_minor) = ci.amount_minor"
        " ) f ON f.account_id = n.account_id"
        " WHERE (n.line_type = 'new_account_bonus' OR n.corrected_type = 'new_account_bonus')"
        f" AND f.full_on <= {sql.add_days('f.paid_on', 't.holding_days')}"
        f" AND {sql.not_written('c', sql.key('nabrev', 'n.partnership_id'))}{sql.skip_written()}",
        [*params, first, *_late_params(first, since), close_id, now, last],
    )


# The checksum of a close's lines: a sum, over the lines, of a mix of each line's id, amount,
# partner and source key, modulo a prime. Order-independent, computed in the database in one
# pass, and changed by any line added, removed or altered in those fields.
CHECKSUM_MODULUS = 2147483647


def _lines_summary(cur, close_id: int) -> dict:
    """What the close's audit row records of its lines: their count, the totals per line type
    and currency, and the checksum."""
    cur.execute(
        "SELECT line_type, currency, COUNT(*), SUM(amount_minor),"
        f" SUM((id * 1000003 + amount_minor * 1009 + partner_id * 101 + LENGTH(source_key))"
        f" %% {CHECKSUM_MODULUS})"
        " FROM earnings_ledgerline WHERE close_id = %s GROUP BY line_type, currency"
        " ORDER BY line_type, currency",
        [close_id],
    )
    rows = cur.fetchall()
    checksum = sum(int(r[4]) for r in rows) % CHECKSUM_MODULUS
    return {
        "lines": sum(int(r[2]) for r in rows),
        "totals": [
            {"line_type": t, "currency": c, "lines": int(n), "amount_minor": int(a)}
            for t, c, n, a, _ in rows
        ],
        "checksum": f"{checksum:08x}",
    }


def _emit_month_closed(close: MonthClose) -> None:
    """One ``month.closed`` event per partner that has a subscribed endpoint."""
    endpoints = WebhookEndpoint.objects.filter(enabled=True).order_by("partner_id")
    by_partner: dict[int, list] = {}
    for endpoint in endpoints:
        by_partner.setdefault(endpoint.partner_id, []).append(endpoint)
    for partner_id, partner_endpoints in by_partner.items():
        event_emit(
            partner_id=partner_id,
            event_type="month.closed",
            data={"month": close.month.strftime("%Y-%m")},
            endpoints=partner_endpoints,
        )


def _notify_month_closed(close: MonthClose, now) -> None:
    """Every member of each partner with lines in the close is told their month is ready."""
    partner_ids = close.lines.values("partner_id").distinct()
    members = PartnerMember.objects.filter(partner_id__in=partner_ids)
    notice_create(
        user_ids=members.values_list("user_id", flat=True),
        kind=NoticeKind.MONTH_CLOSED,
        title=f"{close.month:%B %Y} is closed: your earnings statement is ready",
        url=f"{reverse('partner-earnings')}?month={close.month:%Y-%m}",
        source_key=f"close:{close.pk}",
        at=now,
    )


def month_in_order(closes, month: dt.date) -> None:
    """Months close in order: ``month`` must be the one after the latest of ``closes`` (a
    queryset of closes with a ``month``), or any month when none is closed yet."""
    latest = closes.order_by("-month").first()
    if latest is not None:
        expected = (latest.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if month != expected:
            raise InvalidTransition(
                f"months close in order: the next month to close is {expected:%B %Y}",
                code="month_out_of_order",
            )


def month_close(
    *, month: dt.date, actor=None, today: dt.date | None = None, wait: bool = True
) -> CloseResult:
    """Close ``month`` (its first day). Closing a month again returns the first close.

    One close runs at a time (a lock held for the close's transaction). A second run waits for
    the first and then finds the month closed; with ``wait=False`` it raises ``CloseRunning``
    instead. A run that dies half-way leaves nothing behind (its transaction is rolled back),
    so the next one closes the month in full."""
    month = month.replace(day=1)
    today = today or timezone.localdate()
    existing = MonthClose.objects.filter(month=month).first()
    if existing is not None:
        return CloseResult(existing, False)
    if month_end(month) >= today:
        raise InvalidTransition(f"{month:%B %Y} has not ended yet", code="month_not_ended")
    while True:
        try:
            return _close_locked(month, actor, wait)
        except OperationalError as exc:
            # SQLite: the IMMEDIATE transaction found another writer for longer than its busy
            # timeout. Nothing was written; try again (or say so).
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            if not wait:
                raise CloseRunning(_BUSY, code="close_running") from None
            time.sleep(SQLITE_RETRY_SECONDS)


_BUSY = "another close is running; the month is closed once, by whichever run comes first"


def _close_locked(month: dt.date, actor, wait: bool) -> CloseResult:
    last = month_end(month)
    with sql.page_cache(CLOSE_PAGE_CACHE_KIB), transaction.atomic():
        try:
            lock_named(CLOSE_LOCK, wait=wait)
        except LockBusy:
            raise CloseRunning(_BUSY, code="close_running") from None
        # Another run may have closed it while this one waited for the lock.
        existing = MonthClose.objects.filter(month=month).first()
        if existing is not None:
            return CloseResult(existing, False)
        month_in_order(MonthClose.objects.all(), month)
        # Facts dated from the first closed month on were reported late; anything older was
        # never in a closed month, so the first close takes it in as ordinary lines.
        first_closed = MonthClose.objects.order_by("month").values_list("month", flat=True).first()
        since = first_closed or month
        now = timezone.now()
        close = MonthClose.objects.create(month=month, closed_at=now, closed_by=actor)
        stamp = connection.ops.adapt_datetimefield_value(now)
        cte, params = _terms_cte()
        first_s, since_s, last_s = month.isoformat(), since.isoformat(), last.isoformat()
        # PostgreSQL checks each line's foreign keys when the transaction commits (Django makes
        # them DEFERRABLE INITIALLY DEFERRED): about as much time as writing the lines. Checking
        # them statement by statement (SET CONSTRAINTS ALL IMMEDIATE) costs the same, so they
        # stay deferred; they are kept, the ledger's references being checked by the database.
        with connection.cursor() as cur:
            _insert_earned(cur, cte, params, first_s, since_s, last_s, close.pk, stamp)
            _insert_clawbacks(cur, first_s, since_s, last_s, close.pk, stamp)
            _insert_bonus_reversals(cur, cte, params, first_s, since_s, last_s, close.pk, stamp)
            summary = _lines_summary(cur, close.pk)
        close.line_count = summary["lines"]
        close.save(update_fields=["line_count"])
        _emit_month_closed(close)
        _notify_month_closed(close, now)
        audit_record(
            actor=actor,
            action=events.MONTH_CLOSED,
            target=close,
            # The ledger itself is the append-only record of every line; the audit log records
            # the close once: who, when, the month, and what it wrote.
            after={"month": month.isoformat(), **summary},
            at=now,
        )
    return CloseResult(close, True)
