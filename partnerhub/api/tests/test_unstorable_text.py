"""Text no database column can store (a NUL character, half a surrogate pair) is refused as
an invalid request, never a server error, on SQLite and PostgreSQL alike."""

import pytest

from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
HALF_PAIR = "a\ud800b"


@pytest.mark.parametrize("text", [NUL, HALF_PAIR], ids=["NUL", "half surrogate pair"])
@pytest.mark.parametrize(
    ("what", "path", "body"),
    [
        ("request message", "/accounts/{bakery}/requests", lambda t: {"message": t}),
        (
            "endpoint description",
            "/webhooks/endpoints",
            lambda t: {"url": "http://127.0.0.1:9/a", "description": t},
        ),
        (
            "endpoint event type",
            "/webhooks/endpoints",
            lambda t: {"url": "http://127.0.0.1:9/a", "event_types": [t]},
        ),
    ],
)
def test_unstorable_text_in_a_body_is_refused(cast: Cast, client, text, what, path, body):
    before = snapshot()

    response = api_call(
        client,
        "post",
        path.format(bakery=cast.bakery.encoded_account_id),
        key=cast.owner_key,
        body=body(text),
    )

    assert_error(response, 422, "invalid_request")
    assert snapshot() == before


@pytest.mark.parametrize("field", ["external_id", "encoded_account_id", "reason"])
def test_unstorable_text_in_billing_data_is_refused(cast: Cast, client, field):
    body = {
        "external_id": "EV-1",
        "encoded_account_id": cast.garden.encoded_account_id,
        "occurred_at": "2026-11-20T10:00:00Z",
        "reason": "Closing",
        field: NUL,
    }
    before = snapshot()

    response = api_call(client, "post", "/billing/cancellations", key=cast.staff_key, body=body)

    assert_error(response, 422, "invalid_request")
    assert snapshot() == before


@pytest.mark.parametrize("query", ["q=a%00b", "cursor=a%00b", "status=%00"])
def test_unstorable_text_in_a_query_is_refused(cast: Cast, client, query):
    response = api_call(client, "get", f"/accounts?{query}", key=cast.owner_key)

    assert_error(response, 422, "invalid_request")


def test_an_account_id_with_a_nul_is_not_found(cast: Cast, client):
    shown = api_call(client, "get", "/accounts/ab%00cd", key=cast.owner_key)
    asked = api_call(client, "post", "/accounts/ab%00cd/requests", key=cast.owner_key, body={})

    assert_error(shown, 404, "not_found")
    assert_error(asked, 404, "not_found")
