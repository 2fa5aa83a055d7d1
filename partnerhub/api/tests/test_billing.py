"""Billing data in through the staff endpoints. Each call carries the billing system's own id:
the same id with the same content answers as the first time and changes nothing more; the same
id with other content is refused."""

import datetime as dt

import pytest

from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.billing.models import BillingEvent, Invoice, Refund
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.tests.factories import credited_account
from partnerhub.webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial(cast: Cast) -> ClientAccount:
    """Tulip Tea, a Brightwave trial account."""
    return credited_account(
        cast.partner,
        kind=PartnershipKind.REFERRED,
        moved_on=dt.date(2026, 10, 1),
        organization_name="Tulip Tea",
        owner_name="Tom Tulip",
        login_name="tuliptea",
        plan_type=PlanType.TRIAL,
        billing_status=BillingStatus.TRIAL,
        converted_at=None,
    )


def _post(client, cast: Cast, what: str, body: dict, **headers):
    return api_call(client, "post", f"/billing/{what}", key=cast.staff_key, body=body, **headers)


def _events(cast: Cast) -> list[tuple[str, str | None]]:
    return [
        (e.event_type, e.payload.get("previous_plan_type"))
        for e in WebhookEvent.objects.filter(partner=cast.partner).order_by("id")
        if e.event_type not in ("account.credited", "request.created", "request.confirmed")
    ]


def test_leaving_trial_is_the_conversion(cast: Cast, trial: ClientAccount, client):
    body = {
        "external_id": "CONV-1",
        "encoded_account_id": trial.encoded_account_id,
        "plan_type": "SILVER",
        "occurred_at": "2026-11-20T10:00:00Z",
    }

    response = _post(client, cast, "plan-changes", body)

    assert response.status_code == 201
    assert response.json() == {"external_id": "CONV-1", "kind": "conversion", "replayed": False}
    trial.refresh_from_db()
    assert (trial.plan_type, trial.billing_status, trial.converted_at) == (
        PlanType.SILVER,
        BillingStatus.OPEN,
        dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
    )
    event = BillingEvent.objects.get(external_id="CONV-1")
    assert (event.kind, event.account, event.plan_type) == ("conversion", trial, "SILVER")
    assert _events(cast) == [("account.converted", "TRIAL"), ("tier.increase", "TRIAL")]


def test_a_plan_change_and_a_downgrade(cast: Cast, client):
    up = _post(
        client,
        cast,
        "plan-changes",
        {
            "external_id": "PC-1",
            "encoded_account_id": cast.garden.encoded_account_id,
            "plan_type": "GOLD",
            "occurred_at": "2026-11-20T10:00:00+01:00",
        },
    )
    down = _post(
        client,
        cast,
        "plan-changes",
        {
            "external_id": "PC-2",
            "encoded_account_id": cast.garden.encoded_account_id,
            "plan_type": "BRONZE",
            "occurred_at": "2026-11-21T10:00:00Z",
        },
    )

    assert [(r.status_code, r.json()["kind"]) for r in (up, down)] == [
        (201, "plan_change"),
        (201, "plan_change"),
    ]
    cast.garden.refresh_from_db()
    assert (cast.garden.plan_type, cast.garden.billing_status) == ("BRONZE", "Open")
    assert _events(cast) == [
        ("plan.changed", "SILVER"),
        ("tier.increase", "SILVER"),
        ("plan.changed", "GOLD"),
        ("tier.decrease", "GOLD"),
    ]


STAFF_CALLS = {
    "plan-changes": (
        lambda c: {
            "external_id": "EV-1",
            "encoded_account_id": c.garden.encoded_account_id,
            "plan_type": "GOLD",
            "occurred_at": "2026-11-20T10:00:00Z",
        },
        {"plan_type": "SILVER"},
        "plan_change",
    ),
    "cancellations": (
        lambda c: {
            "external_id": "EV-2",
            "encoded_account_id": c.garden.encoded_account_id,
            "occurred_at": "2026-11-20T10:00:00Z",
            "reason": "Closing the shop",
        },
        {"reason": "Too expensive"},
        "cancellation",
    ),
    "disablements": (
        lambda c: {
            "external_id": "EV-3",
            "encoded_account_id": c.garden.encoded_account_id,
            "occurred_at": "2026-11-20T10:00:00Z",
            "reason": "compliance",
        },
        {"reason": "balance_due"},
        "disablement",
    ),
    "invoices": (
        lambda c: {
            "external_id": "INV-2",
            "encoded_account_id": c.garden.encoded_account_id,
            "paid_on": "2026-11-20",
            "amount": "49.90",
            "currency": "USD",
        },
        {"amount": "49.91"},
        "invoice",
    ),
    "refunds": (
        lambda c: {
            "external_id": "RF-1",
            "invoice_external_id": "INV-1",
            "refunded_on": "2026-05-02",
            "amount": "5.00",
        },
        {"amount": "5.01"},
        "refund",
    ),
}


