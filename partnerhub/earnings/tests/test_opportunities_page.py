"""Earnings > Would earn as managed: the referred accounts that earn no revenue share, what they
would have earned as managed, highest first, in pages, each with its request button."""

import re

import pytest

from partnerhub.access.models import ManageRequest
from partnerhub.access.services import manage_request_create
from partnerhub.core.keyset import Cursor
from partnerhub.earnings import selectors
from partnerhub.earnings.filters import STALE_PAGE_LINK, parse_opportunity_cursor
from partnerhub.earnings.models import Terms
from partnerhub.earnings.rules import rate_to_ppm, share_of
from partnerhub.earnings.tests.builders import (
    MANAGED,
    account,
    close,
    d,
    partner,
    pay,
    terms,
)
from partnerhub.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

OPPORTUNITIES = "/portal/earnings/would-earn-as-managed/"
OCTOBER = d("2026-10-01")


def _out_of_window(p, name: str):
    """Converted 1 January 2024, moved 1 June 2024: long after both windows."""
    return account(
        p, converted_on=d("2024-01-01"), moved_on=d("2024-06-01"), organization_name=name
    )


def _names(page: str) -> list[str]:
    return re.findall(r'<td data-label="Account" class="org"><a href="[^"]+">([^<]+)</a>', page)


def test_accounts_come_highest_first_in_pages_of_25(client):
    # Given 27 referred accounts out of window; Client n paid 10.00 x n in October
    p = partner()
    member = MemberFactory(partner=p).user
    for n in range(1, 28):
        pay(_out_of_window(p, f"Client {n:02d}"), f"INV-{n}", d("2026-10-10"), 1000 * n)
    close("2026-10")
    client.force_login(member)

    first = client.get(OPPORTUNITIES).content.decode()
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).content.decode()

    assert _names(first) == [f"Client {n:02d}" for n in range(27, 2, -1)]
    assert _names(second) == ["Client 02", "Client 01"]
    # 20% of 270.00
    assert '<td data-label="As managed" class="num"><strong>54.00 USD</strong></td>' in first
    assert "27 accounts, 756.00 USD in all" in first
    assert '<span class="btn disabled" aria-disabled="true">Next ›</span>' in second


def test_only_accounts_that_earn_nothing_today_are_offered_at_their_locked_rate():
    # Given terms of 20% with a 60-day window, then from 2025-01-01 terms of 25% with 90 days
    terms(d("2025-01-01"), "0.25", window_days=90)
    p = partner()
    stories = {
        # referred, out of window under the first terms: offered at 20%
        "Old referral": _out_of_window(p, "Old referral"),
        # moved 80 days after conversion: out of window under 60 days, inside under 90
        "Locked 90 days": account(
            p, converted_on=d("2025-03-01"), moved_on=d("2025-05-20"), organization_name="L90"
        ),
        # moved 100 days after conversion under the 90-day terms: offered at 25%
        "Locked 25%": account(
            p, converted_on=d("2025-03-01"), moved_on=d("2025-06-09"), organization_name="L25"
        ),
        "Managed": account(p, converted_on=d("2024-01-01"), moved_on=d("2024-06-01"), kind=MANAGED),
        "Single Bill": account(
            p, converted_on=d("2024-01-01"), moved_on=d("2024-06-01"), single_bill=True
        ),
    }
    for n, a in enumerate(stories.values(), start=1):
        pay(a, f"INV-{n}", d("2026-10-12"), 12345)
    quiet = _out_of_window(p, "Paid nothing in October")
    pay(quiet, "INV-SEPT", d("2026-09-12"), 5000)

    # and a partner deployed on 20 August whose old account moved in on 1 September
    newcomer = partner(deployed_on=d("2026-08-20"))
    by_deployment = account(newcomer, converted_on=d("2024-01-01"), moved_on=d("2026-09-01"))
    pay(by_deployment, "INV-DEP", d("2026-10-12"), 12345)

    offered = list(selectors.managed_opportunities(partner_id=p.pk, month=OCTOBER))
    newcomers = list(selectors.managed_opportunities(partner_id=newcomer.pk, month=OCTOBER))

    assert [(a.organization_name, a.paid_minor, a.would_earn_minor) for a in offered] == [
        ("L25", 12345, 3086),  # 25% of 123.45 = 30.8625, half up to 30.86
        ("Old referral", 12345, 2469),  # 20% of 123.45 = 24.69
    ]
    assert newcomers == []
    # The same accounts the per-account rule says earn no revenue share, at their locked rate
    for a in stories.values():
        eligibility = selectors.account_eligibility(account=a)
        is_offered = a.pk in {o.pk for o in offered}
        assert is_offered == (not eligibility.revenue_share and not a.single_bill), a
        if is_offered:
            rate = rate_to_ppm(eligibility.terms.revenue_share_rate)
            assert next(o for o in offered if o.pk == a.pk).would_earn_minor == share_of(
                12345, rate
            )


