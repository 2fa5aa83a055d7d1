"""API keys: stored hashed, shown once, revocable, recording when they were last used; and the
per-key rate limit."""

import datetime as dt
import hashlib

import pytest
from django.test import override_settings
from django.utils import timezone

from partnerhub.api import keycache
from partnerhub.api.keys import api_key_authenticate, api_key_create, api_key_revoke
from partnerhub.api.models import ApiKey
from partnerhub.api.tests.cast import Cast, api_call, assert_error, key_row, snapshot
from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_secret_is_stored(cast: Cast):
    key, secret = api_key_create(actor=cast.owner.user, name="Reporting", can_write=False)

    stored = [str(v) for v in ApiKey.objects.filter(pk=key.pk).values_list().get()]
    assert secret.startswith(f"phk_{key.prefix}_")
    assert [v for v in stored if secret in v or secret.split("_", 2)[2] in v] == []
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (key.partner, key.created_by, key.scopes) == (cast.partner, cast.owner.user, ["read"])


def test_creating_and_revoking_a_key_are_audited(cast: Cast):
    key, _ = api_key_create(
        actor=cast.admin.user,
        name="Nightly export",
        can_write=True,
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    api_key_revoke(actor=cast.owner.user, key_id=key.pk)

    rows = AuditEvent.objects.filter(target_type="api.apikey", target_id=str(key.pk)).order_by("id")
    assert [(r.action, r.actor_label, r.after) for r in rows] == [
        (
            "api.key_created",
            "Adam Adler",
            {
                "name": "Nightly export",
                "scopes": ["read", "write"],
                "expires_at": "2030-01-01T00:00:00+00:00",
            },
        ),
        ("api.key_revoked", "Olga Owens", {"revoked_at": rows[1].after["revoked_at"]}),
    ]
    with pytest.raises(InvalidTransition) as again:
        api_key_revoke(actor=cast.owner.user, key_id=key.pk)
    assert again.value.code == "key_revoked"


def test_members_customers_and_partner_users_may_not_create_the_keys_they_should_not(
    cast: Cast,
):
    before = ApiKey.objects.count()
    attempts = {
        "member": lambda: api_key_create(actor=cast.member.user, name="Mine", can_write=True),
        "customer": lambda: api_key_create(actor=cast.bakery.owner, name="Mine", can_write=True),
        "owner, as staff": lambda: api_key_create(
            actor=cast.owner.user, name="Mine", can_write=True, staff=True
        ),
    }

    refused = {}
    for who, attempt in attempts.items():
        with pytest.raises(PermissionDenied) as denied:
            attempt()
        refused[who] = denied.value.code

    assert refused == dict.fromkeys(attempts, "permission_denied")
    assert ApiKey.objects.count() == before


@pytest.mark.parametrize(
    ("name", "expires_in", "code"),
    [
        ("", dt.timedelta(days=1), "name_invalid"),
        ("x" * 101, None, "name_invalid"),
        ("Past", -dt.timedelta(seconds=1), "expiry_invalid"),
    ],
)
def test_a_key_needs_a_name_and_a_future_expiry(cast: Cast, name, expires_in, code):
    before = ApiKey.objects.count()
    expires_at = timezone.now() + expires_in if expires_in is not None else None

    with pytest.raises(InvalidTransition) as refused:
        api_key_create(actor=cast.owner.user, name=name, can_write=True, expires_at=expires_at)

    assert refused.value.code == code
    assert ApiKey.objects.count() == before


def test_nobody_revokes_another_partners_key(cast: Cast):
    other_key = key_row(cast.other_key)

    with pytest.raises(NotFound):
        api_key_revoke(actor=cast.owner.user, key_id=other_key.pk)
    with pytest.raises(NotFound):
        api_key_revoke(actor=cast.member.user, key_id=key_row(cast.owner_key).pk)

    assert ApiKey.objects.filter(revoked_at__isnull=False).count() == 0


def test_a_call_records_when_the_key_was_last_used(cast: Cast, client):
    row = key_row(cast.read_key)
    assert row.last_used_at is None
    before = timezone.now()

    response = api_call(client, "get", "/accounts", key=cast.read_key)

    row.refresh_from_db()
    assert response.status_code == 200
    assert before <= row.last_used_at <= timezone.now()


def test_last_used_is_written_at_most_once_a_minute(cast: Cast, client):
    row = key_row(cast.read_key)
    recent = timezone.now() - dt.timedelta(seconds=30)
    old = timezone.now() - dt.timedelta(minutes=5)

    ApiKey.objects.filter(pk=row.pk).update(last_used_at=recent)
    api_call(client, "get", "/accounts", key=cast.read_key)
    row.refresh_from_db()
    kept = row.last_used_at
    ApiKey.objects.filter(pk=row.pk).update(last_used_at=old)
    keycache.keys.clear()  # a second later: the key is checked again
    api_call(client, "get", "/accounts", key=cast.read_key)
    row.refresh_from_db()

    assert kept == recent
    assert row.last_used_at > old + dt.timedelta(minutes=4)


def test_a_refused_key_records_no_use(cast: Cast, client):
    row = key_row(cast.read_key)
    api_key_revoke(actor=cast.owner.user, key_id=row.pk)

    response = api_call(client, "get", "/accounts", key=cast.read_key)

    row.refresh_from_db()
    assert_error(response, 401, "unauthenticated")
    assert row.last_used_at is None


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic b2xnYTpzZWNyZXQ=", "Bearer phk_", "Bearer phk_x_y_z", "Token x"],
)
def test_malformed_authorization_is_unauthenticated(cast: Cast, client, header):
    response = client.get("/api/v1/accounts", headers={"Authorization": header})

    assert_error(response, 401, "unauthenticated")


