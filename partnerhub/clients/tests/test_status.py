"""The status partners filter on, derived from billing data (plain values, no database)."""

import pytest

from partnerhub.clients.status import AccountStatus, status_from_values, status_of


def test_the_statuses_are_those_of_the_public_product_in_its_order():
    assert AccountStatus.labels == [
        "Active",
        "Trial - active",
        "Trial - expired",
        "Cancelled",
        "Disabled - compliance",
        "Disabled - balance due",
        "Single Bill",
    ]


@pytest.mark.parametrize(
    ("billing_status", "expected"),
    [
        ("Open", AccountStatus.ACTIVE),
        ("Trial", AccountStatus.TRIAL_ACTIVE),
        ("Trial End", AccountStatus.TRIAL_EXPIRED),
        ("Canceled", AccountStatus.CANCELLED),
    ],
)
def test_an_enabled_account_billed_normally_shows_its_billing_status(billing_status, expected):
    assert (
        status_from_values(billing_status=billing_status, disabled_reason="", single_bill=False)
        == expected
    )


@pytest.mark.parametrize("billing_status", ["Open", "Trial", "Trial End", "Canceled"])
def test_a_single_bill_account_shows_single_bill_whatever_its_billing_status(billing_status):
    assert (
        status_from_values(billing_status=billing_status, disabled_reason="", single_bill=True)
        == AccountStatus.SINGLE_BILL
    )


@pytest.mark.parametrize("billing_status", ["Open", "Trial", "Trial End", "Canceled"])
@pytest.mark.parametrize("single_bill", [False, True])
@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("compliance", AccountStatus.DISABLED_COMPLIANCE),
        ("balance_due", AccountStatus.DISABLED_BALANCE_DUE),
    ],
)
def test_a_disabled_account_shows_why_before_anything_else(
    billing_status, single_bill, reason, expected
):
    assert (
        status_from_values(
            billing_status=billing_status, disabled_reason=reason, single_bill=single_bill
        )
        == expected
    )


def test_an_unknown_billing_status_is_an_error_not_a_guess():
    with pytest.raises(KeyError):
        status_from_values(billing_status="Frozen", disabled_reason="", single_bill=False)


class _Account:
    billing_status = "Trial End"
    disabled_reason = ""
    single_bill = False


def test_status_of_reads_the_three_fields_of_an_account():
    account = _Account()

    assert status_of(account) == AccountStatus.TRIAL_EXPIRED
    assert status_of(account).label == "Trial - expired"
