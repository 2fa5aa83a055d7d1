"""The partner portal: My Organization > Accounts > My accounts, an account's page, and the
request flow (Request permission to manage, Request managed access, Cancel permission request)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.access.services import manage_request_confirm
from partnerhub.clients.models import PartnershipKind
from partnerhub.tests.factories import credited_account
from partnerhub.tests.snapshots import access_state
from partnerhub.tests.world import World, build_world, request_for

LIST = reverse("partner-accounts")


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def max_client(client, world):
    """Max, a plain member of Brightwave, signed in."""
    client.force_login(world.member.user)
    return client


def row(html: str, account) -> str:
    """The row of ``account`` in My accounts."""
    start = html.index(f'<tbody id="row-{account.encoded_account_id}"')
    return html[start : html.index("</tbody>", start)]


def organizations(html: str) -> list[str]:
    return re.findall(
        r'<td data-label="Organization" class="org">\s*<a href="[^"]+">([^<]+)</a>', html
    )


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- My accounts ---------------------------------------------------------------------------------


def test_my_accounts_sits_under_my_organization_and_accounts(max_client):
    html = max_client.get(LIST).content.decode()

    assert '<p class="sidenav-heading">My Organization</p>' in html
    # The group heading goes to the group's first page; nothing in the menu folds away.
    assert '<a class="sidenav-group-link" href="/portal/accounts/">Accounts</a>' in html
    assert "<details" not in html[html.index("<nav") : html.index("</nav>")]
    assert re.search(r'href="/portal/accounts/"[^>]*aria-current="page"[^>]*>My accounts</a>', html)
    assert "<h1>My accounts</h1>" in html


def test_the_developers_heading_goes_to_api_keys_and_shows_both_pages(client, world):
    # Given an owner, who may manage the team and its developer tools
    client.force_login(world.owner.user)

    # When they open any page of the portal
    html = client.get(reverse("partner-team")).content.decode()

    # Then the Developers heading is a link to API keys, with API keys and Webhooks under it
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert '<a class="sidenav-group-link" href="/portal/api-keys/">Developers</a>' in nav
    assert re.search(r'href="/portal/api-keys/"[^>]*>API keys</a>', nav)
    assert re.search(r'href="/portal/webhooks/"[^>]*>Webhooks</a>', nav)


def test_each_row_shows_the_columns_of_the_issue(max_client, world):
    html = max_client.get(LIST).content.decode()

    blue = row(html, world.account)
    assert "Blue Bakery" in blue
    assert '<span class="row-sub mono" title="Login name">bluebakery</span>' in blue
    assert re.search(
        r'<td data-label="Owner" class="owner"><span>Cora Baker<span class="row-sub"[^>]*>'
        r"bluebakery@client.test</span>",
        blue,
    )
    assert '<span class="status status-active">Active</span>' in blue
    assert '<td data-label="Contacts" class="num">120</td>' in blue
    assert ">1 Nov 2026</time>" in blue  # last login
    assert '<time datetime="2025-03-01">1 Mar 2025</time>' in blue  # in partnership since
    assert "Managed" not in blue


def test_a_type_column_says_referred_or_managed(max_client, world):
    # Given a referred and a managed account
    # When the partner opens My accounts
    html = max_client.get(LIST).content.decode()

    # Then each row says its type in the Type column
    assert '<th scope="col">Type</th>' in html
    referred = (
        '<td data-label="Type" class="kind"><span class="badge badge-referred">Referred</span></td>'
    )
    managed = (
        '<td data-label="Type" class="kind"><span class="badge badge-managed">Managed</span></td>'
    )
    assert referred in row(html, world.account)
    assert managed in row(html, world.managed_account)


def test_rows_with_the_same_name_differ_by_login_name_and_owner_email(max_client, world):
    # Given two accounts with the same organization and owner names
    one = credited_account(
        world.partner,
        organization_name="Bay Bridal",
        owner_name="Nora Dubois",
        login_name="baybridal0030",
        contact_email="nora@baybridal.test",
    )
    two = credited_account(
        world.partner,
        organization_name="Bay Bridal",
        owner_name="Nora Dubois",
        login_name="baybridal0059",
        contact_email="nora.d@bay-bridal.test",
    )

    # When the partner opens My accounts
    html = max_client.get(LIST).content.decode()

    # Then each row carries its own login name and owner e-mail on a second line
    assert ">baybridal0030</span>" in row(html, one)
    assert ">nora@baybridal.test</span>" in row(html, one)
    assert ">baybridal0059</span>" in row(html, two)
    assert ">nora.d@bay-bridal.test</span>" in row(html, two)


def test_request_permission_to_manage_is_a_button_that_opens_the_overlay(max_client, world):
    # Given a referred account without a request
    # When the partner opens My accounts
    html = max_client.get(LIST).content.decode()

    # Then its row offers a real button in a form that asks for the overlay
    blue = row(html, world.account)
    target = reverse("partner-request-create", args=[world.account.encoded_account_id])
    assert f'<form method="get" action="{target}" hx-get="{target}" hx-target="#overlay">' in blue
    assert '<input type="hidden" name="next" value="/portal/accounts/">' in blue
    assert (
        '<button class="btn btn-small" type="submit">Request permission to manage</button>' in blue
    )
    assert '<a class="btn' not in blue


def test_a_never_used_account_shows_never_for_last_login(max_client, world):
    quiet = credited_account(world.partner, organization_name="Quiet Quill", last_login_at=None)

    html = max_client.get(LIST).content.decode()

    assert '<span class="muted">Never</span>' in row(html, quiet)


def test_buttons_appear_only_where_they_can_be_used(max_client, world):
    # given Blue Bakery has a pending request, Green Garden is managed, Amber Arts is referred
    amber = credited_account(world.partner, organization_name="Amber Arts")
    request_for(world)

    html = max_client.get(LIST).content.decode()

    assert "Request permission to manage" in row(html, amber)
    assert "Cancel permission request" not in row(html, amber)
    pending = row(html, world.account)
    assert ">Request pending</span>" in pending
    assert "Cancel permission request" in pending
    assert "Request permission to manage" not in pending
    managed = row(html, world.managed_account)
    assert "Request permission to manage" not in managed
    assert "Cancel permission request" not in managed


def test_the_type_filter_is_in_the_url(max_client, world):
    referred = max_client.get(LIST, {"type": "referred"}).content.decode()
    managed = max_client.get(LIST, {"type": "managed"}).content.decode()

    assert organizations(referred) == ["Blue Bakery"]
    assert organizations(managed) == ["Green Garden"]
    assert '<option value="referred" selected>Referred</option>' in referred


def test_search_and_status_filter_are_in_the_url(max_client, world):
    credited_account(
        world.partner,
        organization_name="Trial Tulips",
        plan_type="TRIAL",
        billing_status="Trial",
        converted_at=None,
    )

    assert organizations(max_client.get(LIST, {"q": "garden"}).content.decode()) == ["Green Garden"]
    trials = max_client.get(LIST, {"status": "trial_active"}).content.decode()
    assert organizations(trials) == ["Trial Tulips"]
    assert '<span class="status status-trial-active">Trial - active</span>' in trials
    assert '<option value="trial_active" selected>Trial - active</option>' in trials


def test_every_status_of_the_domain_is_offered_as_a_filter(max_client):
    html = max_client.get(LIST).content.decode()

    labels = re.findall(r'<option value="[a-z_]+" >([^<]+)</option>', html)
    assert labels == [
        "Referred",
        "Managed",
        "Active",
        "Trial - active",
        "Trial - expired",
        "Cancelled",
        "Disabled - compliance",
        "Disabled - balance due",
        "Single Bill",
        "Full access",
        "Marketing",
        "Reports only",
    ]


def test_columns_sort_from_the_url_and_link_to_the_other_direction(max_client, world):
    credited_account(world.partner, organization_name="Amber Arts", contact_count=5000)

    by_contacts = max_client.get(LIST, {"sort": "contacts"}).content.decode()
    reversed_ = max_client.get(LIST, {"sort": "-contacts"}).content.decode()

    assert organizations(by_contacts) == ["Blue Bakery", "Green Garden", "Amber Arts"]
    assert organizations(reversed_) == ["Amber Arts", "Green Garden", "Blue Bakery"]
    assert (
        '<th scope="col" class="num" aria-sort="ascending"><a href="/portal/accounts/?sort=-contacts"'
        in by_contacts
    )
    assert (
        '<th scope="col" class="num" aria-sort="descending"><a href="/portal/accounts/?sort=contacts"'
        in reversed_
    )


def test_page_size_and_next_previous_links(max_client, world):
    # given 12 accounts in all
    for n in range(10):
        credited_account(world.partner, organization_name=f"Zed {n:02d}")

    first = max_client.get(LIST, {"size": "10"})
    html = first.content.decode()
    next_url = (
        re.search(r'<a class="btn btn-small" rel="next" href="([^"]+)"', html)
        .group(1)
        .replace("&amp;", "&")
    )
    second = max_client.get(next_url).content.decode()
    prev_url = (
        re.search(r'<a class="btn btn-small" rel="prev" href="([^"]+)"', second)
        .group(1)
        .replace("&amp;", "&")
    )
    back = max_client.get(prev_url).content.decode()

    assert first.context["total"] == 12
    assert organizations(html) == ["Blue Bakery", "Green Garden"] + [
        f"Zed {n:02d}" for n in range(8)
    ]
    assert next_url.startswith("/portal/accounts/?size=10&cursor=")
    assert organizations(second) == ["Zed 08", "Zed 09"]
    assert '<span class="btn btn-small disabled" aria-disabled="true">Next ›</span>' in second
    assert organizations(back) == organizations(html)
    assert "<strong>1–10</strong> of 12 accounts" in html
    assert "<strong>11–12</strong> of 12 accounts" in second
    assert "<strong>1–10</strong> of 12 accounts" in back


def link(html: str, label: str) -> str:
    found = re.search(rf'<a class="pager-number" href="([^"]+)"[^>]*aria-label="{label}"', html)
    return found.group(1).replace("&amp;", "&")


def test_pages_by_number_show_where_they_are_and_jump_there(max_client, world):
    # Given 62 accounts: 2 of the world and 60 more, 10 to a page, so 7 pages
    for n in range(60):
        credited_account(world.partner, organization_name=f"Zed {n:02d}")

    # When the partner opens the first page
    first = max_client.get(LIST, {"size": "10"}).content.decode()

    # Then the pager numbers the pages, the first current, and a jump form offers all 7
    assert '<span class="pager-number current" aria-current="page">1</span>' in first
    assert re.findall(r'aria-label="Page (\d+)"', first) == ["2", "3", "7"]
    assert '<input id="page-jump" name="page" type="number" min="1" max="7" value="1"' in first
    assert '<input type="hidden" name="size" value="10">' in first

    # When they click page 7, the last
    last = max_client.get(link(first, "Page 7")).content.decode()
    # Then they see its rows, numbered 61 to 62
    assert organizations(last) == ["Zed 58", "Zed 59"]
    assert "<strong>61–62</strong> of 62 accounts" in last
    assert '<span class="pager-number current" aria-current="page">7</span>' in last

    # When they jump to page 4 and then follow Next
    fourth = max_client.get(LIST, {"size": "10", "page": "4"}).content.decode()
    next_url = re.search(r'rel="next" href="([^"]+)"', fourth).group(1).replace("&amp;", "&")
    fifth = max_client.get(next_url).content.decode()
    # Then both pages hold the rows of their position, and Next knows it is on page 5
    assert organizations(fourth) == [f"Zed {n:02d}" for n in range(28, 38)]
    assert "<strong>31–40</strong> of 62 accounts" in fourth
    assert organizations(fifth) == [f"Zed {n:02d}" for n in range(38, 48)]
    assert "<strong>41–50</strong> of 62 accounts" in fifth
    assert '<span class="pager-number current" aria-current="page">5</span>' in fifth


def test_a_page_past_the_last_shows_the_last_and_a_bad_page_the_first(max_client, world):
    for n in range(10):
        credited_account(world.partner, organization_name=f"Zed {n:02d}")

    past = max_client.get(LIST, {"size": "10", "page": "99999999999999999999"})
    bad = max_client.get(LIST, {"size": "10", "page": "two"})

    assert past.status_code == 200
    assert organizations(past.content.decode()) == ["Zed 08", "Zed 09"]
    assert bad.status_code == 200
    assert organizations(bad.content.decode())[:2] == ["Blue Bakery", "Green Garden"]
    assert flashes(bad) == ["There is no such page; showing the first page."]


def test_a_page_number_follows_the_sort_and_its_empty_values(max_client, world):
    # Given 12 accounts that have logged in and 15 never used, sorted by last login: the
    # never-used come last, so page 3 starts among them
    for n in range(10):
        credited_account(world.partner, organization_name=f"Zed {n:02d}")
    for n in range(15):
        credited_account(world.partner, organization_name=f"Never {n:02d}", last_login_at=None)
    params = {"size": "10", "sort": "-last_login"}

    # When the pages are read by number and by following Next
    by_number = []
    for number in (1, 2, 3):
        html = max_client.get(LIST, {**params, "page": number}).content.decode()
        by_number += organizations(html)
    walked = []
    html = max_client.get(LIST, params).content.decode()
    while True:
        walked += organizations(html)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        if not found:
            break
        html = max_client.get(found.group(1).replace("&amp;", "&")).content.decode()

    # Then both hold every account once, in the same order
    assert by_number == walked
    assert len(walked) == len(set(walked)) == 27
    assert walked[-15:] == [f"Never {n:02d}" for n in range(15)]


def test_a_stale_page_link_shows_the_first_page_and_says_so(max_client):
    response = max_client.get(LIST, {"cursor": "not-a-cursor"})

    assert response.status_code == 200
    assert organizations(response.content.decode()) == ["Blue Bakery", "Green Garden"]
    assert flashes(response) == ["That page link no longer fits this view; showing the first page."]


def test_an_htmx_filter_change_returns_only_the_table(max_client):
    response = max_client.get(
        LIST, {"type": "managed"}, headers={"HX-Request": "true", "HX-Target": "accounts-table"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="accounts-table"')
    assert organizations(html) == ["Green Garden"]


# --- An account's page --------------------------------------------------------------------------


def test_the_account_page_shows_history_timeline_and_consent(client, world):
    request = request_for(world, message="We will run your newsletter.")
    manage_request_confirm(
        actor=world.customer,
        request_id=request.pk,
        ip_address="198.51.100.20",
        user_agent="Firefox/133",
        disclaimer_version=DISCLAIMER.version,
    )
    client.force_login(world.owner.user)

    html = client.get(
        reverse("partner-account", args=[world.account.encoded_account_id])
    ).content.decode()

    assert '<h1>Blue Bakery <span class="badge badge-managed">Managed</span></h1>' in html
    assert "<dt>How it came</dt><dd>Signed up through the invite link</dd>" in html
    assert "Customer granted access" in html
    assert re.findall(r'<p class="timeline-title">([^<]+)</p>', html) == [
        "Customer confirmed: partner has full access",
        "Permission to manage requested",
        "Account moved under the partnership",
    ]
    assert "· by Cora Baker" in html
    assert "“We will run your newsletter.”" in html
    assert "<dt>Given by</dt><dd>Cora Baker &lt;bluebakery@client.test&gt;</dd>" in html
    assert '<span class="pill pill-ok">In force</span>' in html
    assert '<dt>From address</dt><dd class="mono">198.51.100.20</dd>' in html
    assert '<dt>Disclaimer version</dt><dd class="mono">2026-11-01</dd>' in html
    assert "You have full access to this account." in html


# --- Request permission to manage -----------------------------------------------------------------


def request_url(account, next_url=LIST) -> str:
    return (
        reverse("partner-request-create", args=[account.encoded_account_id]) + f"?next={next_url}"
    )


def test_the_request_overlay_says_what_the_customer_will_be_asked(max_client, world):
    response = max_client.get(request_url(world.account), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div class="overlay" role="dialog"')
    assert '<h2 id="overlay-title">Request managed access</h2>' in html
    assert "<strong>full access to their account</strong>" in html
    assert "Confirming grants Brightwave Agency full access to your account." in html
    assert 'name="message"' in html
    assert '<button class="btn btn-primary" type="submit">Request permission</button>' in html


def test_without_scripts_the_overlay_is_a_page(max_client, world):
    html = max_client.get(request_url(world.account)).content.decode()

    assert "<title>Request managed access" in html
    assert '<h2 id="overlay-title">Request managed access</h2>' in html


def test_requesting_sends_the_customer_an_email_and_returns_to_the_list(
    max_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = max_client.post(
            request_url(world.account, next_url=f"{LIST}?type=referred"),
            {"message": "As agreed on our call."},
            follow=True,
        )

    assert response.redirect_chain == [("/portal/accounts/?type=referred", 302)]
    assert flashes(response) == ["Request sent. Cora Baker will be asked to confirm."]
    assert "Cancel permission request" in row(response.content.decode(), world.account)
    request = ManageRequest.objects.get(account=world.account)
    assert (request.status, request.message, request.requested_by) == (
        "pending",
        "As agreed on our call.",
        world.member.user,
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["bluebakery@client.test"], "Brightwave Agency asks for permission to manage Blue Bakery")
    ]


def test_requesting_with_htmx_swaps_the_row(max_client, world):
    response = max_client.post(
        request_url(world.account), {"message": ""}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<tbody id="row-{world.account.encoded_account_id}"')
    assert "Cancel permission request" in row(html, world.account)
    assert "Request sent. Cora Baker will be asked to confirm." in html
    assert '<div id="overlay" hx-swap-oob="true"></div>' in html


def test_a_second_request_is_refused_on_the_page_and_changes_nothing(max_client, world):
    request_for(world)
    before = access_state(world.account)

    response = max_client.post(request_url(world.account), {"message": "again"})

    assert response.status_code == 409
    assert "A request for this account is already waiting." in response.content.decode()
    assert access_state(world.account) == before


def test_a_refused_htmx_request_shows_the_overlay_again_with_the_error(max_client, world):
    request_for(world)
    before = access_state(world.account)

    response = max_client.post(
        request_url(world.account), {"message": "again"}, headers={"HX-Request": "true"}
    )

    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#overlay", "innerHTML")
    assert "A request for this account is already waiting." in response.content.decode()
    assert "again</textarea>" in response.content.decode()
    assert access_state(world.account) == before


def test_requesting_a_managed_account_is_refused(max_client, world):
    before = access_state(world.managed_account)

    response = max_client.post(request_url(world.managed_account), {"message": ""})
    page = max_client.get(request_url(world.managed_account), follow=True)

    assert response.status_code == 409
    assert "You already manage this account." in response.content.decode()
    assert page.redirect_chain == [(LIST, 302)]
    assert flashes(page) == ["You already manage this account."]
    assert access_state(world.managed_account) == before


def test_a_message_over_1000_characters_is_refused(max_client, world):
    before = access_state(world.account)

    response = max_client.post(request_url(world.account), {"message": "x" * 1001})

    assert response.status_code == 400
    assert "The message is longer than 1000 characters." in response.content.decode()
    assert access_state(world.account) == before


def test_next_never_leaves_the_site(max_client, world):
    response = max_client.post(request_url(world.account, next_url="https://evil.example/"), {})

    assert (response.status_code, response["Location"]) == (302, LIST)


# --- Cancel permission request -------------------------------------------------------------------


def cancel_url(account) -> str:
    return reverse("partner-request-cancel", args=[account.encoded_account_id])


def test_cancelling_tells_the_customer_and_offers_the_request_again(
    max_client, world, django_capture_on_commit_callbacks
):
    request = request_for(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = max_client.post(cancel_url(world.account), {"next": LIST}, follow=True)

    assert flashes(response) == ["Permission request cancelled."]
    assert "Request permission to manage" in row(response.content.decode(), world.account)
    assert ManageRequest.objects.get(pk=request.pk).status == RequestStatus.CANCELLED
    assert [m.subject for m in mail.outbox] == [
        "Brightwave Agency withdrew its request for Blue Bakery"
    ]


def test_cancelling_with_htmx_swaps_the_row(max_client, world):
    request_for(world)

    response = max_client.post(cancel_url(world.account), {}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "Request permission to manage" in row(html, world.account)
    assert "Permission request cancelled." in html


def test_cancelling_when_nothing_waits_changes_nothing(max_client, world):
    before = access_state(world.account)

    response = max_client.post(cancel_url(world.account), {}, follow=True)

    assert flashes(response) == ["There is no waiting request for this account."]
    assert access_state(world.account) == before


def test_cancelling_an_answered_request_changes_nothing(max_client, world):
    # given the customer confirmed a moment before the partner clicked Cancel
    request = request_for(world)
    manage_request_confirm(
        actor=world.customer,
        request_id=request.pk,
        ip_address=None,
        user_agent="",
        disclaimer_version=DISCLAIMER.version,
    )
    before = access_state(world.account)

    response = max_client.post(cancel_url(world.account), {}, follow=True)

    assert flashes(response) == ["There is no waiting request for this account."]
    assert access_state(world.account) == before
    assert (
        world.account.__class__.objects.get(pk=world.account.pk).partnership_kind
        == PartnershipKind.MANAGED
    )


def test_the_list_shows_when_a_request_was_sent(max_client, world):
    request = request_for(world)
    ManageRequest.objects.filter(pk=request.pk).update(
        created_at=dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC),
        expires_at=dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC),
    )

    html = max_client.get(LIST).content.decode()

    assert "sent 3 Nov 2026 · expires 3 Dec 2026" in row(html, world.account)
    assert "Asked by Max Miller; expires 3 Dec 2026" in row(html, world.account)


def test_a_total_past_the_cap_is_shown_as_a_lower_bound(max_client, world, monkeypatch):
    # A search too short for the substring index is counted by walking the rows, up to a cap.
    from partnerhub.clients import selectors
    from partnerhub.clients.search import scan_filter

    for n in range(3):
        credited_account(world.partner, organization_name=f"Capped Candles {n}")
    short = "dl"
    matching = world.partner.accounts.filter(scan_filter(short)).count()
    assert matching >= 3
    monkeypatch.setattr(selectors, "COUNT_CAP", matching - 1)

    many = max_client.get(LIST, {"q": short}).content.decode()
    assert f"{matching - 1}+ accounts matching" in many
    assert len(organizations(many)) == matching  # the page still shows every row that fits
    monkeypatch.setattr(selectors, "COUNT_CAP", matching)
    exact = max_client.get(LIST, {"q": short}).content.decode()
    assert f"{matching} accounts matching" in exact and f"{matching}+" not in exact


def test_a_search_through_the_index_is_counted_exactly_on_every_page(
    max_client, world, monkeypatch
):
    from partnerhub.clients import selectors

    for n in range(12):
        credited_account(world.partner, organization_name=f"Capped Candles {n:02d}")
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for params in ({}, {"page": "2"}):
        html = max_client.get(LIST, {"q": "capped candles", "size": "10", **params})
        assert "of 12 accounts matching" in html.content.decode(), params


def test_the_type_counts_come_from_the_counters(max_client, world):
    from partnerhub.partnerships.models import PartnerAccountCount

    assert "1 managed" in max_client.get(LIST).content.decode()
    PartnerAccountCount.objects.filter(partner=world.partner).delete()
    PartnerAccountCount.objects.create(
        partner=world.partner, slot=0, referred=4321, managed=7, total=4328
    )
    html = max_client.get(LIST).content.decode()
    assert "4,321 referred" in html and "7 managed" in html
    # With no filter the total is the counters' too: the list does not count the rows.
    assert "of 4,328 accounts" in html
