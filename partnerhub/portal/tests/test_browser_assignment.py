"""Team assignment in a real browser, by the labels people see: the owner opens a member's
accounts from the Team page, finds accounts, ticks two and assigns them; the account's page
names the member; the owner restricts members to their assigned accounts; the member then
lists only those; the customer reads who serves the account. At desktop and phone width;
screenshots land in test-results/<test name>/."""

import datetime as dt

import pytest

from partnerhub.partners.models import PartnerRole
from partnerhub.portal.tests.test_browser_flow import fits_the_screen, sign_in
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _cast():
    partner = PartnerFactory(name="Northwind Digital", deployed_on=dt.date(2023, 4, 3))
    owner = MemberFactory(
        partner=partner,
        role=PartnerRole.OWNER,
        user__username="priya@northwind.test",
        user__first_name="Priya",
        user__last_name="Shah",
    )
    member = MemberFactory(
        partner=partner,
        user__username="max@northwind.test",
        user__first_name="Max",
        user__last_name="Miller",
    )
    accounts = [
        credited_account(
            partner,
            organization_name=name,
            owner_name=f"{first} Fox",
            login_name=login,
            owner__username=f"{first.lower()}@{login}.test",
            owner__first_name=first,
            owner__last_name="Fox",
        )
        for name, login, first in [
            ("Bluebird Bakery", "bluebirdbakery", "Dana"),
            ("Bluebell Books", "bluebellbooks", "Ezra"),
            ("Cedar Cycles", "cedarcycles", "Finn"),
        ]
    ]
    return owner, member, accounts


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_owner_assigns_accounts_and_the_member_sees_only_those(pages, shots, width):
    owner, member, (bakery, books, cycles) = _cast()
    open_page = pages.open if width == "desktop" else pages.open_phone

    # The owner opens Max's accounts from the Team page and assigns two Blue… accounts
    page = open_page()
    sign_in(page, owner.user.email, shots, "owner-sign-in")
    page.goto("/portal/team/")
    page.get_by_role("row").filter(has_text="Max Miller").get_by_role(
        "link", name="None · Assign accounts"
    ).click()
    expect(page.get_by_role("heading", name="Accounts of Max Miller")).to_be_visible()
    page.get_by_label("Find accounts of the partnership").fill("blue")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Bluebird Bakery").check()
    page.get_by_label("Bluebell Books").check()
    shots(page, "ticked")
    fits_the_screen(page)
    page.get_by_role("button", name="Assign to Max Miller").click()
    expect(page.get_by_text("2 accounts assigned to Max Miller.")).to_be_visible()
    expect(page.get_by_role("link", name="Bluebird Bakery")).to_be_visible()
    shots(page, "assigned")

    # The account's page names him
    page.get_by_role("link", name="Bluebird Bakery").click()
    expect(page.locator("#assignees")).to_contain_text("Max Miller")
    fits_the_screen(page)

    # Members now see only the accounts assigned to them
    page.goto("/portal/team/")
    page.get_by_label("Only the accounts assigned to them").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Members now see only the accounts assigned to them.")).to_be_visible()

    # Max lists the two, and not the third
    max_page = open_page()
    sign_in(max_page, member.user.email, shots, "member-sign-in")
    max_page.goto("/portal/accounts/")
    expect(
        max_page.get_by_text("Northwind Digital shows you the accounts assigned to you.")
    ).to_be_visible()
    expect(max_page.get_by_role("link", name="Bluebell Books", exact=True)).to_be_visible()
    expect(max_page.get_by_role("link", name="Cedar Cycles", exact=True)).to_have_count(0)
    shots(max_page, "member-list")
    fits_the_screen(max_page)

    # Dana reads who serves her account
    customer = open_page()
    sign_in(customer, bakery.owner.email, shots, "customer-sign-in")
    customer.goto(f"/account/{bakery.encoded_account_id}/settings/billing/")
    expect(
        customer.get_by_role("heading", name="Who at Northwind Digital serves your account")
    ).to_be_visible()
    expect(customer.get_by_text("Max Miller", exact=True).first).to_be_visible()
    shots(customer, "customer-provider")
    fits_the_screen(customer)
