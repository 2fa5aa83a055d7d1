"""Bulk requests, levels and time-bound access in a real browser, by the labels people see.

A partner member selects three referred accounts on My accounts and asks once for Marketing
for 90 days. One customer grants Reports only, one declines, one confirms. The partner sees
the levels in the list. The worker, with the clock moved forward, sends the 7-day warning and
then ends the grant. Screenshots land in test-results/<test name>/.
"""

import datetime as dt
import re
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from partnerhub.access.models import Grant, GrantStatus
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.portal.tests.test_browser_flow import (
    account_row,
    choose_account_type,
    fits_the_screen,
    open_menu,
    open_my_accounts,
    sign_in,
)
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI) and says why
    expect = None

pytestmark = pytest.mark.browser

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}
}
CUSTOMERS = {
    "Bluebird Bakery": "dana@bluebird-bakery.test",
    "Harbor Yoga Collective": "aiko@harbor-yoga.test",
    "Lumen Dental Care": "samuel@lumen-dental.test",
}


def _partnership():
    partner = PartnerFactory(name="Northwind Digital", deployed_on=dt.date(2023, 4, 3))
    member = MemberFactory(
        partner=partner,
        user__username="priya@northwind.test",
        user__first_name="Priya",
        user__last_name="Shah",
    )
    for (org, email), login in zip(
        CUSTOMERS.items(), ("bluebird", "harboryoga", "lumendental"), strict=True
    ):
        credited_account(
            partner,
            organization_name=org,
            owner_name=org.split()[0] + " Owner",
            login_name=login,
            contact_email=email,
            owner__username=email,
            owner__email=email,
        )
    credited_account(
        partner,
        kind=PartnershipKind.MANAGED,
        organization_name="Copperleaf Studio",
        owner_name="Marco Bellini",
        login_name="copperleafstudio",
    )
    credited_account(
        partner, organization_name="Oak & Ivy Florist", owner_name="Grace L", login_name="oakivy"
    )
    return member


def open_provider(page):
    open_menu(page)
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", name="Your solution provider")).to_be_visible()


def run_the_worker_at(moment, settings) -> None:
    """The worker's periodic sweep, run as if the clock showed ``moment``."""
    settings.TASKS = DATABASE_TASKS
    settings.PARTNERHUB_PERIODIC_TASKS = ["partnerhub.access.tasks.grants_sweep_task"]
    with mock.patch("django.utils.timezone.now", return_value=moment):
        call_command("worker", batch=True, verbosity=0)


