"""The lifecycle table of a manage request, read as plain data (no database)."""

import itertools

import pytest

from partnerhub.access.models import TRANSITIONS, RequestStatus, can_transition

PENDING = RequestStatus.PENDING
FINAL = [
    RequestStatus.CONFIRMED,
    RequestStatus.DECLINED,
    RequestStatus.CANCELLED,
    RequestStatus.EXPIRED,
]
ALLOWED = {(PENDING, target) for target in FINAL}
ALL_PAIRS = list(itertools.product(RequestStatus.values, repeat=2))
REFUSED = [pair for pair in ALL_PAIRS if pair not in ALLOWED]


def test_the_table_has_one_row_per_status():
    assert sorted(TRANSITIONS) == sorted(RequestStatus.values)


def test_statuses_are_the_five_of_the_lifecycle():
    assert RequestStatus.values == ["pending", "confirmed", "declined", "cancelled", "expired"]


def test_a_pending_request_may_end_in_each_final_status():
    assert TRANSITIONS[PENDING] == frozenset(FINAL)


@pytest.mark.parametrize("status", FINAL)
def test_a_final_status_has_no_way_out(status):
    assert TRANSITIONS[status] == frozenset()


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_moves(current, target):
    assert can_transition(current, target) is True


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_other_move_is_refused(current, target):
    assert can_transition(current, target) is False


def test_nothing_leads_back_to_pending():
    assert [s for s, targets in TRANSITIONS.items() if PENDING in targets] == []


def test_exactly_four_moves_exist():
    assert len(REFUSED) == 21
    assert sum(len(targets) for targets in TRANSITIONS.values()) == 4
