"""An organization in a real browser, by the labels people see: its admin creates three
location accounts from a CSV file (preview, then confirm) and locks the brand colour; the first
location's owner accepts the ownership invitation, signs in, finds the organization under Your
solution provider and its colour locked on Brand; the admin reads the onboarding progress and
the roll-up report. At desktop and phone width; screenshots land in
test-results/<test name>/."""

import datetime as dt
import re

import pytest
from django.core import mail

from partnerhub.brand.models import BrandKit
from partnerhub.clients.models import ClientAccount
from partnerhub.onboarding import checks
from partnerhub.onboarding.services import step_create
from partnerhub.organizations.services import group_create, organization_create
from partnerhub.partners.models import PartnerRole
from partnerhub.portal.tests.test_browser_flow import fits_the_screen, sign_in
from partnerhub.tests.factories import MemberFactory
from partnerhub.tests.mail import INVITATION_LINK

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser

LOCATIONS = (
    "location_name,owner_name,owner_email,login_name,plan,group,tags\n"
    "Crumb & Co. Porto,Maya Loaf,maya@crumbandco.test,crumbporto,SILVER,West,drive-through\n"
    "Crumb & Co. Faro,Ben Rye,ben@crumbandco.test,crumbfaro,BRONZE,South,\n"
    'Crumb & Co. Cork,Cleo Crust,cleo@crumbandco.test,crumbcork,,North,"new in 2026"\n'
)


