"""The worker's sweeps: act on every row whose time has come, one transaction per row."""

from collections.abc import Callable
from typing import TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


def each_due(
    due: QuerySet, handle: Callable[[int], T | None], *, limit: int | None = None
) -> list[T]:
    """``handle`` the id of each row of ``due`` (at most ``limit``), read once before the first
    is handled. ``handle`` is one transaction of its own that locks the row and checks again
    that it is still due, answering None when it no longer is; returns what it changed."""
    ids = due.values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit]
    changed = []
    for pk in list(ids):
        result = handle(pk)
        if result is not None:
            changed.append(result)
    return changed
