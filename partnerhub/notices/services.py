"""Writing notices and marking them read.

``notice_create`` is called beside the e-mails, in the transaction of the change it tells
about: the notice exists exactly when the change does. It is idempotent per person and event.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from partnerhub.core.errors import NotFound
from partnerhub.core.locks import lock_one
from partnerhub.notices.models import Notice, NoticeKind


def notice_create(
    *,
    user_ids: Iterable[int],
    kind: NoticeKind,
    title: str,
    url: str,
    source_key: str,
    at: dt.datetime | None = None,
) -> int:
    """Tell each of ``user_ids`` (once: a repeat of the same event for a person is ignored).
    Returns how many people were given the notice."""
    ids = sorted({uid for uid in user_ids if uid is not None})
    if not ids:
        return 0
    at = at or timezone.now()
    title = title[:300]
    Notice.objects.bulk_create(
        [
            Notice(
                user_id=uid, kind=kind, title=title, url=url, source_key=source_key, created_at=at
            )
            for uid in ids
        ],
        ignore_conflicts=True,
    )
    return len(ids)


@dataclass(frozen=True)
class NoticeDraft:
    """One event's notice among many written by ``notices_create_many``."""

    user_ids: Iterable[int]
    kind: NoticeKind
    title: str
    url: str
    source_key: str
    at: dt.datetime | None = None


def notices_create_many(drafts: Iterable[NoticeDraft]) -> int:
    """``notice_create`` for many events at once (a bulk request), in one insert. Returns how
    many notices were given."""
    now = timezone.now()
    rows = [
        Notice(
            user_id=uid,
            kind=d.kind,
            title=d.title[:300],
            url=d.url,
            source_key=d.source_key,
            created_at=d.at or now,
        )
        for d in drafts
        for uid in sorted({uid for uid in d.user_ids if uid is not None})
    ]
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def notice_open(*, actor, notice_id: int) -> Notice:
    """The reader opens a notice: it is read from now on. Another person's notice is not found."""
    try:
        notice = lock_one(Notice.objects.all(), pk=notice_id, user_id=getattr(actor, "pk", None))
    except Notice.DoesNotExist:
        raise NotFound("no such notice") from None
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def notices_mark_all_read(*, actor) -> int:
    """Every unread notice of the reader is read; returns how many changed."""
    return Notice.objects.filter(user_id=getattr(actor, "pk", None), read_at__isnull=True).update(
        read_at=timezone.now()
    )
