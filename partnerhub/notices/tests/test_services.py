"""Reading and marking notices: unread first, only one's own."""

import datetime as dt

import pytest

from partnerhub.core.errors import NotFound
from partnerhub.notices.models import Notice, NoticeKind
from partnerhub.notices.selectors import notices_for, unread_count
from partnerhub.notices.services import notice_create, notice_open, notices_mark_all_read
from partnerhub.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


def tell(user, key: str, hours: int) -> Notice:
    notice_create(
        user_ids=[user.pk],
        kind=NoticeKind.MONTH_CLOSED,
        title=key,
        url="/portal/earnings/",
        source_key=key,
        at=T0 + dt.timedelta(hours=hours),
    )
    return Notice.objects.get(user=user, source_key=key)


def test_unread_come_first_then_newest_first():
    ann = UserFactory(username="ann@example.test")
    tell(ann, "a", 1)
    tell(ann, "b", 2)
    newest = tell(ann, "c", 3)
    notice_open(actor=ann, notice_id=newest.pk)

    assert [n.title for n in notices_for(user=ann)] == ["b", "a", "c"]
    assert unread_count(user=ann) == 2


def test_the_same_event_tells_a_person_once():
    ann = UserFactory(username="ann@example.test")

    tell(ann, "close:1", 1)
    tell(ann, "close:1", 2)

    assert Notice.objects.filter(user=ann).count() == 1


def test_opening_marks_read_once_and_keeps_the_first_moment():
    ann = UserFactory(username="ann@example.test")
    notice = tell(ann, "a", 1)

    first = notice_open(actor=ann, notice_id=notice.pk).read_at
    second = notice_open(actor=ann, notice_id=notice.pk).read_at

    assert first is not None
    assert second == first


def test_one_person_cannot_open_anothers_notice():
    ann, bob = UserFactory(username="ann@example.test"), UserFactory(username="bob@example.test")
    notice = tell(ann, "a", 1)

    with pytest.raises(NotFound):
        notice_open(actor=bob, notice_id=notice.pk)

    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_mark_all_read_touches_only_the_readers_notices():
    ann, bob = UserFactory(username="ann@example.test"), UserFactory(username="bob@example.test")
    tell(ann, "a", 1)
    tell(ann, "b", 2)
    theirs = tell(bob, "a", 1)

    changed = notices_mark_all_read(actor=ann)

    assert changed == 2
    assert (unread_count(user=ann), unread_count(user=bob)) == (0, 1)
    assert Notice.objects.get(pk=theirs.pk).read_at is None
