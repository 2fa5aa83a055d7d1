"""A member's accounts in name order are read along their assignments: each assignment keeps a
copy of its account's name, written by the database (migration ``partners/0008``), and the
pages read that way hold exactly the rows, in exactly the order, that the accounts give."""

import dataclasses

import pytest
from django.db import connection

from partnerhub.clients import selectors as accounts
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.keyset import Cursor
from partnerhub.partners.models import AccountAssignment
from partnerhub.partners.services import accounts_assign
from partnerhub.partnerships.models import Partnership
from partnerhub.partnerships.services import partnership_end
from partnerhub.tests.factories import credited_account
from partnerhub.tests.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


def copies(member_id: int) -> dict[int, str]:
    return dict(
        AccountAssignment.objects.filter(member_id=member_id).values_list(
            "account_id", "organization_name"
        )
    )


def names(member_id: int) -> dict[int, str]:
    return dict(
        ClientAccount.objects.filter(assignments__member_id=member_id).values_list(
            "id", "organization_name"
        )
    )


def test_every_way_of_writing_a_name_keeps_the_assignments_copy(world):
    """Given accounts assigned to a member, when their names change by a model save, a
    queryset update and a bulk update, then each assignment's copy is the account's name; an
    assignment written with any other name, or moved to another account, gets the account's."""
    accounts_assign(
        actor=world.owner.user,
        member_id=world.member.pk,
        account_ids=[world.account.pk, world.managed_account.pk],
    )
    assert copies(world.member.pk) == names(world.member.pk)
    assert set(copies(world.member.pk).values()) == {"Blue Bakery", "Green Garden"}

    world.account.organization_name = "Blue Bakery & Café"
    world.account.save()
    ClientAccount.objects.filter(pk=world.managed_account.pk).update(organization_name="Verde")
    assert copies(world.member.pk) == names(world.member.pk)

    both = list(ClientAccount.objects.filter(assignments__member_id=world.member.pk))
    for account in both:
        account.organization_name = f"{account.organization_name} (renamed)"
    ClientAccount.objects.bulk_update(both, ["organization_name"])
    assert copies(world.member.pk) == names(world.member.pk)

    AccountAssignment.objects.filter(member_id=world.member.pk).update(organization_name="forged")
    assert copies(world.member.pk) == names(world.member.pk)

    extra = credited_account(world.partner, organization_name="Acme Tools")
    AccountAssignment.objects.filter(account=world.account).update(account=extra)
    assert copies(world.member.pk)[extra.pk] == "Acme Tools"


def _member_with_accounts(world) -> list[ClientAccount]:
    """A member assigned 14 of the partner's 20 accounts, names repeating (the order's
    ties are broken by id), some managed."""
    made = [
        credited_account(
            world.partner,
            organization_name=f"Shop {n % 5}",
            kind=PartnershipKind.MANAGED if n % 3 == 0 else PartnershipKind.REFERRED,
        )
        for n in range(18)
    ]
    mine = [a for n, a in enumerate(made) if n % 4 != 1] + [world.account]
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[a.pk for a in mine]
    )
    return mine


def _pages(query, partner_id) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = accounts.partner_accounts_page(
            partner_id=partner_id,
            query=dataclasses.replace(query, cursor=cursor),
            numbered=True,
            as_values=True,
        )
        pages.append([r["id"] for r in page.rows])
        if page.next_cursor is None:
            return pages
        cursor = Cursor.decode(page.next_cursor)


@pytest.mark.parametrize("descending", [False, True], ids=["A to Z", "Z to A"])
@pytest.mark.parametrize("kind", ["", "referred"], ids=["every type", "referred"])
@pytest.mark.parametrize("bound", ["visible_to", "assigned_to"])
def test_a_members_pages_in_name_order_are_the_accounts_own_order(world, descending, kind, bound):
    """Given a member's 14 accounts, when their pages are read forward by cursor, by number,
    backward from the last one and in one pass, then each holds exactly the rows that
    sorting the accounts themselves by name and id gives, and the total agrees."""
    mine = _member_with_accounts(world)
    expected = sorted(
        (a for a in mine if not kind or a.partnership_kind == kind),
        key=lambda a: (a.organization_name, a.pk),
        reverse=descending,
    )
    expected_ids = [a.pk for a in expected]
    query = dataclasses.replace(
        accounts.AccountListQuery(kind=kind, descending=descending, size=3),
        **{bound: world.member.pk},
    )
    assert accounts.keyset_columns(query) is not None  # read along the assignments

    pages = _pages(query, world.partner.pk)
    assert [i for page in pages for i in page] == expected_ids

    for number in range(1, len(pages) + 1):
        page = accounts.partner_accounts_page(
            partner_id=world.partner.pk,
            query=dataclasses.replace(query, page=number),
            numbered=True,
            as_values=True,
        )
        want = expected_ids[(number - 1) * 3 : number * 3]
        assert [r["id"] for r in page.rows] == want, number

    last = accounts.partner_accounts_page(
        partner_id=world.partner.pk,
        query=dataclasses.replace(query, page=len(pages)),
        numbered=True,
        as_values=True,
    )
    back, cursor = [], last.prev_cursor
    while cursor:
        page = accounts.partner_accounts_page(
            partner_id=world.partner.pk,
            query=dataclasses.replace(query, cursor=Cursor.decode(cursor)),
            numbered=True,
            as_values=True,
        )
        back = [r["id"] for r in page.rows] + back
        cursor = page.prev_cursor
    assert back + [r["id"] for r in last.rows] == expected_ids

    every = accounts.partner_accounts_iter(partner_id=world.partner.pk, query=query, chunk_size=4)
    assert [a.pk for a in every] == expected_ids
    assert accounts.partner_accounts_count(partner_id=world.partner.pk, query=query) == len(
        expected
    )


def test_an_account_that_left_the_partnership_is_on_no_page_of_its_member(world):
    """Given a member's accounts, when one of them leaves the partnership, then it is on none
    of the member's pages, and numbered pages still start where the accounts say."""
    mine = _member_with_accounts(world)
    gone = mine[0]
    partnership_end(partnership=Partnership.objects.get(account=gone, ended_at__isnull=True))
    query = accounts.AccountListQuery(size=3, visible_to=world.member.pk)
    expected = [
        a.pk for a in sorted(mine, key=lambda a: (a.organization_name, a.pk)) if a.pk != gone.pk
    ]

    assert [i for page in _pages(query, world.partner.pk) for i in page] == expected
    second = accounts.partner_accounts_page(
        partner_id=world.partner.pk,
        query=dataclasses.replace(query, page=2),
        numbered=True,
        as_values=True,
    )
    assert [r["id"] for r in second.rows] == expected[3:6]


def test_the_member_page_reads_the_assignments_index_in_order(world):
    """The statement of a member's first page walks their assignments in name order (no
    sort of all their accounts): the plan names the index and, on SQLite, no temporary sort."""
    _member_with_accounts(world)
    query = accounts.AccountListQuery(visible_to=world.member.pk)
    qs = accounts.filtered_partner_accounts(partner_id=world.partner.pk, query=query, ordered=True)
    qs = qs.order_by(accounts.ASSIGNED_NAME, accounts.ASSIGNED_ID).values("id")[:26]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "assignment_member_name" in plan
            assert "TEMP B-TREE" not in plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "assignment_member_name" in plan
