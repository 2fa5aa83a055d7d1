"""*My accounts* runs a fixed set of statements, however many rows it shows and whatever they
carry (an open request, a managed level): a statement added to every page is caught here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.access.services import manage_request_create
from partnerhub.clients.models import PartnershipKind
from partnerhub.tests.factories import credited_account
from partnerhub.tests.world import World, build_world

LIST = reverse("partner-accounts")

# Session, user, the teams of the person asking (with their own time zone, the team they work
# in now and its Single Bill enrolment: read once, for the time zone, the page's check, the
# header's switcher and its menu), the counters of the account types, the page with each row's
# open request, the team for "Assigned to" and the header's counts (accounts of one's own,
# unread notices).
PAGE_STATEMENTS = 7


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def owner_client(client, world):
    client.force_login(world.owner.user)
    return client


def _more_accounts(world, n: int) -> None:
    for i in range(n):
        credited_account(
            world.partner,
            organization_name=f"Extra {i:03d}",
            login_name=f"extra{i:03d}",
            kind=PartnershipKind.MANAGED if i % 3 == 0 else PartnershipKind.REFERRED,
        )


@pytest.mark.parametrize(
    "params",
    [{}, {"type": "referred"}, {"size": "100"}, {"q": "extra"}, {"sort": "-contacts"}],
    ids=["first", "referred", "hundred", "search", "sort"],
)
def test_the_page_runs_the_same_statements_for_any_number_of_rows(
    owner_client, world, params, django_assert_num_queries
):
    # Given a partnership with more accounts than a page, some of them with an open request
    _more_accounts(world, 40)
    for account in world.partner.accounts.filter(partnership_kind=PartnershipKind.REFERRED)[:5]:
        manage_request_create(actor=world.owner.user, account_id=account.pk)
    owner_client.get(LIST, params)  # the session, the connection and its statements are warm

    # When the owner opens My accounts; then the statements are the fixed set (a search's
    # first page counts its matches in the page's own statement)
    with django_assert_num_queries(PAGE_STATEMENTS):
        response = owner_client.get(LIST, params)
    assert response.status_code == 200


def test_open_requests_come_with_the_page_not_after_it(owner_client, world):
    # Given referred accounts with open requests
    _more_accounts(world, 30)
    asked = list(world.partner.accounts.filter(partnership_kind=PartnershipKind.REFERRED)[:3])
    for account in asked:
        manage_request_create(actor=world.owner.user, account_id=account.pk)

    # When the owner opens My accounts
    with CaptureQueriesContext(connection) as queries:
        html = owner_client.get(LIST, {"size": "100"}).content.decode()

    # Then no statement reads the requests on their own, and each asked row offers to cancel
    assert not [q for q in queries if q["sql"].lstrip().startswith('SELECT "access_managerequest"')]
    for account in asked:
        start = html.index(f'<tbody id="row-{account.encoded_account_id}"')
        row = html[start : html.index("</tbody>", start)]
        assert "Request pending" in row
        assert "Cancel permission request" in row


@pytest.mark.parametrize("params", [{}, {"sort": "-login"}, {"type": "managed"}, {"size": "10"}])
def test_a_search_counts_its_matches_exactly_in_the_pages_statement(owner_client, world, params):
    # Given more matches than a page, and accounts that do not match
    _more_accounts(world, 40)
    matching = world.partner.accounts.filter(organization_name__icontains="xtra 0")
    if params.get("type"):
        matching = matching.filter(partnership_kind=params["type"])

    # When the owner searches, first page and then the next one by number
    html = owner_client.get(LIST, {"q": "xtra 0", **params}).content.decode()
    second = owner_client.get(LIST, {"q": "xtra 0", "page": "2", **params}).content.decode()

    # Then both show the exact number of matches, from the same statements as any page
    n = matching.count()
    assert n > int(params.get("size", 25)) or params.get("type")
    for page in (html, second):
        assert f" of {n} account{'s' if n != 1 else ''} matching “xtra 0”" in page


def test_a_search_without_matches_says_so(owner_client, world):
    html = owner_client.get(LIST, {"q": "nothing like it"}).content.decode()
    assert "No accounts" in html
