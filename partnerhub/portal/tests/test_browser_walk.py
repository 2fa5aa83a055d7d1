"""Every page of the portal, in a real browser, at a laptop's width (1366 px) and a phone's
(390 px), on the demo program: partner, customer, staff, developer pages and sign-in.

For each page: nothing scrolls sideways, no script or console error, the whole menu can be
reached (behind the Menu button on a phone), and every table cell carries its column's name
(shown beside the value on a phone). Screenshots land in test-results/<test name>/.

The seed's own path (My Organization > Accounts > My accounts, Account type > Referred,
Request permission to manage, Request managed access, Request permission, the customer's
Confirm, Managed) is walked in test_browser_flow.py, by the same helpers.
"""

import re

import pytest
from django.core.management import call_command

from partnerhub.api.keys import api_key_create
from partnerhub.clients.models import ClientAccount
from partnerhub.demo.management.commands.demo_seed import PASSWORD
from partnerhub.partners.models import PartnerMember
from partnerhub.portal.tests.conftest import DESKTOP, PHONE
from partnerhub.portal.tests.test_browser_flow import fits_the_screen, open_menu
from partnerhub.webhooks.services import endpoint_create, endpoint_send_test

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser

PARTNER_MENU = ["Accounts", "My accounts", "Earnings", "Developers", "API keys", "Webhooks", "Team"]
CUSTOMER_MENU = ["Home", "Settings", "Billing"]
STAFF_MENU = ["Close and payouts", "Admin"]


