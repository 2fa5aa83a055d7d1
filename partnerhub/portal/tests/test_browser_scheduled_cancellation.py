"""A cancellation the partner's integration scheduled for a later day, in a real browser: the
partner's account page and the customer's page both show when, who asked and through what;
the customer withdraws it. At desktop and phone width (390 px), without sideways scrolling.
Screenshots land in test-results/<test name>/."""

import datetime as dt

import pytest
from django.utils import timezone

from partnerhub.clients.models import PartnershipKind
from partnerhub.portal.tests.test_browser_flow import sign_in
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account
from partnerhub.v3.credentials import v3_client_create
from partnerhub.v3.services import account_cancel

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _scheduled():
    partner = PartnerFactory(name="Northwind Digital", deployed_on=dt.date(2023, 4, 3))
    member = MemberFactory(
        partner=partner,
        role="owner",
        user__username="priya@northwind.test",
        user__first_name="Priya",
        user__last_name="Shah",
    )
    account = credited_account(
        partner,
        kind=PartnershipKind.MANAGED,
        organization_name="Copperleaf Studio",
        owner_name="Marco Bellini",
        login_name="copperleaf",
        owner__username="marco@copperleaf.test",
        owner__first_name="Marco",
        owner__last_name="Bellini",
        contact_phone="401-244-1000",
        time_zone_id="Europe/Rome",
    )
    client, _secret, _key = v3_client_create(actor=member.user, name="Billing sync")
    account_cancel(
        client=client,
        account=account,
        reason_id=1,
        effective_date=timezone.now() + dt.timedelta(days=14),
    )
    return member, account


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_both_sides_see_the_scheduled_cancellation_and_the_customer_withdraws_it(
    pages, shots, phone
):
    member, account = _scheduled()
    open_page = pages.open_phone if phone else pages.open

    partner = open_page()
    sign_in(partner, "priya@northwind.test", shots, "partner-signs-in")
    partner.goto(f"/portal/accounts/{account.encoded_account_id}/")
    card = partner.locator("#scheduled-cancellation")
    expect(card.get_by_role("heading", name="Cancellation scheduled")).to_be_visible()
    expect(card).to_contain_text("Priya Shah of Northwind Digital")
    expect(card).to_contain_text("“Billing sync”")
    expect(card).to_contain_text("Cost too high")
    expect(card.get_by_role("button", name="Withdraw cancellation")).to_be_visible()
    expect(partner.get_by_text("401-244-1000")).to_be_visible()
    _fits(partner)
    shots(partner, "partner-account-page")

    customer = open_page()
    sign_in(customer, "marco@copperleaf.test", shots, "customer-signs-in")
    customer.goto(f"/account/{account.encoded_account_id}/")
    card = customer.locator("#scheduled-cancellation")
    expect(card).to_contain_text("This account will be cancelled on")
    expect(card).to_contain_text("Northwind Digital")
    _fits(customer)
    shots(customer, "customer-account-page")
    card.get_by_role("button", name="Withdraw cancellation").click()
    expect(customer.get_by_text("Cancellation withdrawn: your account stays open.")).to_be_visible()
    expect(customer.locator("#scheduled-cancellation")).to_have_count(0)
    shots(customer, "customer-withdrew")

    partner.reload()
    expect(partner.locator("#scheduled-cancellation")).to_have_count(0)
    expect(partner.get_by_text("Scheduled cancellation withdrawn")).to_be_visible()
    shots(partner, "partner-sees-it-withdrawn")
    pages.assert_no_script_errors()


def test_a_user_the_partner_added_sees_the_account_with_her_role_at_phone_width(pages, shots):
    from partnerhub.tests.factories import PASSWORD
    from partnerhub.v3.acting import sso_user_create
    from partnerhub.v3.models import V3Client
    from partnerhub.v3.schemas import SsoUserIn

    member, account = _scheduled()
    account_user = sso_user_create(
        client=V3Client.objects.get(partner=member.partner),
        account=account,
        data=SsoUserIn(
            first_name="Josie",
            last_name="Lang",
            role_name="campaign_creator",
            contact_email="josie@copperleaf.test",
            login_name="josie.lang",
            external_id="2337823",
            external_provider="Yahoo",
        ),
    )
    # She chose her password through "Forgot your password?" (tested elsewhere)
    account_user.user.set_password(PASSWORD)
    account_user.user.save()

    page = pages.open_phone()
    sign_in(page, "josie@copperleaf.test", shots, "user-signs-in")
    expect(page.get_by_role("heading", name="Copperleaf Studio")).to_be_visible()
    expect(page.get_by_text("You are a user of this account: Campaign creator.")).to_be_visible()
    expect(page.get_by_text("The account's owner decides who may operate it.")).to_be_visible()
    expect(page.locator("#scheduled-cancellation")).to_contain_text("Northwind Digital")
    expect(page.get_by_role("button", name="Withdraw cancellation")).to_have_count(0)
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Billing")).to_have_count(0)
    _fits(page)
    shots(page, "user-account-page")
    pages.assert_no_script_errors()
