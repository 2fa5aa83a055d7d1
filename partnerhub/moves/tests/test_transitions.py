"""The lifecycle table of a move, read as plain data, and each final status refusing every
service that would leave it."""

import itertools

import pytest

from partnerhub.core.errors import InvalidTransition
from partnerhub.moves.models import TRANSITIONS, MoveRequest, MoveStatus, can_transition
from partnerhub.moves.services import (
    move_request_cancel,
    move_request_create,
    move_request_decline,
)
from partnerhub.moves.tests.test_services import confirm, move_state

PENDING = MoveStatus.PENDING
FINAL = [MoveStatus.CONFIRMED, MoveStatus.DECLINED, MoveStatus.CANCELLED, MoveStatus.EXPIRED]
ALLOWED = {(PENDING, target) for target in FINAL}
REFUSED = [p for p in itertools.product(MoveStatus.values, repeat=2) if p not in ALLOWED]


def test_the_table_has_one_row_per_status():
    assert sorted(TRANSITIONS) == sorted(MoveStatus.values)
    assert MoveStatus.values == ["pending", "confirmed", "declined", "cancelled", "expired"]


def test_a_pending_move_may_end_in_each_final_status_and_a_final_one_nowhere():
    assert TRANSITIONS[PENDING] == frozenset(FINAL)
    assert all(TRANSITIONS[status] == frozenset() for status in FINAL)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed(current, target):
    assert can_transition(current, target) is True


@pytest.mark.parametrize(("current", "target"), sorted(REFUSED))
def test_refused(current, target):
    assert can_transition(current, target) is False


@pytest.mark.parametrize("final", FINAL)
@pytest.mark.parametrize("action", ["confirm", "decline", "cancel"])
def test_a_final_move_refuses_every_answer_and_changes_nothing(world, final, action):
    # given a move of Willow Works, put in a final status
    [move] = move_request_create(actor=world.member.user, identifier="willowworks", kind="referred")
    if final == MoveStatus.CONFIRMED:
        confirm(move)
    else:
        MoveRequest.objects.filter(pk=move.pk).update(status=final, decided_at=move.created_at)
    before = move_state()

    # when anyone tries to answer it again
    with pytest.raises(InvalidTransition) as refused:
        {
            "confirm": lambda: confirm(move),
            "decline": lambda: move_request_decline(actor=move.account.owner, move_id=move.pk),
            "cancel": lambda: move_request_cancel(actor=world.member.user, move_id=move.pk),
        }[action]()

    # then it is refused, naming the status, and nothing changed
    assert refused.value.code == f"move_{final}"
    assert move_state() == before
