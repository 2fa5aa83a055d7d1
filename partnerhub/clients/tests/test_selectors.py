"""*My accounts* reads: search, type and status filters, sorting, keyset pages, bad links."""

import base64
import dataclasses
import datetime as dt
import json

import pytest
from django.http import QueryDict

from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.selectors import (
    AccountListQuery,
    parse_account_list_query,
    partner_account_get,
    partner_account_kind_counts,
    partner_accounts_count,
    partner_accounts_page,
)
from partnerhub.clients.status import AccountStatus, status_of
from partnerhub.core.keyset import Cursor
from partnerhub.tests.factories import AccountFactory, PartnerFactory, credited_account

REFERRED, MANAGED = PartnershipKind.REFERRED, PartnershipKind.MANAGED


def at(day: str, time: str = "09:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}+00:00")


# Five accounts whose columns order differently; ties (B/D on contacts and move date, A/D on
# last login) are broken by id, and B and E never signed in. Created in the order A..E.
ROWS = {
    "A": ("Alpha Bakery", "Zoe Young", "mercury01", 300, at("2026-10-05"), "2025-03-01", REFERRED),
    "B": ("Bravo Books", "Yann Xu", "apollo02", 50, None, "2025-01-15", MANAGED),
    "C": ("Charlie Cafe", "Xena West", "tango03", 1200, at("2026-11-20"), "2025-06-30", REFERRED),
    "D": ("Delta Dental", "Walt Vance", "kilo04", 50, at("2026-10-05"), "2025-01-15", MANAGED),
    "E": ("Echo Events", "Vera Ulm", "delta05", 700, None, "2024-12-01", REFERRED),
}

ORDERS = {
    ("organization", False): "ABCDE",
    ("organization", True): "EDCBA",
    ("owner", False): "EDCBA",
    ("owner", True): "ABCDE",
    ("login", False): "BEDAC",
    ("login", True): "CADEB",
    ("contacts", False): "BDAEC",
    ("contacts", True): "CEADB",
    # never signed in: last, in both directions
    ("last_login", False): "ADCBE",
    ("last_login", True): "CDABE",
    ("moved", False): "EBDAC",
    ("moved", True): "CADBE",
}


@pytest.fixture
def partner(db):
    partner = PartnerFactory(name="Brightwave Agency")
    for org, owner, login, contacts, last_login, moved, kind in ROWS.values():
        credited_account(
            partner,
            kind=kind,
            moved_on=dt.date.fromisoformat(moved),
            organization_name=org,
            owner_name=owner,
            login_name=login,
            contact_count=contacts,
            last_login_at=last_login,
        )
    # Another partner's account and an account in no partnership, both sorting first.
    credited_account(
        PartnerFactory(name="Northstar"), organization_name="Aardvark Ads", login_name="aardvark"
    )
    AccountFactory(organization_name="Aaron Apps", login_name="aaronapps")
    return partner


def letters(rows) -> str:
    by_org = {values[0]: letter for letter, values in ROWS.items()}
    return "".join(by_org[row.organization_name] for row in rows)


def letters_of_values(rows) -> str:
    by_org = {values[0]: letter for letter, values in ROWS.items()}
    return "".join(by_org[row["organization_name"]] for row in rows)


def page(partner, **fields):
    return partner_accounts_page(partner_id=partner.pk, query=AccountListQuery(**fields))


def follow(partner, query: AccountListQuery, token: str):
    return partner_accounts_page(
        partner_id=partner.pk, query=dataclasses.replace(query, cursor=Cursor.decode(token))
    )


def walk_forward(partner, query: AccountListQuery) -> list:
    pages = [partner_accounts_page(partner_id=partner.pk, query=query)]
    while pages[-1].next_cursor and len(pages) < 10:
        pages.append(follow(partner, query, pages[-1].next_cursor))
    return pages


def walk_back(partner, query: AccountListQuery, start) -> list:
    pages = [start]
    while pages[-1].prev_cursor and len(pages) < 10:
        pages.append(follow(partner, query, pages[-1].prev_cursor))
    return pages


