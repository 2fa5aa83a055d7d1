"""Every main page under its Content-Security-Policy, in a real browser: no script, style or
frame the policy refuses, and no console error. The behaviours that used to be inline
handlers (confirm before removing, submit on change) still work from app.js."""

import pytest

from partnerhub.partners.models import PartnerMember, PartnerRole
from partnerhub.tests.factories import PASSWORD, UserFactory
from partnerhub.tests.world import build_world
from partnerhub.webhooks.services import endpoint_create

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    """Console errors of ``page``; Chromium reports every CSP refusal there."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def _sign_in(page, email: str) -> None:
    page.goto("/signin/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _visit(page, path: str, errors: list[str], seen: dict) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    seen[path] = list(errors)
    errors.clear()


@pytest.mark.django_db(transaction=True)
def test_the_main_pages_load_under_the_policy_without_a_console_error(pages):
    # Given a partner team with accounts, a webhook endpoint, a customer and a staff member
    world = build_world()
    endpoint = endpoint_create(
        actor=world.owner.user,
        url="https://hooks.brightwave.test/partnerhub",
        event_types=["request.confirmed"],
    )
    staff = UserFactory(username="sam@partnerhub.test", is_staff=True, is_superuser=True)
    seen: dict[str, list[str]] = {}

    # When each of them opens their pages
    visitor = pages.open()
    errors = _watch(visitor)
    for path in ("/signin/", "/password/reset/"):
        _visit(visitor, path, errors, seen)

    partner = pages.open()
    errors = _watch(partner)
    _sign_in(partner, world.owner.user.email)
    for path in (
        "/portal/accounts/",
        f"/portal/accounts/{world.account.encoded_account_id}/",
        "/portal/earnings/",
        "/portal/earnings/lines/",
        "/notifications/",
        "/portal/team/",
        "/portal/api-keys/",
        "/portal/webhooks/",
        f"/portal/webhooks/{endpoint.pk}/",
    ):
        _visit(partner, path, errors, seen)
    partner.goto("/portal/accounts/")
    partner.get_by_role("button", name="Request permission to manage").first.click()
    expect(partner.get_by_role("dialog", name="Request managed access")).to_be_visible()
    seen["/portal/accounts/ (overlay)"] = list(errors)
    errors.clear()

    customer = pages.open()
    errors = _watch(customer)
    _sign_in(customer, world.customer.email)
    for path in ("/account/", f"/account/{world.account.encoded_account_id}/settings/billing/"):
        _visit(customer, path, errors, seen)

    staff_page = pages.open()
    errors = _watch(staff_page)
    _sign_in(staff_page, staff.email)
    for path in (
        "/staff/earnings/",
        "/admin/",
        "/admin/partners/partner/",
        f"/admin/partners/partner/{world.partner.pk}/change/",
    ):
        _visit(staff_page, path, errors, seen)

    # Then no page logged an error (a refused inline script or style would be one)
    assert {path: found for path, found in seen.items() if found} == {}
    pages.assert_no_script_errors()


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_page_runs_under_its_policy(pages):
    # Given a partner owner signed in
    world = build_world()
    page = pages.open()
    errors = _watch(page)
    _sign_in(page, world.owner.user.email)

    # When they open the API's docs
    page.goto("/api/v1/docs")

    # Then Swagger UI drew the API's operations, and nothing was refused or failed
    expect(page.get_by_text("/api/v1/accounts").first).to_be_visible()
    assert errors == []
    pages.assert_no_script_errors()


@pytest.mark.django_db(transaction=True)
def test_confirm_and_submit_on_change_work_without_inline_handlers(pages):
    # Given a team owner on the team page
    world = build_world()
    page = pages.open()
    errors = _watch(page)
    _sign_in(page, world.owner.user.email)
    page.goto("/portal/team/")
    row = page.get_by_role("row").filter(has_text=world.member.user.email)

    # When the owner clicks Remove and dismisses the question
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row.get_by_role("button", name="Remove").click()

    # Then the question named the member, and nobody was removed
    assert asked == [f"Remove {world.member.user.email} from the team?"]
    assert PartnerMember.objects.filter(pk=world.member.pk).exists()

    # When the owner picks another role in the member's select
    with page.expect_navigation():
        row.get_by_label(f"Role of {world.member.user.email}").select_option(label="Admin")

    # Then the change was saved without a button
    world.member.refresh_from_db()
    assert world.member.role == PartnerRole.ADMIN
    assert errors == []
    pages.assert_no_script_errors()
