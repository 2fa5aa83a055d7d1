"""Bringing accounts in, in a real browser, by the labels people see, at desktop and phone
width: a partner opens *Bring an account in* (invite link, copy button, QR code) and asks the
owner of an account in another partnership to move it in as managed; the owner reads who asks
and what it means, confirms, and turns on a request code; the partner's request overlay asks
for the code; a new customer signs up through the invite link; an old link shows a clear page.
Screenshots land in test-results/<test name>/."""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest

from partnerhub.clients.models import ClientAccount
from partnerhub.moves.services import ASKED
from partnerhub.partners.models import PartnerRole
from partnerhub.partnerships.models import Partnership
from partnerhub.portal.tests.test_browser_flow import fits_the_screen, open_menu, sign_in
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _cast():
    northwind = PartnerFactory(name="Northwind Digital", deployed_on=dt.date(2023, 4, 3))
    priya = MemberFactory(
        partner=northwind,
        role=PartnerRole.OWNER,
        user__username="priya@northwind.test",
        user__first_name="Priya",
        user__last_name="Shah",
    )
    other = PartnerFactory(name="Eastgate Media", deployed_on=dt.date(2022, 1, 10))
    MemberFactory(partner=other, user__username="eli@eastgate.test")
    harbor = credited_account(
        other,
        organization_name="Harbor Yoga Collective",
        owner_name="Aiko Tanaka",
        login_name="harboryoga",
        contact_email="aiko@harbor-yoga.test",
        owner__first_name="Aiko",
        owner__last_name="Tanaka",
    )
    bakery = credited_account(
        northwind,
        organization_name="Bluebird Bakery",
        owner_name="Dana Fox",
        login_name="bluebirdbakery",
        contact_email="dana@bluebird-bakery.test",
        owner__first_name="Dana",
        owner__last_name="Fox",
    )
    return priya, harbor, bakery


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_bringing_accounts_in(pages, shots, width):
    priya, harbor, bakery = _cast()
    open_page = pages.open if width == "desktop" else pages.open_phone

    # Priya opens Bring an account in from the menu
    partner = open_page()
    sign_in(partner, priya.user.email, shots, "partner-sign-in")
    open_menu(partner)
    partner.get_by_role("navigation", name="Partner portal").get_by_role(
        "link", name="Bring an account in"
    ).click()
    expect(partner.get_by_role("heading", name="Bring an account in")).to_be_visible()
    link = partner.get_by_label("Your invite link").input_value()
    assert link.endswith(f"/join/{priya.partner.invite_code}/")
    link = urlparse(link).path  # the tests' base address is not the live server's
    expect(partner.get_by_role("img", name="QR code of your invite link")).to_be_visible()
    copy = partner.get_by_role("button", name="Copy link")
    # the button says what happened (a browser may refuse the clipboard to a test page), for
    # two seconds: every label it shows is recorded, so that a slow machine cannot miss it
    copy.evaluate(
        """button => {
            window.copyLabels = [];
            new MutationObserver(() => window.copyLabels.push(button.textContent.trim()))
                .observe(button, {childList: true, characterData: true, subtree: true});
        }"""
    )
    copy.click()
    partner.wait_for_function(
        "() => window.copyLabels.some(l => l === 'Copied' || l === 'Select and copy')"
    )
    expect(copy).to_have_text("Copy link", timeout=10_000)  # and goes back
    fits_the_screen(partner)
    shots(partner, "bring-in")

    # she asks Aiko to move Harbor Yoga in, managed with marketing access
    partner.get_by_label("Login name or owner's e-mail").fill("harboryoga")
    partner.get_by_role("radio", name=re.compile("^Managed")).check()
    partner.get_by_role("combobox", name=re.compile("^Access level")).select_option("marketing")
    partner.get_by_role("button", name="Ask the owner").click()
    expect(partner.get_by_text(ASKED)).to_be_visible()
    fits_the_screen(partner)
    shots(partner, "asked")

    # Aiko reads who asks and what it means, and confirms
    aiko = open_page()
    sign_in(aiko, "aiko@harbor-yoga.test", shots, "owner-sign-in")
    aiko.goto(f"/account/{harbor.encoded_account_id}/settings/billing/")
    card = aiko.get_by_role(
        "region", name="Northwind Digital asks to bring your account into its partnership"
    )
    expect(card).to_contain_text("It leaves the partnership of Eastgate Media")
    expect(card).to_contain_text("Confirming grants Northwind Digital marketing access")
    fits_the_screen(aiko)
    shots(aiko, "owner-reads-the-move")
    card.get_by_role("button", name="Confirm the move").click()
    expect(
        aiko.get_by_text("Harbor Yoga Collective is now in the partnership of Northwind Digital.")
    ).to_be_visible()
    assert Partnership.objects.get(account=harbor, ended_at__isnull=True).partner == priya.partner

    # and turns on a request code, which she can copy
    aiko.get_by_role("switch", name="Require a request code: off").click()
    expect(aiko.get_by_text("A request code is now required.")).to_be_visible()
    expect(aiko.get_by_label("Your request code")).to_have_value(harbor.request_code.code)
    fits_the_screen(aiko)
    shots(aiko, "request-code-on")

    # the partner's page lists the answered move
    partner.reload()
    expect(partner.get_by_role("table")).to_contain_text("Harbor Yoga Collective")
    expect(partner.get_by_role("table")).to_contain_text("Confirmed: moved in")
    shots(partner, "answered-moves")

    # the request overlay has a field for the code
    partner.goto(f"/portal/accounts/{bakery.encoded_account_id}/request/")
    expect(partner.get_by_label("Request code")).to_be_visible()
    fits_the_screen(partner)
    shots(partner, "request-form-with-code")

    # a new customer signs up through the invite link
    nora = open_page()
    nora.goto(link)
    expect(nora.get_by_role("heading", name="Sign up with Northwind Digital")).to_be_visible()
    fits_the_screen(nora)
    shots(nora, "join")
    nora.get_by_label("Your name").fill("Nora Newman")
    nora.get_by_label("Organization").fill("Nimbus Nursery")
    nora.get_by_label("Login name").fill("nimbusnursery")
    nora.get_by_label("E-mail").fill("nora@nimbus.test")
    nora.get_by_label("Choose a password").fill("a-long-and-quiet-river")
    nora.get_by_label("The password again").fill("a-long-and-quiet-river")
    nora.get_by_role("button", name="Create my account").click()
    expect(
        nora.get_by_text("Welcome. Nimbus Nursery is your account, referred to Northwind Digital.")
    ).to_be_visible()
    fits_the_screen(nora)
    shots(nora, "signed-up")
    nimbus = ClientAccount.objects.get(login_name="nimbusnursery")
    assert (nimbus.partner, nimbus.partnership_kind) == (priya.partner, "referred")

    # Priya replaces the link; the old one shows a clear page
    partner.goto("/portal/bring-in/")
    partner.once("dialog", lambda dialog: dialog.accept())
    partner.get_by_role("button", name="Make a new link").click()
    expect(partner.get_by_text("New invite link made.")).to_be_visible()
    stranger = open_page()
    response = stranger.goto(link)
    assert response.status == 404
    expect(stranger.get_by_role("heading", name="This invite link does not work")).to_be_visible()
    fits_the_screen(stranger)
    shots(stranger, "old-link")
    pages.assert_no_script_errors()
