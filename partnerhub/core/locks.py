"""Row locks for services that perform a transition.

On PostgreSQL ``select_for_update`` takes a row lock. SQLite has no row locks, but every
transaction there is IMMEDIATE (see settings), so the first write lock is taken when the
transaction begins and concurrent writers queue one after another: the same guarantee.
"""

from typing import TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def lock_one(queryset: models.QuerySet[M], **lookup) -> M:
    """Fetch one row and hold its lock until the surrounding transaction ends."""
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_one() must run inside transaction.atomic()")
    return queryset.select_for_update().get(**lookup)
