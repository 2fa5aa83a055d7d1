"""``/api/v1`` for assignments, moves and the invite link: the same services as the team page
and *Bring an account in*, the same permissions, and a move's answer that never tells whether
an account exists."""

import pytest

from partnerhub.api.tests.cast import Cast, api_call, assert_error, snapshot
from partnerhub.audit.models import AuditEvent
from partnerhub.moves.models import MoveRequest, MoveStatus
from partnerhub.moves.services import ASKED, WITHDRAWN, move_request_decline
from partnerhub.partners.models import AccountAssignment, Partner
from partnerhub.partners.services import member_role_change

pytestmark = pytest.mark.django_db


def member_key(cast: Cast) -> str:
    """Adam's key, made while he was an admin; he is a plain member now."""
    member_role_change(actor=cast.owner.user, member_id=cast.admin.pk, role="member")
    return cast.admin_key


# --- Assignments -----------------------------------------------------------------------------


def test_an_owners_key_assigns_and_unassigns_a_member(cast: Cast, client):
    path = f"/accounts/{cast.bakery.encoded_account_id}/assignments/{cast.member.pk}"

    assigned = api_call(client, "put", path, key=cast.owner_key)
    again = api_call(client, "put", path, key=cast.owner_key)
    listed = api_call(
        client, "get", f"/accounts/{cast.bakery.encoded_account_id}/assignments", key=cast.read_key
    )

    assert assigned.status_code == again.status_code == 200
    assert assigned.json() == again.json() == listed.json()
    assert listed.json()["items"] == [
        {
            "member_id": cast.member.pk,
            "name": "Max Miller",
            "email": "max@brightwave.test",
            "role": "member",
        }
    ]
    assert AuditEvent.objects.filter(action="account.assigned", account=cast.bakery).count() == 1
    event = AuditEvent.objects.get(action="account.assigned", account=cast.bakery)
    assert event.actor_label == "Olga Owens through the API key “Olga's CRM”"

    removed = api_call(client, "delete", path, key=cast.owner_key)

    assert removed.status_code == 204
    assert not AccountAssignment.objects.filter(account=cast.bakery).exists()
    assert AuditEvent.objects.filter(action="account.unassigned", account=cast.bakery).count() == 1


def test_a_plain_members_key_may_read_but_not_assign(cast: Cast, client):
    key = member_key(cast)
    before = snapshot()

    response = api_call(
        client,
        "put",
        f"/accounts/{cast.bakery.encoded_account_id}/assignments/{cast.member.pk}",
        key=key,
    )
    listed = api_call(
        client, "get", f"/accounts/{cast.bakery.encoded_account_id}/assignments", key=key
    )

    assert_error(response, 403, "permission_denied")
    assert listed.status_code == 200
    assert snapshot() == before
    assert not AccountAssignment.objects.exists()


def test_a_member_of_another_team_cannot_be_assigned(cast: Cast, client):
    before = snapshot()

    response = api_call(
        client,
        "put",
        f"/accounts/{cast.bakery.encoded_account_id}/assignments/{cast.other_owner.pk}",
        key=cast.owner_key,
    )

    assert_error(response, 404, "not_found")
    assert snapshot() == before
    assert not AccountAssignment.objects.exists()


# --- Moves -----------------------------------------------------------------------------------


def ask(client, key, identifier: str, **extra):
    body = {"identifier": identifier, "kind": "referred", **extra}
    return api_call(client, "post", "/moves", key=key, body=body)


def test_the_answer_is_the_same_whether_the_account_exists_or_not(cast: Cast, client):
    # when Olga asks for Red Rocket (Northstar's) and for an account that does not exist
    real = ask(client, cast.owner_key, "redrocket")
    made_up = ask(client, cast.owner_key, "nobody-here@nowhere.test")

    # then both answers are the same sentence, and the waiting move is shown nowhere
    assert (real.status_code, real.json()) == (made_up.status_code, made_up.json())
    assert real.json() == {"message": ASKED}
    assert real.status_code == 202
    move = MoveRequest.objects.get(account=cast.other_account)
    assert move.status == MoveStatus.PENDING
    assert api_call(client, "get", "/moves", key=cast.owner_key).json()["items"] == []
    assert_error(api_call(client, "get", f"/moves/{move.pk}", key=cast.owner_key), 404, "not_found")
    assert_error(api_call(client, "get", "/moves/999999", key=cast.owner_key), 404, "not_found")


