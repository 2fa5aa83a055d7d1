"""``POST /api/v1/requests/bulk``: one request per account, one result per account in the order
sent, the level and duration for all, at most 500 accounts, ``Idempotency-Key`` honoured."""

import pytest

from partnerhub.access import disclaimers
from partnerhub.access.models import Grant, ManageRequest, RequestStatus
from partnerhub.access.services import manage_request_confirm
from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.clients.models import ClientAccount

pytestmark = pytest.mark.django_db

NOWHERE = "0000000000000000"


def bulk(client, key, body, **headers):
    return api_call(client, "post", "/requests/bulk", key=key, body=body, headers=headers)


def outcomes(response) -> list[tuple]:
    return [
        (r["account"], r["request"]["status"] if r.get("request") else r["error"]["code"])
        for r in response.json()["results"]
    ]


def test_each_account_gets_its_result_in_the_order_sent(cast: Cast, client):
    # given Blue Bakery (referred), Green Garden (managed), Amber Atelier (a request waiting),
    # Red Rocket (another partner's) and an id that names no account
    sent = [
        cast.garden.encoded_account_id,
        cast.bakery.encoded_account_id,
        NOWHERE,
        cast.atelier.encoded_account_id,
        cast.other_account.encoded_account_id,
    ]

    # when the owner asks for marketing access for 90 days to all of them
    response = bulk(
        client,
        cast.owner_key,
        {"accounts": sent, "message": "Shall we?", "level": "marketing", "duration_days": 90},
    )

    # then only Blue Bakery is asked, and every other account says why it was skipped
    assert response.status_code == 200, response.content
    assert outcomes(response) == [
        (cast.garden.encoded_account_id, "already_managed"),
        (cast.bakery.encoded_account_id, "pending"),
        (NOWHERE, "not_found"),
        (cast.atelier.encoded_account_id, "request_pending"),
        (cast.other_account.encoded_account_id, "not_found"),
    ]
    made = ManageRequest.objects.get(account=cast.bakery)
    assert (made.level, made.duration_days, made.message) == ("marketing", 90, "Shall we?")
    result = response.json()["results"][1]["request"]
    assert (result["id"], result["level"], result["duration_days"]) == (made.pk, "marketing", 90)
    assert not ManageRequest.objects.filter(account=cast.other_account).exists()


def test_a_repeat_with_the_same_key_replays_the_first_answer(cast: Cast, client):
    body = {"accounts": [cast.bakery.encoded_account_id], "level": "reports"}

    first = bulk(client, cast.owner_key, body, **{"Idempotency-Key": "bulk-1"})
    again = bulk(client, cast.owner_key, body, **{"Idempotency-Key": "bulk-1"})

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ManageRequest.objects.filter(account=cast.bakery).count() == 1


def test_without_a_key_a_repeat_reports_the_waiting_request(cast: Cast, client):
    body = {"accounts": [cast.bakery.encoded_account_id]}

    bulk(client, cast.owner_key, body)
    again = bulk(client, cast.owner_key, body)

    assert outcomes(again) == [(cast.bakery.encoded_account_id, "request_pending")]


def test_left_out_the_duration_is_the_programs_default(cast: Cast, client, settings):
    settings.PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS = 365

    bulk(client, cast.owner_key, {"accounts": [cast.bakery.encoded_account_id]})

    made = ManageRequest.objects.get(account=cast.bakery)
    assert (made.level, made.duration_days) == ("full", 365)


def test_null_duration_is_until_the_customer_turns_it_off(cast: Cast, client, settings):
    settings.PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS = 365

    bulk(
        client,
        cast.owner_key,
        {"accounts": [cast.bakery.encoded_account_id], "duration_days": None},
    )

    assert ManageRequest.objects.get(account=cast.bakery).duration_days is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"accounts": []}, 422, "invalid_request"),
        ({"accounts": ["a" * 16] * 501}, 422, "invalid_request"),
        ({"accounts": ["x"], "level": "owner"}, 422, "invalid_request"),
        ({"accounts": ["x"], "duration_days": 45}, 422, "duration_invalid"),
        ({"accounts": ["x"], "message": "m" * 1001}, 422, "invalid_request"),
    ],
    ids=["no accounts", "501 accounts", "unknown level", "unknown duration", "long message"],
)
def test_a_bad_call_is_refused_whole_and_changes_nothing(cast: Cast, client, body, status, code):
    body = {
        **body,
        "accounts": [cast.bakery.encoded_account_id if a == "x" else a for a in body["accounts"]],
    }
    before = snapshot()

    assert_error(bulk(client, cast.owner_key, body), status, code)

    assert snapshot() == before


def test_another_partners_key_asks_nothing_of_our_accounts(cast: Cast, client):
    before = snapshot()

    response = bulk(client, cast.other_key, {"accounts": [cast.bakery.encoded_account_id]})

    assert outcomes(response) == [(cast.bakery.encoded_account_id, "not_found")]
    assert snapshot() == before


def test_a_read_only_key_is_refused(cast: Cast, client):
    before = snapshot()

    assert_error(
        bulk(client, cast.read_key, {"accounts": [cast.bakery.encoded_account_id]}),
        403,
        "scope_required",
    )
    assert snapshot() == before


def test_a_single_request_takes_a_level_and_a_duration(cast: Cast, client):
    response = api_call(
        client,
        "post",
        f"/accounts/{cast.bakery.encoded_account_id}/requests",
        key=cast.owner_key,
        body={"level": "reports", "duration_days": 30},
    )

    assert response.status_code == 201
    assert (response.json()["level"], response.json()["duration_days"]) == ("reports", 30)


def test_a_confirmed_request_shows_the_level_granted_and_the_end_date(cast: Cast, client):
    made = api_call(
        client,
        "post",
        f"/accounts/{cast.bakery.encoded_account_id}/requests",
        key=cast.owner_key,
        body={"level": "marketing", "duration_days": 90},
    ).json()
    manage_request_confirm(
        actor=cast.bakery.owner,
        request_id=made["id"],
        ip_address=None,
        user_agent="",
        disclaimer_version=disclaimers.for_level("reports").version,
        level="reports",
    )

    shown = api_call(client, "get", f"/requests/{made['id']}", key=cast.owner_key).json()
    grant = Grant.objects.get(request_id=made["id"])
    assert shown["status"] == RequestStatus.CONFIRMED
    assert (shown["level"], shown["granted_level"]) == ("marketing", "reports")
    assert shown["access_ends_at"][:19] == grant.ends_at.strftime("%Y-%m-%dT%H:%M:%S")
    account = api_call(
        client, "get", f"/accounts/{cast.bakery.encoded_account_id}", key=cast.owner_key
    ).json()
    assert (account["kind"], account["access_level"]) == ("managed", "reports")
    assert ClientAccount.objects.get(pk=cast.bakery.pk).access_level == "reports"
