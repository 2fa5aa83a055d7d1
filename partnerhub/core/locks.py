"""Row locks for services that perform a transition.

On PostgreSQL ``select_for_update`` takes a row lock. SQLite has no row locks, but every
transaction there is IMMEDIATE (see settings), so the first write lock is taken when the
transaction begins and concurrent writers queue one after another: the same guarantee.
"""

from typing import TypeVar

from django.db import OperationalError, models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def lock_one(queryset: models.QuerySet[M], **lookup) -> M:
    """Fetch one row and hold its lock until the surrounding transaction ends.

    Only the row itself is locked (``FOR NO KEY UPDATE OF`` its own table): rows joined in
    with ``select_related`` are read, not locked, so two accounts of one partner never wait for
    each other on the partner's row. A service that must serialise on a parent row locks that
    row itself. No service changes a primary key, so the lock leaves other transactions free
    to insert rows that refer to the locked one (their foreign-key check takes a key-share
    lock): a service holding a partner or a member never waits on a change that writes a row
    naming them, and that change never waits on it (see ``partnerships.counters``).
    """
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_one() must run inside transaction.atomic()")
    return queryset.select_for_update(of=("self",), no_key=True).get(**lookup)


class LockBusy(Exception):
    """The lock is held by another run (only raised when asked not to wait)."""


def lock_named(name: str, *, wait: bool = True) -> None:
    """Hold the lock called ``name`` until the surrounding transaction ends: one run at a time of
    the work it names, across processes. With ``wait=False``, raise ``LockBusy`` at once when
    another run holds it (PostgreSQL; on SQLite the IMMEDIATE transaction already waited for
    the database's one write lock when it began). The row is created on first use; create it
    in a migration where a run must be refused at once from the start (a run inserting the row
    waits for another that inserted it, instead of being refused)."""
    from partnerhub.core.models import NamedLock

    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("lock_named() must run inside transaction.atomic()")
    NamedLock.objects.get_or_create(name=name)
    try:
        NamedLock.objects.select_for_update(nowait=not wait, of=("self",)).get(name=name)
    except OperationalError as exc:
        if wait:
            raise
        raise LockBusy(name) from exc
    NamedLock.objects.filter(name=name).update(taken_at=timezone.now())
