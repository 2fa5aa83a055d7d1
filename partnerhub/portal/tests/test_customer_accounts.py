"""Who may open customer pages, as the header counts it on every page: the accounts a person
owns and those they are a user of, each once, read by index (never by reading every account of
the program, which the header did on every page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub.portal.customers import customer_account_count, customer_accounts, is_customer
from partnerhub.tests.factories import AccountFactory, UserFactory
from partnerhub.v3.models import AccountUser, AccountUserRole

pytestmark = pytest.mark.django_db


def user_of(account, user, login: str) -> AccountUser:
    return AccountUser.objects.create(
        account=account,
        user=user,
        role=AccountUserRole.CAMPAIGN_CREATOR,
        login_name=login,
        external_id=login,
        external_provider="test",
    )


def test_owned_accounts_and_accounts_one_is_a_user_of_count_once_each():
    # given Ivy, who owns two accounts, is a user of a third, and (oddly) a user of one she owns
    ivy = UserFactory(username="ivy@ivyflowers.test")
    first = AccountFactory(owner=ivy, login_name="ivyflowers")
    AccountFactory(owner=ivy, login_name="ivyflowers2")
    third = AccountFactory(login_name="roseandco")
    AccountFactory(login_name="someoneelse")
    user_of(third, ivy, "ivy.rose")
    user_of(first, ivy, "ivy.self")

    # then the count is the three accounts her customer pages list
    assert customer_account_count(ivy) == customer_accounts(ivy).count() == 3
    assert is_customer(ivy)


def test_someone_with_no_account_is_not_a_customer():
    nobody = UserFactory(username="nobody@partner.test")
    AccountFactory(login_name="notnobodys")

    assert customer_account_count(nobody) == 0
    assert not is_customer(nobody)


def test_the_count_reads_no_account_table_with_an_or():
    ivy = UserFactory(username="ivy@ivyflowers.test")
    AccountFactory(owner=ivy, login_name="ivyflowers")

    with CaptureQueriesContext(connection) as captured:
        customer_account_count(ivy)
        is_customer(ivy)

    assert all(" OR " not in q["sql"] for q in captured.captured_queries)
