"""Invitations and two hats in a real browser, by the labels people see: an owner invites the
owner of one of the partner's client accounts; she opens the link, signs in, reads what
joining means and accepts; she then switches between My Organization and My account in the
header, at desktop and phone width. Screenshots land in test-results/<test name>/."""

import datetime as dt

import pytest
from django.core import mail

from partnerhub.partners.models import PartnerRole
from partnerhub.portal.tests.test_browser_flow import fits_the_screen, sign_in
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account
from partnerhub.tests.mail import INVITATION_LINK

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
    bakery = credited_account(
        partner,
        organization_name="Bluebird Bakery",
        owner_name="Dana Fox",
        login_name="bluebirdbakery",
        contact_email="dana@bluebird-bakery.test",
        owner__first_name="Dana",
        owner__last_name="Fox",
    )
    return owner, bakery


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_client_accepts_a_place_on_the_team_and_keeps_her_account(pages, shots, width):
    owner, bakery = _cast()
    open_page = pages.open if width == "desktop" else pages.open_phone

    # the owner invites Dana from the Team page
    partner = open_page()
    sign_in(partner, owner.user.email, shots, "owner-sign-in")
    partner.goto("/portal/team/")
    partner.get_by_label("E-mail").fill("dana@bluebird-bakery.test")
    partner.get_by_label("Role").select_option(label="Member")
    partner.get_by_role("button", name="Send invitation").click()
    expect(partner.get_by_text("They join the team once they accept it.")).to_be_visible()
    expect(partner.get_by_role("table").nth(1)).to_contain_text("dana@bluebird-bakery.test")
    fits_the_screen(partner)
    shots(partner, "team-pending-invitation")

    # Dana opens the link from her e-mail, signs in, reads and accepts
    [message] = [m for m in mail.outbox if m.to == ["dana@bluebird-bakery.test"]]
    link = INVITATION_LINK.search(message.body).group(0)
    dana = open_page()
    dana.goto(link)
    expect(dana.get_by_role("heading", name="Join the team of Northwind Digital")).to_be_visible()
    expect(dana.get_by_text("What accepting means")).to_be_visible()
    fits_the_screen(dana)
    shots(dana, "invitation")
    dana.get_by_role("link", name="Sign in to accept").click()
    dana.get_by_label("E-mail").fill("dana@bluebird-bakery.test")
    dana.get_by_label("Password").fill("correct-horse-battery")
    dana.get_by_role("button", name="Sign in").click()
    dana.get_by_role("button", name="Accept").click()
    expect(dana.get_by_text("Welcome to the team of Northwind Digital.")).to_be_visible()

    # she lands in the partner portal, with the switch in the header
    switch = dana.get_by_role(
        "navigation", name="Switch between your organization and your own account"
    )
    expect(switch.get_by_role("link", name="My Organization")).to_have_attribute(
        "aria-current", "page"
    )
    fits_the_screen(dana)
    assert dana.evaluate("document.documentElement.scrollWidth") <= dana.viewport_size["width"]
    shots(dana, "two-hats-organization")
    switch.get_by_role("link", name="My account").click()
    expect(dana.get_by_role("heading", name="Bluebird Bakery")).to_be_visible()
    expect(switch.get_by_role("link", name="My account")).to_have_attribute("aria-current", "page")
    fits_the_screen(dana)
    assert dana.evaluate("document.documentElement.scrollWidth") <= dana.viewport_size["width"]
    shots(dana, "two-hats-my-account")
    switch.get_by_role("link", name="My Organization").click()
    expect(dana.get_by_role("heading", name="My accounts")).to_be_visible()
    pages.assert_no_script_errors()
