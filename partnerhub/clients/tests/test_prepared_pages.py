"""*My accounts* and the APIs read pages through statements built once per shape
(``core.prepared``): every sort, direction, filter and cursor gives the same rows, values and
cursors as building the queryset each time, and the statements are kept where they should be."""

import dataclasses
import datetime as dt
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


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {statement for (statement,) in cursor.fetchall()}


@postgres_only
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
    first = {s for s in new if '"clients_clientaccount"."partner_id" = $' in s}
    later = new - first
    if planned_once:
        # First pages: one statement for every partner, without a boundary.
        assert first
        assert not any(re.search(r"[<>]=? \$\d", statement) for statement in first), first
        # Later pages: planned knowing the partner, written into the statement; the
        # boundary is a parameter.
        assert later
        assert all(
            f'"clients_clientaccount"."partner_id" = {partner.pk} ' in statement
            and re.search(r"[<>]=? \$\d", statement)
            for statement in later
        ), later


@pytest.mark.parametrize("sort", ["moved", "last_login"])
def test_a_page_link_carries_its_boundary_as_the_columns_own_value(partner, sort):  # noqa: F811
    first = partner_accounts_page(
        partner_id=partner.pk, query=AccountListQuery(sort=sort, size=1), as_values=True
    )
    query = parse_account_list_query({"sort": sort, "size": "1", "cursor": first.next_cursor})

    column = {"moved": "partnered_on", "last_login": "last_login_at"}[sort]
    assert query.cursor.value == first.rows[0][column]
    assert type(query.cursor.value) is type(first.rows[0][column])


def _plan(sql: str, params: list) -> str:
    """The generic plan PostgreSQL makes of ``sql`` prepared, for ``params``."""
    numbered = iter(range(1, len(params) + 1))
    text = re.sub(r"%s", lambda _m: f"${next(numbered)}", sql).replace("%%", "%")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("DEALLOCATE ALL")
        cursor.execute(f"PREPARE planned AS {text}")
        cursor.execute(f"EXPLAIN EXECUTE planned({', '.join(['%s'] * len(params))})", params)
        plan = "\n".join(row for (row,) in cursor.fetchall())
        cursor.execute("DEALLOCATE planned")
    return plan


@postgres_only
@pytest.mark.parametrize("sort", ["organization", "owner", "last_login"])
def test_a_later_page_of_a_large_partner_among_small_ones_walks_its_index(monkeypatch, sort):
    """Where partners average a handful of accounts, a boundary planned without its value
    is guessed to leave fewer rows than a page: planned without the partner too, the page
    reads all of a large partner's rows after the boundary and sorts them. Planned knowing
    the partner, it walks the partner's index from the boundary."""
    from partnerhub.clients.models import ClientAccount
    from partnerhub.tests.factories import AccountFactory, PartnerFactory

    large = PartnerFactory(name="Large Agency")
    small = PartnerFactory.create_batch(150)
    signed = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)
    accounts = [(large, f"large{i:04d}", i) for i in range(600)]
    accounts += [(p, f"small{p.pk}-{i}", p.pk + i) for p in small for i in range(2)]
    ClientAccount.objects.bulk_create(
        AccountFactory.build(
            partner=p,
            partnership_kind="referred",
            partnered_on=dt.date(2025, 3, 1),
            owner=None,
            organization_name=f"Client {login}",
            owner_name=f"Owner {login}",
            login_name=login,
            contact_email=f"{login}@client.test",
            signed_up_at=signed,
            # Spread over three weeks, in an order of their own (as the same data every run).
            last_login_at=signed + dt.timedelta(hours=n * 7 % 500),
        )
        for p, login, n in accounts
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_clientaccount")

    written = []
    knowing = prepared._Statement.knowing

    def spy(statement, values, known, params):
        out = knowing(statement, values, known, params)
        written.append((statement.sql, list(params), *out))
        return out

    monkeypatch.setattr(prepared._Statement, "knowing", spy)
    query = AccountListQuery(sort=sort, size=25)
    first = partner_accounts_page(partner_id=large.pk, query=query, with_pending=True)
    # As a page link brings it: the boundary in the column's own type.
    later = parse_account_list_query({"sort": sort, "size": "25", "cursor": first.next_cursor})
    second = partner_accounts_page(partner_id=large.pk, query=later, with_pending=True)
    assert len(second.rows) == 25
    assert written, "the later page was not planned knowing its partner"
    kept_sql, kept_params, sql, params = written[-1]
    assert f'"partner_id" = {large.pk} ' in sql

    knowing_plan = _plan(sql, params)
    assert "Sort" not in knowing_plan, knowing_plan
    assert "Index Scan" in knowing_plan, knowing_plan
    # The same statement with the partner as a parameter sorts: the data shows the hazard.
    assert "Sort" in _plan(kept_sql, kept_params)
