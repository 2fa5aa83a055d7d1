"""Request codes: a customer who requires one is asked (for access, or to move the account)
only by a partner who has the code. Codes compare in constant time, wrong ones are counted
per partner and account, and only the owner turns the code on, off or anew."""

import json

import pytest

from partnerhub.access.models import ManageRequest
from partnerhub.access.services import manage_request_create
from partnerhub.api.keys import api_key_create
from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.moves import request_codes
from partnerhub.moves.models import MoveRequest, RequestCode
from partnerhub.moves.request_codes import request_code_refused
from partnerhub.moves.services import (
    move_request_create,
    request_code_regenerate,
    request_code_set,
)
from partnerhub.tests.snapshots import access_state


def require_code(account) -> str:
    return request_code_set(actor=account.owner, account_id=account.pk, required=True).code


def ask_access(world, code="", *, by=None):
    return manage_request_create(
        actor=(by or world.member).user, account_id=world.account.pk, request_code=code
    )


# --- the code itself -------------------------------------------------------------------------


def test_a_new_code_is_two_groups_of_four_unambiguous_characters():
    code = request_codes.new_code()

    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(request_codes.ALPHABET)
    assert not set("01ILO") & set(code)


@pytest.mark.parametrize(
    ("typed", "stored"), [("k7qm 4xpt", "K7QM-4XPT"), ("K7QM-4XPT", "K7QM-4XPT")]
)
def test_a_typed_code_is_read_as_stored(typed, stored):
    assert request_codes.normalized(typed) == stored


# --- manage requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "code", "sentence"),
    [
        ("", "request_code_required", "This customer asks for a request code. Ask them for it."),
        ("ABCD-EFGH", "request_code_wrong", request_codes.WRONG),
    ],
)
def test_a_request_without_the_right_code_is_refused_and_changes_nothing(
    world, given, code, sentence
):
    # given Cora requires a request code
    require_code(world.account)
    before = access_state(world.account)

    # when Max asks for access without it, or with another one
    with pytest.raises(PermissionDenied) as refused:
        ask_access(world, given)

    # then he is told in one sentence, and nothing changed
    assert (refused.value.code, refused.value.message) == (code, sentence)
    assert access_state(world.account) == before


def test_the_right_code_as_typed_by_a_person_lets_the_request_through(world):
    code = require_code(world.account)

    request = ask_access(world, code.lower().replace("-", " "))

    assert request.status == "pending"


def test_without_a_code_required_no_code_is_needed(world):
    assert ask_access(world).status == "pending"


def test_wrong_codes_are_counted_per_partner_and_account_until_every_try_is_refused(
    world, settings
):
    # given Cora's code, and Brightwave's five wrong tries at it
    settings.PARTNERHUB_REQUEST_CODE_FAILURES = "5/h"
    code = require_code(world.account)
    for _ in range(5):
        with pytest.raises(PermissionDenied) as refused:
            ask_access(world, "WRNG-CODE")
        request_code_refused(
            error=refused.value, partner_id=world.partner.pk, account_id=world.account.pk
        )
    before = access_state(world.account)

    # when Brightwave tries the right code
    with pytest.raises(PermissionDenied) as refused:
        ask_access(world, code)

    # then it is refused too: the code cannot be guessed by trying
    assert refused.value.code == "request_code_locked"
    assert access_state(world.account) == before


def test_a_code_turned_off_is_needed_no_more_and_a_new_one_replaces_the_old(world):
    old = require_code(world.account)
    new = request_code_regenerate(actor=world.customer, account_id=world.account.pk).code
    assert new != old

    with pytest.raises(PermissionDenied) as refused:
        ask_access(world, old)
    assert refused.value.code == "request_code_wrong"

    request_code_set(actor=world.customer, account_id=world.account.pk, required=False)
    assert ask_access(world).status == "pending"
    assert list(
        AuditEvent.objects.filter(action="account.request_code_changed")
        .order_by("id")
        .values_list("after", flat=True)
    ) == [
        {"required": True, "regenerated": False},
        {"required": True, "regenerated": True},
        {"required": False, "regenerated": False},
    ]


@pytest.mark.parametrize("who", ["another_customer", "partner_owner", "other_partner"])
def test_only_the_owner_sets_the_code(world, who):
    actor = {
        "another_customer": world.other_customer,
        "partner_owner": world.owner.user,
        "other_partner": world.other_owner.user,
    }[who]

    with pytest.raises(NotFound):
        request_code_set(actor=actor, account_id=world.account.pk, required=True)
    require_code(world.account)
    before = list(RequestCode.objects.values_list("code", flat=True))
    with pytest.raises(NotFound):
        request_code_regenerate(actor=actor, account_id=world.account.pk)
    with pytest.raises(NotFound):
        request_code_set(actor=actor, account_id=world.account.pk, required=False)

    assert list(RequestCode.objects.values_list("code", flat=True)) == before


def test_turning_on_twice_is_refused(world):
    require_code(world.account)

    with pytest.raises(InvalidTransition) as refused:
        require_code(world.account)

    assert refused.value.code == "request_code_unchanged"


# --- moves ------------------------------------------------------------------------------------


def test_a_move_reaches_an_owner_who_requires_a_code_only_with_it(world):
    code = require_code(world.lone_account)

    without = move_request_create(
        actor=world.member.user, identifier="willowworks", kind="referred"
    )
    wrong = move_request_create(
        actor=world.member.user, identifier="willowworks", kind="referred", request_code="AAAA-BBBB"
    )
    assert (without, wrong) == ([], [])
    assert MoveRequest.objects.count() == 0

    [move] = move_request_create(
        actor=world.member.user, identifier="willowworks", kind="referred", request_code=code
    )
    assert move.account == world.lone_account


def test_wrong_codes_on_moves_are_counted_too(world, settings):
    settings.PARTNERHUB_REQUEST_CODE_FAILURES = "2/h"
    code = require_code(world.lone_account)
    for _ in range(2):
        move_request_create(
            actor=world.member.user, identifier="willowworks", kind="referred", request_code="X"
        )

    made = move_request_create(
        actor=world.member.user, identifier="willowworks", kind="referred", request_code=code
    )

    assert made == []


# --- the API ----------------------------------------------------------------------------------


def _post(client, world, key, body):
    return client.post(
        f"/api/v1/accounts/{world.account.encoded_account_id}/requests",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [({}, "request_code_required"), ({"request_code": "AAAA-BBBB"}, "request_code_wrong")],
)
def test_the_api_refuses_a_request_without_the_right_code(world, client, body, code):
    require_code(world.account)
    key = api_key_create(actor=world.owner.user, name="CRM", can_write=True)[1]
    before = access_state(world.account)

    response = _post(client, world, key, body)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"] in (request_codes.REQUIRED, request_codes.WRONG)
    assert access_state(world.account) == before


def test_the_api_accepts_the_right_code(world, client):
    code = require_code(world.account)
    key = api_key_create(actor=world.owner.user, name="CRM", can_write=True)[1]

    response = _post(client, world, key, {"request_code": code})

    assert response.status_code == 201
    assert ManageRequest.objects.get(account=world.account).status == "pending"


def test_the_api_counts_wrong_codes(world, client, settings):
    settings.PARTNERHUB_REQUEST_CODE_FAILURES = "2/h"
    code = require_code(world.account)
    key = api_key_create(actor=world.owner.user, name="CRM", can_write=True)[1]
    _post(client, world, key, {"request_code": "AAAA-BBBB"})
    _post(client, world, key, {"request_code": "AAAA-CCCC"})

    response = _post(client, world, key, {"request_code": code})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "request_code_locked"
