"""The organization's admin in a real browser, at desktop and phone width: onboarding progress
per account and per group, a step added to the checklist, a reminder sent, and the roll-up
report with its chart. Screenshots land in test-results/<test name>/."""

import pytest
from django.utils import timezone

from partnerhub.billing.models import Invoice
from partnerhub.onboarding.tests.story import build
from partnerhub.portal.tests.test_browser_flow import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_admin_sees_onboarding_progress_and_the_rollup(pages, shots, width):
    story = build()
    this_month = timezone.localdate().replace(day=1)
    for n, shop in enumerate(story.shops):
        Invoice.objects.create(
            external_id=f"b-{n}",
            account=shop,
            paid_on=this_month,
            amount_minor=2500 + n,
            currency="USD",
        )
    page = pages.open() if width == "desktop" else pages.open_phone()
    sign_in(page, story.owner.user.username, shots, "sign-in")

    if width == "desktop":
        page.get_by_role("navigation", name="Partner portal").get_by_role(
            "link", name="Onboarding"
        ).click()
    else:
        page.goto("/portal/onboarding/")
    expect(page.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Checklist")).to_be_visible()
    rollup = page.get_by_role("table").filter(has_text="Average progress")
    expect(rollup.get_by_role("row").filter(has_text="North")).to_contain_text("66%")
    expect(rollup.get_by_role("row").filter(has_text="South")).to_contain_text("50%")
    shop4 = page.get_by_role("row").filter(has=page.get_by_role("link", name="Loaf Shop 4"))
    expect(shop4.get_by_role("img", name="1 of 3 steps done")).to_be_visible()
    _no_sideways_scroll(page)
    shots(page, "onboarding")

    page.get_by_text("Add a step").click()
    page.get_by_label("Title", exact=True).last.fill("Read the getting-started guide")
    page.get_by_label("Link", exact=True).last.fill("/help/")
    page.get_by_role("button", name="Add step").click()
    expect(page.get_by_text("“Read the getting-started guide” is now step 4")).to_be_visible()
    expect(shop4.get_by_role("img", name="1 of 4 steps done")).to_be_visible()

    page.get_by_label("Remind the owner of Loaf Shop 4").check()
    page.get_by_role("button", name="Remind the selected owners").click()
    expect(page.get_by_text("A reminder was sent to the owner of Loaf Shop 4.")).to_be_visible()
    shots(page, "reminded")

    if width == "desktop":
        page.get_by_role("navigation", name="Partner portal").get_by_role(
            "link", name="Reports"
        ).click()
    else:
        page.goto("/portal/reports/")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Accounts by status and plan")).to_be_visible()
    chart = page.locator("figure.chart")
    expect(chart).to_contain_text("Spend per month, USD")
    if width == "desktop":
        expect(page.get_by_role("img", name="Spend per month, USD")).to_be_visible()
    else:
        expect(
            page.get_by_role("list", name="Spend per month, USD, month by month")
        ).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="12 months")).to_contain_text("100.06 USD")
    page.get_by_label("Group").select_option(label="North")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("row").filter(has_text="12 months")).to_contain_text("50.01 USD")
    _no_sideways_scroll(page)
    shots(page, "reports-north")
    pages.assert_no_script_errors()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_location_owner_reads_their_checklist(pages, shots, width):
    story = build()
    shop = story.shops[2]
    page = pages.open() if width == "desktop" else pages.open_phone()
    sign_in(page, shop.owner.username, shots, "sign-in")
    page.goto(f"/account/{shop.encoded_account_id}/")
    if width == "desktop":
        page.get_by_role("navigation", name="Your account").get_by_role(
            "link", name="Onboarding"
        ).click()
    else:
        page.goto(f"/account/{shop.encoded_account_id}/onboarding/")
    expect(page.get_by_role("heading", name="Your checklist from Loaf Ltd")).to_be_visible()
    expect(page.get_by_role("img", name="2 of 3 steps done")).to_be_visible()
    step = page.get_by_role("listitem").filter(has_text="Send a first campaign")
    expect(step).to_contain_text("To do")
    expect(step).to_contain_text("Ticked when the email product tells PartnerHub you did it.")
    expect(page.locator("main").get_by_role("button")).to_have_count(0)  # read-only
    _no_sideways_scroll(page)
    shots(page, "checklist")
    pages.assert_no_script_errors()
