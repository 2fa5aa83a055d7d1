"""The pricing rules without a database: tiers, proration and rounding."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerhub.pricing import rules
from partnerhub.pricing.rules import VolumeTier

BOOK = [
    VolumeTier(1, 4, Decimal("0")),
    VolumeTier(5, 24, Decimal("10")),
    VolumeTier(25, None, Decimal("20")),
]


@pytest.mark.parametrize(
    ("paying", "percent"),
    [(0, "0"), (1, "0"), (4, "0"), (5, "10"), (24, "10"), (25, "20"), (900, "20")],
)
def test_the_tier_edges(paying, percent):
    assert rules.tier_for(BOOK, paying).discount_percent == Decimal(percent)


def test_the_next_tier_and_none_above_the_top():
    assert rules.next_tier(BOOK, 4).min_accounts == 5
    assert rules.next_tier(BOOK, 22).min_accounts == 25
    assert rules.next_tier(BOOK, 25) is None


def test_a_sound_book_has_no_problems():
    assert rules.tier_problems(BOOK) == []


@pytest.mark.parametrize(
    ("tiers", "problem"),
    [
        ([], "at least one volume tier"),
        ([VolumeTier(2, None, Decimal(0))], "starts at 1 account, not 2"),
        (
            [VolumeTier(1, 5, Decimal(0)), VolumeTier(5, None, Decimal(10))],
            "1–5 accounts and 5+ accounts overlap",
        ),
        (
            [VolumeTier(1, 4, Decimal(0)), VolumeTier(7, None, Decimal(10))],
            "no tier for 5–6 accounts",
        ),
        ([VolumeTier(1, 4, Decimal(0))], "the last tier ends at 4"),
        ([VolumeTier(1, None, Decimal("100.5"))], "from 0 to 100 %"),
        ([VolumeTier(1, None, Decimal("-1"))], "from 0 to 100 %"),
        ([VolumeTier(1, None, Decimal("10.125"))], "at most two decimals"),
        (
            [VolumeTier(1, None, Decimal(0)), VolumeTier(5, None, Decimal(10))],
            "only the last tier is open-ended",
        ),
    ],
)
def test_a_faulty_book_is_refused_with_its_reason(tiers, problem):
    assert any(problem in p for p in rules.tier_problems(tiers)), rules.tier_problems(tiers)


def test_labels():
    assert [t.label for t in BOOK] == ["1–4 accounts", "5–24 accounts", "25+ accounts"]
    assert [t.discount_label for t in BOOK] == ["0 %", "−10 %", "−20 %"]
    assert rules.percent_label(Decimal("12.50")) == "−12.5 %"


def test_added_on_the_17th_of_november_pays_14_of_30_days():
    # 35.00 × 14 / 30 = 16.333… → 16.33; −10 %: 1.633 → 1.63; total 14.70
    period = rules.billed_period(month=dt.date(2026, 11, 1), paying_from=dt.date(2026, 11, 17))
    assert (period.first, period.last, period.days) == (
        dt.date(2026, 11, 17),
        dt.date(2026, 11, 30),
        14,
    )
    c = rules.charge(
        list_price_minor=3500, period=period, month=dt.date(2026, 11, 1), percent=Decimal(10)
    )
    assert (c.amount_minor, c.discount_minor, c.total_minor) == (1633, 163, 1470)


def test_cancelled_on_the_10th_of_october_pays_the_9_days_before():
    # 20.00 × 9 / 31 = 5.806… → 5.81
    period = rules.billed_period(
        month=dt.date(2026, 10, 1),
        paying_from=dt.date(2025, 2, 1),
        cancelled_on=dt.date(2026, 10, 10),
    )
    assert (period.first, period.last, period.days) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 9),
        9,
    )
    assert rules.prorate(2000, 9, 31) == 581


def test_half_a_cent_rounds_up():
    assert rules.prorate(1, 1, 2) == 1  # 0.5 cent → 1
    assert rules.discount_of(5, Decimal(10)) == 1  # 0.5 cent → 1
    assert rules.discount_of(-5, Decimal(10)) == -1  # a correction mirrors it
    assert rules.discount_of(4, Decimal(10)) == 0


def test_no_day_billed_is_no_period():
    assert (
        rules.billed_period(
            month=dt.date(2026, 10, 1),
            paying_from=dt.date(2026, 9, 1),
            cancelled_on=dt.date(2026, 10, 1),
        )
        is None
    )
    assert rules.billed_period(month=dt.date(2026, 10, 1), paying_from=dt.date(2026, 11, 3)) is None


def test_contact_tiers():
    assert [rules.contact_tier(n)[0] for n in (0, 500, 501, 1000, 1001, 5000, 5001)] == [
        1,
        1,
        2,
        2,
        3,
        4,
        5,
    ]


@given(
    price=st.integers(min_value=0, max_value=10**9),
    month_days=st.sampled_from([28, 29, 30, 31]),
    data=st.data(),
    percent=st.decimals(min_value=0, max_value=100, places=2),
)
def test_a_charge_is_never_negative_and_never_over_the_list(price, month_days, data, percent):
    days = data.draw(st.integers(min_value=0, max_value=month_days))
    amount = rules.prorate(price, days, month_days)
    discount = rules.discount_of(amount, percent)
    assert 0 <= amount <= price
    assert 0 <= discount <= amount
    assert amount - discount >= 0
    if days == month_days:
        assert amount == price