def test_bulk_request_at_marketing_then_three_answers_and_the_end_by_the_worker(
    pages, shots, settings
):
    member = _partnership()

    # The partner member selects the three referred accounts on My accounts.
    partner = pages.open()
    sign_in(partner, member.user.email, shots, "partner-sign-in")
    open_my_accounts(partner)
    choose_account_type(partner, "Referred")
    bar = partner.locator("[data-selection-bar]")
    expect(bar).to_be_hidden()
    for org in CUSTOMERS:
        partner.get_by_role("checkbox", name=f"Select {org}").check()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("3 accounts selected")
    fits_the_screen(partner)
    shots(partner, "three-selected")

    # One request for all three: Marketing, 90 days, one message.
    bar.get_by_role("button", name="Request permission to manage").click()
    dialog = partner.get_by_role("dialog", name="Request managed access")
    expect(dialog).to_contain_text("3 accounts")
    dialog.get_by_role("radio", name="Marketing").check()
    expect(dialog.locator("[data-level-text=marketing]")).to_be_visible()
    expect(dialog.locator("[data-level-text=full]")).to_be_hidden()
    dialog.get_by_label("How long access lasts once granted").select_option(label="90 days")
    dialog.get_by_label("Message to the customers").fill("As agreed, we will run your campaigns.")
    shots(partner, "bulk-overlay", full_page=False)
    dialog.get_by_role("button", name="Request permission for 3 accounts").click()
    expect(partner.get_by_role("heading", name="3 requests sent")).to_be_visible()
    expect(partner.get_by_role("region", name="Skipped (0)")).to_contain_text("Every selected")
    expect(partner.get_by_text("Marketing, for 90 days once granted")).to_be_visible()
    fits_the_screen(partner)
    shots(partner, "bulk-result")

    # Bluebird grants less than asked: Reports only.
    bluebird = pages.open()
    sign_in(bluebird, CUSTOMERS["Bluebird Bakery"], shots, "bluebird-sign-in")
    open_provider(bluebird)
    expect(bluebird.get_by_text("They ask for Marketing for 90 days")).to_be_visible()
    bluebird.get_by_role("radio", name="Reports only").check()
    expect(bluebird.get_by_role("note")).to_contain_text("read-only access to your account")
    fits_the_screen(bluebird)
    shots(bluebird, "bluebird-request")
    bluebird.get_by_role("button", name="Confirm").click()
    expect(
        bluebird.get_by_text("Northwind Digital now has read-only access to your account.")
    ).to_be_visible()
    shots(bluebird, "bluebird-granted-reports-only")

    # Harbor Yoga declines.
    harbor = pages.open()
    sign_in(harbor, CUSTOMERS["Harbor Yoga Collective"], shots, "harbor-sign-in")
    open_provider(harbor)
    harbor.get_by_role("button", name="Decline").click()
    harbor.get_by_role("dialog").get_by_role("button", name="Decline the request").click()
    expect(harbor.get_by_text("You declined the request from Northwind Digital.")).to_be_visible()

    # Lumen confirms what was asked.
    lumen = pages.open()
    sign_in(lumen, CUSTOMERS["Lumen Dental Care"], shots, "lumen-sign-in")
    open_provider(lumen)
    lumen.get_by_role("button", name="Confirm").click()
    expect(
        lumen.get_by_text("Northwind Digital now has marketing access to your account.")
    ).to_be_visible()
    expect(lumen.get_by_text("has marketing access to your account until")).to_be_visible()
    shots(lumen, "lumen-granted-marketing")

    # The partner sees each level in My accounts.
    partner.goto("/portal/accounts/")
    expect(account_row(partner, "Bluebird Bakery")).to_contain_text("Reports only")
    expect(account_row(partner, "Lumen Dental Care")).to_contain_text("Marketing")
    expect(account_row(partner, "Harbor Yoga Collective")).to_contain_text("Referred")
    partner.get_by_label("Access level").select_option(label="Marketing")
    expect(account_row(partner, "Bluebird Bakery")).to_have_count(0)
    expect(account_row(partner, "Lumen Dental Care")).to_be_visible()
    fits_the_screen(partner)
    shots(partner, "my-accounts-levels")

    # The worker, with the clock moved to 7 days before Lumen's end: the 7-day warning.
    grant = Grant.objects.get(account__organization_name="Lumen Dental Care")
    mail.outbox.clear()
    run_the_worker_at(grant.ends_at - dt.timedelta(days=7), settings)
    subjects = sorted(m.subject for m in mail.outbox)
    assert "Your access to Lumen Dental Care ends in 7 days" in subjects
    assert "Northwind Digital's access to Lumen Dental Care ends in 7 days" in subjects
    lumen.reload()
    lumen.get_by_label(re.compile(r"^Notifications, \d+ unread")).click()
    warning = "Unread: Northwind Digital's access to Lumen Dental Care ends in 7 days"
    expect(lumen.get_by_role("button", name=warning)).to_be_visible()
    shots(lumen, "lumen-seven-day-warning", full_page=False)

    # The partner's account page shows the end date and offers an extension.
    account_row(partner, "Lumen Dental Care").get_by_role("link", name="Lumen Dental Care").click()
    expect(partner.get_by_role("button", name="Request an extension")).to_be_visible()
    expect(partner.get_by_text("You have marketing access to this account.")).to_be_visible()
    shots(partner, "lumen-account-page")

    # The worker at the end date: the grant ends, the account is referred again.
    mail.outbox.clear()
    run_the_worker_at(grant.ends_at + dt.timedelta(minutes=1), settings)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.EXPIRED
    lumen_account = ClientAccount.objects.get(pk=grant.account_id)
    assert (lumen_account.partnership_kind, lumen_account.access_level) == ("referred", "")
    # (Bluebird's grant, confirmed the same day for the same 90 days, ends with it.)
    assert sorted(m.subject for m in mail.outbox if "Lumen" in m.subject) == [
        "Northwind Digital's access to Lumen Dental Care ended",
        "Your access to Lumen Dental Care ended",
    ]
    partner.reload()
    expect(partner.get_by_role("heading", name="Lumen Dental Care")).to_contain_text("Referred")
    expect(partner.get_by_text("Access ended at its end date").first).to_be_visible()
    shots(partner, "lumen-ended")
    assert timezone.now() < grant.ends_at  # the real clock never moved
    pages.assert_no_script_errors()


def test_bulk_selection_and_provider_pages_fit_a_phone(pages, shots):
    member = _partnership()
    phone = pages.open_phone()
    sign_in(phone, member.user.email, shots, "phone-sign-in")
    phone.goto("/portal/accounts/?type=referred")
    phone.get_by_role("checkbox", name="Select all accounts on this page").check(force=True)
    bar = phone.locator("[data-selection-bar]")
    expect(bar).to_contain_text("4 accounts selected")
    fits_the_screen(phone)
    shots(phone, "phone-selected")
    bar.get_by_role("button", name="Request permission to manage").click()
    dialog = phone.get_by_role("dialog", name="Request managed access")
    expect(dialog).to_be_visible()
    fits_the_screen(phone)
    shots(phone, "phone-bulk-overlay", full_page=False)
    dialog.get_by_role("button", name="Request permission for 4 accounts").click()
    expect(phone.get_by_role("heading", name="4 requests sent")).to_be_visible()
    fits_the_screen(phone)
    shots(phone, "phone-bulk-result")

    customer = pages.open_phone()
    sign_in(customer, CUSTOMERS["Bluebird Bakery"], shots, "phone-customer-sign-in")
    open_provider(customer)
    fits_the_screen(customer)
    shots(customer, "phone-provider-request")
    customer.get_by_role("button", name="Confirm").click()
    expect(customer.get_by_role("button", name="Change access level")).to_be_visible()
    fits_the_screen(customer)
    shots(customer, "phone-provider-managed")
    pages.assert_no_script_errors()
