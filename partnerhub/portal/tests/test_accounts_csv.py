"""My accounts as CSV: exactly the filtered view, every page of it, streamed in keyset chunks."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from partnerhub.clients.models import PartnershipKind
from partnerhub.clients.reports import CSV_COLUMNS
from partnerhub.clients.selectors import parse_account_list_query, partner_accounts_iter
from partnerhub.tests.factories import credited_account
from partnerhub.tests.world import World, build_world

EXPORT = reverse("partner-accounts-csv")


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def max_client(client, world):
    client.force_login(world.member.user)
    return client


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_holds_every_account_of_the_view_with_its_columns(max_client, world):
    # Given Brightwave's two accounts
    # When the partner downloads My accounts
    response = max_client.get(EXPORT)

    # Then it is a streamed CSV attachment with one row per account, in the list's order
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="my-accounts.csv"'
    rows = read_csv(response)
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["organization"] for r in rows] == ["Blue Bakery", "Green Garden"]
    blue = rows[0]
    assert blue["account_id"] == world.account.encoded_account_id
    assert (blue["type"], blue["owner"], blue["login_name"]) == (
        "Referred",
        "Cora Baker",
        "bluebakery",
    )
    assert blue["owner_email"] == world.account.contact_email
    assert blue["status"] == "Active"
    assert blue["moved_in"] == "2025-03-01"
    assert blue["last_login"] == world.account.last_login_at.isoformat()
    assert rows[1]["type"] == "Managed"
    # the level the customer granted, empty for a referred account
    assert (blue["access"], rows[1]["access"]) == ("", "Full access")


def test_the_csv_is_exactly_the_filtered_and_sorted_view(max_client, world):
    # Given more referred accounts than fit on one page, a managed one, and another
    # partner's account whose name matches the search too
    for n in range(30):
        credited_account(world.partner, organization_name=f"Zed Bakery {n:02d}", contact_count=n)
    credited_account(world.partner, kind=PartnershipKind.MANAGED, organization_name="Zed Bakery M")
    credited_account(world.other_partner, organization_name="Zed Bakery Elsewhere")

    # When the partner downloads Referred accounts matching "zed", most contacts first
    rows = read_csv(max_client.get(EXPORT, {"type": "referred", "q": "zed", "sort": "-contacts"}))

    # Then the file holds all 30 and nothing else, in that order, whatever the page size
    assert [r["organization"] for r in rows] == [f"Zed Bakery {n:02d}" for n in range(29, -1, -1)]


def test_the_accounts_are_read_in_chunks_in_the_lists_order(world):
    # Given 7 accounts
    for n in range(5):
        credited_account(world.partner, organization_name=f"Zed {n}")
    query = parse_account_list_query({"sort": "-organization"})

    # When they are read two at a time
    names = [
        a.organization_name
        for a in partner_accounts_iter(partner_id=world.partner.pk, query=query, chunk_size=2)
    ]

    # Then every account comes once, in the sorted order
    assert names == ["Zed 4", "Zed 3", "Zed 2", "Zed 1", "Zed 0", "Green Garden", "Blue Bakery"]


def test_the_list_links_to_the_csv_of_its_own_view(max_client):
    html = max_client.get(reverse("partner-accounts"), {"type": "referred", "q": "blue"})

    assert (
        f'href="{EXPORT}?q=blue&amp;type=referred" download>Download CSV</a>'
        in html.content.decode()
    )


def test_an_unknown_filter_is_refused_rather_than_exporting_another_view(max_client):
    response = max_client.get(EXPORT, {"type": "everything"})

    assert response.status_code == 400
    assert response.content.decode().startswith(
        "This link does not describe a view of My accounts (unknown account type"
    )


def test_the_csv_needs_a_partner_member(client, world):
    # Given a signed-in customer, who is in no partner team
    client.force_login(world.customer)

    # When they ask for the file, they get a refusal and no accounts
    response = client.get(EXPORT)
    assert response.status_code in (403, 404)  # the refusal page is 404 today
    assert not response.get("Content-Type", "").startswith("text/csv")