# --- The partnership's accounts only -----------------------------------------------------------


def test_the_list_holds_only_the_partners_own_accounts(partner):
    result = page(partner)

    assert letters(result.rows) == "ABCDE"
    assert partner_accounts_count(partner_id=partner.pk, query=AccountListQuery()) == 5
    assert partner_account_kind_counts(partner_id=partner.pk) == {"referred": 3, "managed": 2}


def test_another_partners_account_cannot_be_fetched(partner):
    theirs = ClientAccount.objects.get(login_name="aardvark")

    with pytest.raises(ClientAccount.DoesNotExist):
        partner_account_get(partner_id=partner.pk, encoded_account_id=theirs.encoded_account_id)


def test_an_account_is_fetched_by_its_encoded_id(partner):
    ours = ClientAccount.objects.get(login_name="tango03")

    assert (
        partner_account_get(partner_id=partner.pk, encoded_account_id=ours.encoded_account_id)
        == ours
    )


# --- Search and filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("bakery", "A"),  # organization
        ("XENA", "C"),  # owner, any case
        ("kilo", "D"),  # login name
        ("delta", "DE"),  # organization of one, login name of another
        ("a", "ABCDE"),
        ("aardvark", ""),  # another partner's account is never found
        ("nothing like it", ""),
    ],
)
def test_search_looks_in_organization_owner_and_login_name(partner, term, expected):
    query = AccountListQuery(search=term)

    assert letters(page(partner, search=term).rows) == expected
    assert partner_accounts_count(partner_id=partner.pk, query=query) == len(expected)


@pytest.mark.parametrize(
    ("kind", "expected"), [("referred", "ACE"), ("managed", "BD"), ("", "ABCDE")]
)
def test_the_type_filter(partner, kind, expected):
    assert letters(page(partner, kind=kind).rows) == expected


def test_search_and_type_filter_together(partner):
    assert letters(page(partner, search="delta", kind="referred").rows) == "E"


STATUS_ACCOUNTS = {
    # organization: fields that decide its status
    "Open Co": {"billing_status": "Open"},
    "Trial Co": {"plan_type": "TRIAL", "billing_status": "Trial", "converted_at": None},
    "Trial End Co": {"plan_type": "TRIAL", "billing_status": "Trial End", "converted_at": None},
    "Canceled Co": {"billing_status": "Canceled"},
    "Compliance Co": {"billing_status": "Open", "disabled_reason": "compliance"},
    "Balance Co": {"billing_status": "Open", "disabled_reason": "balance_due"},
    "Single Bill Co": {"billing_status": "Open", "single_bill": True},
    "Single Bill Disabled Co": {
        "billing_status": "Open",
        "single_bill": True,
        "disabled_reason": "compliance",
    },
    "Single Bill Canceled Co": {"billing_status": "Canceled", "single_bill": True},
}


@pytest.fixture
def status_partner(db):
    partner = PartnerFactory(name="Statusville")
    for org, fields in STATUS_ACCOUNTS.items():
        credited_account(partner, organization_name=org, **fields)
    return partner


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (AccountStatus.ACTIVE, ["Open Co"]),
        (AccountStatus.TRIAL_ACTIVE, ["Trial Co"]),
        (AccountStatus.TRIAL_EXPIRED, ["Trial End Co"]),
        (AccountStatus.CANCELLED, ["Canceled Co"]),
        (AccountStatus.DISABLED_COMPLIANCE, ["Compliance Co", "Single Bill Disabled Co"]),
        (AccountStatus.DISABLED_BALANCE_DUE, ["Balance Co"]),
        (AccountStatus.SINGLE_BILL, ["Single Bill Canceled Co", "Single Bill Co"]),
    ],
)
def test_each_status_filter_finds_exactly_the_accounts_showing_that_status(
    status_partner, status, expected
):
    query = AccountListQuery(status=status)

    rows = partner_accounts_page(partner_id=status_partner.pk, query=query).rows

    assert [a.organization_name for a in rows] == expected
    assert [status_of(a) for a in rows] == [status] * len(expected)
    assert partner_accounts_count(partner_id=status_partner.pk, query=query) == len(expected)


