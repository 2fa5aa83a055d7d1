"""Two answers to one request, given at the same moment, end in exactly one outcome.

On PostgreSQL the threaded tests start both answers together (a barrier) on separate
connections; the row lock makes the second wait and then see the first one's result. SQLite
runs the sequential form of the same property (its IMMEDIATE transactions queue writers, so
one answer always sees the other's committed result).
"""

import threading

import pytest
from django.conf import settings
from django.db import connection

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ConsentRecord, ManageRequest, RequestStatus
from partnerhub.access.services import (
    manage_request_cancel,
    manage_request_confirm,
    manage_request_create,
)
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.partnerships.models import Partnership, PartnershipKindChange
from partnerhub.tests.factories import credited_account
from partnerhub.tests.world import build_world, request_for

ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
ROUNDS = 4

postgres_only = pytest.mark.skipif(
    ON_SQLITE,
    reason=(
        "threaded race needs row locks and concurrent connections (PostgreSQL); "
        "SQLite runs the sequential tests below"
    ),
)


def _confirm(world, request_id):
    return manage_request_confirm(
        actor=world.customer,
        request_id=request_id,
        ip_address="198.51.100.20",
        user_agent="Firefox",
        disclaimer_version=DISCLAIMER.version,
    )


def _cancel(world, request_id):
    return manage_request_cancel(actor=world.member.user, request_id=request_id)


def _race(*calls) -> list[str]:
    """Run the calls at the same moment, one thread and one connection each; return how each
    ended: "ok" or the name of the error it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str | None] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _counts(account) -> dict:
    return {
        "consents": ConsentRecord.objects.filter(account=account).count(),
        "confirmed_events": AuditEvent.objects.filter(
            account=account, action="access.confirmed"
        ).count(),
        "cancelled_events": AuditEvent.objects.filter(
            account=account, action="access.request_cancelled"
        ).count(),
        "managed_changes": PartnershipKindChange.objects.filter(
            partnership__account=account, kind="managed"
        ).count(),
    }


# What each winner leaves behind: request status, partnership kind, and the counts.
AFTER_CONFIRM = {
    "status": RequestStatus.CONFIRMED,
    "kind": "managed",
    "counts": {"consents": 1, "confirmed_events": 1, "cancelled_events": 0, "managed_changes": 1},
}
AFTER_CANCEL = {
    "status": RequestStatus.CANCELLED,
    "kind": "referred",
    "counts": {"consents": 0, "confirmed_events": 0, "cancelled_events": 1, "managed_changes": 0},
}


def _end_state(account, request) -> dict:
    return {
        "status": ManageRequest.objects.get(pk=request.pk).status,
        "kind": ClientAccount.objects.get(pk=account.pk).partnership_kind,
        "counts": _counts(account),
    }


def _fresh_request(world, round_: int):
    """A new referred account of Cora's in Brightwave, with a pending request."""
    account = credited_account(
        world.partner, owner=world.customer, organization_name=f"Blue Bakery {round_}"
    )
    return account, request_for(world, account=account)


# Each test runs several rounds on one database (a threaded test commits for real, and
# emptying the database after it is the slow part).


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_threads_confirm_racing_cancel_end_in_one_outcome():
    world = build_world()
    for round_ in range(ROUNDS):
        # given a pending request
        account, request = _fresh_request(world, round_)

        # when the customer confirms while the partner cancels
        confirm_outcome, cancel_outcome = _race(
            lambda request=request: _confirm(world, request.pk),
            lambda request=request: _cancel(world, request.pk),
        )

        # then one of them won and the other was refused
        assert sorted([confirm_outcome, cancel_outcome]) == ["InvalidTransition", "ok"], round_
        # and what is left is exactly the winner's outcome
        winner = AFTER_CONFIRM if confirm_outcome == "ok" else AFTER_CANCEL
        assert _end_state(account, request) == winner, round_
        assert Partnership.objects.get(account=account).kind == winner["kind"], round_


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_threads_two_confirms_end_in_one_confirmation():
    world = build_world()
    for round_ in range(ROUNDS):
        account, request = _fresh_request(world, round_)

        outcomes = _race(
            lambda request=request: _confirm(world, request.pk),
            lambda request=request: _confirm(world, request.pk),
        )

        assert sorted(outcomes) == ["InvalidTransition", "ok"], round_
        assert _end_state(account, request) == AFTER_CONFIRM, round_


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_threads_two_requests_for_one_account_leave_one_pending():
    world = build_world()

    outcomes = _race(
        lambda: manage_request_create(actor=world.member.user, account_id=world.account.pk),
        lambda: manage_request_create(actor=world.owner.user, account_id=world.account.pk),
    )

    assert sorted(outcomes) == ["Conflict", "ok"]
    assert list(
        ManageRequest.objects.filter(account=world.account).values_list("status", flat=True)
    ) == ["pending"]
    assert AuditEvent.objects.filter(account=world.account, action="access.requested").count() == 1


# --- The same property, one answer after the other (every database) ---------------------------


def test_a_confirm_after_a_cancel_is_refused_and_changes_nothing(world):
    request = request_for(world)
    _cancel(world, request.pk)

    with pytest.raises(InvalidTransition) as refused:
        _confirm(world, request.pk)

    assert refused.value.code == "request_cancelled"
    assert _end_state(world.account, request) == AFTER_CANCEL


def test_a_cancel_after_a_confirm_is_refused_and_changes_nothing(world):
    request = request_for(world)
    _confirm(world, request.pk)

    with pytest.raises(InvalidTransition) as refused:
        _cancel(world, request.pk)

    assert refused.value.code == "request_confirmed"
    assert _end_state(world.account, request) == AFTER_CONFIRM


def test_a_second_confirm_is_refused_and_records_no_second_consent(world):
    request = request_for(world)
    _confirm(world, request.pk)

    with pytest.raises(InvalidTransition) as refused:
        _confirm(world, request.pk)

    assert refused.value.code == "request_confirmed"
    assert _end_state(world.account, request) == AFTER_CONFIRM


def test_a_second_request_after_the_first_is_refused(world):
    request_for(world)

    with pytest.raises(Conflict):
        request_for(world, by=world.owner)

    assert ManageRequest.objects.filter(account=world.account).count() == 1