def _cast():
    organization = organization_create(name="Crumb & Co. Bakeries", deployed_on=dt.date(2025, 6, 1))
    for region in ("North", "South", "West"):
        group_create(partner=organization, name=region)
    step_create(partner=organization, title="Choose a plan", check=checks.PLAN_CHOSEN)
    return MemberFactory(
        partner=organization,
        role=PartnerRole.OWNER,
        user__username="ava@crumbandco.test",
        user__first_name="Ava",
        user__last_name="Baker",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_admin_creates_locations_from_a_file_and_an_owner_finds_the_organization(
    pages, shots, width
):
    ava = _cast()
    open_page = pages.open if width == "desktop" else pages.open_phone

    # Ava uploads the file and reads the preview: nothing is created yet
    admin = open_page()
    sign_in(admin, ava.user.email, shots, "admin-sign-in")
    admin.goto("/portal/accounts/")
    admin.get_by_role("link", name="Create from a CSV file").click()
    expect(admin.get_by_role("heading", name="Create accounts from a CSV file")).to_be_visible()
    admin.get_by_label("CSV file").set_input_files(
        files=[{"name": "locations.csv", "mimeType": "text/csv", "buffer": LOCATIONS.encode()}]
    )
    admin.get_by_role("button", name="Preview").click()
    expect(admin.get_by_text("3 of 3 rows are ready")).to_be_visible()
    expect(admin.get_by_role("table")).to_contain_text("West")
    fits_the_screen(admin)
    shots(admin, "preview")
    assert not ClientAccount.objects.exists()

    # she confirms: three accounts, managed, in their groups
    admin.get_by_role("button", name="Create 3 accounts").click()
    expect(admin.get_by_text("3 accounts created; each owner is invited")).to_be_visible()
    expect(admin.get_by_role("heading", name="My accounts")).to_be_visible()
    porto = admin.get_by_role("row").filter(has_text="Crumb & Co. Porto")
    expect(porto).to_contain_text("West")
    expect(porto).to_contain_text("Managed")
    fits_the_screen(admin)
    shots(admin, "my-accounts")

    # the Groups page counts them; the account's page shows its group and tags
    admin.goto("/portal/groups/")
    expect(admin.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text="West")).to_contain_text("1")
    fits_the_screen(admin)
    shots(admin, "groups")
    admin.goto("/portal/accounts/")
    admin.get_by_role("link", name="Crumb & Co. Porto").click()
    panel = admin.locator("#organization-panel")
    expect(panel).to_contain_text("West")
    expect(panel).to_contain_text("drive-through")
    expect(admin.get_by_label("Move to group")).to_be_visible()
    fits_the_screen(admin)
    shots(admin, "account")

    # she gives the organization its colour and locks it
    admin.goto("/portal/brand/")
    expect(admin.get_by_role("heading", name="Brand kit", exact=True)).to_be_visible()
    admin.get_by_label("Primary colour").fill("#7a3e1d")
    admin.locator("input[name=lock_primary_color]").check()
    admin.get_by_role("button", name="Save brand kit").click()
    expect(admin.get_by_text("The brand kit is saved.")).to_be_visible()
    kit = BrandKit.objects.get(group=None, account=None)
    assert (kit.primary_color, kit.locked) == ("#7a3e1d", ["primary_color"])
    fits_the_screen(admin)
    shots(admin, "brand-kit")

    # Maya opens her invitation, chooses a password and accepts
    [message] = [m for m in mail.outbox if m.to == ["maya@crumbandco.test"]]
    link = INVITATION_LINK.search(message.body).group(0)
    maya = open_page()
    maya.goto(link)
    expect(maya.get_by_role("heading", name="Take ownership of Crumb & Co. Porto")).to_be_visible()
    expect(maya.get_by_text("the organization runs it for you with full access")).to_be_visible()
    maya.get_by_label("Choose a password").fill("Tide-Lantern-4821")
    maya.get_by_label("The password again").fill("Tide-Lantern-4821")
    shots(maya, "invitation")
    maya.get_by_role("button", name="Accept").click()
    expect(maya.get_by_role("button", name="Sign out")).to_be_visible()

    # she signs in again later and finds the organization as her provider
    maya.get_by_role("button", name="Sign out").click()
    maya.goto("/signin/")
    maya.get_by_label("E-mail").fill("maya@crumbandco.test")
    maya.get_by_label("Password").fill("Tide-Lantern-4821")
    maya.get_by_role("button", name="Sign in").click()
    account = ClientAccount.objects.get(login_name="crumbporto")
    maya.goto(f"/account/{account.encoded_account_id}/settings/billing/")
    expect(maya.get_by_role("heading", name="Your solution provider")).to_be_visible()
    expect(maya.get_by_role("heading", name="Organization", exact=True)).to_be_visible()
    expect(maya.locator(".provider-name")).to_have_text("Crumb & Co. Bakeries")
    expect(maya.get_by_text("Organization access enabled")).to_be_visible()
    fits_the_screen(maya)
    shots(maya, "provider")

    # and on Brand, the organization's colour, locked
    maya.goto(f"/account/{account.encoded_account_id}/brand/")
    expect(maya.get_by_role("heading", name="Brand", exact=True)).to_be_visible()
    expect(maya.locator("input[name=primary_color]")).to_be_disabled()
    expect(maya.locator(".bp-header")).to_have_css("background-color", "rgb(122, 62, 29)")
    fits_the_screen(maya)
    shots(maya, "location-brand")

    # Ava reads the onboarding progress of the three locations, then the roll-up
    admin.goto("/portal/onboarding/")
    expect(admin.get_by_role("heading", name="Onboarding", level=1)).to_be_visible()
    progress = admin.get_by_role("table").filter(has_text="Average progress")
    expect(progress.get_by_role("row").filter(has_text="West")).to_be_visible()
    porto_row = admin.get_by_role("row").filter(
        has=admin.get_by_role("link", name="Crumb & Co. Porto")
    )
    # Porto came with a plan (Silver): PartnerHub ticked "Choose a plan" itself; Cork has none
    expect(porto_row.get_by_role("img", name=re.compile(r"^1 of 1 steps? done"))).to_be_visible()
    cork_row = admin.get_by_role("row").filter(
        has=admin.get_by_role("link", name="Crumb & Co. Cork")
    )
    expect(cork_row.get_by_role("img", name=re.compile(r"^0 of 1 steps? done"))).to_be_visible()
    fits_the_screen(admin)
    shots(admin, "onboarding")
    admin.goto("/portal/reports/")
    expect(admin.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(admin.get_by_role("heading", name="Accounts by status and plan")).to_be_visible()
    expect(admin.locator("figure.chart")).to_be_visible()
    fits_the_screen(admin)
    shots(admin, "reports")
    pages.assert_no_script_errors()