def test_every_account_falls_under_exactly_one_status_filter(status_partner):
    found = []
    for status in AccountStatus.values:
        query = AccountListQuery(status=status, size=100)
        found += [
            a.organization_name
            for a in partner_accounts_page(partner_id=status_partner.pk, query=query).rows
        ]

    assert sorted(found) == sorted(STATUS_ACCOUNTS)


# --- Sorting and keyset pages ------------------------------------------------------------------


@pytest.mark.parametrize(("sort", "descending"), sorted(ORDERS))
def test_every_sort_orders_the_rows_and_pages_of_two_walk_forward_and_back(
    partner, sort, descending
):
    # given the order of this sort, in pages of two
    expected = ORDERS[(sort, descending)]
    chunks = [expected[0:2], expected[2:4], expected[4:]]
    query = AccountListQuery(sort=sort, descending=descending, size=2)

    # when a partner opens the list, clicks Next to the end, then Previous back to the start
    whole = page(partner, sort=sort, descending=descending)
    forward = walk_forward(partner, query)
    back = walk_back(partner, query, forward[-1])

    # then the rows come in this order, each page holds the right rows, and the first and
    # last pages end the walk
    assert letters(whole.rows) == expected
    assert [letters(p.rows) for p in forward] == chunks
    assert forward[0].prev_cursor is None
    assert forward[-1].next_cursor is None
    assert [letters(p.rows) for p in back] == chunks[::-1]
    assert back[-1].prev_cursor is None


@pytest.mark.parametrize("descending", [False, True])
def test_paging_crosses_into_and_out_of_the_never_signed_in_rows(partner, descending):
    # given pages of one by last login: the last two rows (B, E) never signed in
    query = AccountListQuery(sort="last_login", descending=descending, size=1)
    forward = walk_forward(partner, query)

    # when walking back from the last row, one page at a time
    back = walk_back(partner, query, forward[-1])

    # then the never-signed-in rows come last both ways, and the walk back mirrors the walk
    order = ORDERS[("last_login", descending)]
    assert [letters(p.rows) for p in forward] == list(order)
    assert [letters(p.rows) for p in back] == list(order[::-1])
    # and Next from a page reached by Previous goes on where it should
    assert letters(follow(partner, query, back[2].next_cursor).rows) == order[3]


def test_next_from_a_page_reached_backwards_continues_forward(partner):
    query = AccountListQuery(sort="contacts", size=2)
    forward = walk_forward(partner, query)
    middle = follow(partner, query, forward[-1].prev_cursor)

    again = follow(partner, query, middle.next_cursor)

    assert (letters(middle.rows), letters(again.rows)) == ("AE", "C")
    assert letters(follow(partner, query, middle.prev_cursor).rows) == "BD"


def test_paging_keeps_filters(partner):
    query = AccountListQuery(kind="referred", sort="moved", size=2)

    pages = walk_forward(partner, query)

    assert [letters(p.rows) for p in pages] == ["EA", "C"]


def test_last_login_times_with_microseconds_page_without_repeating_a_row(db):
    # given three accounts that last signed in within the same second
    partner = PartnerFactory()
    for n, micro in enumerate((100456, 200456, 300456)):
        credited_account(
            partner,
            organization_name=f"Org {n}",
            last_login_at=dt.datetime(2026, 11, 1, 9, 0, 0, micro, tzinfo=dt.UTC),
        )
    query = AccountListQuery(sort="last_login", size=1)

    forward = walk_forward(partner, query)
    back = walk_back(partner, query, forward[-1])

    assert [[a.organization_name for a in p.rows] for p in forward] == [
        ["Org 0"],
        ["Org 1"],
        ["Org 2"],
    ]
    assert [[a.organization_name for a in p.rows] for p in back] == [
        ["Org 2"],
        ["Org 1"],
        ["Org 0"],
    ]


def test_an_empty_partnership_has_an_empty_first_page(db):
    result = page(PartnerFactory())

    assert (result.rows, result.next_cursor, result.prev_cursor) == ([], None, None)


