"""An organization's owner gives a group manager a group from the team page, at phone width
and on a desktop; the group manager is told under the bell and sees exactly that group's
accounts. Screenshots land in test-results/."""

import pytest

from partnerhub.organizations.services import account_group_set, group_create, organization_create
from partnerhub.partners.models import PartnerRole
from partnerhub.portal.tests.test_browser_flow import sign_in
from partnerhub.tests.factories import MemberFactory, credited_account

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _bakery_chain():
    crumb = organization_create(name="Crumb & Co. Bakeries")
    MemberFactory(partner=crumb, role=PartnerRole.OWNER, user__username="ava@crumb.test")
    MemberFactory(
        partner=crumb,
        role=PartnerRole.MEMBER,
        user__username="ben@crumb.test",
        user__first_name="Ben",
        user__last_name="Rye",
    )
    for region, towns in {"North": ["Aberdeen", "Bergen"], "South": ["Faro"]}.items():
        group = group_create(partner=crumb, name=region)
        for town in towns:
            account = credited_account(
                crumb, organization_name=f"Crumb & Co. {town}", login_name=f"crumb{town.lower()}"
            )
            account_group_set(partner=crumb, account=account, group=group)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_an_owner_gives_a_group_manager_a_group(pages, shots, width):
    _bakery_chain()
    page = pages.open_phone() if width == "phone" else pages.open()
    sign_in(page, "ava@crumb.test", shots, "signed-in")
    page.goto("/portal/team/")
    row = page.get_by_role("row").filter(has_text="ben@crumb.test")
    expect(row.get_by_text("No group yet")).to_be_visible()

    row.get_by_text("Choose groups").click()
    row.get_by_label("North").check()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shots(page, "choosing-groups")
    row.get_by_role("button", name="Save groups").click()

    expect(
        page.get_by_text("Groups saved: 2 accounts assigned, 0 accounts unassigned.")
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text="ben@crumb.test")
    expect(row.get_by_text("2 accounts")).to_be_visible()
    shots(page, "group-given")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "ben@crumb.test", shots, "ben-signed-in")
    expect(page.get_by_role("link", name="Crumb & Co. Aberdeen")).to_be_visible()
    expect(page.get_by_role("link", name="Crumb & Co. Bergen")).to_be_visible()
    expect(page.get_by_role("link", name="Crumb & Co. Faro")).to_have_count(0)
    page.get_by_label("Notifications, 1 unread").click()
    expect(
        page.get_by_role("button", name="Unread: ", exact=False).filter(has_text="gave you North")
    ).to_be_visible()
    shots(page, "ben-told", full_page=False)
    pages.assert_no_script_errors()
