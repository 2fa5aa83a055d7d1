"""Per-partner and per-member account counts by kind, written in the transaction of every
change.

``counts_shift`` is the one place an account's change moves the counters: the partnership
services call it with each account's (partner, kind) before and after, whatever the change
(credit, kind change, a move or an end); it shifts the partner's counters and those of every
member the account is assigned to. ``assignments_shift`` is the other: the assignment services
call it for the accounts they assign to or unassign from a member. ``partner_kind_counts`` and
``member_kind_counts`` read them; ``recount`` rebuilds them from the accounts and the
assignments (the ``recount_accounts`` command, the benchmark builders).

Lock order, so that two transactions never wait on each other in a cycle: the accounts' rows
(in id order), then their assignments, then the partners' counter rows, then the members'
counter rows, each in (owner, slot) order. A change of an account's kind holds the account's row before it reads
who the account is assigned to, and an assignment holds the accounts' rows before it reads
their kind: one of the two waits for the other, and each counts what the other did.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F

from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core import prepared
from partnerhub.partners.models import AccountAssignment
from partnerhub.partnerships.models import MemberAccountCount, PartnerAccountCount

SLOTS = 8
KINDS = (PartnershipKind.REFERRED, PartnershipKind.MANAGED)

# (partner id or None, kind or "") of an account: what the account mirrors.
Holding = tuple[int | None, str]


# (referred, managed) to add to one counter row, by (partner or member id, slot).
Deltas = dict[tuple[int, int], list[int]]


def _table(model=PartnerAccountCount) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _add(deltas: Deltas, owner_id: int, account_id: int, kind: str, sign: int) -> None:
    if kind in KINDS:
        deltas[(owner_id, account_id % SLOTS)][KINDS.index(kind)] += sign


def counts_shift(changes: Iterable[tuple[int, Holding, Holding]]) -> None:
    """Apply account changes ``(account_id, before, after)`` to the counters, in the caller's
    transaction, which holds the accounts' rows: the partners' counters, and those of the
    members each account is assigned to (one query for the assignments). A member counts an
    assigned account while it is their partner's."""
    changes = [(pk, before, after) for pk, before, after in changes if before != after]
    if not changes:
        return
    deltas: Deltas = defaultdict(lambda: [0, 0])
    for account_id, before, after in changes:
        for (partner_id, kind), sign in ((before, -1), (after, 1)):
            if partner_id is not None:
                _add(deltas, partner_id, account_id, kind, sign)
    _partner_write(deltas)
    # Locked, so that a member who leaves the team meanwhile (``member_remove`` deletes their
    # assignments before their counters) waits for this change to write their counters.
    assigned = (
        AccountAssignment.objects.select_for_update(of=("self",), no_key=True)
        .filter(account_id__in=[pk for pk, _, _ in changes])
        .order_by("account_id", "member_id")
        .values_list("account_id", "member_id", "partner_id")
    )
    members: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for account_id, member_id, partner_id in assigned:
        members[account_id].append((member_id, partner_id))
    deltas = defaultdict(lambda: [0, 0])
    for account_id, before, after in changes:
        for member_id, partner_id in members.get(account_id, ()):
            for (holder, kind), sign in ((before, -1), (after, 1)):
                if holder == partner_id:
                    _add(deltas, member_id, account_id, kind, sign)
    _member_write(deltas)


def assignments_shift(*, member_id: int, partner_id: int, held: dict[int, Holding], sign: int):
    """The member's counters after accounts were assigned to them (``sign`` 1) or unassigned
    (-1), in the caller's transaction. ``held`` is what each of those accounts mirrors, read
    with its row locked (``accounts_lock``) so that its kind cannot change unseen."""
    deltas: Deltas = defaultdict(lambda: [0, 0])
    for account_id, (holder, kind) in held.items():
        if holder == partner_id:
            _add(deltas, member_id, account_id, kind, sign)
    _member_write(deltas)


def accounts_lock(account_ids: Iterable[int]) -> list[ClientAccount]:
    """Lock the accounts' rows, in id order (see the lock order above), and read them."""
    return list(
        ClientAccount.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=list(account_ids))
        .order_by("pk")
    )


def _rows(deltas: Deltas, *, total: bool) -> list[tuple]:
    """The counter rows to add, in (owner, slot) order: two transactions never wait on each
    other's counter rows in opposite orders."""
    return [
        (owner_id, slot, referred, managed, *((referred + managed,) if total else ()))
        for (owner_id, slot), (referred, managed) in sorted(deltas.items())
        if referred or managed
    ]


def _partner_write(deltas: Deltas) -> None:
    rows = _rows(deltas, total=True)
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


