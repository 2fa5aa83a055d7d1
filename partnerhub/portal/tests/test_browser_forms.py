"""In the browser: limited fields count characters before the limit is hit."""

import pytest

from partnerhub.portal.tests.test_browser_flow import _partnership, account_row, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_request_message_counts_its_characters(pages, shots):
    member, bakery = _partnership()
    partner = pages.open()
    sign_in(partner, member.user.email, shots, "sign-in")
    partner.goto("/portal/accounts/?type=referred")

    account_row(partner, bakery.organization_name).get_by_text(
        "Request permission to manage"
    ).click()
    dialog = partner.get_by_role("dialog", name="Request managed access")
    expect(dialog.get_by_text("0 / 1000 characters")).to_be_visible()
    dialog.get_by_label("Message to the customer").fill("As agreed")

    expect(dialog.get_by_text("9 / 1000 characters")).to_be_visible()
    shots(partner, "request-overlay-counter")
    pages.assert_no_script_errors()