def test_an_answered_move_is_listed_and_shown(cast: Cast, client):
    ask(client, cast.owner_key, "redrocket", kind="managed", level="reports")
    move = MoveRequest.objects.get(account=cast.other_account)
    move_request_decline(actor=cast.other_account.owner, move_id=move.pk)

    listed = api_call(client, "get", "/moves", key=cast.read_key).json()
    one = api_call(client, "get", f"/moves/{move.pk}", key=cast.read_key).json()

    assert [m["id"] for m in listed["items"]] == [move.pk]
    assert (one["organization_name"], one["kind"], one["level"], one["status"]) == (
        "Red Rocket",
        "managed",
        "reports",
        "declined",
    )
    assert_error(api_call(client, "get", f"/moves/{move.pk}", key=cast.other_key), 404, "not_found")


def test_withdrawing_answers_the_same_and_cancels_the_waiting_move(cast: Cast, client):
    ask(client, cast.owner_key, "redrocket")
    move = MoveRequest.objects.get(account=cast.other_account)

    withdrawn = api_call(
        client, "post", "/moves/cancel", key=cast.owner_key, body={"identifier": "redrocket"}
    )
    nothing = api_call(
        client, "post", "/moves/cancel", key=cast.owner_key, body={"identifier": "nobody-here"}
    )

    assert (withdrawn.status_code, withdrawn.json()) == (nothing.status_code, nothing.json())
    assert withdrawn.json() == {"message": WITHDRAWN}
    move.refresh_from_db()
    assert move.status == MoveStatus.CANCELLED
    assert AuditEvent.objects.filter(action="move.cancelled", target_id=str(move.pk)).exists()


def test_another_partner_cannot_withdraw_a_move(cast: Cast, client):
    ask(client, cast.owner_key, "redrocket")
    move = MoveRequest.objects.get(account=cast.other_account)

    api_call(client, "post", "/moves/cancel", key=cast.other_key, body={"identifier": "redrocket"})

    move.refresh_from_db()
    assert move.status == MoveStatus.PENDING


def test_a_bad_kind_or_level_is_the_only_refusal(cast: Cast, client):
    before = snapshot()

    kind = ask(client, cast.owner_key, "redrocket", kind="owned")
    level = ask(client, cast.owner_key, "redrocket", kind="managed", level="everything")
    empty = ask(client, cast.owner_key, "   ")

    assert_error(kind, 422, "kind_invalid")
    assert_error(level, 422, "level_invalid")
    assert_error(empty, 422, "identifier_required")
    assert snapshot() == before
    assert not MoveRequest.objects.exists()


def test_a_repeat_with_the_same_idempotency_key_asks_once(cast: Cast, client):
    headers = {"Idempotency-Key": "move-1"}
    body = {"identifier": "redrocket", "kind": "referred"}

    first = api_call(client, "post", "/moves", key=cast.owner_key, body=body, headers=headers)
    again = api_call(client, "post", "/moves", key=cast.owner_key, body=body, headers=headers)

    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert MoveRequest.objects.filter(account=cast.other_account).count() == 1


# --- The invite link -------------------------------------------------------------------------


def test_a_members_key_reads_the_invite_link_but_only_managers_make_a_new_one(cast: Cast, client):
    key = member_key(cast)
    old = api_call(client, "get", "/invite-link", key=key).json()
    before = snapshot()

    refused = api_call(client, "post", "/invite-link/rotate", key=key)

    assert_error(refused, 403, "managers_only")
    assert snapshot() == before
    assert Partner.objects.get(pk=cast.partner.pk).invite_code == old["code"]

    new = api_call(client, "post", "/invite-link/rotate", key=cast.owner_key).json()

    code = Partner.objects.get(pk=cast.partner.pk).invite_code
    assert new["code"] == code != old["code"]
    assert new["url"].endswith(f"/join/{code}/")
    assert old["url"].endswith(f"/join/{old['code']}/")
    assert AuditEvent.objects.filter(action="partner.invite_code_regenerated").count() == 1
