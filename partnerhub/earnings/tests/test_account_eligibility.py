"""The partner's account page explains what the account earns and why: the bonus, revenue
share, the dates the window rule compares and the rule itself, for every kind of account."""

import re

import pytest
from django.utils.html import escape

from partnerhub.clients.models import BillingStatus, ClientAccount
from partnerhub.earnings.models import Terms
from partnerhub.earnings.tests.builders import MANAGED, account, close, d, partner, pay
from partnerhub.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

RULE = (
    "The rule: a referred account earns the bonus and revenue share only if it moved under your "
    "partnership within 60 days of its conversion or of your deployment; an account credited "
    "before it converts is inside the window. A managed account earns revenue share whatever "
    "the window; its bonus still needs the window. Single Bill accounts earn no revenue share."
)


def _section(client, a: ClientAccount) -> str:
    """The Earnings section of the account's page, as the partner's member sees it."""
    member = MemberFactory(partner=a.partner)
    client.force_login(member.user)
    response = client.get(f"/portal/accounts/{a.encoded_account_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('<section class="card" id="eligibility"')
    return page[start : page.index("</section>", start)]


def _reasons(section: str) -> list[tuple[str, str]]:
    """(yes/no, sentence) for each reason, in order."""
    return re.findall(r'<li class="(yes|no)">([^<]*)</li>', section)


def _fact(section: str, term: str) -> str:
    start = section.index(f"<dt>{term}</dt><dd>") + len(f"<dt>{term}</dt><dd>")
    return section[start : section.index("</dd>", start)]


def test_referred_in_window_after_conversion(client):
    # Given an account that converted on 1 October and moved 9 days later
    a = account(partner(), converted_on=d("2026-10-01"), moved_on=d("2026-10-10"))

    section = _section(client, a)

    assert _reasons(section) == [
        ("yes", "Bonus: in window: moved 9 days after conversion (at most 60)"),
        (
            "yes",
            "Revenue share on every invoice: in window: moved 9 days after conversion (at most 60)",
        ),
    ]
    assert _fact(section, "Converted") == "1 Oct 2026"
    assert _fact(section, "Moved under your partnership") == "10 Oct 2026, 9 days after conversion"
    assert _fact(section, "Your deployment") == "1 Apr 2019, 2749 days before the account moved"
    assert _fact(section, "Window") == (
        "In window if it moved by 30 Nov 2026 (60 days after conversion) or by 31 May 2019 "
        "(60 days after your deployment)"
    )
    assert escape(RULE) in section
    assert (
        "Terms locked on the day it moved (10 Oct 2026): 20% revenue share, 60-day window."
        in section
    )


def test_referred_in_window_after_the_partners_deployment(client):
    # Given a partner deployed on 1 September and an old account that moved 30 days later
    a = account(
        partner(deployed_on=d("2026-09-01")), converted_on=d("2024-05-01"), moved_on=d("2026-10-01")
    )

    section = _section(client, a)

    assert _reasons(section) == [
        (
            "yes",
            escape("Bonus: in window: moved 30 days after the partner's deployment (at most 60)"),
        ),
        (
            "yes",
            escape(
                "Revenue share on every invoice: in window: moved 30 days after the partner's "
                "deployment (at most 60)"
            ),
        ),
    ]
    assert _fact(section, "Your deployment") == "1 Sep 2026, 30 days before the account moved"
    assert _fact(section, "Window") == (
        "In window if it moved by 30 Jun 2024 (60 days after conversion) or by 31 Oct 2026 "
        "(60 days after your deployment)"
    )


def test_referred_out_of_window(client):
    # Given an account that moved 95 days after its conversion and 400 after the deployment
    a = account(
        partner(deployed_on=d("2023-12-01")), converted_on=d("2024-10-01"), moved_on=d("2025-01-04")
    )

    section = _section(client, a)

    assert _reasons(section) == [
        ("no", "No bonus: moved 95 days after conversion and 400 days after deployment"),
        ("no", "No revenue share while referred: out of window; it would earn as managed"),
    ]
    assert _fact(section, "Converted") == "1 Oct 2024"
    assert _fact(section, "Moved under your partnership") == "4 Jan 2025, 95 days after conversion"
    assert _fact(section, "Your deployment") == "1 Dec 2023, 400 days before the account moved"
    assert _fact(section, "Window") == (
        "In window if it moved by 30 Nov 2024 (60 days after conversion) or by 30 Jan 2024 "
        "(60 days after your deployment)"
    )


def test_managed_out_of_window_earns_revenue_share_but_no_bonus(client):
    a = account(
        partner(deployed_on=d("2023-12-01")),
        converted_on=d("2024-10-01"),
        moved_on=d("2025-01-04"),
        kind=MANAGED,
    )

    section = _section(client, a)

    assert _reasons(section) == [
        ("no", "No bonus: moved 95 days after conversion and 400 days after deployment"),
        ("yes", "Revenue share on every invoice: managed (whatever the window)"),
    ]


def test_credited_before_it_converted(client):
    # Given a trial credited on 1 February that converted on 15 June
    a = account(partner(), moved_on=d("2026-02-01"), converted_on=d("2026-06-15"))

    section = _section(client, a)

    assert _reasons(section) == [
        ("yes", "Bonus: in window: credited before it converted"),
        ("yes", "Revenue share on every invoice: in window: credited before it converted"),
    ]
    assert _fact(section, "Converted") == "15 Jun 2026"
    assert _fact(section, "Moved under your partnership") == "1 Feb 2026, before it converted"


def test_a_trial_that_has_not_converted(client):
    a = account(partner(), moved_on=d("2026-10-01"), converted_on=None)

    section = _section(client, a)

    assert _reasons(section) == [
        ("no", "No bonus yet: still a trial (it earns one when it converts, being in window)"),
        ("yes", "Revenue share on every invoice: in window: credited before it converted"),
    ]
    assert _fact(section, "Converted") == "Not yet (trial)"
    assert _fact(section, "Moved under your partnership") == "1 Oct 2026, before it converted"
    assert _fact(section, "Window") == (
        "In window if it moved before conversion or by 31 May 2019 (60 days after your deployment)"
    )


def test_a_trial_that_ended_without_converting(client):
    a = account(partner(), moved_on=d("2026-10-01"), converted_on=None)
    ClientAccount.objects.filter(pk=a.pk).update(billing_status=BillingStatus.TRIAL_END)

    section = _section(client, a)

    assert _reasons(section)[0] == (
        "no",
        "No bonus: the trial ended without converting (it earns one if it converts, being in "
        "window)",
    )


def test_a_single_bill_account(client):
    a = account(partner(), converted_on=d("2026-10-01"), moved_on=d("2026-10-10"), single_bill=True)

    section = _section(client, a)

    assert _reasons(section) == [
        ("yes", "Bonus: in window: moved 9 days after conversion (at most 60)"),
        ("no", "No revenue share: a Single Bill account (you get its upfront discount instead)"),
    ]


def test_a_cancelled_account(client):
    a = account(
        partner(),
        converted_on=d("2026-10-01"),
        moved_on=d("2026-10-10"),
        billing_status=BillingStatus.CANCELED,
    )

    section = _section(client, a)

    assert _reasons(section) == [
        ("yes", "Bonus: in window: moved 9 days after conversion (at most 60)"),
        (
            "yes",
            "Revenue share on every invoice: in window: moved 9 days after conversion (at most 60)",
        ),
        (
            "no",
            "Cancelled: it pays no more invoices, so it earns nothing new; what it earned before "
            "stays yours.",
        ),
    ]


def test_the_section_lists_the_accounts_own_lines_newest_first(client):
    # Given an account in window that paid in October and November, both months closed
    a = account(partner(), converted_on=d("2026-10-01"), moved_on=d("2026-10-10"))
    other = account(a.partner, converted_on=d("2026-10-01"), moved_on=d("2026-10-10"))
    pay(a, "INV-A-1", d("2026-10-12"), 5000)
    pay(a, "INV-A-2", d("2026-11-12"), 2500)
    pay(other, "INV-OTHER-1", d("2026-10-12"), 9900)
    close("2026-10", "2026-11", today=d("2026-12-02"))

    section = _section(client, a)

    assert "<h3>Latest lines</h3>" in section
    rows = section[section.index("<tbody>") :]
    assert rows.index("INV-A-2") < rows.index("INV-A-1")
    assert '<td data-label="Month">Nov 2026</td>' in rows
    assert "100.00 USD" in rows  # the bonus
    assert "INV-OTHER-1" not in rows


def test_without_lines_the_section_says_so(client):
    a = account(partner(), converted_on=d("2026-10-01"), moved_on=d("2026-10-10"))

    section = _section(client, a)

    assert "No earnings lines for this account yet." in section


def test_before_the_program_has_terms_the_page_shows_no_earnings_section(client):
    a = account(partner(), converted_on=d("2026-10-01"), moved_on=d("2026-10-10"))
    Terms.objects.all().delete()
    client.force_login(MemberFactory(partner=a.partner).user)

    response = client.get(f"/portal/accounts/{a.encoded_account_id}/")

    assert response.status_code == 200
    assert 'id="eligibility"' not in response.content.decode()
