"""The bell at phone width and on a desktop: a customer told of a request opens it from the
header, lands on the request, and the count goes away. Screenshots land in test-results/."""

import datetime as dt

import pytest

from partnerhub.access.services import manage_request_create
from partnerhub.portal.tests.test_browser_flow import sign_in
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _a_customer_with_a_request():
    partner = PartnerFactory(name="Northwind Digital", deployed_on=dt.date(2023, 4, 3))
    member = MemberFactory(partner=partner, user__username="priya@northwind.test")
    bakery = credited_account(
        partner,
        organization_name="Bluebird Bakery",
        owner_name="Dana Fox",
        login_name="bluebirdbakery",
        owner__username="dana@bluebird-bakery.test",
        owner__first_name="Dana",
        owner__last_name="Fox",
    )
    manage_request_create(actor=member.user, account_id=bakery.pk, message="")
    return bakery


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_customer_opens_a_notice_from_the_bell(pages, shots, width):
    _a_customer_with_a_request()
    page = pages.open_phone() if width == "phone" else pages.open()
    sign_in(page, "dana@bluebird-bakery.test", shots, "signed-in")

    bell = page.get_by_label("Notifications, 1 unread")
    bell.click()
    notice = page.get_by_role(
        "button", name="Unread: Northwind Digital asks for permission to manage Bluebird Bakery"
    )
    expect(notice).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shots(page, "bell-open", full_page=False)
    notice.click()

    expect(page.get_by_role("heading", name="Your solution provider")).to_be_visible()
    expect(page.get_by_label("Notifications", exact=True)).to_be_visible()
    page.get_by_label("Notifications", exact=True).click()
    expect(page.get_by_role("button", name="Unread:")).to_have_count(0)
    shots(page, "bell-read", full_page=False)
    pages.assert_no_script_errors()
