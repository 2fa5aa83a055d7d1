"""Accounts and manage requests through /api/v1, as a partner's own tool uses them."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.access.services import manage_request_create
from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import BillingStatus, DisabledReason, PartnershipKind, PlanType
from partnerhub.tests.factories import credited_account

pytestmark = pytest.mark.django_db


TRIAL = {"plan_type": PlanType.TRIAL, "billing_status": BillingStatus.TRIAL, "converted_at": None}


@pytest.fixture
def more_accounts(cast: Cast):
    """Five more Brightwave accounts, eight in all, with different statuses and sizes."""
    rows = [
        ("Cedar Cafe", "Carl Cedar", "cedarcafe", 500, {}),
        ("Dune Dental", "Dana Dune", "dunedental", 40, TRIAL),
        ("Echo Events", "Eli Echo", "echoevents", 300, {"billing_status": BillingStatus.CANCELED}),
        ("Fern Florist", "Fay Fern", "fernflorist", 10, TRIAL),
        (
            "Harbor Hotel",
            "Hal Harbor",
            "harborhotel",
            900,
            {"disabled_reason": DisabledReason.BALANCE_DUE},
        ),
    ]
    for org, owner, login, contacts, extra in rows:
        credited_account(
            cast.partner,
            kind=PartnershipKind.REFERRED,
            organization_name=org,
            owner_name=owner,
            login_name=login,
            contact_count=contacts,
            **extra,
        )
    return cast


def _walk(client, key: str, first: str) -> tuple[list[list[str]], list[int], list[str | None]]:
    """Follow the ``next`` links from ``first`` to the end: names per page, totals, links."""
    pages, totals, links = [], [], []
    url = f"/api/v1{first}"
    while url:
        response = client.get(url, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([a["organization_name"] for a in body["items"]])
        totals.append(body["total"])
        url = body["next"]
        links.append(url)
    return pages, totals, links


def test_the_list_pages_through_every_account_by_next_links(more_accounts: Cast, client):
    pages, totals, links = _walk(client, more_accounts.owner_key, "/accounts?size=3")

    assert pages == [
        ["Amber Atelier", "Blue Bakery", "Cedar Cafe"],
        ["Dune Dental", "Echo Events", "Fern Florist"],
        ["Green Garden", "Harbor Hotel"],
    ]
    assert totals == [8, 8, 8]
    assert links[-1] is None
    assert [urlsplit(link)[:3] for link in links[:-1]] == [
        ("http", "testserver", "/api/v1/accounts")
    ] * 2


def test_filters_and_sort_carry_over_to_the_next_links(more_accounts: Cast, client):
    # Sorted by contacts, largest first (equal counts: newest account first), two at a time,
    # active accounts only
    pages, totals, links = _walk(
        client, more_accounts.owner_key, "/accounts?sort=-contacts&size=2&status=active"
    )

    assert pages == [["Cedar Cafe", "Green Garden"], ["Amber Atelier", "Blue Bakery"]]
    assert totals == [4, 4]
    query = parse_qs(urlsplit(links[0]).query)
    assert {k: v for k, v in query.items() if k != "cursor"} == {
        "sort": ["-contacts"],
        "status": ["active"],
        "size": ["2"],
    }


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("q=bak", ["Blue Bakery"]),
        ("q=HARBOR", ["Harbor Hotel"]),
        ("q=nothing-like-this", []),
        ("type=managed", ["Green Garden"]),
        (
            "type=referred&size=100",
            [
                "Amber Atelier",
                "Blue Bakery",
                "Cedar Cafe",
                "Dune Dental",
                "Echo Events",
                "Fern Florist",
                "Harbor Hotel",
            ],
        ),
        ("status=trial_active", ["Dune Dental", "Fern Florist"]),
        ("status=cancelled", ["Echo Events"]),
        ("status=disabled_balance_due", ["Harbor Hotel"]),
        ("sort=-organization&size=3", ["Harbor Hotel", "Green Garden", "Fern Florist"]),
        ("sort=contacts&status=trial_active", ["Fern Florist", "Dune Dental"]),
    ],
)
def test_search_type_status_and_sort(more_accounts: Cast, client, query, names):
    response = api_call(client, "get", f"/accounts?{query}", key=more_accounts.owner_key)

    assert response.status_code == 200
    assert [a["organization_name"] for a in response.json()["items"]] == names


def test_a_walk_with_a_filter_counts_exactly_what_it_shows(more_accounts: Cast, client):
    pages, totals, _ = _walk(
        client, more_accounts.owner_key, "/accounts?status=trial_active&size=1"
    )

    assert pages == [["Dune Dental"], ["Fern Florist"]]
    assert totals == [2, 2]


@pytest.mark.parametrize("sort", ["organization", "-organization", "contacts", "-owner"])
@pytest.mark.parametrize("term", ["den", "DEN", "ent"])
def test_a_search_walk_counts_exactly_what_it_shows(more_accounts: Cast, client, sort, term):
    # The first page counts its matches in its own statement; the next pages count apart.
    # "den" is in Green Garden and Dune Dental, "ent" in Dune Dental and Echo Events.
    query = f"/accounts?q={term}&size=1&sort={sort}"
    pages, totals, _ = _walk(client, more_accounts.owner_key, query)
    shown = [name for page in pages for name in page]

    assert totals == [len(shown)] * len(pages) == [2, 2]
    assert len(set(shown)) == 2
    response = api_call(
        client, "get", f"/accounts?q={term}&sort={sort}", key=more_accounts.owner_key
    )
    assert [a["organization_name"] for a in response.json()["items"]] == shown

    response = api_call(client, "get", "/accounts?q=zzzqqq", key=more_accounts.owner_key)
    assert (response.json()["items"], response.json()["total"]) == ([], 0)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMiwzXQ", "e30"])
def test_a_bad_cursor_is_refused(cast: Cast, client, cursor):
    response = api_call(client, "get", f"/accounts?cursor={cursor}", key=cast.owner_key)

    assert_error(response, 400, "invalid_cursor")


@pytest.mark.parametrize(
    "query", ["size=0", "size=101", "type=customer", "status=happy", "sort=revenue"]
)
def test_out_of_range_filters_are_refused(cast: Cast, client, query):
    response = api_call(client, "get", f"/accounts?{query}", key=cast.owner_key)

    assert_error(response, 422, "invalid_request")
    assert response.json()["error"]["details"]["errors"]


def test_an_account_shows_its_partnership_history_timeline_and_consents(cast: Cast, client):
    response = api_call(
        client, "get", f"/accounts/{cast.garden.encoded_account_id}", key=cast.owner_key
    )

    assert response.status_code == 200
    body = response.json()
    confirmed = ManageRequest.objects.get(account=cast.garden)
    assert {k: body[k] for k in ("organization_name", "kind", "status", "partnership_source")} == {
        "organization_name": "Green Garden",
        "kind": "managed",
        "status": "Active",
        "partnership_source": "invite_link",
    }
    assert [(c["kind"], c["cause"]) for c in body["kind_history"]] == [
        ("referred", "credited"),
        ("managed", "access_confirmed"),
    ]
    assert body["kind_history"][0]["effective_at"] == "2026-06-15T00:00:00Z"
    assert [(e["action"], e["actor"]) for e in body["access_timeline"]] == [
        ("access.confirmed", "Gus Green"),
        ("access.requested", "Olga Owens"),
        ("partnership.credited", "PartnerHub"),
    ]
    [consent] = body["consents"]
    assert {k: consent[k] for k in ("granted_by", "ip_address", "user_agent")} == {
        "granted_by": "Gus Green <greengarden@client.test>",
        "ip_address": "198.51.100.20",
        "user_agent": "Firefox",
    }
    assert consent["disclaimer_text"].startswith("Confirming grants Brightwave Agency full access")
    assert body["pending_request"] is None
    assert confirmed.status == RequestStatus.CONFIRMED


def test_an_account_with_a_pending_request_shows_it(cast: Cast, client):
    response = api_call(
        client, "get", f"/accounts/{cast.atelier.encoded_account_id}", key=cast.owner_key
    )

    assert response.json()["pending_request"] == {
        "id": cast.pending.pk,
        "encoded_account_id": cast.atelier.encoded_account_id,
        "kind": "access",
        "status": "pending",
        "message": "May we help?",
        "level": "full",
        "duration_days": None,
        "granted_level": None,
        "access_ends_at": None,
        "requested_by": "Olga Owens",
        "created_at": response.json()["pending_request"]["created_at"],
        "expires_at": response.json()["pending_request"]["expires_at"],
        "decided_at": None,
    }


def test_an_unknown_account_is_not_found(cast: Cast, client):
    response = api_call(client, "get", "/accounts/0000000000000000", key=cast.owner_key)

    assert_error(response, 404, "not_found")


def test_a_request_made_through_the_api_acts_as_the_keys_creator(cast: Cast, client):
    response = api_call(
        client,
        "post",
        f"/accounts/{cast.bakery.encoded_account_id}/requests",
        key=cast.owner_key,
        body={"message": "  We would love to help  "},
    )

    assert response.status_code == 201
    made = ManageRequest.objects.get(account=cast.bakery)
    assert response.json() == {
        "id": made.pk,
        "encoded_account_id": cast.bakery.encoded_account_id,
        "kind": "access",
        "status": "pending",
        "message": "We would love to help",
        "level": "full",
        "duration_days": None,
        "granted_level": None,
        "access_ends_at": None,
        "requested_by": "Olga Owens",
        "created_at": response.json()["created_at"],
        "expires_at": response.json()["expires_at"],
        "decided_at": None,
    }
    assert (made.requested_by, made.status) == (cast.owner.user, RequestStatus.PENDING)
    assert made.expires_at - made.created_at == dt.timedelta(days=30)
    audit = AuditEvent.objects.get(action="access.requested", target_id=str(made.pk))
    assert (audit.actor, audit.partner, audit.account, audit.ip_address) == (
        cast.owner.user,
        cast.partner,
        cast.bakery,
        "127.0.0.1",
    )


@pytest.mark.parametrize(
    ("account", "status", "code"),
    [("atelier", 409, "request_pending"), ("garden", 422, "already_managed")],
)
def test_a_request_that_cannot_be_made_changes_nothing(cast: Cast, client, account, status, code):
    before = snapshot()

    response = api_call(
        client,
        "post",
        f"/accounts/{getattr(cast, account).encoded_account_id}/requests",
        key=cast.owner_key,
        body={},
    )

    assert_error(response, status, code)
    assert snapshot() == before


def test_a_message_over_1000_characters_is_refused(cast: Cast, client):
    before = snapshot()

    response = api_call(
        client,
        "post",
        f"/accounts/{cast.bakery.encoded_account_id}/requests",
        key=cast.owner_key,
        body={"message": "x" * 1001},
    )

    assert_error(response, 422, "invalid_request")
    assert snapshot() == before


def test_cancelling_a_request_then_cancelling_it_again(cast: Cast, client):
    first = api_call(client, "post", f"/requests/{cast.pending.pk}/cancel", key=cast.owner_key)
    after_first = snapshot()
    again = api_call(client, "post", f"/requests/{cast.pending.pk}/cancel", key=cast.owner_key)

    assert first.status_code == 200
    assert (first.json()["status"], first.json()["decided_at"] is not None) == ("cancelled", True)
    cast.pending.refresh_from_db()
    assert (cast.pending.status, cast.pending.decided_by) == (
        RequestStatus.CANCELLED,
        cast.owner.user,
    )
    assert_error(again, 422, "request_cancelled")
    assert snapshot() == after_first


@pytest.fixture
def many_requests(cast: Cast) -> list[ManageRequest]:
    """Five more pending requests, made by Max on five new referred accounts."""
    made = []
    for n in range(5):
        account = credited_account(
            cast.partner,
            organization_name=f"Queue Shop {n}",
            owner_name=f"Quinn Shop{n}",
            login_name=f"queueshop{n}",
        )
        made.append(manage_request_create(actor=cast.member.user, account_id=account.pk))
    return made


def _walk_requests(client, key: str, first: str) -> list[list[int]]:
    pages, url = [], f"/api/v1{first}"
    while url:
        response = client.get(url, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.content
        pages.append([r["id"] for r in response.json()["items"]])
        url = response.json()["next"]
    return pages


def test_requests_page_newest_first(cast: Cast, many_requests, client):
    confirmed = ManageRequest.objects.get(account=cast.garden)
    ids = [r.pk for r in reversed(many_requests)] + [cast.pending.pk, confirmed.pk]

    pages = _walk_requests(client, cast.owner_key, "/requests?size=3")

    assert pages == [ids[0:3], ids[3:6], ids[6:7]]


def test_requests_filtered_by_status_page_with_the_filter(cast: Cast, many_requests, client):
    pages = _walk_requests(client, cast.owner_key, "/requests?status=pending&size=4")

    assert pages == [
        [r.pk for r in reversed(many_requests)][:4],
        [many_requests[0].pk, cast.pending.pk],
    ]


def test_requests_with_a_bad_cursor_are_refused(cast: Cast, client):
    response = api_call(client, "get", "/requests?cursor=garbage!", key=cast.owner_key)

    assert_error(response, 400, "invalid_cursor")


def test_one_request(cast: Cast, client):
    response = api_call(client, "get", f"/requests/{cast.pending.pk}", key=cast.owner_key)

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("id", "status", "message", "requested_by")} == {
        "id": cast.pending.pk,
        "status": "pending",
        "message": "May we help?",
        "requested_by": "Olga Owens",
    }


def test_the_total_can_be_left_out_and_the_pages_stay_the_same(more_accounts: Cast, client):
    counted = _walk(client, more_accounts.owner_key, "/accounts?size=3")
    pages, totals, links = _walk(client, more_accounts.owner_key, "/accounts?size=3&total=false")

    assert pages == counted[0]
    assert totals == [None, None, None]
    assert all("total=false" in link for link in links[:-1])


@pytest.mark.parametrize(
    ("query", "expected"), [("", 8), ("&type=referred", 7), ("&type=managed", 1), ("&q=har", 1)]
)
def test_the_total_is_exact_for_each_filter(more_accounts: Cast, client, query, expected):
    from partnerhub.clients.models import ClientAccount

    response = api_call(client, "get", f"/accounts?size=2{query}", key=more_accounts.owner_key)
    held = ClientAccount.objects.filter(partner=more_accounts.partner)
    assert response.json()["total"] == expected
    assert held.count() == 8
