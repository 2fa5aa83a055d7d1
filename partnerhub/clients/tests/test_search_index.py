"""The account search's substring index finds exactly the rows the plain scan finds.

The scan (``icontains`` on the three names) defines a match; the index (FTS5 trigram on
SQLite, pg_trgm on PostgreSQL) only finds them faster. These tests compare the two over names
with accents, mixed case, ``%``, ``_`` and quotes, and check that the index follows every
write: created, renamed, moved out of the partnership, deleted.
"""

import re

import pytest
from django.db import connection, transaction

from partnerhub.clients.models import ClientAccount
from partnerhub.clients.search import FTS_TABLE, scan_filter, search_filter, uses_index
from partnerhub.clients.selectors import (
    SORTS,
    AccountListQuery,
    filtered_partner_accounts,
    partner_accounts_count,
    partner_accounts_page,
    total_with_page,
)
from partnerhub.tests.factories import AccountFactory, PartnerFactory, credited_account

NAMES = [
    ("Café Élan Bakery", "José Núñez", "cafeelan01"),
    ("CAFE ELAN Roasters", "Zoë Smith", "cafeelan02"),
    ("café élan studio", "Åsa Öberg", "cafeelan03"),
    ("100% Organic Farms", "Ann O'Neil", "organic_100"),
    ("100 Percent Farms", "Ann Oneil", "organic100"),
    ("Under_Score Media", 'Bob "Quotes" Lee', "under_score"),
    ("Underscore Media", "Bob Quotes Lee", "underscore"),
    ("Harbor Plumbing", "Harbor Smith", "harborplumb"),
    ("Safe Harbour Dental", "Ingrid Harbor", "safeharbour"),
    ("Straße Bau GmbH", "Jürgen Groß", "strassebau"),
    ("STRASSE Logistics", "Jurgen Gross", "strasselog"),
    ("ÉCOLE Dance", "Élodie Martin", "ecoledance"),
]
TERMS = [
    "café",
    "CAFÉ",
    "Café Élan",
    "élan",
    "ÉLAN",
    "elan",
    "cafe",
    "100%",
    "0% O",
    "%",
    "%%",
    "_",
    "r_s",
    "under_",
    "_score",
    "harbor",
    "HARBOR",
    "harb",
    "ar",
    "a",
    "o'n",
    '"quotes"',
    'b "q',
    "straße",
    "STRASSE",
    "groß",
    "école",
    "ÉCOLE",
    "ümlaut",
    "élodie martin",
    "n01",
]


@pytest.fixture
def partner(db):
    partner = PartnerFactory()
    for organization, owner, login in NAMES:
        credited_account(
            partner, organization_name=organization, owner_name=owner, login_name=login
        )
    # Another partner's twins: never in this partner's results.
    other = PartnerFactory()
    credited_account(
        other, organization_name="Café Élan Bakery", owner_name="X", login_name="otherelan"
    )
    return partner


def _indexed(partner_id: int, term: str) -> list[int]:
    qs = search_filter(
        ClientAccount.objects.filter(partner_id=partner_id), term, partner_id=partner_id
    )
    return sorted(qs.values_list("id", flat=True))


def _scanned(partner_id: int, term: str) -> list[int]:
    qs = ClientAccount.objects.filter(partner_id=partner_id).filter(scan_filter(term))
    return sorted(qs.values_list("id", flat=True))


@pytest.mark.parametrize("term", TERMS)
def test_the_index_finds_the_rows_the_scan_finds(partner, term):
    assert _indexed(partner.pk, term) == _scanned(partner.pk, term)


def test_the_terms_reach_the_index_and_find_something(partner):
    # The comparison above means something only if the index path is taken and matches rows.
    indexed_terms = [t for t in TERMS if uses_index(t)]
    assert len(indexed_terms) > 20
    assert sum(1 for t in indexed_terms if _indexed(partner.pk, t)) > 15


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("harbor", {"Harbor Plumbing", "Safe Harbour Dental"}),  # the owner is Ingrid Harbor
        ("100%", {"100% Organic Farms"}),
        ("under_", {"Under_Score Media"}),
        ("e_s", set()),  # "_" is a character, not a wildcard ("Underscore" has "ers")
        ("0% O", {"100% Organic Farms"}),
    ],
)
def test_percent_and_underscore_are_plain_characters(partner, term, expected):
    found = ClientAccount.objects.filter(pk__in=_indexed(partner.pk, term))
    assert set(found.values_list("organization_name", flat=True)) == expected


