"""Earnings in a real browser, by the labels people see, at desktop and phone width: the three
tabs, the Lines filter, and a request for permission to manage sent from *Would earn as
managed* through the request overlay. Screenshots land in test-results/<test name>/."""

import pytest

from partnerhub.earnings.tests.builders import MANAGED, account, close, d, partner, pay
from partnerhub.portal.tests.test_browser_flow import sign_in
from partnerhub.tests.factories import MemberFactory

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _story():
    """A partner with October 2026 closed: one managed account that earned, one account in
    window (bonus and revenue share), and two referred accounts out of window that paid."""
    p = partner(name="Northwind Digital")
    member = MemberFactory(partner=p, user__username="priya@northwind.test")
    managed = account(
        p,
        converted_on=d("2024-01-01"),
        moved_on=d("2026-09-01"),
        kind=MANAGED,
        organization_name="Copperleaf Studio",
    )
    fresh = account(
        p,
        converted_on=d("2026-10-01"),
        moved_on=d("2026-10-02"),
        organization_name="Bluebird Bakery",
    )
    for name, amount in (("Lumen Dental Care", 9000), ("Oak and Ivy Florist", 4000)):
        old = account(
            p, converted_on=d("2024-01-01"), moved_on=d("2024-06-01"), organization_name=name
        )
        pay(old, f"INV-{name[:4].upper()}", d("2026-10-08"), amount)
    pay(managed, "INV-COPPER", d("2026-10-05"), 30000)
    pay(fresh, "INV-BLUE", d("2026-10-06"), 4500)
    close("2026-10", today=d("2026-11-26"))
    return member.user


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_three_tabs_the_lines_filter_and_a_request_from_would_earn(pages, shots, width):
    user = _story()
    page = pages.open() if width == "desktop" else pages.open_phone()
    sign_in(page, user.username, shots, "sign-in")

    # Summary
    page.goto("/portal/earnings/")
    tabs = page.get_by_role("navigation", name="Earnings")
    expect(
        page.get_by_role("heading", name="Financial Benefit Report · October 2026")
    ).to_be_visible()
    expect(page.get_by_text("Payable now")).to_be_visible()
    expect(tabs.get_by_role("link", name="Summary")).to_have_attribute("aria-current", "page")
    _no_sideways_scroll(page)
    shots(page, "summary")

    # Lines, filtered by type
    tabs.get_by_role("link", name="Lines").click()
    expect(page.get_by_role("heading", name="Lines · October 2026")).to_be_visible()
    expect(page.get_by_text("3 lines")).to_be_visible()
    page.get_by_label("Type").select_option(label="New account bonus")
    page.get_by_role("button", name="Show lines").click()
    expect(page.get_by_text("1 line", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Bluebird Bakery")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", "/portal/earnings/lines.csv?month=2026-10&type=new_account_bonus"
    )
    _no_sideways_scroll(page)
    shots(page, "lines-bonuses")

    # Would earn as managed: highest first, and a request through the overlay
    page.get_by_role("navigation", name="Earnings").get_by_role(
        "link", name="Would earn as managed"
    ).click()
    rows = page.locator("table.opportunities tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Lumen Dental Care")
    expect(rows.nth(0)).to_contain_text("18.00 USD")
    _no_sideways_scroll(page)
    shots(page, "would-earn")
    rows.nth(0).get_by_role("button", name="Request permission to manage").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Request managed access")).to_be_visible()
    shots(page, "request-overlay")
    dialog.get_by_role("button", name="Request permission").click()
    expect(rows.nth(0)).to_contain_text("Request pending")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(rows.nth(1).get_by_role("button", name="Request permission to manage")).to_be_visible()
    assert page.url.endswith("/portal/earnings/would-earn-as-managed/?month=2026-10")
    shots(page, "request-sent")
    pages.assert_no_script_errors()