@pytest.mark.parametrize("what", list(STAFF_CALLS))
def test_the_same_external_id_with_the_same_body_answers_the_same(cast: Cast, client, what):
    make_body, _, kind = STAFF_CALLS[what]
    first = _post(client, cast, what, make_body(cast))
    after_first = snapshot()

    again = _post(client, cast, what, make_body(cast))

    assert (first.status_code, again.status_code) == (201, 201)
    assert (
        first.json()
        == again.json()
        == {
            "external_id": make_body(cast)["external_id"],
            "kind": kind,
            "replayed": False,
        }
    )
    assert snapshot() == after_first


@pytest.mark.parametrize("what", list(STAFF_CALLS))
def test_the_same_external_id_with_another_body_is_a_conflict(cast: Cast, client, what):
    make_body, change, _ = STAFF_CALLS[what]
    _post(client, cast, what, make_body(cast))
    after_first = snapshot()

    response = _post(client, cast, what, {**make_body(cast), **change})

    assert_error(response, 409, "idempotency_conflict")
    assert snapshot() == after_first


def test_each_call_writes_what_it_says(cast: Cast, client):
    for what, (make_body, _, _) in STAFF_CALLS.items():
        assert _post(client, cast, what, make_body(cast)).status_code == 201, what

    cast.garden.refresh_from_db()
    assert (cast.garden.plan_type, cast.garden.billing_status, cast.garden.disabled_reason) == (
        "GOLD",
        "Canceled",
        "compliance",
    )
    invoice = Invoice.objects.get(external_id="INV-2")
    assert (invoice.account, invoice.paid_on, invoice.amount_minor, invoice.currency) == (
        cast.garden,
        dt.date(2026, 11, 20),
        4990,
        "USD",
    )
    refund = Refund.objects.get(external_id="RF-1")
    assert (refund.invoice, refund.refunded_on, refund.amount_minor) == (
        cast.invoice,
        dt.date(2026, 5, 2),
        500,
    )
    assert [(e.external_id, e.kind) for e in BillingEvent.objects.order_by("id")] == [
        ("EV-1", "plan_change"),
        ("EV-2", "cancellation"),
        ("EV-3", "disablement"),
    ]
    assert _events(cast) == [
        ("plan.changed", "SILVER"),
        ("tier.increase", "SILVER"),
        ("account.cancelled", None),
        ("account.cancel", None),
        ("account.disabled", None),
        ("account.disable", None),
    ]


@pytest.mark.parametrize(
    ("what", "change", "status", "code"),
    [
        ("plan-changes", {"plan_type": "TRIAL"}, 422, "invalid_request"),
        ("plan-changes", {"occurred_at": "2026-11-20T10:00:00"}, 422, "timezone_required"),
        ("plan-changes", {"encoded_account_id": "nope"}, 404, "not_found"),
        ("cancellations", {"encoded_account_id": "nope"}, 404, "not_found"),
        ("disablements", {"reason": "boredom"}, 422, "invalid_request"),
        ("invoices", {"currency": "EUR"}, 422, "currency_mismatch"),
        ("invoices", {"currency": "XYZ"}, 422, "currency_invalid"),
        ("invoices", {"amount": "0"}, 422, "invalid_request"),
        ("invoices", {"amount": "1.005"}, 422, "invalid_request"),
        ("refunds", {"invoice_external_id": "INV-404"}, 404, "not_found"),
        ("refunds", {"amount": "45.01"}, 422, "refund_exceeds_invoice"),
        ("refunds", {"refunded_on": "2026-04-24"}, 422, "refund_before_invoice"),
    ],
)
def test_bad_billing_data_is_refused_and_changes_nothing(
    cast: Cast, client, what, change, status, code
):
    make_body, _, _ = STAFF_CALLS[what]
    before = snapshot()

    response = _post(client, cast, what, {**make_body(cast), **change})

    assert_error(response, status, code)
    assert snapshot() == before


def test_a_cancelled_account_is_not_cancelled_twice_nor_changes_plan(cast: Cast, client):
    make_body, _, _ = STAFF_CALLS["cancellations"]
    _post(client, cast, "cancellations", make_body(cast))
    after_cancel = snapshot()

    again = _post(client, cast, "cancellations", {**make_body(cast), "external_id": "EV-9"})
    plan = _post(client, cast, "plan-changes", STAFF_CALLS["plan-changes"][0](cast))

    assert_error(again, 422, "already_cancelled")
    assert_error(plan, 422, "account_cancelled")
    assert snapshot() == after_cancel
