"""*My accounts* and the APIs read pages through statements built once per shape
(``core.prepared``): every sort, direction, filter and cursor gives the same rows, values and
cursors as building the queryset each time, and the statements are kept where they should be."""

import dataclasses
import re

import pytest
from django.db import connection

from partnerhub.access.models import AccessLevel
from partnerhub.clients.selectors import (
    AccountListQuery,
    parse_account_list_query,
    partner_accounts_page,
)
from partnerhub.clients.tests.test_selectors import ORDERS, letters_of_values, partner  # noqa: F401
from partnerhub.core import prepared
from partnerhub.core.keyset import Cursor

pytestmark = pytest.mark.django_db


def _pages(partner, query: AccountListQuery, *, with_pending: bool) -> list:  # noqa: F811
    """Every page forward, then every page back from the last: (rows, next, prev) each."""

    def read(q):
        return partner_accounts_page(
            partner_id=partner.pk, query=q, with_pending=with_pending, as_values=True
        )

    seen = [read(query)]
    while seen[-1].next_cursor and len(seen) < 12:
        seen.append(read(dataclasses.replace(query, cursor=Cursor.decode(seen[-1].next_cursor))))
    back = seen[-1]
    while back.prev_cursor and len(seen) < 24:
        back = read(dataclasses.replace(query, cursor=Cursor.decode(back.prev_cursor)))
        seen.append(back)
    return [(p.rows, p.next_cursor, p.prev_cursor) for p in seen]


def _built_each_time(monkeypatch):
    monkeypatch.setattr(prepared, "_prepare", lambda build, values: None)
    prepared.forget()


QUERIES = [
    *(AccountListQuery(sort=sort, descending=descending, size=2) for sort, descending in ORDERS),
    AccountListQuery(kind="referred", sort="moved", size=2),
    AccountListQuery(kind="managed", size=1, descending=True),
    AccountListQuery(status="active", sort="contacts", size=2),
    AccountListQuery(level=AccessLevel.FULL, size=1),
    AccountListQuery(sort="last_login", size=1),
    AccountListQuery(sort="last_login", descending=True, size=3),
]


@pytest.mark.parametrize("with_pending", [False, True])
@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_pages_read_through_kept_statements_equal_pages_built_each_time(
    partner,  # noqa: F811
    monkeypatch,
    query,
    with_pending,
):
    kept = [_pages(partner, query, with_pending=with_pending) for _ in range(2)]
    _built_each_time(monkeypatch)
    built = _pages(partner, query, with_pending=with_pending)

    assert kept[0] == built
    assert kept[1] == built  # the second walk ran every statement from what was kept


def test_the_first_page_by_name_is_kept_and_runs_without_building(partner, monkeypatch):  # noqa: F811
    query = AccountListQuery(size=2)
    first = partner_accounts_page(partner_id=partner.pk, query=query, as_values=True)
    assert any(s is not prepared._UNKEPT for s in prepared._kept.values())

    from partnerhub.clients import selectors

    def refuse(**kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(selectors, "filtered_partner_accounts", refuse)
    again = partner_accounts_page(partner_id=partner.pk, query=query, as_values=True)
    assert again.rows == first.rows
    assert letters_of_values(again.rows) == "AB"


def test_a_search_a_member_or_a_group_is_built_each_time(partner):  # noqa: F811
    for query in (
        AccountListQuery(search="bakery"),
        AccountListQuery(visible_to=123456),
        AccountListQuery(group="none"),
    ):
        partner_accounts_page(partner_id=partner.pk, query=query, as_values=True)
    assert prepared._kept == {}


def _prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {statement for (statement,) in cursor.fetchall()}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
@pytest.mark.parametrize(
    "query, planned_once",
    [
        (AccountListQuery(size=2), True),
        (AccountListQuery(sort="owner", descending=True, size=2), True),
        (AccountListQuery(sort="last_login", size=1), True),
        (AccountListQuery(kind="referred", size=2), True),
        # A filter the sort's index does not lead with: planned with its values each time
        (AccountListQuery(kind="referred", sort="owner", size=2), False),
        (AccountListQuery(status="active", size=2), False),
        (AccountListQuery(level=AccessLevel.FULL, size=1), False),
    ],
    ids=repr,
)
def test_only_pages_that_walk_an_index_leading_with_every_filter_are_planned_once(
    partner,  # noqa: F811
    query,
    planned_once,
):
    before = _prepared_statements()
    pages = [_pages(partner, query, with_pending=True) for _ in range(2)]
    new = _prepared_statements() - before

    assert pages[0] == pages[1]
    assert bool(new) == planned_once
    assert all('"clients_clientaccount"."partner_id" = $' in statement for statement in new)
    # Only first pages: a later page's boundary (a range, planned without its value) is
    # bound on the client and planned with it.
    assert not any(re.search(r"[<>]=? \$\d", statement) for statement in new), new


@pytest.mark.parametrize("sort", ["moved", "last_login"])
def test_a_page_link_carries_its_boundary_as_the_columns_own_value(partner, sort):  # noqa: F811
    first = partner_accounts_page(
        partner_id=partner.pk, query=AccountListQuery(sort=sort, size=1), as_values=True
    )
    query = parse_account_list_query({"sort": sort, "size": "1", "cursor": first.next_cursor})

    column = {"moved": "partnered_on", "last_login": "last_login_at"}[sort]
    assert query.cursor.value == first.rows[0][column]
    assert type(query.cursor.value) is type(first.rows[0][column])
