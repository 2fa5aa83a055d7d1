"""The members' account counts (by kind, of their partner's accounts assigned to them) equal a
recount after any sequence of changes: credits, kind changes, ends and moves of the accounts,
and assignments by hand, unassignments, a member's assignments set at once, and a member
leaving the team; ``recount_accounts`` repairs them; two assignment changes for one partner at
the same moment on PostgreSQL neither deadlock nor lose a count."""

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.selectors import partner_account_kind_counts
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.partners.models import AccountAssignment, PartnerMember, PartnerRole
from partnerhub.partners.selectors import assigned_kind_counts, assignment_counts
from partnerhub.partners.services import (
    accounts_assign,
    accounts_unassign,
    member_assignments_set,
    member_remove,
)
from partnerhub.partnerships.counters import member_actual, member_counted, recount
from partnerhub.partnerships.models import MemberAccountCount, PartnershipSource
from partnerhub.partnerships.services import partnership_credit
from partnerhub.partnerships.tests.test_counters import KINDS, MOVED_ON, rolled_back
from partnerhub.partnerships.tests.test_counters import _apply as _account_apply
from partnerhub.tests.factories import AccountFactory, MemberFactory, PartnerFactory

pytestmark = pytest.mark.django_db

ACCOUNTS, PARTNERS, MEMBERS = 7, 3, 2  # plain members per partner
account_i = st.integers(0, ACCOUNTS - 1)
partner_i = st.integers(0, PARTNERS - 1)
member_i = st.integers(0, PARTNERS * MEMBERS - 1)
some_accounts = st.lists(account_i, min_size=1, max_size=4)

operations = st.one_of(
    st.tuples(st.just("credit"), account_i, partner_i, KINDS),
    st.tuples(st.just("kind"), account_i, KINDS),
    st.tuples(st.just("end"), account_i),
    st.tuples(st.just("move"), account_i, partner_i),
    st.tuples(st.just("assign"), member_i, some_accounts),
    st.tuples(st.just("unassign"), member_i, some_accounts),
    st.tuples(st.just("set"), member_i, st.lists(account_i, max_size=5)),
    st.tuples(st.just("remove"), member_i),
)


def _apply(op, accounts, partners, owners, members) -> None:
    name = op[0]
    if name in ("credit", "kind", "end", "move"):
        _account_apply(op, accounts, partners)
        return
    member = members[op[1]]
    owner = owners[op[1] // MEMBERS]
    try:
        if name == "assign":
            accounts_assign(
                actor=owner.user, member_id=member.pk, account_ids=[accounts[a].pk for a in op[2]]
            )
        elif name == "unassign":
            accounts_unassign(
                actor=owner.user, member_id=member.pk, account_ids=[accounts[a].pk for a in op[2]]
            )
        elif name == "set":
            with transaction.atomic():
                locked = PartnerMember.objects.select_for_update().filter(pk=member.pk).first()
                if locked is not None:
                    member_assignments_set(
                        actor=owner.user,
                        member=locked,
                        account_ids=[accounts[a].pk for a in op[2]],
                    )
        elif name == "remove":
            member_remove(actor=owner.user, member_id=member.pk)
    except (Conflict, InvalidTransition, NotFound):
        pass  # a refusal changes nothing, the counters included


def _assigned_by_kind(member) -> dict[str, int]:
    held = ClientAccount.objects.filter(assignments__member=member, partner_id=member.partner_id)
    return {
        "referred": held.filter(partnership_kind="referred").count(),
        "managed": held.filter(partnership_kind="managed").count(),
    }


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=st.lists(operations, min_size=1, max_size=14))
def test_the_members_counters_equal_a_recount_after_any_sequence_of_changes(ops):
    with rolled_back():
        partners = [PartnerFactory() for _ in range(PARTNERS)]
        owners = [MemberFactory(partner=p, role=PartnerRole.OWNER) for p in partners]
        members = [MemberFactory(partner=p) for p in partners for _ in range(MEMBERS)]
        accounts = [AccountFactory() for _ in range(ACCOUNTS)]
        for op in ops:
            _apply(op, accounts, partners, owners, members)
            assert member_counted() == member_actual(), op
        for member in members:
            assert assigned_kind_counts(
                member_id=member.pk, partner_id=member.partner_id
            ) == _assigned_by_kind(member)
            assert partner_account_kind_counts(
                partner_id=member.partner_id, visible_to=member.pk
            ) == _assigned_by_kind(member)
        for partner in partners:
            expected = {}
            for m in partner.members.all():
                n = sum(_assigned_by_kind(m).values())
                if n:
                    expected[m.pk] = n
            assert assignment_counts(partner_id=partner.pk) == expected


def _credited(partner, kind) -> ClientAccount:
    account = AccountFactory()
    partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.INVITE_LINK,
        moved_on=MOVED_ON,
        kind=kind,
    )
    return account


def test_a_member_of_another_partner_counts_zero_there(db):
    partner, other = PartnerFactory(), PartnerFactory()
    owner = MemberFactory(partner=partner, role=PartnerRole.OWNER)
    member = MemberFactory(partner=partner)
    account = _credited(partner, PartnershipKind.MANAGED)
    accounts_assign(actor=owner.user, member_id=member.pk, account_ids=[account.pk])

    assert assigned_kind_counts(member_id=member.pk, partner_id=partner.pk) == {
        "referred": 0,
        "managed": 1,
    }
    assert assigned_kind_counts(member_id=member.pk, partner_id=other.pk) == {
        "referred": 0,
        "managed": 0,
    }


