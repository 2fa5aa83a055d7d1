"""The header's counts, read in one written-out statement, say what the ORM reads say."""

import pytest
from django.utils import timezone

from partnerhub.notices.models import Notice, NoticeKind
from partnerhub.notices.selectors import unread_count
from partnerhub.portal.context_processors import header_counts
from partnerhub.portal.customers import customer_accounts
from partnerhub.tests.factories import AccountFactory, UserFactory
from partnerhub.v3.models import AccountUser, AccountUserRole

pytestmark = pytest.mark.django_db


def _added(account, user, n: int) -> None:
    AccountUser.objects.create(
        account=account,
        user=user,
        role=AccountUserRole.CAMPAIGN_CREATOR,
        login_name=f"added{n}",
        external_id=f"ext-{n}",
        external_provider="test",
    )


def _notice(user, n: int, *, read: bool) -> None:
    now = timezone.now()
    Notice.objects.create(
        user=user,
        kind=NoticeKind.values[0],
        title=f"Notice {n}",
        url="/",
        source_key=f"test:{n}",
        created_at=now,
        read_at=now if read else None,
    )


def test_owned_added_and_unread_are_counted_once_each():
    # Given someone who owns two accounts, was added to a third and to one they own, and has
    # two unread notices of three; and someone else's account and notice
    person, other = UserFactory(), UserFactory()
    owned = [AccountFactory(owner=person), AccountFactory(owner=person)]
    third = AccountFactory(owner=other)
    ownerless = AccountFactory(owner=None)
    _added(third, person, 1)
    _added(owned[0], person, 2)
    _added(ownerless, person, 3)
    AccountFactory(owner=other)
    _notice(person, 1, read=False)
    _notice(person, 2, read=False)
    _notice(person, 3, read=True)
    _notice(other, 4, read=False)

    # Then the header counts each account once, and only the person's unread notices
    assert header_counts(person) == (4, 2)
    assert header_counts(person) == (customer_accounts(person).count(), unread_count(user=person))
    assert header_counts(other) == (
        customer_accounts(other).count(),
        unread_count(user=other),
    )


def test_nobody_has_nothing():
    person = UserFactory()
    assert header_counts(person) == (0, 0)