def test_each_row_has_a_request_button_or_says_a_request_is_pending(client):
    p = partner()
    member = MemberFactory(partner=p).user
    asked = _out_of_window(p, "Asked Already")
    open_one = _out_of_window(p, "Not Asked")
    pay(asked, "INV-1", d("2026-10-10"), 5000)
    pay(open_one, "INV-2", d("2026-10-11"), 4000)
    manage_request_create(actor=member, account_id=asked.pk)
    close("2026-10")
    client.force_login(member)

    page = client.get(OPPORTUNITIES).content.decode()

    asked_row = page[page.index(f'id="row-{asked.encoded_account_id}"') :]
    asked_row = asked_row[: asked_row.index("</div>")]
    open_row = page[page.index(f'id="row-{open_one.encoded_account_id}"') :]
    open_row = open_row[: open_row.index("</form>")]
    assert "Request pending" in asked_row
    assert "<button" not in asked_row
    request_url = f"/portal/accounts/{open_one.encoded_account_id}/request/"
    assert f'<form method="get" action="{request_url}" hx-get="{request_url}"' in open_row
    assert '<input type="hidden" name="next" value="/portal/earnings/would-earn-as-managed/">' in (
        open_row
    )
    assert '<input type="hidden" name="swap" value="action">' in open_row
    assert '<button class="btn btn-small" type="submit">Request permission to manage</button>' in (
        open_row
    )


def test_requesting_from_the_page_swaps_only_the_rows_action(client):
    # Given the overlay opened from the page (htmx), with swap=action carried along
    p = partner()
    member = MemberFactory(partner=p).user
    a = _out_of_window(p, "Northside Physio")
    pay(a, "INV-1", d("2026-10-10"), 5000)
    close("2026-10")
    client.force_login(member)
    url = f"/portal/accounts/{a.encoded_account_id}/request/"

    overlay = client.get(
        url, {"next": OPPORTUNITIES, "swap": "action"}, headers={"HX-Request": "true"}
    ).content.decode()
    response = client.post(
        url,
        {"next": OPPORTUNITIES, "swap": "action", "message": ""},
        headers={"HX-Request": "true"},
    )

    assert '<input type="hidden" name="swap" value="action">' in overlay
    html = response.content.decode()
    assert html.startswith(f'<div id="row-{a.encoded_account_id}" class="row-action">')
    assert "Request pending" in html
    assert "<tbody" not in html
    assert '<div id="overlay" hx-swap-oob="true"></div>' in html
    assert ManageRequest.objects.filter(account=a, status="pending").count() == 1


def test_an_unknown_swap_gets_the_row_of_my_accounts(client):
    p = partner()
    member = MemberFactory(partner=p).user
    a = _out_of_window(p, "Northside Physio")
    client.force_login(member)

    response = client.post(
        f"/portal/accounts/{a.encoded_account_id}/request/",
        {"swap": "../../settings", "message": ""},
        headers={"HX-Request": "true"},
    )

    assert response.content.decode().startswith(f'<tbody id="row-{a.encoded_account_id}"')


def test_a_broken_page_link_shows_the_first_page_and_says_so(client):
    p = partner()
    member = MemberFactory(partner=p).user
    pay(_out_of_window(p, "Northside Physio"), "INV-1", d("2026-10-10"), 5000)
    close("2026-10")
    client.force_login(member)

    page = client.get(OPPORTUNITIES, {"cursor": "WyJ4IiwgMSwgMCwgMF0"}).content.decode()

    assert "That page link no longer fits this view; showing the first page." in page
    assert _names(page) == ["Northside Physio"]


def test_a_month_without_such_accounts_says_so(client):
    p = partner()
    member = MemberFactory(partner=p).user
    a = account(p, converted_on=d("2026-10-01"), moved_on=d("2026-10-02"))
    pay(a, "INV-1", d("2026-10-10"), 5000)
    close("2026-10")
    client.force_login(member)

    page = client.get(OPPORTUNITIES).content.decode()

    assert "None this month." in page
    assert "<table" not in page


def test_without_program_terms_nothing_is_offered_and_the_tabs_still_answer(client):
    # Given a closed month, then every version of the terms removed
    p = partner()
    member = MemberFactory(partner=p).user
    pay(_out_of_window(p, "Northside Physio"), "INV-1", d("2026-10-10"), 5000)
    close("2026-10")
    Terms.objects.all().delete()
    client.force_login(member)

    responses = [
        client.get(url) for url in ("/portal/earnings/", "/portal/earnings/lines/", OPPORTUNITIES)
    ]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "None this month." in responses[2].content.decode()


@pytest.mark.parametrize("value", ["x", True, 1.5, None])
def test_a_page_link_must_hold_an_amount_in_cents(value):
    token = Cursor(value, 7, value is None, False).encode()

    assert parse_opportunity_cursor({"cursor": token}) == (None, [STALE_PAGE_LINK])
    assert parse_opportunity_cursor({"cursor": Cursor(2200, 7, False, False).encode()}) == (
        Cursor(2200, 7, False, False),
        [],
    )