def test_case_is_ignored_as_the_scan_ignores_it(partner):
    names = set(
        ClientAccount.objects.filter(pk__in=_indexed(partner.pk, "CAFE")).values_list(
            "organization_name", flat=True
        )
    )
    assert "CAFE ELAN Roasters" in names


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_candidates_come_from_the_trigram_table(partner):
    qs = search_filter(ClientAccount.objects.filter(partner_id=partner.pk), "harbor")
    assert FTS_TABLE in str(qs.query)
    short = search_filter(ClientAccount.objects.filter(partner_id=partner.pk), "ha")
    assert FTS_TABLE not in str(short.query)


def _page_names(partner, term):
    page = partner_accounts_page(partner_id=partner.pk, query=AccountListQuery(search=term))
    return [a.organization_name for a in page.rows]


def test_the_index_follows_renames_and_deletes(partner):
    account = ClientAccount.objects.get(partner=partner, login_name="harborplumb")
    assert "Harbor Plumbing" in _page_names(partner, "plumbing")
    ClientAccount.objects.filter(pk=account.pk).update(organization_name="Seaside Pipes")
    assert _page_names(partner, "plumbing") == []
    assert _page_names(partner, "seaside") == ["Seaside Pipes"]
    account.refresh_from_db()
    account.owner_name = "Quentin Zebulon"
    account.save()
    assert _page_names(partner, "zebulon") == ["Seaside Pipes"]


def _everywhere(term: str) -> list[str]:
    qs = search_filter(ClientAccount.objects.all(), term)
    return sorted(qs.values_list("login_name", flat=True))


def test_the_index_forgets_a_deleted_account(db):
    account = AccountFactory(organization_name="Lighthouse Kites", login_name="lightkites")
    assert _everywhere("thouse ki") == ["lightkites"]
    account.delete()
    assert _everywhere("thouse ki") == []


def test_a_new_account_is_found_at_once(partner):
    credited_account(
        partner, organization_name="Quayside Kites", owner_name="Nia", login_name="quaykites"
    )
    assert _page_names(partner, "yside k") == ["Quayside Kites"]


