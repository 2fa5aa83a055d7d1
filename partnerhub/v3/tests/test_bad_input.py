"""Every input of every V3 operation, as its OpenAPI schema lists them, with NUL, CR LF,
overlong, blank, wrong-type and out-of-range values, and bodies that are not objects: never a
server error, and every refusal in the public API's error array. The operations come from the
schema, so a new one is walked without being listed here."""

import json

import pytest
from django.test import Client

from partnerhub.clients.models import BillingStatus, ClientAccount
from partnerhub.tests.bad_input import operations, problems, v3_error_format, walk_operation
from partnerhub.v3.api import api
from partnerhub.v3.tests.conftest import Cast

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
OPERATIONS = {f"{m.upper()} {p}": (m, p, op) for m, p, op in operations(SCHEMA)}


def known_values(cast: Cast) -> dict:
    return {
        "encoded_account_id": cast.trial.encoded_account_id,
        "topic_id": "1",
        "hook_uri": "https://127.0.0.1:9/hook",
        "contact_email": "new.customer@example.test",
        "login_name": "newlogin1",
        "password": "Tide-Lantern-4821",
        "country_code": "US",
        "state_code": "NY",
        "plan_type": "GOLD",
        "effective_date": None,
        "billing_day_of_month": None,
        "reason_id": None,
    }


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_input_gets_a_server_error(label: str, cast: Cast):
    method, path, operation = OPERATIONS[label]

    walked = walk_operation(
        Client(),
        SCHEMA,
        method,
        path,
        operation,
        known=known_values(cast),
        headers=cast.owner.headers,
    )

    assert problems(walked, v3_error_format) == []


@pytest.mark.parametrize("body", ["null", "[null, null]", '"now"', "3"])
def test_a_cancel_with_a_body_that_is_not_an_object_changes_nothing(cast: Cast, client, body):
    # Given a trial account of the partnership
    account = cast.trial

    # When it is cancelled with a body that is not a JSON object
    response = client.put(
        f"/v3/partner/accounts/{account.encoded_account_id}/status/cancel",
        data=body,
        content_type="application/json",
        headers=cast.owner.headers,
    )

    # Then it is refused in the error array, and the account is not cancelled
    assert response.status_code == 400
    assert response.json() == [
        {
            "error_key": "partner.api.validation.error",
            "error_message": "body: must be a JSON object",
        }
    ]
    account.refresh_from_db()
    assert account.billing_status == BillingStatus.TRIAL


def _create(client, cast: Cast, **fields):
    body = {
        "contact_email": "new.customer@example.test",
        "country_code": "US",
        "login_name": "newlogin1",
        "password": "Tide-Lantern-4821",
        "state_code": "NY",
        **fields,
    }
    return client.post(
        "/v3/partner/accounts",
        data=json.dumps(body),
        content_type="application/json",
        headers=cast.owner.headers,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "organization_name",
            "Acme\r\nBcc: x@example.test",
            "organization_name: must be one line, without line breaks, tabs or control characters",
        ),
        (
            "organization_name",
            "Acme\tShop",
            "organization_name: must be one line, without line breaks, tabs or control characters",
        ),
        (
            "organization_name",
            "Acme\x00",
            "organization_name: contains a NUL character, which cannot be stored",
        ),
        (
            "login_name",
            "newlogin\x00",
            "login_name: contains a NUL character, which cannot be stored",
        ),
        ("phone", "555\x00", "phone: contains a NUL character, which cannot be stored"),
        ("login_name", "      ", "login_name: is required"),
        ("first_name", "a" * 81, "first_name: is longer than 80 characters"),
        ("first_name", "A", "first_name: is shorter than 2 characters"),
    ],
)
def test_a_create_with_a_bad_name_is_refused_and_creates_nothing(
    cast: Cast, client, field, value, message
):
    before = ClientAccount.objects.count()

    response = _create(client, cast, **{field: value})

    assert response.status_code == 400
    assert response.json() == [
        {"error_key": "partner.api.validation.error", "error_message": message}
    ]
    assert ClientAccount.objects.count() == before


def test_names_are_stored_trimmed(cast: Cast, client):
    response = _create(client, cast, organization_name="  Acme Shop  ", first_name=" Ann ")

    assert response.status_code == 201, response.content
    account = ClientAccount.objects.get(login_name="newlogin1")
    assert (account.organization_name, account.owner_name) == ("Acme Shop", "Ann")


@pytest.mark.parametrize("path", ["/plan", "/status/cancel"])
def test_an_account_path_with_a_nul_is_not_found(cast: Cast, client, path):
    response = client.get(f"/v3/partner/accounts/ab%00cd{path}", headers=cast.owner.headers)

    assert response.status_code == 404
    assert response.json() == [
        {"error_key": "not_found", "error_message": "The requested resource was not found."}
    ]
