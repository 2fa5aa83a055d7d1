"""The help centre in a real browser: a partner searches "referred managed", opens the
article, answers No with a comment; staff read it in the admin. Also the pages at a laptop's
width and a phone's, with screenshots in test-results/<test name>/."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from partnerhub.help.loading import articles_load
from partnerhub.portal.tests.conftest import DESKTOP, PHONE
from partnerhub.portal.tests.test_browser_flow import fits_the_screen
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.world import build_world

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _shipped_articles(pages):
    """The live server's database is emptied after each browser test, and its serialized rows
    leave the help centre out: the shipped articles are loaded again, as ``migrate`` does."""
    articles_load()


PASSWORD = "help-centre-test-password"
ARTICLE = "How to move an existing referred account to managed"


def _sign_in(page, user) -> None:
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
    page.goto("/signin/")
    page.get_by_label("E-mail").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_search_open_answer_no_with_a_comment_and_staff_read_it(pages, shots):
    world = build_world()
    staff = UserFactory(username="pat@partnerhub.test", is_staff=True, is_superuser=True)

    # A partner on My accounts follows the page's help link to the article about it.
    partner = pages.open(viewport=DESKTOP)
    _sign_in(partner, world.owner.user)
    partner.get_by_role("link", name="Help", exact=True).click()
    expect(partner.get_by_role("heading", name=ARTICLE, level=1)).to_be_visible()

    # In the help centre, they search for "referred managed".
    partner.get_by_role("link", name="Help centre").first.click()
    partner.get_by_label("Search").fill("referred managed")
    partner.get_by_role("button", name="Search").click()
    first = partner.locator(".help-result").first
    expect(first.get_by_role("link", name=ARTICLE)).to_be_visible()
    expect(first.locator("mark").first).to_have_text("referred")
    shots(partner, "search-results")

    # They open the article and answer No, with a comment.
    first.get_by_role("link", name=ARTICLE).click()
    expect(
        partner.get_by_role("heading", name="Did this article answer your question?")
    ).to_be_visible()
    partner.get_by_role("button", name="No", exact=True).click()
    partner.get_by_label("Your comment").fill(
        "It does not say how long the customer has to answer."
    )
    partner.get_by_role("button", name="Send comment").click()
    expect(partner.get_by_text("Program staff read every comment")).to_be_visible()
    expect(partner.get_by_role("button", name="No", exact=True)).to_have_count(0)
    shots(partner, "answered")

    # Staff see the answer and its comment in the admin, and the article's counts.
    admin = pages.open(viewport=DESKTOP)
    _sign_in(admin, staff)
    admin.goto("/admin/help/feedback/")
    row = admin.get_by_role("row").filter(has_text="It does not say how long")
    expect(row).to_contain_text(ARTICLE)
    expect(row).to_contain_text("No")
    admin.goto("/admin/help/article/?q=referred")
    expect(admin.get_by_role("row").filter(has_text=ARTICLE)).to_contain_text("1")
    shots(admin, "staff-feedback")
    pages.assert_no_script_errors()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_help_pages_fit_a_laptop_and_a_phone(pages, shots, viewport):
    page = (
        pages.open(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
        if viewport is PHONE
        else pages.open(viewport=DESKTOP)
    )
    page.goto("/help/")
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    fits_the_screen(page)
    shots(page, "help-home")
    page.get_by_role("link", name="How to grant or remove partner access").click()
    expect(page.get_by_role("img").first).to_be_visible()
    fits_the_screen(page)
    shots(page, "article")
    page.get_by_role("button", name="Yes", exact=True).click()
    expect(page.get_by_text("glad it helped")).to_be_visible()
    page.goto("/help/?q=partner+access")
    expect(page.locator(".help-result mark").first).to_be_visible()
    fits_the_screen(page)
    shots(page, "search")
    pages.assert_no_script_errors()


def test_answering_works_without_script(pages):
    page = pages.open(viewport=DESKTOP, java_script_enabled=False)
    page.goto("/help/grant-or-remove-partner-access/")
    page.get_by_role("button", name="No", exact=True).click()
    expect(page).to_have_url(re.compile(r"/help/grant-or-remove-partner-access/#feedback$"))
    page.get_by_label("Your comment").fill("Where is Billing on a phone?")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_text("Program staff read every comment")).to_be_visible()