def test_accounts_outside_the_partnership_are_not_found(partner):
    AccountFactory(organization_name="Harbor Outside", owner_name="N", login_name="harborout")
    assert "Harbor Outside" not in _page_names(partner, "harbor")


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_trigram_table_passes_its_integrity_check(partner):
    ClientAccount.objects.filter(login_name="cafeelan01").update(login_name="renamed01")
    AccountFactory(organization_name="Short Lived", login_name="shortlived").delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{FTS_TABLE}"("{FTS_TABLE}", rank) VALUES (\'integrity-check\', 1)'
        )


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_has_the_trigram_indexes(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'clients_clientaccount' "
            "AND indexname LIKE %s",
            ["acct_trgm_%"],
        )
        found = dict(cursor.fetchall())
    assert set(found) == {"acct_trgm_organization", "acct_trgm_owner", "acct_trgm_login"}
    assert all("gin (partner_id, upper(" in d and "gin_trgm_ops" in d for d in found.values())


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_reads_a_partners_matches_from_the_trigram_indexes_alone(partner):
    # The partner is compared as a bigint, which the indexes' partner column (btree_gin)
    # serves; compared as an integer it could only be filtered row by row. With the other
    # indexes on the partner out of the way (dropped, then rolled back) and no scan of the
    # table allowed, the plan shows what the trigram indexes take.
    query = AccountListQuery(search="harbor")
    qs = filtered_partner_accounts(partner_id=partner.pk, query=query, fence=False).order_by()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'clients_clientaccount' "
            "AND indexdef LIKE %s AND indexname NOT LIKE %s",
            ["%(partner_id%", "acct_trgm_%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
        transaction.set_rollback(True)
    # On a handful of rows the planner may take one index for the partner and filter the
    # rest; what matters is that a trigram index can take the partner at all.
    conditions = re.findall(r"Bitmap Index Scan on (acct_trgm_\w+).*\n\s+Index Cond: (.*)", plan)
    assert conditions, plan
    assert all(f"partner_id = '{partner.pk}'::bigint" in c for _, c in conditions), plan
    assert "Filter: (partner_id" not in plan
    assert sorted(qs.values_list("id", flat=True)) == _scanned(partner.pk, "harbor")


def test_an_account_moved_to_another_partner_is_found_by_that_partner_only(partner):
    account = ClientAccount.objects.get(partner=partner, login_name="harborplumb")
    other = PartnerFactory()
    assert account.pk in _indexed(partner.pk, "plumbing")
    ClientAccount.objects.filter(pk=account.pk).update(partner=other)
    assert account.pk not in _indexed(partner.pk, "plumbing")
    assert _indexed(other.pk, "plumbing") == [account.pk]
    ClientAccount.objects.filter(pk=account.pk).update(
        partner=None, partnership_kind="", partnered_on=None
    )
    assert _indexed(other.pk, "plumbing") == []
    assert account.pk in [a.pk for a in search_filter(ClientAccount.objects.all(), "plumbing")]


def test_partner_keys_differ_and_match_the_triggers(db):
    from partnerhub.clients.search import partner_key

    ids = [1, 2, 19_999, 20_000, 20_001, 399_999_999, 400_000_000, 7_999_999_999_999]
    assert len({partner_key(i) for i in ids}) == len(ids)
    assert all(len(partner_key(i)) == 3 for i in ids)
    if connection.vendor == "sqlite":
        for pk in ids:
            account = credited_account(PartnerFactory(pk=pk))
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT partner FROM "{FTS_TABLE}" WHERE rowid = %s', [account.pk])
                assert cursor.fetchone()[0] == partner_key(pk)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_reads_the_matches_in_a_subquery_of_their_own(partner):
    # A LIMIT keeps the planner from walking the sort's index past most of the partner's rows.
    qs = search_filter(ClientAccount.objects.filter(partner_id=partner.pk), "harbor")
    sql = str(qs.query)
    assert "IN (SELECT" in sql and "LIMIT" in sql.split("IN (SELECT", 1)[1]
    assert sorted(qs.values_list("id", flat=True)) == _scanned(partner.pk, "harbor")


@pytest.mark.parametrize("sort", [s for s, (_, nullable) in SORTS.items() if not nullable])
@pytest.mark.parametrize("descending", [False, True])
def test_a_searchs_first_page_with_its_total_holds_the_rows_of_the_plain_page(
    partner, sort, descending
):
    # The first page and its total come from one statement of its own (the matches read once,
    # then the page's rows); they must be the rows, order, cursors and count of the plain page.
    for n in range(3):  # rows equal in every other sorted column: only their ids order them
        credited_account(
            partner, organization_name="Harbor Twins", owner_name="Twin", login_name=f"twin{n}"
        )
    for term in ("harbor", "élan", "100%", "win"):
        query = AccountListQuery(search=term, sort=sort, descending=descending, size=2)
        assert total_with_page(query)
        both = partner_accounts_page(
            partner_id=partner.pk, query=query, numbered=True, with_pending=True, with_total=True
        )
        plain = partner_accounts_page(
            partner_id=partner.pk, query=query, numbered=True, with_pending=True
        )
        assert both.total == partner_accounts_count(partner_id=partner.pk, query=query) > 0
        assert [{k: v for k, v in r.items() if k != "view_total"} for r in both.rows] == plain.rows
        assert (both.next_cursor, both.prev_cursor, both.start) == (
            plain.next_cursor,
            plain.prev_cursor,
            plain.start,
        )


def test_a_searchs_first_page_with_no_match_has_a_total_of_nothing(partner):
    query = AccountListQuery(search="zzzqqq")
    page = partner_accounts_page(
        partner_id=partner.pk, query=query, numbered=True, with_pending=True, with_total=True
    )
    assert (page.rows, page.total, page.next_cursor) == ([], 0, None)
