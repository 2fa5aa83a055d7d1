"""The referred -> managed flow in a real browser, by the labels people see.

A partner member asks a customer for permission to manage their account, cancels, asks
again; the customer confirms under Settings > Billing > Your solution provider, later turns
partner access off; the partner sees each outcome in My accounts. A second test looks at the
same pages at phone width. Screenshots land in test-results/<test name>/.
"""

import datetime as dt
import re

import pytest
from django.core import mail

from partnerhub.access.services import manage_request_create
from partnerhub.clients.models import BillingStatus, PartnershipKind, PlanType
from partnerhub.tests.factories import (
    PASSWORD,
    MemberFactory,
    PartnerFactory,
    credited_account,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser

MESSAGE = "As agreed on our call on Monday, we will take over your monthly newsletter."


# --- Data -----------------------------------------------------------------------------------


def _partnership():
    """A partner with a handful of accounts of both kinds, and one member who signs in."""
    partner = PartnerFactory(name="Northwind Digital", deployed_on=dt.date(2023, 4, 3))
    member = MemberFactory(
        partner=partner,
        user__username="priya@northwind.test",
        user__first_name="Priya",
        user__last_name="Shah",
    )
    bakery = credited_account(
        partner,
        organization_name="Bluebird Bakery",
        owner_name="Dana Fox",
        login_name="bluebirdbakery",
        contact_email="dana@bluebird-bakery.test",
        owner__first_name="Dana",
        owner__last_name="Fox",
        contact_count=4_812,
    )
    credited_account(
        partner,
        kind=PartnershipKind.MANAGED,
        organization_name="Copperleaf Studio",
        owner_name="Marco Bellini",
        login_name="copperleafstudio",
        contact_count=12_950,
    )
    credited_account(
        partner,
        organization_name="Harbor Yoga Collective",
        owner_name="Aiko Tanaka",
        login_name="harboryoga",
        plan_type=PlanType.TRIAL,
        billing_status=BillingStatus.TRIAL,
        converted_at=None,
        contact_count=310,
    )
    credited_account(
        partner,
        organization_name="Lumen Dental Care",
        owner_name="Samuel Okafor",
        login_name="lumendental",
        contact_count=2_204,
    )
    credited_account(
        partner,
        organization_name="Oak & Ivy Florist",
        owner_name="Grace Lindqvist",
        login_name="oakandivy",
        billing_status=BillingStatus.CANCELED,
        contact_count=95,
    )
    return member, bakery


# --- What a person does -----------------------------------------------------------------------


def sign_in(page, email: str, shots, step: str):
    page.goto("/signin/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    shots(page, step)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def account_row(page, organization: str):
    """The My accounts row of one account, found by its organization name."""
    return page.get_by_role("row").filter(
        has=page.get_by_role("link", name=organization, exact=True)
    )


def open_menu(page):
    """On a phone the menu sits behind its Menu button; on a wide screen it is always open."""
    button = page.get_by_role("button", name="Menu")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
    expect(page.get_by_role("navigation").first.locator(".sidenav-links")).to_be_visible()


def open_my_accounts(page):
    """The help article's words: In the "My Organization" menu on the left-hand side, click
    Accounts > My accounts."""
    open_menu(page)
    menu = page.get_by_role("navigation", name="Partner portal")
    expect(menu.get_by_text("My Organization")).to_be_visible()
    menu.get_by_role("link", name="Accounts", exact=True).click()
    open_menu(page)
    expect(menu.get_by_role("link", name="My accounts")).to_be_visible()
    menu.get_by_role("link", name="My accounts").click()
    expect(page.get_by_role("heading", name="My accounts")).to_be_visible()


def choose_account_type(page, label: str):
    """Pick a value in the Account type filter; the list reloads in place and the URL follows."""
    value = {"All": "", "Referred": "referred", "Managed": "managed"}[label]
    with page.expect_response(lambda r: "/portal/accounts/" in r.url and r.ok):
        page.get_by_label("Account type").select_option(label=label)
    expect(page.get_by_label("Account type")).to_have_value(value)
    if value:
        expect(page).to_have_url(re.compile(rf"[?&]type={value}(&|$)"))
    else:
        expect(page).not_to_have_url(re.compile(r"[?&]type=\w"))


def request_permission(page, organization: str, shots, step: str, *, message: str):
    row = account_row(page, organization)
    row.get_by_role("button", name="Request permission to manage").click()
    dialog = page.get_by_role("dialog", name="Request managed access")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("full access to their account")
    dialog.get_by_label("Message to the customer").fill(message)
    shots(page, step, full_page=False)
    dialog.get_by_role("button", name="Request permission", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Request pending")
    expect(row.get_by_role("button", name="Cancel permission request")).to_be_visible()
    expect(row.get_by_role("button", name="Request permission to manage")).to_have_count(0)
    expect(page.get_by_text("Request sent.")).to_be_visible()


def fits_the_screen(page) -> None:
    """Nothing scrolls sideways, and no control sticks out of the screen or out of a box
    that clips it (a card that scrolls, an overlay)."""
    found = page.evaluate(
        """() => {
            const inner = window.innerWidth;
            const outside = (r, left, right) => r.left < left - 0.5 || r.right > right + 0.5;
            const clipper = e => {
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') {
                        const box = p.getBoundingClientRect();
                        if (outside(e.getBoundingClientRect(), box.left, box.right)) return p;
                    }
                }
                return null;
            };
            const describe = e => e.tagName.toLowerCase() + ' "'
                + (e.innerText || e.value || e.placeholder || '').trim().slice(0, 30) + '"';
            const problems = [];
            for (const e of document.querySelectorAll('a, button, input, select, textarea')) {
                const r = e.getBoundingClientRect();
                if (!e.checkVisibility() || r.width < 2) continue;
                if (outside(r, 0, inner)) problems.push(describe(e) + ' is off the screen');
                const p = clipper(e);
                if (p) problems.push(describe(e) + ' is cut off by .' + p.className);
            }
            return {scroll: document.documentElement.scrollWidth, inner, problems};
        }"""
    )
    assert found["scroll"] <= found["inner"], (
        f"{page.url} scrolls sideways ({found['scroll']} > {found['inner']} px)"
    )
    assert found["problems"] == [], f"{page.url}: {found['problems']}"


# --- Tests ----------------------------------------------------------------------------------


def test_partner_requests_customer_confirms_then_turns_partner_access_off(pages, shots):
    member, bakery = _partnership()
    bakery_org = bakery.organization_name

    # The partner member signs in and opens My Organization > Accounts > My accounts.
    partner = pages.open()
    sign_in(partner, member.user.email, shots, "partner-sign-in")
    open_my_accounts(partner)
    expect(account_row(partner, "Copperleaf Studio")).to_contain_text("Managed")
    fits_the_screen(partner)
    shots(partner, "my-accounts")

    # Filter to referred accounts: the managed one leaves the list.
    choose_account_type(partner, "Referred")
    expect(account_row(partner, "Copperleaf Studio")).to_have_count(0)
    expect(account_row(partner, bakery_org)).to_be_visible()
    expect(partner.get_by_label("Search")).to_be_visible()
    expect(partner.get_by_label("Status")).to_be_visible()
    expect(partner.get_by_label("Show")).to_be_visible()
    shots(partner, "my-accounts-referred")

    # Request, cancel, request again.
    request_permission(partner, bakery_org, shots, "request-overlay", message="First try.")
    fits_the_screen(partner)
    shots(partner, "request-pending")
    row = account_row(partner, bakery_org)
    row.get_by_role("button", name="Cancel permission request").click()
    expect(row.get_by_role("button", name="Request permission to manage")).to_be_visible()
    expect(row).not_to_contain_text("Request pending")
    expect(partner.get_by_text("Permission request cancelled.")).to_be_visible()
    shots(partner, "request-cancelled")
    request_permission(partner, bakery_org, shots, "request-overlay-again", message=MESSAGE)
    shots(partner, "request-pending-again")

    # The customer signs in and finds the request in their account area.
    customer = pages.open()
    sign_in(customer, bakery.contact_email, shots, "customer-sign-in")
    expect(customer.get_by_role("heading", name=bakery_org)).to_be_visible()
    expect(customer.get_by_role("status").filter(has_text="asks for permission")).to_contain_text(
        f"Northwind Digital asks for permission to manage {bakery_org}"
    )
    shots(customer, "customer-account-notice")

    # Settings > Billing > Your solution provider: the partner, the message, the disclaimer.
    account_menu = customer.get_by_role("navigation", name="Your account")
    expect(account_menu.get_by_text("Settings")).to_be_visible()
    account_menu.get_by_role("link", name="Billing").click()
    expect(customer.get_by_role("heading", name="Your solution provider")).to_be_visible()
    request_card = customer.get_by_role("region", name=re.compile("asks for permission"))
    expect(request_card).to_contain_text("Northwind Digital")
    expect(request_card).to_contain_text(MESSAGE)
    expect(request_card).not_to_contain_text("First try.")
    expect(customer.get_by_role("note")).to_contain_text("full access to your account")
    expect(customer.get_by_role("button", name="Decline")).to_be_visible()
    fits_the_screen(customer)
    shots(customer, "customer-solution-provider-request")
    customer.get_by_role("button", name="Confirm").click()
    switch = customer.get_by_role("switch", name="Partner access enabled")
    expect(switch).to_be_visible()
    expect(switch).to_have_attribute("aria-checked", "true")
    confirmed = "Northwind Digital now has full access to your account."
    expect(customer.get_by_text(confirmed)).to_be_visible()
    expect(customer.get_by_role("button", name="Confirm")).to_have_count(0)
    shots(customer, "customer-partner-access-enabled")

    # The partner reloads My accounts: the account left the Referred view and is Managed.
    partner.reload()
    expect(account_row(partner, bakery_org)).to_have_count(0)
    choose_account_type(partner, "All")
    row = account_row(partner, bakery_org)
    expect(row.get_by_text("Managed", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Request permission to manage")).to_have_count(0)
    expect(row.get_by_role("button", name="Cancel permission request")).to_have_count(0)
    shots(partner, "my-accounts-managed")
    row.get_by_role("link", name=bakery_org, exact=True).click()
    expect(partner.get_by_role("heading", name=bakery_org)).to_contain_text("Managed")
    expect(partner.get_by_text("Customer confirmed: partner has full access")).to_be_visible()
    shots(partner, "account-detail-managed")
    partner.go_back()

    # The customer turns partner access off through the confirmation overlay.
    switch.click()
    dialog = customer.get_by_role("dialog", name="Partner access")
    expect(dialog).to_be_visible()
    shots(customer, "customer-partner-access-overlay", full_page=False)
    dialog.get_by_role("button", name="Turn off partner access").click()
    expect(dialog).to_be_hidden()
    expect(customer.get_by_text("Partner access is off.")).to_be_visible()
    expect(customer.get_by_role("switch", name="Partner access disabled")).to_have_attribute(
        "aria-checked", "false"
    )
    shots(customer, "customer-partner-access-off")

    # The partner sees the account back as referred, with the request button again.
    partner.reload()
    expect(partner.get_by_label("Account type")).to_have_value("")
    row = account_row(partner, bakery_org)
    expect(row).to_be_visible()
    expect(row.get_by_text("Managed", exact=True)).to_have_count(0)
    expect(row.get_by_role("button", name="Request permission to manage")).to_be_visible()
    choose_account_type(partner, "Referred")
    expect(account_row(partner, bakery_org)).to_be_visible()
    shots(partner, "my-accounts-referred-again")

    # Each step told the other side by e-mail, with a link to where to act.
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count(f"Northwind Digital asks for permission to manage {bakery_org}") == 2
    assert f"Northwind Digital withdrew its request for {bakery_org}" in subjects
    assert f"{bakery_org} confirmed: you now manage the account" in subjects
    assert f"{bakery_org} turned partner access off" in subjects
    ask = next(m for m in mail.outbox if "asks for permission" in m.subject)
    assert ask.to == [bakery.contact_email]
    assert f"/account/{bakery.encoded_account_id}/settings/billing/" in ask.body
    pages.assert_no_script_errors()


def test_phone_width_my_accounts_and_customer_pages_fit_the_screen(pages, shots):
    member, bakery = _partnership()
    lumen_org = "Lumen Dental Care"
    manage_request_create(actor=member.user, account_id=bakery.pk, message=MESSAGE)

    partner = pages.open_phone()
    sign_in(partner, member.user.email, shots, "phone-sign-in")
    fits_the_screen(partner)
    expect(partner.get_by_role("heading", name="My accounts")).to_be_visible()
    expect(partner.get_by_text("Request pending")).to_be_visible()
    expect(partner.locator("#accounts-table").get_by_text("Managed", exact=True)).to_be_visible()
    fits_the_screen(partner)
    shots(partner, "phone-my-accounts")

    lumen = partner.locator("tbody").filter(has_text=lumen_org)
    lumen.get_by_role("button", name="Request permission to manage").click()
    dialog = partner.get_by_role("dialog", name="Request managed access")
    expect(dialog).to_be_visible()
    fits_the_screen(partner)
    shots(partner, "phone-request-overlay", full_page=False)
    dialog.get_by_role("link", name="Close").click()
    expect(dialog).to_be_hidden()

    customer = pages.open_phone()
    sign_in(customer, bakery.contact_email, shots, "phone-customer-sign-in")
    expect(customer.get_by_text("asks for permission to manage")).to_be_visible()
    fits_the_screen(customer)
    shots(customer, "phone-customer-account")
    open_menu(customer)
    account_menu = customer.get_by_role("navigation", name="Your account")
    account_menu.get_by_role("link", name="Billing").click()
    expect(customer.get_by_role("heading", name="Your solution provider")).to_be_visible()
    expect(customer.get_by_role("button", name="Confirm")).to_be_visible()
    fits_the_screen(customer)
    shots(customer, "phone-customer-solution-provider")
    customer.get_by_role("button", name="Confirm").click()
    expect(customer.get_by_role("switch", name="Partner access enabled")).to_be_visible()
    fits_the_screen(customer)
    shots(customer, "phone-customer-partner-access-enabled")
    customer.get_by_role("switch", name="Partner access enabled").click()
    expect(customer.get_by_role("dialog", name="Partner access")).to_be_visible()
    fits_the_screen(customer)
    shots(customer, "phone-customer-partner-access-overlay", full_page=False)
    pages.assert_no_script_errors()
