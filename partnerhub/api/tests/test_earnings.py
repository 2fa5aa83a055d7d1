"""Earnings statements and lines of closed months.

Blue Bakery converted on 2026-03-10, moved under Brightwave on 2026-04-20 and paid 45.00 USD on
2026-04-25. Under the default terms (20%, a 100.00 USD new account bonus, 30 days' holding)
April's close wrote the bonus and 9.00 of revenue share.
"""

import datetime as dt

import pytest

from partnerhub.api.tests.cast import TODAY, Cast, api_call, assert_error
from partnerhub.earnings.close import month_close
from partnerhub.earnings.models import LedgerLine

pytestmark = pytest.mark.django_db


def test_the_closed_months(cast: Cast, client):
    response = api_call(client, "get", "/earnings/months", key=cast.read_key)

    assert (response.status_code, response.json()) == (200, ["2026-04"])


def test_the_statement_of_a_closed_month(cast: Cast, client):
    response = api_call(client, "get", "/earnings/statements?month=2026-04", key=cast.read_key)

    assert response.status_code == 200
    assert response.json() == [
        {
            "month": "2026-04",
            "currency": "USD",
            "revenue_share": "9.00",
            "incentives": "100.00",
            "adjustments": "0.00",
            "earnings": "109.00",
            "disbursements": "0.00",
            "opening_balance": "0.00",
            "closing_balance": "109.00",
            "lines": 2,
        }
    ]


def test_the_lines_of_a_closed_month_each_with_its_reason(cast: Cast, client):
    response = api_call(client, "get", "/earnings/lines?month=2026-04", key=cast.read_key)

    bonus, share = LedgerLine.objects.filter(partner=cast.partner).order_by("line_type")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": bonus.pk,
            "month": "2026-04",
            "account_id": cast.bakery.encoded_account_id,
            "line_type": "new_account_bonus",
            "amount": "100.00",
            "currency": "USD",
            "reason": "New account bonus, accrued 2026-04-20 (the later of conversion and "
            "moving); in window: moved under the partnership 2026-04-20, within the window "
            "after conversion",
            "payable_on": "2026-05-20",
        },
        {
            "id": share.pk,
            "month": "2026-04",
            "account_id": cast.bakery.encoded_account_id,
            "line_type": "revenue_share",
            "amount": "9.00",
            "currency": "USD",
            "reason": "Revenue share 20% of 45.00 USD on invoice INV-1 paid 2026-04-25; "
            "referred, in window: moved under the partnership 2026-04-20, within the window "
            "after conversion",
            "payable_on": "2026-05-25",
        },
    ]


def test_the_next_month_opens_with_the_last_closing_balance(cast: Cast, client):
    # Given a 30.00 USD invoice on 2026-05-12, brought in by the staff API, and May closed
    paid = api_call(
        client,
        "post",
        "/billing/invoices",
        key=cast.staff_key,
        body={
            "external_id": "INV-MAY",
            "encoded_account_id": cast.bakery.encoded_account_id,
            "paid_on": "2026-05-12",
            "amount": "30.00",
            "currency": "USD",
        },
    )
    month_close(month=dt.date(2026, 5, 1), today=TODAY)

    # When Olga's tool reads May
    response = api_call(client, "get", "/earnings/statements?month=2026-05", key=cast.read_key)
    lines = api_call(client, "get", "/earnings/lines?month=2026-05", key=cast.read_key)

    # Then May earned 20% of 30.00 on top of April's 109.00
    assert paid.status_code == 201
    assert [
        (s["revenue_share"], s["earnings"], s["opening_balance"], s["closing_balance"], s["lines"])
        for s in response.json()
    ] == [("6.00", "6.00", "109.00", "115.00", 1)]
    assert [(line["line_type"], line["amount"], line["payable_on"]) for line in lines.json()] == [
        ("revenue_share", "6.00", "2026-06-11")
    ]


@pytest.mark.parametrize(
    ("month", "status", "code"),
    [
        ("2026-05", 404, "month_not_closed"),
        ("2026-13", 400, "month_invalid"),
        ("April", 422, "invalid_request"),
        ("2026-4", 422, "invalid_request"),
    ],
)
def test_a_month_that_is_not_closed_or_not_a_month(cast: Cast, client, month, status, code):
    for what in ("statements", "lines"):
        response = api_call(client, "get", f"/earnings/{what}?month={month}", key=cast.read_key)
        assert_error(response, status, code)


def test_a_month_is_required(cast: Cast, client):
    response = api_call(client, "get", "/earnings/statements", key=cast.read_key)

    assert_error(response, 422, "invalid_request")
