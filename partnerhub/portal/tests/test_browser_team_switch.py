"""A person in two teams switches between them from the header, at phone width and on a
desktop: the header names the team they work in now, opens the list of their teams, and one
click on another team shows that team's accounts. Screenshots land in test-results/."""

import datetime as dt

import pytest

from partnerhub.partners.models import PartnerMember, PartnerRole
from partnerhub.portal.tests.test_browser_flow import sign_in
from partnerhub.tests.factories import MemberFactory, PartnerFactory, UserFactory, credited_account

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _cleo_in_two_teams():
    crumb = PartnerFactory(
        name="Crumb & Co. Bakeries", kind="organization", member_visibility="assigned"
    )
    brightwave = PartnerFactory(name="Brightwave Agency")
    cleo = UserFactory(
        username="cleo@crumb.test", email="cleo@crumb.test", first_name="Cleo", last_name="Crust"
    )
    first = MemberFactory(partner=crumb, user=cleo, role=PartnerRole.VIEWER)
    second = MemberFactory(partner=brightwave, user=cleo, role=PartnerRole.MEMBER)
    PartnerMember.objects.filter(pk=second.pk).update(
        joined_at=first.joined_at + dt.timedelta(days=1)
    )
    credited_account(crumb, organization_name="Crumb & Co. Aberdeen", login_name="crumbaberdeen")
    credited_account(brightwave, organization_name="Blue Bakery", login_name="bluebakery")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_person_switches_team_from_the_header(pages, shots, width):
    _cleo_in_two_teams()
    page = pages.open_phone() if width == "phone" else pages.open()
    sign_in(page, "cleo@crumb.test", shots, "signed-in")
    expect(page.get_by_role("link", name="Crumb & Co. Aberdeen")).to_be_visible()

    page.get_by_text("Crumb & Co. Bakeries", exact=True).first.click()
    switch = page.get_by_role("button", name="Switch to Brightwave Agency")
    expect(switch).to_be_visible()
    expect(page.get_by_text("Viewer · working here now")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shots(page, "teams-open", full_page=False)
    switch.click()

    expect(page.get_by_text("You are now working in Brightwave Agency.")).to_be_visible()
    expect(page.get_by_role("link", name="Blue Bakery")).to_be_visible()
    expect(page.get_by_role("link", name="Crumb & Co. Aberdeen")).to_have_count(0)
    shots(page, "switched", full_page=False)
    pages.assert_no_script_errors()