def test_a_key_stops_working_when_its_creators_login_is_deactivated(cast: Cast, client):
    # Given Olga's and Sam's logins were switched off (in the admin, say)
    for user in (cast.owner.user, cast.staff):
        user.is_active = False
        user.save(update_fields=["is_active"])
    before = snapshot()

    # When their keys are used
    partner_call = api_call(client, "get", "/accounts", key=cast.owner_key)
    staff_call = api_call(
        client,
        "post",
        "/billing/cancellations",
        key=cast.staff_key,
        body={
            "external_id": "EV-1",
            "encoded_account_id": cast.garden.encoded_account_id,
            "occurred_at": "2026-11-20T10:00:00Z",
        },
    )

    # Then both are refused, and nothing changed
    assert_error(partner_call, 401, "unauthenticated")
    assert_error(staff_call, 401, "unauthenticated")
    assert snapshot() == before


def test_authenticate_accepts_only_the_exact_secret(cast: Cast):
    assert api_key_authenticate(cast.owner_key) == key_row(cast.owner_key)
    assert api_key_authenticate(cast.owner_key + "x") is None
    assert api_key_authenticate(cast.owner_key.replace("phk_", "xyz_")) is None
    assert api_key_authenticate("") is None


@override_settings(PARTNERHUB_API_RATE="3/min")
def test_a_key_over_its_rate_gets_429_with_retry_after(cast: Cast, client):
    # When Olga's tool calls four times within a minute
    answers = [api_call(client, "get", "/requests", key=cast.owner_key) for _ in range(4)]

    # Then the fourth is refused, and says when to come back
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert_error(answers[3], 429, "rate_limited")
    assert 1 <= int(answers[3]["Retry-After"]) <= 60
    # The limit is per key: Olga's read key and Nina's key still get through
    assert api_call(client, "get", "/requests", key=cast.read_key).status_code == 200
    assert api_call(client, "get", "/requests", key=cast.other_key).status_code == 200


@override_settings(PARTNERHUB_API_RATE="3/min")
def test_a_refused_write_over_the_rate_changes_nothing(cast: Cast, client):
    for _ in range(3):
        api_call(client, "get", "/requests", key=cast.owner_key)

    response = api_call(
        client,
        "post",
        f"/accounts/{cast.bakery.encoded_account_id}/requests",
        key=cast.owner_key,
        body={"message": "One too many"},
    )

    assert_error(response, 429, "rate_limited")
    assert cast.bakery.manage_requests.count() == 0
