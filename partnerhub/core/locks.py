"""Row locks for services that perform a transition.

On PostgreSQL ``select_for_update`` takes a row lock. SQLite has no row locks, but every
transaction there is IMMEDIATE (see settings), so the first write lock is taken when the
transaction begins and concurrent writers queue one after another: the same guarantee.
"""

from typing import TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def lock_one(queryset: models.QuerySet[M], **lookup) -> M:
    """Fetch one row and hold its lock until the surrounding transaction ends.

    Only the row itself is locked (``FOR UPDATE OF`` its own table): rows joined in with
    ``select_related`` are read, not locked, so two accounts of one partner never wait for each
    other on the partner's row. A service that must serialise on a parent row locks that row
    itself.
    """
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_one() must run inside transaction.atomic()")
    return queryset.select_for_update(of=("self",)).get(**lookup)