# --- Reading the URL ---------------------------------------------------------------------------


def parse(query_string: str) -> AccountListQuery:
    return parse_account_list_query(QueryDict(query_string))


def test_an_empty_url_is_the_default_view():
    assert parse("") == AccountListQuery(
        search="",
        kind="",
        status="",
        sort="organization",
        descending=False,
        size=25,
        cursor=None,
        errors=[],
    )


def test_a_full_url_is_read_back():
    query = parse("q=+bakery+&type=managed&status=trial_expired&sort=-last_login&size=50")

    assert (query.search, query.kind, query.status, query.sort, query.descending, query.size) == (
        "bakery",
        "managed",
        "trial_expired",
        "last_login",
        True,
        50,
    )
    assert query.errors == []


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("10", 10),
        ("25", 25),
        ("50", 50),
        ("100", 100),
        ("7", 25),
        ("1000", 25),
        ("many", 25),
        ("", 25),
    ],
)
def test_page_sizes_are_10_25_50_or_100(size, expected):
    assert parse(f"size={size}").size == expected


def test_a_long_search_is_cut_at_100_characters():
    assert parse("q=" + "x" * 150).search == "x" * 100


@pytest.mark.parametrize(
    ("query_string", "field", "default", "error"),
    [
        ("type=partnered", "kind", "", "Unknown account type; showing all types."),
        ("status=frozen", "status", "", "Unknown status; showing every status."),
        ("sort=-revenue", "sort", "organization", "Unknown sort; sorted by organization."),
    ],
)
def test_unknown_values_fall_back_and_say_so(query_string, field, default, error):
    query = parse(query_string)

    assert getattr(query, field) == default
    assert query.errors == [error]


def token(raw) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


BAD_CURSORS = {
    "not base64 json": "%%%garbage",
    "not a list": token("page 2"),
    "too short": token(["Alpha Bakery", 3]),
    "id not a number": token(["Alpha Bakery", "3", 0, 0]),
    "no value outside the empty segment": token([None, 3, 0, 0]),
    "empty segment on a column that is never empty": token([None, 3, 1, 0]),
}
BAD_FOR_SORT = [("organization", name) for name in sorted(BAD_CURSORS)] + [
    ("contacts", name) for name in sorted(BAD_CURSORS)
]
BAD_CURSORS["text where a count belongs"] = token(["many", 3, 0, 0])
BAD_FOR_SORT.append(("contacts", "text where a count belongs"))


@pytest.mark.parametrize(("sort", "name"), BAD_FOR_SORT)
def test_a_bad_page_link_is_dropped_with_an_error(sort, name):
    query = parse(f"sort={sort}&cursor={BAD_CURSORS[name]}")

    assert (query.sort, query.cursor) == (sort, None)
    assert query.errors == ["That page link no longer fits this view; showing the first page."]


@pytest.mark.parametrize("sort", ["contacts", "organization"])
def test_a_bad_page_link_shows_the_first_page(partner, sort):
    query = parse(f"sort={sort}&cursor={BAD_CURSORS['no value outside the empty segment']}")

    assert (
        letters(partner_accounts_page(partner_id=partner.pk, query=query).rows)
        == ORDERS[(sort, False)]
    )


@pytest.mark.parametrize("value", [5, "2026-13-45", True])
@pytest.mark.parametrize("sort", ["last_login", "moved"])
def test_a_page_link_with_a_value_that_is_no_date_is_refused(value, sort):
    query = parse(f"sort={sort}&cursor={token([value, 3, 0, 0])}")

    assert (query.cursor, len(query.errors)) == (None, 1)


def test_a_good_page_link_is_read_back(partner):
    first = page(partner, sort="contacts", descending=True, size=2)

    query = parse(f"sort=-contacts&size=10&cursor={first.next_cursor}")

    echo = ClientAccount.objects.get(organization_name="Echo Events")
    assert query.cursor == Cursor(value=700, id=echo.pk, null_segment=False, backward=False)
    assert query.errors == []
