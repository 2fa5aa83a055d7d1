"""The money rules as plain functions: no database."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.earnings import rules

D = dt.date
LONG_AGO = D(2019, 4, 1)


# --- window ---------------------------------------------------------------------------------


def test_window_by_conversion_includes_day_60():
    w = rules.window(
        moved_on=D(2026, 3, 2), converted_on=D(2026, 1, 1), deployed_on=LONG_AGO, window_days=60
    )

    assert w == rules.Window(True, True, False, 60, 2527)
    assert w.explain(60) == "in window: moved 60 days after conversion (at most 60)"


def test_window_by_conversion_excludes_day_61():
    w = rules.window(
        moved_on=D(2026, 3, 3), converted_on=D(2026, 1, 1), deployed_on=LONG_AGO, window_days=60
    )

    assert w == rules.Window(False, False, False, 61, 2528)
    assert (
        w.explain(60)
        == "out of window: moved 61 days after conversion and 2528 days after deployment"
    )


def test_window_by_deployment_includes_day_60():
    w = rules.window(
        moved_on=D(2026, 3, 2),
        converted_on=D(2024, 5, 1),
        deployed_on=D(2026, 1, 1),
        window_days=60,
    )

    assert w == rules.Window(True, False, True, 670, 60)
    assert w.explain(60) == "in window: moved 60 days after the partner's deployment (at most 60)"


def test_window_by_deployment_excludes_day_61():
    w = rules.window(
        moved_on=D(2026, 3, 3),
        converted_on=D(2024, 5, 1),
        deployed_on=D(2026, 1, 1),
        window_days=60,
    )

    assert w == rules.Window(False, False, False, 671, 61)
    assert (
        w.explain(60)
        == "out of window: moved 671 days after conversion and 61 days after deployment"
    )


def test_window_when_both_branches_hold_names_the_conversion():
    w = rules.window(
        moved_on=D(2026, 3, 1),
        converted_on=D(2026, 2, 20),
        deployed_on=D(2026, 2, 1),
        window_days=60,
    )

    assert (w.in_window, w.by_conversion, w.by_deployment) == (True, True, True)
    assert w.explain(60) == "in window: moved 9 days after conversion (at most 60)"


def test_an_account_credited_before_it_converts_is_in_window():
    converts_later = rules.window(
        moved_on=D(2026, 2, 1),
        converted_on=D(2026, 6, 15),
        deployed_on=LONG_AGO,
        window_days=60,
    )
    still_trial = rules.window(
        moved_on=D(2026, 2, 1), converted_on=None, deployed_on=LONG_AGO, window_days=60
    )

    assert converts_later == rules.Window(True, True, False, -134, 2498)
    assert converts_later.explain(60) == "in window: credited before it converted"
    assert still_trial == rules.Window(True, True, False, None, 2498)
    assert still_trial.explain(60) == "in window: credited before it converted"


def test_the_window_length_is_a_term():
    kwargs = {"moved_on": D(2026, 2, 1), "converted_on": D(2026, 1, 1), "deployed_on": LONG_AGO}

    assert rules.window(**kwargs, window_days=31).in_window is True
    assert rules.window(**kwargs, window_days=30).in_window is False


@pytest.mark.parametrize(
    ("managed_on_day", "in_window", "single_bill", "earns"),
    [
        (True, True, False, True),
        (True, False, False, True),  # managed: whatever the window
        (False, True, False, True),  # referred: only in window
        (False, False, False, False),
        (True, True, True, False),  # Single Bill: never
        (True, False, True, False),
        (False, True, True, False),
        (False, False, True, False),
    ],
)
def test_earns_revenue_share(managed_on_day, in_window, single_bill, earns):
    assert (
        rules.earns_revenue_share(
            managed_on_day=managed_on_day, in_window=in_window, single_bill=single_bill
        )
        is earns
    )


@pytest.mark.parametrize(
    ("converted", "in_window", "earns"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_earns_new_account_bonus(converted, in_window, earns):
    assert rules.earns_new_account_bonus(converted=converted, in_window=in_window) is earns


def test_the_bonus_accrues_on_the_later_of_conversion_and_moving():
    assert rules.nab_accrual_day(converted_on=D(2026, 3, 10), moved_on=D(2026, 4, 20)) == D(
        2026, 4, 20
    )
    assert rules.nab_accrual_day(converted_on=D(2026, 6, 15), moved_on=D(2026, 2, 1)) == D(
        2026, 6, 15
    )
    assert rules.nab_accrual_day(converted_on=D(2026, 5, 5), moved_on=D(2026, 5, 5)) == D(
        2026, 5, 5
    )


# --- rates and rounding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "ppm"),
    [
        ("0.2", 200_000),
        ("0.200000", 200_000),
        ("0.125", 125_000),
        ("0.123456", 123_456),
        ("1", 1_000_000),
        ("0", 0),
    ],
)
def test_rate_to_ppm(rate, ppm):
    assert rules.rate_to_ppm(Decimal(rate)) == ppm


@pytest.mark.parametrize("rate", ["0.1234567", "0.2000001", "0.0000005"])
def test_rate_to_ppm_refuses_more_than_six_decimals(rate):
    with pytest.raises(ValueError, match="more than six decimal places"):
        rules.rate_to_ppm(Decimal(rate))


@pytest.mark.parametrize(
    ("amount", "rate_ppm", "share"),
    [
        (4500, 200_000, 900),
        (2999, 200_000, 600),  # 599.8 → 600
        (2997, 200_000, 599),  # 599.4 → 599
        (2, 250_000, 1),  # 0.5 → 1: half rounds up
        (6, 250_000, 2),  # 1.5 → 2
        (10, 250_000, 3),  # 2.5 → 3, not to even
        (1, 250_000, 0),  # 0.25 → 0
        (3, 250_000, 1),  # 0.75 → 1
        (12, 125_000, 2),  # 1.5 → 2
        (1002, 250_000, 251),  # 250.5 → 251
        (300, 333_333, 100),  # 99.9999 → 100
        (0, 200_000, 0),
        (4500, 0, 0),
        (4500, 1_000_000, 4500),
    ],
)
def test_share_of_rounds_half_up_to_the_cent(amount, rate_ppm, share):
    assert rules.share_of(amount, rate_ppm) == share


@pytest.mark.parametrize(
    ("amount", "rate_ppm", "share"),
    [(-2, 250_000, -1), (-10, 250_000, -3), (-1, 250_000, 0), (-4500, 200_000, -900)],
)
def test_share_of_a_negative_amount_mirrors_the_positive(amount, rate_ppm, share):
    assert rules.share_of(amount, rate_ppm) == share


@settings(database=None)
@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    rate_ppm=st.integers(min_value=0, max_value=1_000_000),
)
def test_share_of_matches_decimal_half_up_away_from_zero(amount, rate_ppm):
    exact = Decimal(amount) * Decimal(rate_ppm) / Decimal(rules.PPM)
    expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    assert rules.share_of(amount, rate_ppm) == expected
    assert rules.share_of(-amount, rate_ppm) == -expected


# --- months and money -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "last"),
    [
        (D(2026, 1, 1), D(2026, 1, 31)),
        (D(2026, 2, 1), D(2026, 2, 28)),
        (D(2028, 2, 1), D(2028, 2, 29)),
        (D(2026, 4, 1), D(2026, 4, 30)),
        (D(2026, 12, 1), D(2026, 12, 31)),
    ],
)
def test_month_end(month, last):
    assert rules.month_end(month) == last


def test_month_start():
    assert rules.month_start(D(2026, 10, 31)) == D(2026, 10, 1)
    assert rules.month_start(D(2026, 10, 1)) == D(2026, 10, 1)


def test_parse_month():
    assert rules.parse_month("2026-10") == D(2026, 10, 1)
    assert rules.parse_month("0001-01") == D(1, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "0000-01",
        "October 2026",
        "2026-10-01",
        "",
        "26-10",
        "2026-1",
        "2026-001",
        "02026-01",
        " 2026-01",
        "2026-01\n",
        "2026/01",
        "\u0662\u0660\u0662\u0666-01",  # Arabic-Indic digits
    ],
)
def test_parse_month_accepts_exactly_yyyy_mm(text):
    with pytest.raises(ValueError) as refused:
        rules.parse_month(text)

    assert str(refused.value) == f"{text!r} is not a month; use YYYY-MM"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (123456, "USD", "1,234.56 USD"),
        (-5, "EUR", "-0.05 EUR"),
        (0, "GBP", "0.00 GBP"),
        (-1000000, "USD", "-10,000.00 USD"),
    ],
)
def test_format_minor(amount, currency, text):
    assert rules.format_minor(amount, currency) == text


def test_minor_and_decimal_convert_exactly():
    assert rules.minor_to_decimal(4500) == Decimal("45.00")
    assert str(rules.minor_to_decimal(-1)) == "-0.01"
    assert rules.decimal_to_minor(Decimal("45.00")) == 4500
    assert rules.decimal_to_minor(Decimal("29.99")) == 2999
    with pytest.raises(ValueError, match="more than two decimal places"):
        rules.decimal_to_minor(Decimal("45.001"))
