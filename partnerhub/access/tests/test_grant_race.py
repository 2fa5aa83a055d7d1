"""Grants changed from two sides at the same moment end in one consistent outcome: two
extension requests, the customer turning access off while the worker ends it, a level change
while it ends, two sweeps sending the same warning. Threaded on PostgreSQL; the same property
one after the other on every database."""

import datetime as dt

import pytest

from partnerhub.access import disclaimers
from partnerhub.access.models import Grant, GrantStatus, GrantWarning, ManageRequest, RequestKind
from partnerhub.access.services import (
    grant_expire,
    grant_extension_request,
    grant_level_set,
    grant_warn,
    manage_request_confirm,
    manage_request_create,
    partner_access_revoke,
)
from partnerhub.access.tests.test_race import _race, postgres_only
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import InvalidTransition
from partnerhub.partnerships.models import PartnershipKindChange
from partnerhub.tests.factories import credited_account
from partnerhub.tests.world import build_world

ROUNDS = 3


def _grant(world, account, *, level="marketing", days=30) -> Grant:
    request = manage_request_create(
        actor=world.member.user, account_id=account.pk, level=level, duration_days=days
    )
    manage_request_confirm(
        actor=account.owner,
        request_id=request.pk,
        ip_address=None,
        user_agent="",
        disclaimer_version=disclaimers.for_level(level).version,
    )
    return Grant.objects.get(request=request)


def _fresh(world, round_: int) -> tuple[ClientAccount, Grant]:
    account = credited_account(
        world.partner, owner=world.customer, organization_name=f"Blue Bakery {round_}"
    )
    return account, _grant(world, account)


def _referred_again(account) -> int:
    return PartnershipKindChange.objects.filter(
        partnership__account=account,
        kind="referred",
        cause__in=["access_revoked", "access_expired"],
    ).count()


def _revoke(world, account):
    return partner_access_revoke(actor=world.customer, account_id=account.pk)


def _ended_state(account, grant) -> tuple:
    a = ClientAccount.objects.get(pk=account.pk)
    return (
        Grant.objects.get(pk=grant.pk).status in (GrantStatus.EXPIRED, GrantStatus.REVOKED),
        a.partnership_kind,
        a.access_level,
        _referred_again(account),
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_threads_two_extension_requests_leave_one_waiting():
    world = build_world()
    account, grant = _fresh(world, 0)

    outcomes = _race(
        lambda: grant_extension_request(actor=world.member.user, account_id=account.pk),
        lambda: grant_extension_request(actor=world.owner.user, account_id=account.pk),
    )

    assert sorted(outcomes) == ["Conflict", "ok"]
    assert ManageRequest.objects.filter(account=account, kind=RequestKind.EXTENSION).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_threads_turning_off_while_the_worker_ends_the_grant_end_it_once():
    world = build_world()
    for round_ in range(ROUNDS):
        account, grant = _fresh(world, round_)
        at_end = grant.ends_at + dt.timedelta(seconds=1)

        outcomes = _race(
            lambda a=account: _revoke(world, a),
            lambda g=grant, at=at_end: grant_expire(grant_id=g.pk, now=at),
        )

        # the worker never fails; turning off fails only when the end came first
        assert outcomes[1] == "ok", round_
        assert outcomes[0] in ("ok", "InvalidTransition"), round_
        assert _ended_state(account, grant) == (True, "referred", "", 1), round_


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_threads_a_level_change_while_the_grant_ends_leaves_it_ended():
    world = build_world()
    for round_ in range(ROUNDS):
        account, grant = _fresh(world, round_)
        at_end = grant.ends_at + dt.timedelta(seconds=1)

        outcomes = _race(
            lambda a=account: grant_level_set(
                actor=world.customer,
                account_id=a.pk,
                level="reports",
                disclaimer_version=disclaimers.for_level("reports").version,
            ),
            lambda g=grant, at=at_end: grant_expire(grant_id=g.pk, now=at),
        )

        assert outcomes[1] == "ok", round_
        assert outcomes[0] in ("ok", "InvalidTransition"), round_
        assert _ended_state(account, grant) == (True, "referred", "", 1), round_


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_threads_two_sweeps_send_one_warning():
    world = build_world()
    _, grant = _fresh(world, 0)
    at = grant.ends_at - dt.timedelta(days=7)

    _race(
        lambda: grant_warn(grant_id=grant.pk, now=at), lambda: grant_warn(grant_id=grant.pk, now=at)
    )

    assert list(GrantWarning.objects.values_list("days_before", flat=True)) == [7]


# --- The same properties, one after the other (every database) -------------------------------


@pytest.fixture
def world(db):
    return build_world()


def test_turning_off_after_the_end_is_refused_and_changes_nothing(world):
    _, grant = _fresh(world, 0)
    account = grant.account
    grant_expire(grant_id=grant.pk, now=grant.ends_at)
    before = _ended_state(account, grant)

    with pytest.raises(InvalidTransition) as refused:
        _revoke(world, account)

    assert refused.value.code == "not_managed"
    assert _ended_state(account, grant) == before == (True, "referred", "", 1)


def test_the_end_after_turning_off_does_nothing(world):
    _, grant = _fresh(world, 0)
    account = grant.account
    _revoke(world, account)

    assert grant_expire(grant_id=grant.pk, now=grant.ends_at) is None
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.REVOKED
    assert _ended_state(account, grant) == (True, "referred", "", 1)


def test_a_level_change_after_the_end_is_refused(world):
    _, grant = _fresh(world, 0)
    grant_expire(grant_id=grant.pk, now=grant.ends_at)

    with pytest.raises(InvalidTransition) as refused:
        grant_level_set(
            actor=world.customer,
            account_id=grant.account_id,
            level="reports",
            disclaimer_version=disclaimers.for_level("reports").version,
        )

    assert refused.value.code == "not_managed"


def test_a_second_sweep_sends_no_second_warning(world):
    _, grant = _fresh(world, 0)
    at = grant.ends_at - dt.timedelta(days=7)

    assert grant_warn(grant_id=grant.pk, now=at) is not None
    assert grant_warn(grant_id=grant.pk, now=at) is None
    assert GrantWarning.objects.count() == 1