def _demo():
    """The demo program, plus what it leaves out: an API key and a webhook with a delivery."""
    call_command("demo_seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    olivia = PartnerMember.objects.get(user__username="olivia@brightwave.example").user
    api_key_create(actor=olivia, name="Reporting sync", can_write=False)
    endpoint = endpoint_create(
        actor=olivia,
        url="http://127.0.0.1:9/partnerhub",  # nothing listens there: the test delivery fails
        event_types=[],
        description="CRM sync",
    )
    endpoint_send_test(actor=olivia, endpoint_id=endpoint.pk)
    managed = ClientAccount.objects.get(organization_name="Riverside Dental")
    return endpoint, managed


def sign_in(page, email: str) -> None:
    page.goto("/signin/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def console_errors(page) -> list[str]:
    return page.context.walk_console_errors


def open_person(pages, viewport: dict, email: str | None):
    if viewport is PHONE:
        # As open_phone, at one pixel per point: long pages make full-page screenshots heavy.
        page = pages.open(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    else:
        page = pages.open(viewport=DESKTOP)
    page.set_default_timeout(30_000)  # full-page screenshots of long pages on a busy machine
    page.context.walk_console_errors = []
    page.on(
        "console",
        lambda m: (
            page.context.walk_console_errors.append(f"{page.url}: {m.text} (at {m.location})")
            if m.type == "error"
            else None
        ),
    )
    if email:
        sign_in(page, email)
    return page


def menu_reaches(page, menu_name: str, sections: list[str]) -> None:
    """Every section of the menu is a visible link (after the Menu button, on a phone)."""
    open_menu(page)
    menu = page.get_by_role("navigation", name=menu_name)
    for label in sections:
        expect(menu.get_by_role("link", name=label, exact=True)).to_be_visible()


def cells_are_labelled(page, *, phone: bool) -> None:
    """Each data cell names its column: a data-label, shown before the value on a phone (a
    card's title, the organization, stands alone); on a wide screen the header row shows."""
    found = page.evaluate(
        """(phone) => {
            const problems = [];
            for (const table of document.querySelectorAll('main table')) {
                if (!table.checkVisibility()) continue;
                const head = table.querySelector('thead');
                if (!phone && head && !head.checkVisibility()) problems.push('a header row is hidden');
                for (const td of table.querySelectorAll('td')) {
                    if (!td.checkVisibility() || td.classList.contains('actions') || td.colSpan > 1) continue;
                    const label = td.dataset.label;
                    const text = td.innerText.trim().slice(0, 30);
                    if (!label) { problems.push('no label on "' + text + '"'); continue; }
                    if (phone && !td.classList.contains('org')) {
                        const shown = getComputedStyle(td, '::before').content;
                        if (shown !== JSON.stringify(label)) problems.push('"' + text + '" shows no "' + label + '"');
                    }
                }
            }
            return problems;
        }""",
        phone,
    )
    assert found == [], f"{page.url}: {found[:5]}"


def check(page, shots, step: str, *, menu: tuple[str, list[str]] | None, phone: bool) -> None:
    page.wait_for_load_state("networkidle")
    assert console_errors(page) == [], f"{step} ({page.url}): {console_errors(page)}"
    fits_the_screen(page)
    cells_are_labelled(page, phone=phone)
    shots(page, step)
    if menu:
        menu_reaches(page, *menu)
        fits_the_screen(page)
        if phone:
            shots(page, f"{step}-menu", full_page=False)
    assert console_errors(page) == [], f"{page.url}: {console_errors(page)}"


def test_every_page_fits_has_its_menu_and_labels_its_cells(pages, shots):
    # One demo program for both widths (loading it is the slow part).
    endpoint, managed = _demo()
    for width in ("desktop", "phone"):
        walk_every_page(pages, shots, width, endpoint=endpoint, managed=managed)
    pages.assert_no_script_errors()


def walk_every_page(pages, shots, width: str, *, endpoint, managed) -> None:
    viewport = PHONE if width == "phone" else DESKTOP
    phone = width == "phone"
    partner_menu = ("Partner portal", PARTNER_MENU)

    # Signed out: the sign-in page.
    visitor = open_person(pages, viewport, None)
    visitor.goto("/signin/")
    check(visitor, shots, f"{width}-sign-in", menu=None, phone=phone)

    # The partner's owner: every page of My Organization.
    olivia = open_person(pages, viewport, "olivia@brightwave.example")
    partner_pages = [
        ("my-accounts", "/portal/accounts/"),
        ("my-accounts-referred", "/portal/accounts/?type=referred&page=3"),
        ("account-managed", f"/portal/accounts/{managed.encoded_account_id}/"),
        ("earnings", "/portal/earnings/"),
        ("team", "/portal/team/"),
        ("api-keys", "/portal/api-keys/"),
        ("webhooks", "/portal/webhooks/"),
        ("webhook-endpoint", f"/portal/webhooks/{endpoint.pk}/"),
    ]
    for step, path in partner_pages:
        olivia.goto(path)
        check(olivia, shots, f"{width}-{step}", menu=partner_menu, phone=phone)

    # The request overlay, opened from a referred row.
    olivia.goto("/portal/accounts/?type=referred")
    olivia.get_by_role("button", name="Request permission to manage").first.click()
    dialog = olivia.get_by_role("dialog", name="Request managed access")
    expect(dialog).to_be_visible()
    fits_the_screen(olivia)
    shots(olivia, f"{width}-request-overlay", full_page=False)
    dialog.get_by_role("link", name="Close").click()
    expect(dialog).to_be_hidden()

    # Phones sort from a menu, as the column headers are not shown.
    if phone:
        with olivia.expect_response(lambda r: "/portal/accounts/" in r.url and r.ok):
            olivia.get_by_label("Sort").select_option(label="Most contacts")
        expect(olivia).to_have_url(re.compile(r"[?&]sort=-contacts(&|$)"))
        expect(olivia.get_by_label("Sort")).to_have_value("-contacts")
        # A screenshot taken while htmx still settles the swap finds a transition running.
        expect(olivia.locator(".htmx-settling, .htmx-added, .htmx-swapping")).to_have_count(0)
        olivia.wait_for_load_state("networkidle")
        shots(olivia, f"{width}-my-accounts-most-contacts")

    # The API reference.
    for step, path in (("api-docs", "/api/v1/docs"), ("v3-docs", "/v3/docs")):
        olivia.goto(path)
        expect(olivia.locator(".opblock").first).to_be_visible()
        assert console_errors(olivia) == [], f"{path}: {console_errors(olivia)}"
        shots(olivia, f"{width}-{step}")

    # Customers: a request waiting, and a managed account.
    for email, step in (
        ("marco@harboryoga.example", "customer-request-waiting"),
        ("ruth@riversidedental.example", "customer-managed"),
    ):
        customer = open_person(pages, viewport, email)
        check(
            customer,
            shots,
            f"{width}-{step}-home",
            menu=("Your account", CUSTOMER_MENU),
            phone=phone,
        )
        customer.get_by_role("navigation", name="Your account").get_by_role(
            "link", name="Billing"
        ).click()
        expect(customer.get_by_role("heading", name="Your solution provider")).to_be_visible()
        check(
            customer,
            shots,
            f"{width}-{step}-billing",
            menu=("Your account", CUSTOMER_MENU),
            phone=phone,
        )

    # Program staff: close and payouts.
    staff = open_person(pages, viewport, "staff@partnerhub.example")
    staff.goto("/staff/earnings/")
    check(staff, shots, f"{width}-staff-earnings", menu=("Program staff", STAFF_MENU), phone=phone)
    for context in list(pages.contexts):
        context.close()
        pages.contexts.remove(context)


def test_the_api_docs_render_their_operations_with_no_network_beyond_this_machine(pages, shots):
    # Given a browser that can reach nothing but this machine
    page = pages.open()
    blocked = []

    def only_local(route):
        host = route.request.url.split("/")[2].split(":")[0]
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)

    for path, operation in (
        ("/api/v1/docs", "/api/v1/accounts"),
        ("/v3/docs", "/v3/partner/accounts"),
    ):
        # When the docs page opens
        page.goto(path)

        # Then the operations are listed, and nothing was fetched from another host
        expect(page.locator(".opblock").first).to_be_visible()
        expect(
            page.locator(".opblock-summary-path").filter(has_text=operation).first
        ).to_be_visible()
        shots(page, path.strip("/").replace("/", "-"))
    assert blocked == []
    pages.assert_no_script_errors()
