"""``Idempotency-Key`` on POSTs that create: a repeat returns the first answer, marked
``Idempotent-Replayed: true``; the same key with another body is refused."""

import pytest

from partnerhub.access.models import ManageRequest
from partnerhub.api.models import IdempotencyRecord
from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def _request(client, cast: Cast, *, key: str, message: str, idem: str, account=None):
    account = account or cast.bakery
    return api_call(
        client,
        "post",
        f"/accounts/{account.encoded_account_id}/requests",
        key=key,
        body={"message": message},
        headers={"Idempotency-Key": idem},
    )


def test_a_repeated_request_returns_the_first_answer(cast: Cast, client):
    first = _request(client, cast, key=cast.owner_key, message="Hello", idem="req-0001")
    after_first = snapshot()

    again = _request(client, cast, key=cast.owner_key, message="Hello", idem="req-0001")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert (first.has_header("Idempotent-Replayed"), again["Idempotent-Replayed"]) == (
        False,
        "true",
    )
    assert ManageRequest.objects.filter(account=cast.bakery).count() == 1
    assert snapshot() == after_first


def test_the_same_key_with_another_body_is_refused(cast: Cast, client):
    _request(client, cast, key=cast.owner_key, message="Hello", idem="req-0002")
    after_first = snapshot()

    other_body = _request(client, cast, key=cast.owner_key, message="Hi!", idem="req-0002")
    other_path = _request(
        client, cast, key=cast.owner_key, message="Hello", idem="req-0002", account=cast.garden
    )

    assert_error(other_body, 422, "idempotency_key_reused")
    assert_error(other_path, 422, "idempotency_key_reused")
    assert snapshot() == after_first


def test_keys_are_per_api_key(cast: Cast, client):
    mine = _request(client, cast, key=cast.owner_key, message="Hello", idem="shared-key")
    theirs = _request(
        client,
        cast,
        key=cast.other_key,
        message="Hello",
        idem="shared-key",
        account=cast.other_account,
    )

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.has_header("Idempotent-Replayed") is False


def test_a_refused_first_attempt_is_not_remembered(cast: Cast, client):
    # Given a request refused because one is already waiting on Amber Atelier
    refused = _request(
        client, cast, key=cast.owner_key, message="Hi", idem="req-0003", account=cast.atelier
    )
    records = IdempotencyRecord.objects.count()
    # When the waiting one is cancelled and the same call is sent again
    api_call(client, "post", f"/requests/{cast.pending.pk}/cancel", key=cast.owner_key)
    retried = _request(
        client, cast, key=cast.owner_key, message="Hi", idem="req-0003", account=cast.atelier
    )

    # Then the retry is a fresh call, not a replay of the refusal
    assert_error(refused, 409, "request_pending")
    assert records == 0
    assert retried.status_code == 201
    assert retried.has_header("Idempotent-Replayed") is False


def test_a_key_longer_than_200_characters_is_refused(cast: Cast, client):
    before = snapshot()

    response = _request(client, cast, key=cast.owner_key, message="Hello", idem="k" * 201)

    assert_error(response, 400, "idempotency_key_invalid")
    assert snapshot() == before


def test_a_repeated_endpoint_creation_returns_the_same_endpoint_and_secret(cast: Cast, client):
    body = {"url": "http://127.0.0.1:9/crm", "event_types": ["plan.changed"]}

    first = api_call(
        client,
        "post",
        "/webhooks/endpoints",
        key=cast.owner_key,
        body=body,
        headers={"Idempotency-Key": "ep-1"},
    )
    again = api_call(
        client,
        "post",
        "/webhooks/endpoints",
        key=cast.owner_key,
        body=body,
        headers={"Idempotency-Key": "ep-1"},
    )

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (
        201,
        201,
        "true",
    )
    assert again.json() == first.json()
    assert WebhookEndpoint.objects.filter(url="http://127.0.0.1:9/crm").count() == 1


def test_a_repeated_billing_call_is_replayed_and_a_changed_one_refused(cast: Cast, client):
    body = {
        "external_id": "INV-7",
        "encoded_account_id": cast.garden.encoded_account_id,
        "paid_on": "2026-11-20",
        "amount": "12.00",
        "currency": "USD",
    }

    def send(payload):
        return api_call(
            client,
            "post",
            "/billing/invoices",
            key=cast.staff_key,
            body=payload,
            headers={"Idempotency-Key": "sync-42"},
        )

    first = send(body)
    after_first = snapshot()
    again = send(body)
    changed = send({**body, "amount": "13.00"})

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (
        201,
        201,
        "true",
    )
    assert again.content == first.content
    assert_error(changed, 422, "idempotency_key_reused")
    assert snapshot() == after_first
