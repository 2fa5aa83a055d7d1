"""The brand kit pages in a real browser: the preview follows the form as an admin types
(without saving, under the CSP), a lock holds for a location, at desktop and phone widths."""

import pytest

from partnerhub.brand.models import BrandKit
from partnerhub.brand.services import brand_kit_save
from partnerhub.brand.tests.conftest import World
from partnerhub.demo.organization_brand import logo_png
from partnerhub.tests.factories import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _sign_in(page, email: str) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto("/signin/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return errors


@pytest.mark.django_db(transaction=True)
def test_admin_previews_locks_and_saves_and_a_location_sees_the_lock(pages, shots):
    # Given an organization whose kit has a logo and a heading font
    world = World()
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"heading_font": "georgia", "footer_address": "12 Miller's Yard\nYork YO1 7HH"},
        logo=logo_png(),
    )

    # When an admin opens My Organization › Brand kit and types a primary colour
    page = pages.open()
    errors = _sign_in(page, world.admin.email)
    page.get_by_role("link", name="Brand kit").click()
    expect(page.get_by_role("heading", name="Brand kit", exact=True)).to_be_visible()
    page.get_by_label("Primary colour").fill("#7a3e1d")
    page.get_by_label("Accent colour").fill("#f2b134")
    page.get_by_label("Instagram").fill("https://www.instagram.com/crumbandco")

    # Then the preview takes the colour before anything is saved
    header = page.locator(".bp-header")
    expect(header).to_have_css("background-color", "rgb(122, 62, 29)")
    expect(page.locator(".bp-button")).to_have_css("background-color", "rgb(242, 177, 52)")
    expect(page.locator(".bp-social")).to_contain_text("Instagram")
    expect(page.locator(".bp-logo")).to_be_visible()
    assert BrandKit.objects.get(group=None, account=None).primary_color == ""
    shots(page, "brand-kit-desktop")
    page.locator(".brand-preview-card").screenshot(path=str(shots.folder / "preview-desktop.png"))

    # When they lock the colour and save
    page.get_by_label("Locked: accounts cannot change it").first.check()  # the logo's
    page.locator("input[name=lock_primary_color]").check()
    page.get_by_role("button", name="Save brand kit").click()
    expect(page.get_by_text("The brand kit is saved.")).to_be_visible()
    kit = BrandKit.objects.get(group=None, account=None)
    assert (kit.primary_color, sorted(kit.locked)) == ("#7a3e1d", ["logo", "primary_color"])

    # Then a location's owner sees the colour locked by the organization, on a phone too
    phone = pages.open_phone()
    phone_errors = _sign_in(phone, world.north_shop.owner.email)
    phone.goto(f"/account/{world.north_shop.encoded_account_id}/brand/")
    expect(phone.get_by_role("heading", name="Brand", exact=True)).to_be_visible()
    expect(phone.locator("input[name=primary_color]")).to_be_disabled()
    phone.get_by_label("Heading font").select_option("courier")
    expect(phone.locator(".bp-header")).to_have_css("background-color", "rgb(122, 62, 29)")
    expect(phone.locator(".bp-heading")).to_have_css(
        "font-family", '"Courier New", Courier, monospace'
    )
    shots(phone, "location-brand-phone")

    admin_phone = pages.open_phone()
    _sign_in(admin_phone, world.owner.email)
    admin_phone.goto("/portal/brand/")
    expect(admin_phone.locator(".bp-header")).to_have_css("background-color", "rgb(122, 62, 29)")
    shots(admin_phone, "brand-kit-phone")
    admin_phone.locator(".brand-preview-card").screenshot(
        path=str(shots.folder / "preview-phone.png")
    )
    width = admin_phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    assert (errors, phone_errors) == ([], [])
    pages.assert_no_script_errors()
