"""Per-partner account counts by kind, written in the transaction of every change.

``counts_shift`` is the one place the counters change: the partnership services call it with
each account's (partner, kind) before and after, whatever the change (credit, kind change, a
move or an end). ``partner_kind_counts`` reads them; ``recount`` rebuilds them from the
accounts (the ``recount_accounts`` command, the benchmark builders).
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core import prepared
from partnerhub.partnerships.models import PartnerAccountCount

SLOTS = 8
KINDS = (PartnershipKind.REFERRED, PartnershipKind.MANAGED)

# (partner id or None, kind or "") of an account: what the account mirrors.
Holding = tuple[int | None, str]


def _table() -> str:
    return connection.ops.quote_name(PartnerAccountCount._meta.db_table)


def counts_shift(changes: Iterable[tuple[int, Holding, Holding]]) -> None:
    """Apply account changes ``(account_id, before, after)`` to the counters, in the caller's
    transaction. Rows are written in (partner, slot) order, so that two transactions never
    wait on each other's counter rows in opposite orders."""
    deltas: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for account_id, before, after in changes:
        if before == after:
            continue
        slot = account_id % SLOTS
        for (partner_id, kind), sign in ((before, -1), (after, 1)):
            if partner_id is None or kind not in KINDS:
                continue
            deltas[(partner_id, slot)][KINDS.index(kind)] += sign
    rows = [
        (partner_id, slot, referred, managed, referred + managed)
        for (partner_id, slot), (referred, managed) in sorted(deltas.items())
        if referred or managed
    ]
    if not rows:
        return
    table = _table()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (partner_id, slot, referred, managed, total) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (partner_id, slot) DO UPDATE SET "
            f"referred = {table}.referred + excluded.referred, "
            f"managed = {table}.managed + excluded.managed, "
            f"total = {table}.total + excluded.total",
            rows,
        )


def holdings(account_ids: list[int]) -> dict[int, Holding]:
    """What each account mirrors now: (partner, kind)."""
    return {
        pk: (partner_id, kind)
        for pk, partner_id, kind in ClientAccount.objects.filter(pk__in=account_ids).values_list(
            "pk", "partner_id", "partnership_kind"
        )
    }


def _counter_rows(values: dict):
    return PartnerAccountCount.objects.filter(partner_id=values["partner_id"]).values(
        "referred", "managed"
    )


def partner_kind_counts(*, partner_id: int) -> dict[str, int]:
    """The partner's accounts by kind: ``{"referred": n, "managed": m}``."""
    # Summed here: the partner has a few counter rows, and a plain read of them, in a
    # statement built once (``core.prepared``), costs less than building an aggregate query on
    # every page and API call.
    rows = prepared.rows("partner_kind_counts", _counter_rows, {"partner_id": partner_id})
    referred = managed = 0
    for row in rows:
        referred += row["referred"]
        managed += row["managed"]
    return {PartnershipKind.REFERRED: referred, PartnershipKind.MANAGED: managed}


def counted() -> dict[tuple[int, str], int]:
    """What the counters say, per (partner, kind), leaving out zeros."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    for partner_id, referred, managed in PartnerAccountCount.objects.values_list(
        "partner_id", "referred", "managed"
    ):
        out[(partner_id, PartnershipKind.REFERRED)] += referred
        out[(partner_id, PartnershipKind.MANAGED)] += managed
    return {key: n for key, n in out.items() if n}


def actual() -> dict[tuple[int, str], int]:
    """The same, counted from the accounts."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        ClientAccount.objects.filter(partner__isnull=False)
        .values_list("partner_id", "partnership_kind")
        .order_by()
    )
    for partner_id, kind in rows.iterator(chunk_size=10_000):
        out[(partner_id, kind)] += 1
    return dict(out)


@transaction.atomic
def recount() -> int:
    """Rebuild every counter from the accounts; returns how many (partner, kind) figures were
    wrong before. The accounts' table is counted in one statement per engine."""
    wrong = counted()
    table = _table()
    accounts = connection.ops.quote_name(ClientAccount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (partner_id, slot, referred, managed, total) "  # noqa: S608
            f"SELECT partner_id, id %% {SLOTS}, "
            "SUM(CASE WHEN partnership_kind = %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN partnership_kind = %s THEN 1 ELSE 0 END), COUNT(*) "
            f"FROM {accounts} WHERE partner_id IS NOT NULL GROUP BY partner_id, id %% {SLOTS}",
            [PartnershipKind.REFERRED, PartnershipKind.MANAGED],
        )
    right = counted()
    return sum(1 for key in set(wrong) | set(right) if wrong.get(key) != right.get(key))
