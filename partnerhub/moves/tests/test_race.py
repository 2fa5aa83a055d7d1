"""Answers to one move given at the same moment end in exactly one outcome (PostgreSQL, one
connection per thread; SQLite queues writers, and the sequential tests in test_transitions
cover the same property there)."""

import pytest
from django.conf import settings

from partnerhub.access.models import ManageRequest
from partnerhub.access.services import manage_request_create
from partnerhub.access.tests.test_race import _race
from partnerhub.moves.models import MoveConsent, MoveRequest
from partnerhub.moves.services import move_request_create, move_request_decline
from partnerhub.moves.tests.test_services import confirm
from partnerhub.partnerships.models import Partnership
from partnerhub.tests.world import build_world

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="threaded race needs row locks and concurrent connections (PostgreSQL)",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_confirm_racing_a_decline_ends_in_one_outcome():
    world = build_world()
    [move] = move_request_create(actor=world.member.user, identifier="redrocket", kind="referred")

    outcomes = _race(
        lambda: confirm(move),
        lambda: move_request_decline(actor=world.other_customer, move_id=move.pk),
    )

    assert sorted(outcomes) == ["InvalidTransition", "ok"]
    move.refresh_from_db()
    open_partner = Partnership.objects.get(account=world.other_account, ended_at__isnull=True)
    # the winner's end: who holds the account, consents, partnerships of the account
    expected = {
        "confirmed": (world.partner, 1, 2),
        "declined": (world.other_partner, 0, 1),
    }[move.status]
    assert (
        open_partner.partner,
        MoveConsent.objects.count(),
        Partnership.objects.filter(account=world.other_account).count(),
    ) == expected


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_partners_asking_at_once_leave_one_open_move():
    world = build_world()

    _race(
        lambda: move_request_create(
            actor=world.member.user, identifier="willowworks", kind="referred"
        ),
        lambda: move_request_create(
            actor=world.other_owner.user, identifier="willowworks", kind="referred"
        ),
    )

    assert list(MoveRequest.objects.values_list("status", flat=True)) == ["pending"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_move_confirmed_while_the_old_partner_asks_for_access_leaves_one_consistent_end():
    # given Northstar's Red Rocket, and Brightwave's move of it
    world = build_world()
    [move] = move_request_create(actor=world.member.user, identifier="redrocket", kind="referred")

    # when Rita confirms the move while Northstar asks her for access
    confirmed, asked = _race(
        lambda: confirm(move),
        lambda: manage_request_create(
            actor=world.other_owner.user, account_id=world.other_account.pk
        ),
    )

    # then exactly one of them happened: the move (the request finds no partnership of
    # Northstar's) or the request (the move waits for it to be answered)
    ends = {
        ("ok", "NotFound"): ("Brightwave Agency", 0),
        ("Conflict", "ok"): ("Northstar Partners", 1),
    }
    assert (confirmed, asked) in ends
    open_partner = Partnership.objects.get(account=world.other_account, ended_at__isnull=True)
    requests = ManageRequest.objects.filter(account=world.other_account).count()
    assert (open_partner.partner.name, requests) == ends[(confirmed, asked)]
