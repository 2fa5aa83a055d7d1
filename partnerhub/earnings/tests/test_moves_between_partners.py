"""Worked examples of an account moving from one partner to another: the invoices each partner
earns on. The move is made by the real services (the new partner asks, the owner confirms);
the old partnership ends that moment, and the new one counts from the move day.

Default terms: 20% revenue share, a 60-day window, a 100.00 USD new account bonus. Partners
deployed on 2019-04-01 have no deployment window left.
"""

import datetime as dt
from unittest import mock

import pytest

from partnerhub.earnings.tests.builders import (
    account,
    assert_ledger,
    close,
    d,
    partner,
    pay,
    utc,
)
from partnerhub.moves.models import MoveRequest
from partnerhub.moves.services import move_request_confirm, move_request_create, move_terms
from partnerhub.partnerships.models import Partnership
from partnerhub.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

NAB = "new_account_bonus"
RS = "revenue_share"


def move(acct, to_member, *, on: dt.datetime, kind: str = "referred", level: str = ""):
    """``to_member``'s partner asks, and the owner confirms, both at ``on``."""
    with mock.patch("django.utils.timezone.now", return_value=on):
        [asked] = move_request_create(
            actor=to_member.user, identifier=acct.login_name, kind=kind, level=level
        )
        asked = MoveRequest.objects.select_related("partner", "account__partner").get(pk=asked.pk)
        terms = move_terms(asked, current_partner_name=asked.account.partner.name)
        move_request_confirm(
            actor=acct.owner,
            move_id=asked.pk,
            text_version=terms.version,
            ip_address="198.51.100.20",
            user_agent="test",
        )


def story(*, kind: str, new_partner_deployed_on: dt.date = dt.date(2019, 4, 1)):
    """Blue Bakery converted on 10 March 2026 and moved under Agency A on 20 March (in window).
    It pays 40.00 on 5 April and 14 May; on 15 May at 10:00 its owner moves it to Agency B;
    it pays 40.00 that same day and on 10 June."""
    a_partner = partner(name="Agency A")
    b_partner = partner(name="Agency B", deployed_on=new_partner_deployed_on)
    b_member = MemberFactory(partner=b_partner)
    bakery = account(a_partner, converted_on=d("2026-03-10"), moved_on=d("2026-03-20"))
    pay(bakery, "INV-1", d("2026-04-05"), 4000)
    pay(bakery, "INV-2", d("2026-05-14"), 4000)
    move(
        bakery,
        b_member,
        on=utc(d("2026-05-15"), 10),
        kind=kind,
        level="full" if kind == "managed" else "",
    )
    pay(bakery, "INV-3", d("2026-05-15"), 4000)
    pay(bakery, "INV-4", d("2026-06-10"), 4000)
    close("2026-03", "2026-04", "2026-05", "2026-06")
    return a_partner, b_partner, bakery


# What Agency A earns in every story: the bonus and the invoices paid before the move day.
A_LINES = [
    ("2026-03", NAB, 10000, "USD", "accrued 2026-03-20"),
    ("2026-04", RS, 800, "USD", "on invoice INV-1 paid 2026-04-05"),
    ("2026-05", RS, 800, "USD", "on invoice INV-2 paid 2026-05-14"),
]


def test_the_partnerships_follow_the_move():
    a_partner, b_partner, bakery = story(kind="referred")

    rows = list(
        Partnership.objects.filter(account=bakery)
        .order_by("id")
        .values_list("partner__name", "moved_on", "ended_at", "source")
    )
    assert rows == [
        ("Agency A", d("2026-03-20"), utc(d("2026-05-15"), 10), "invite_link"),
        ("Agency B", d("2026-05-15"), None, "approved_move"),
    ]


def test_a_referred_move_66_days_after_conversion_earns_the_new_partner_nothing():
    # Agency B's window counts from the move day: 66 days after conversion, and B was deployed
    # long ago. Agency A earns nothing on the invoices paid from the move day on.
    a_partner, b_partner, _ = story(kind="referred")

    assert_ledger(a_partner, A_LINES)
    assert_ledger(b_partner, [])


def test_a_managed_move_earns_the_new_partner_revenue_share_from_the_move_day():
    # Managed earns revenue share whatever the window; the bonus still needs it (none for B).
    a_partner, b_partner, _ = story(kind="managed")

    assert_ledger(a_partner, A_LINES)
    assert_ledger(
        b_partner,
        [
            (
                "2026-05",
                RS,
                800,
                "USD",
                "on invoice INV-3 paid 2026-05-15; managed since 2026-05-15",
            ),
            (
                "2026-06",
                RS,
                800,
                "USD",
                "on invoice INV-4 paid 2026-06-10; managed since 2026-05-15",
            ),
        ],
    )


def test_a_referred_move_to_a_newly_deployed_partner_is_in_its_window():
    # Agency B joined the program on 1 May: the move on 15 May is 14 days after its deployment,
    # so B earns as a referred account in window, each partnership judged on its own move day.
    a_partner, b_partner, _ = story(kind="referred", new_partner_deployed_on=d("2026-05-01"))

    assert_ledger(a_partner, A_LINES)
    assert_ledger(
        b_partner,
        [
            ("2026-05", NAB, 10000, "USD", "accrued 2026-05-15"),
            ("2026-05", RS, 800, "USD", "on invoice INV-3 paid 2026-05-15; referred, in window"),
            ("2026-06", RS, 800, "USD", "on invoice INV-4 paid 2026-06-10; referred, in window"),
        ],
    )