def _member_write(deltas: Deltas) -> None:
    rows = _rows(deltas, total=False)
    if not rows:
        return
    table = _table(MemberAccountCount)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (member_id, slot, referred, managed) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (member_id, slot) DO UPDATE SET "
            f"referred = {table}.referred + excluded.referred, "
            f"managed = {table}.managed + excluded.managed",
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


def _summed(rows) -> dict[str, int]:
    """Counter rows (``referred``, ``managed``) added up by kind."""
    referred = managed = 0
    for row in rows:
        referred += row["referred"]
        managed += row["managed"]
    return {PartnershipKind.REFERRED: referred, PartnershipKind.MANAGED: managed}


def _counter_rows(values: dict):
    return PartnerAccountCount.objects.filter(partner_id=values["partner_id"]).values(
        "referred", "managed"
    )


def partner_kind_counts(*, partner_id: int) -> dict[str, int]:
    """The partner's accounts by kind: ``{"referred": n, "managed": m}``."""
    # Summed here: the partner has a few counter rows, and a plain read of them, in a
    # statement built once (``core.prepared``), costs less than building an aggregate query on
    # every page and API call.
    rows = prepared.rows(
        "partner_kind_counts", _counter_rows, {"partner_id": partner_id}, prepare=True
    )
    return _summed(rows)


def _member_counter_rows(values: dict):
    return MemberAccountCount.objects.filter(
        member_id=values["member_id"], member__partner_id=values["partner_id"]
    ).values("referred", "managed")


def member_kind_counts(*, member_id: int, partner_id: int) -> dict[str, int]:
    """The partner's accounts assigned to the member, by kind (zeros for a member of another
    partner): a few counter rows, read as ``partner_kind_counts`` reads the partner's."""
    rows = prepared.rows(
        "member_kind_counts",
        _member_counter_rows,
        {"member_id": member_id, "partner_id": partner_id},
        prepare=True,
    )
    return _summed(rows)


def _counted(rows) -> dict[tuple[int, str], int]:
    """(owner id, referred, managed) counter rows, per (owner, kind), leaving out zeros."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    for owner_id, referred, managed in rows:
        out[(owner_id, PartnershipKind.REFERRED)] += referred
        out[(owner_id, PartnershipKind.MANAGED)] += managed
    return {key: n for key, n in out.items() if n}


def counted() -> dict[tuple[int, str], int]:
    """What the counters say, per (partner, kind), leaving out zeros."""
    return _counted(PartnerAccountCount.objects.values_list("partner_id", "referred", "managed"))


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


def member_counted() -> dict[tuple[int, str], int]:
    """What the members' counters say, per (member, kind), leaving out zeros."""
    return _counted(MemberAccountCount.objects.values_list("member_id", "referred", "managed"))


def member_actual() -> dict[tuple[int, str], int]:
    """The same, counted from the assignments of accounts their partner holds."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        AccountAssignment.objects.filter(account__partner_id=F("partner_id"))
        .values_list("member_id", "account__partnership_kind")
        .order_by()
    )
    for member_id, kind in rows.iterator(chunk_size=10_000):
        if kind in KINDS:
            out[(member_id, kind)] += 1
    return dict(out)


def _wrong(before: dict, after: dict) -> int:
    return sum(1 for key in set(before) | set(after) if before.get(key) != after.get(key))


@transaction.atomic
def member_recount() -> int:
    """Rebuild the members' counters from the assignments and the accounts; returns how many
    (member, kind) figures were wrong before. One statement per engine."""
    wrong = member_counted()
    table = _table(MemberAccountCount)
    assignments = connection.ops.quote_name(AccountAssignment._meta.db_table)
    accounts = connection.ops.quote_name(ClientAccount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (member_id, slot, referred, managed) "  # noqa: S608
            f"SELECT a.member_id, a.account_id %% {SLOTS}, "
            "SUM(CASE WHEN c.partnership_kind = %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN c.partnership_kind = %s THEN 1 ELSE 0 END) "
            f"FROM {assignments} a JOIN {accounts} c "
            "ON c.id = a.account_id AND c.partner_id = a.partner_id "
            f"GROUP BY a.member_id, a.account_id %% {SLOTS}",
            [PartnershipKind.REFERRED, PartnershipKind.MANAGED],
        )
    return _wrong(wrong, member_counted())


@transaction.atomic
def recount() -> int:
    """Rebuild every counter, the partners' from the accounts and the members' from their
    assignments (``member_recount``); returns how many (partner or member, kind) figures were
    wrong before. Each table is counted in one statement per engine."""
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
    return _wrong(wrong, counted()) + member_recount()
