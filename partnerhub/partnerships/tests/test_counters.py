"""The partners' account counts equal a recount of the accounts after any sequence of changes:
credits one at a time and in bulk (imports), kind changes both ways, refused changes, an end
and a move (through the one mirror helper), and ``recount_accounts`` repairs them."""

import datetime as dt
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.clients.selectors import partner_account_kind_counts
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.partnerships.counters import actual, counted, recount
from partnerhub.partnerships.models import (
    KindChangeCause,
    PartnerAccountCount,
    Partnership,
    PartnershipSource,
)
from partnerhub.partnerships.services import (
    Credit,
    open_partnership_lock,
    partnership_credit,
    partnership_end,
    partnership_kind_set,
    partnerships_credit_bulk,
)
from partnerhub.tests.factories import AccountFactory, PartnerFactory

pytestmark = pytest.mark.django_db

ACCOUNTS, PARTNERS = 7, 3
MOVED_ON = dt.date(2026, 3, 1)
KINDS = st.sampled_from([PartnershipKind.REFERRED, PartnershipKind.MANAGED])
account_i = st.integers(0, ACCOUNTS - 1)
partner_i = st.integers(0, PARTNERS - 1)

operations = st.one_of(
    st.tuples(st.just("credit"), account_i, partner_i, KINDS),
    st.tuples(
        st.just("bulk"),
        st.lists(st.tuples(account_i, partner_i, KINDS, st.booleans()), min_size=1, max_size=4),
    ),
    st.tuples(st.just("kind"), account_i, KINDS),
    st.tuples(st.just("end"), account_i),
    st.tuples(st.just("move"), account_i, partner_i),
)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _end(account: ClientAccount) -> None:
    """The partnership ends (the account is about to move): ``partnership_end``."""
    with transaction.atomic():
        partnership = open_partnership_lock(account_id=account.pk)
        partnership_end(partnership=partnership, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))


def _apply(op, accounts, partners) -> None:
    name = op[0]
    try:
        if name == "credit":
            _, a, p, kind = op
            partnership_credit(
                partner=partners[p],
                account=accounts[a],
                source=PartnershipSource.INVITE_LINK,
                moved_on=MOVED_ON,
                kind=kind,
            )
        elif name == "bulk":
            credits, seen = [], set()
            for a, p, kind, later in op[1]:
                if a in seen:
                    continue
                seen.add(a)
                credits.append(
                    Credit(
                        partner_id=partners[p].pk,
                        account_id=accounts[a].pk,
                        moved_on=MOVED_ON,
                        kind=kind,
                        managed_on=dt.date(2026, 3, 5) if later else None,
                    )
                )
            partnerships_credit_bulk(credits=credits, source=PartnershipSource.APPROVED_MOVE)
        elif name == "kind":
            _, a, kind = op
            with transaction.atomic():
                partnership = open_partnership_lock(account_id=accounts[a].pk)
                cause = (
                    KindChangeCause.ACCESS_CONFIRMED
                    if kind == PartnershipKind.MANAGED
                    else KindChangeCause.ACCESS_REVOKED
                )
                partnership_kind_set(partnership=partnership, kind=kind, cause=cause)
        elif name == "end":
            _end(accounts[op[1]])
        elif name == "move":
            _, a, p = op
            _end(accounts[a])
            partnership_credit(
                partner=partners[p],
                account=ClientAccount.objects.get(pk=accounts[a].pk),
                source=PartnershipSource.APPROVED_MOVE,
                moved_on=dt.date(2026, 4, 2),
            )
    except (Conflict, InvalidTransition, Partnership.DoesNotExist):
        pass  # a refusal changes nothing, the counters included


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=st.lists(operations, min_size=1, max_size=12))
def test_the_counters_equal_a_recount_after_any_sequence_of_changes(ops):
    with rolled_back():
        partners = [PartnerFactory() for _ in range(PARTNERS)]
        accounts = [AccountFactory() for _ in range(ACCOUNTS)]
        for op in ops:
            _apply(op, accounts, partners)
            assert counted() == actual(), op
        for partner in partners:
            held = ClientAccount.objects.filter(partner=partner)
            assert partner_account_kind_counts(partner_id=partner.pk) == {
                "referred": held.filter(partnership_kind="referred").count(),
                "managed": held.filter(partnership_kind="managed").count(),
            }
        for row in PartnerAccountCount.objects.all():
            assert row.total == row.referred + row.managed


def test_a_partner_without_accounts_counts_zero(db):
    assert partner_account_kind_counts(partner_id=PartnerFactory().pk) == {
        "referred": 0,
        "managed": 0,
    }


def test_recount_repairs_wrong_counters_and_says_how_many(db):
    partner = PartnerFactory()
    for kind in (PartnershipKind.REFERRED, PartnershipKind.MANAGED, PartnershipKind.MANAGED):
        partnership_credit(
            partner=partner,
            account=AccountFactory(),
            source=PartnershipSource.INVITE_LINK,
            moved_on=MOVED_ON,
            kind=kind,
        )
    assert recount() == 0
    PartnerAccountCount.objects.filter(partner=partner).update(referred=40, total=99)
    assert counted() != actual()
    out = StringIO()
    call_command("recount_accounts", stdout=out)
    assert "1 figure corrected" in out.getvalue()
    assert counted() == actual()
    assert partner_account_kind_counts(partner_id=partner.pk) == {"referred": 1, "managed": 2}
    out = StringIO()
    call_command("recount_accounts", stdout=out)
    assert "every figure was right" in out.getvalue()