def test_recount_repairs_a_members_wrong_counters_and_says_how_many(db):
    partner = PartnerFactory()
    owner = MemberFactory(partner=partner, role=PartnerRole.OWNER)
    member = MemberFactory(partner=partner)
    accounts = [
        _credited(partner, kind)
        for kind in (PartnershipKind.REFERRED, PartnershipKind.MANAGED, PartnershipKind.MANAGED)
    ]
    accounts_assign(actor=owner.user, member_id=member.pk, account_ids=[a.pk for a in accounts])
    assert recount() == 0
    MemberAccountCount.objects.filter(member=member).update(referred=40)
    assert member_counted() != member_actual()

    out = StringIO()
    call_command("recount_accounts", stdout=out)

    assert "1 figure corrected" in out.getvalue()
    assert member_counted() == member_actual()
    assert assigned_kind_counts(member_id=member.pk, partner_id=partner.pk) == {
        "referred": 1,
        "managed": 2,
    }


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="threaded race needs concurrent connections (PostgreSQL); SQLite queues writers",
)
@pytest.mark.django_db(transaction=True)
def test_two_assignment_changes_for_one_partner_at_once_neither_deadlock_nor_lose_counts():
    """Two managers change two members' assignments over the same accounts while the accounts'
    kinds change, in opposite orders, at the same moment: every change is counted."""
    from partnerhub.access.tests.test_race import _race
    from partnerhub.partnerships.models import KindChangeCause
    from partnerhub.partnerships.services import open_partnership_lock, partnership_kind_set

    partner = PartnerFactory()
    owner = MemberFactory(partner=partner, role=PartnerRole.OWNER)
    admin = MemberFactory(partner=partner, role=PartnerRole.ADMIN)
    first, second = MemberFactory(partner=partner), MemberFactory(partner=partner)
    accounts = [_credited(partner, PartnershipKind.REFERRED) for _ in range(2 * 8 + 3)]
    ids = [a.pk for a in accounts]
    for round_ in range(3):

        def manage(account_ids):
            for pk in account_ids:
                with transaction.atomic():
                    partnership = open_partnership_lock(account_id=pk)
                    kind, cause = (
                        (PartnershipKind.REFERRED, KindChangeCause.ACCESS_REVOKED)
                        if partnership.kind == PartnershipKind.MANAGED
                        else (PartnershipKind.MANAGED, KindChangeCause.ACCESS_CONFIRMED)
                    )
                    partnership_kind_set(partnership=partnership, kind=kind, cause=cause)

        outcomes = _race(
            lambda: accounts_assign(actor=owner.user, member_id=first.pk, account_ids=ids),
            lambda: accounts_assign(
                actor=admin.user, member_id=second.pk, account_ids=list(reversed(ids))
            ),
            lambda: manage(ids[::2]),
            lambda: manage(list(reversed(ids[1::2]))),
        )
        assert outcomes == ["ok"] * 4
        assert member_counted() == member_actual(), round_
        outcomes = _race(
            lambda: accounts_unassign(actor=owner.user, member_id=first.pk, account_ids=ids[:9]),
            lambda: accounts_unassign(
                actor=admin.user, member_id=second.pk, account_ids=list(reversed(ids[5:]))
            ),
            lambda: manage(ids[3:12]),
        )
        assert outcomes == ["ok"] * 3
        assert member_counted() == member_actual(), round_
    assert AccountAssignment.objects.filter(member=first).count() == len(ids) - 9
    connection.close()


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="threaded race needs concurrent connections (PostgreSQL); SQLite queues writers",
)
@pytest.mark.django_db(transaction=True)
def test_a_member_removed_while_an_assigned_accounts_kind_changes_leaves_no_count_behind(
    monkeypatch,
):
    """A kind change has read who the account is assigned to and is about to write those
    members' counters when an owner removes one of them: the removal waits for the change, and
    both succeed, leaving no counter of the member who left."""
    import threading
    import time

    from partnerhub.access.tests.test_race import _race
    from partnerhub.partnerships import counters
    from partnerhub.partnerships.models import KindChangeCause
    from partnerhub.partnerships.services import open_partnership_lock, partnership_kind_set

    partner = PartnerFactory()
    owner = MemberFactory(partner=partner, role=PartnerRole.OWNER)
    leaving, staying = MemberFactory(partner=partner), MemberFactory(partner=partner)
    account = _credited(partner, PartnershipKind.REFERRED)
    for member in (leaving, staying):
        accounts_assign(actor=owner.user, member_id=member.pk, account_ids=[account.pk])

    read = threading.Event()
    write = counters._member_write

    def slow_write(deltas):
        if deltas and not read.is_set():
            read.set()  # the assignments are read; the removal starts now
            time.sleep(1.0)
        write(deltas)

    monkeypatch.setattr(counters, "_member_write", slow_write)

    def change():
        with transaction.atomic():
            partnership = open_partnership_lock(account_id=account.pk)
            partnership_kind_set(
                partnership=partnership,
                kind=PartnershipKind.MANAGED,
                cause=KindChangeCause.ACCESS_CONFIRMED,
            )

    def remove():
        assert read.wait(timeout=10)
        member_remove(actor=owner.user, member_id=leaving.pk)

    assert _race(change, remove) == ["ok", "ok"]
    assert not PartnerMember.objects.filter(pk=leaving.pk).exists()
    assert not MemberAccountCount.objects.filter(member_id=leaving.pk).exists()
    assert member_counted() == member_actual()
    assert assigned_kind_counts(member_id=staying.pk, partner_id=partner.pk) == {
        "referred": 0,
        "managed": 1,
    }
    connection.close()
