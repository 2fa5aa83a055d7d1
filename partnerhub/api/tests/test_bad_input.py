"""Every input of every /api/v1 operation, as its OpenAPI schema lists them, with NUL, CR LF,
overlong, blank, wrong-type and out-of-range values, and bodies that are not objects: never a
server error, and every refusal in the API's one error format. The operations come from the
schema, so a new one is walked without being listed here."""

import pytest
from django.test import Client

from partnerhub.api.tests.cast import CLOSED_MONTH, Cast, api_call, assert_error, snapshot
from partnerhub.api.urls import api
from partnerhub.tests.bad_input import native_error_format, operations, problems, walk_operation

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
OPERATIONS = {f"{m.upper()} {p}": (m, p, op) for m, p, op in operations(SCHEMA)}


def known_values(cast: Cast) -> dict:
    return {
        "encoded_account_id": cast.garden.encoded_account_id,
        "request_id": cast.pending.pk,
        "endpoint_id": cast.endpoint.pk,
        "delivery_id": cast.delivery.pk,
        "month": CLOSED_MONTH,
        "url": "http://127.0.0.1:9/hook",
        "currency": "USD",
        "amount": "1.00",
        "plan_type": "GOLD",
        "invoice_external_id": "INV-1",
        "event_types": ["plan.changed"],
        "group_id": 1,
    }


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_input_gets_a_server_error(label: str, cast: Cast, settings):
    # Given a partner's (or, for billing data, staff's) write key and no rate limit in the way
    settings.PARTNERHUB_API_RATE = "100000/min"
    method, path, operation = OPERATIONS[label]
    key = cast.staff_key if "/billing/" in path else cast.owner_key

    # When every input gets every bad value
    walked = walk_operation(
        Client(),
        SCHEMA,
        method,
        path,
        operation,
        known=known_values(cast),
        headers={"Authorization": f"Bearer {key}"},
    )

    # Then nothing answers 5xx, and every refusal is {"error": {"code", "message", ...}}
    assert problems(walked, native_error_format) == []


@pytest.mark.parametrize("body", ["null", "[null, null]", '"message"', "3"])
def test_a_body_that_is_not_an_object_is_refused_and_changes_nothing(cast: Cast, client, body):
    # Given Blue Bakery, referred, with no request waiting
    before = snapshot()

    # When a request is asked for with a body that is not a JSON object
    response = client.post(
        f"/api/v1/accounts/{cast.bakery.encoded_account_id}/requests",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {cast.owner_key}"},
    )

    # Then it is an invalid request, and no request was made
    assert_error(response, 422, "invalid_request")
    assert response.json()["error"]["details"]["errors"][0]["msg"] == "must be a JSON object"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Nightly\r\nsync", "must be one line, without line breaks, tabs or control characters"),
        ("a" * 201, "is longer than 200 characters"),
    ],
)
def test_an_endpoint_description_must_be_one_short_line(cast: Cast, client, text, problem):
    before = snapshot()

    response = api_call(
        client,
        "post",
        "/webhooks/endpoints",
        key=cast.owner_key,
        body={"url": "http://127.0.0.1:9/a", "description": text},
    )

    assert_error(response, 422, "invalid_request")
    assert [e["msg"] for e in response.json()["error"]["details"]["errors"]] == [problem]
    assert snapshot() == before


def test_an_unknown_path_answers_the_json_error(cast: Cast, client):
    response = api_call(client, "get", "/no-such-thing", key=cast.owner_key)

    assert_error(response, 404, "not_found")


def test_an_unexpected_failure_answers_the_json_error_and_is_logged(
    cast: Cast, client, monkeypatch, caplog
):
    # Given a selector that fails unexpectedly
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(
        "partnerhub.api.routers.accounts.account_selectors.partner_accounts_page", broken
    )
    client.raise_request_exception = False

    # When the accounts are listed
    response = api_call(client, "get", "/accounts", key=cast.owner_key)

    # Then the answer is the API's JSON error with 500, and the failure is in the log
    assert_error(response, 500, "internal_error")
    assert "the database went away" not in response.content.decode()
    assert any(
        r.name == "partnerhub.api" and r.exc_info and "database went away" in str(r.exc_info[1])
        for r in caplog.records
    )
