"""Crediting an account to a partner, and the kind history the earnings rules will read."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.partnerships.models import (
    KindChangeCause,
    Partnership,
    PartnershipKindChange,
    PartnershipSource,
)
from partnerhub.partnerships.services import (
    open_partnership_lock,
    partnership_credit,
    partnership_kind_set,
)
from partnerhub.tests.factories import AccountFactory, PartnerFactory, UserFactory
from partnerhub.tests.snapshots import access_state

AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Brightwave Agency")


@pytest.fixture
def account(db):
    return AccountFactory(organization_name="Blue Bakery", login_name="bluebakery")


def mirror(account) -> tuple:
    account = ClientAccount.objects.get(pk=account.pk)
    return account.partner_id, account.partnership_kind, account.partnered_on


def test_crediting_an_account_opens_a_referred_partnership(partner, account):
    staff = UserFactory(username="staff@partnerhub.test", first_name="Sam", last_name="Staff")

    partnership = partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.INVITE_LINK,
        moved_on=dt.date(2026, 2, 27),
        actor=staff,
        at=AT,
    )

    partnership.refresh_from_db()
    assert (partnership.partner, partnership.account, partnership.kind) == (
        partner,
        account,
        PartnershipKind.REFERRED,
    )
    assert (partnership.moved_on, partnership.source, partnership.ended_at) == (
        dt.date(2026, 2, 27),
        "invite_link",
        None,
    )
    # the kind holds from the start of the day the account moved under the partnership
    assert list(partnership.kind_changes.values_list("kind", "effective_at", "cause", "actor")) == [
        ("referred", dt.datetime(2026, 2, 27, 0, 0, tzinfo=dt.UTC), "credited", staff.pk)
    ]
    assert mirror(account) == (partner.pk, "referred", dt.date(2026, 2, 27))
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_label, event.at, event.partner, event.account) == (
        "partnership.credited",
        "Sam Staff",
        AT,
        partner,
        account,
    )
    assert event.after == {"kind": "referred", "moved_on": "2026-02-27", "source": "invite_link"}


def test_an_account_can_be_credited_as_managed(partner, account):
    partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.CREATED_BY_PARTNER,
        moved_on=dt.date(2026, 1, 5),
        kind=PartnershipKind.MANAGED,
    )

    assert mirror(account) == (partner.pk, "managed", dt.date(2026, 1, 5))


def test_an_account_already_in_a_partnership_cannot_be_credited_again(partner, account):
    partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.INVITE_LINK,
        moved_on=dt.date(2026, 1, 5),
    )
    other = PartnerFactory(name="Northstar Partners")
    before = access_state(account)

    with pytest.raises(Conflict) as refused:
        partnership_credit(
            partner=other,
            account=account,
            source=PartnershipSource.APPROVED_MOVE,
            moved_on=dt.date(2026, 2, 1),
        )

    assert refused.value.code == "already_credited"
    assert access_state(account) == before
    assert mirror(account) == (partner.pk, "referred", dt.date(2026, 1, 5))


def test_the_database_allows_one_open_partnership_per_account(partner, account):
    Partnership.objects.create(
        partner=partner,
        account=account,
        kind="referred",
        moved_on=dt.date(2026, 1, 5),
        source="invite_link",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(
            partner=PartnerFactory(),
            account=account,
            kind="referred",
            moved_on=dt.date(2026, 2, 1),
            source="approved_move",
        )


def test_the_database_keeps_ended_partnerships_beside_the_open_one(partner, account):
    Partnership.objects.create(
        partner=partner,
        account=account,
        kind="referred",
        moved_on=dt.date(2025, 1, 5),
        source="invite_link",
        ended_at=AT,
    )
    Partnership.objects.create(
        partner=PartnerFactory(),
        account=account,
        kind="managed",
        moved_on=dt.date(2026, 2, 1),
        source="approved_move",
    )

    assert Partnership.objects.filter(account=account).count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "joint"},
        {"source": "phone_call"},
    ],
)
def test_the_database_refuses_unknown_kinds_and_sources(partner, account, fields):
    values = {"kind": "referred", "source": "invite_link", **fields}

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(
            partner=partner, account=account, moved_on=dt.date(2026, 1, 5), **values
        )


@pytest.mark.parametrize(
    ("with_partner", "fields"),
    [
        (False, {"partnership_kind": "referred"}),  # a kind without a partner
        (False, {"partnered_on": dt.date(2026, 1, 5)}),  # a date without a partner
        (True, {"partnership_kind": "", "partnered_on": dt.date(2026, 1, 5)}),  # no kind
        (True, {"partnership_kind": "referred"}),  # no date
    ],
)
def test_the_database_refuses_a_half_written_mirror(partner, account, with_partner, fields):
    partner_fields = {"partner": partner} if with_partner else {}

    with pytest.raises(IntegrityError), transaction.atomic():
        ClientAccount.objects.filter(pk=account.pk).update(**partner_fields, **fields)

    assert mirror(account) == (None, "", None)


# --- Kind changes ----------------------------------------------------------------------------


def _credited(partner, account) -> Partnership:
    return partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.INVITE_LINK,
        moved_on=dt.date(2026, 1, 5),
        at=AT,
    )


def test_a_kind_change_is_recorded_and_mirrored(partner, account):
    _credited(partner, account)
    customer = account.owner
    later = AT + dt.timedelta(days=40)

    with transaction.atomic():
        partnership = open_partnership_lock(account_id=account.pk)
        change = partnership_kind_set(
            partnership=partnership,
            kind=PartnershipKind.MANAGED,
            cause=KindChangeCause.ACCESS_CONFIRMED,
            actor=customer,
            at=later,
        )

    assert (change.kind, change.effective_at, change.cause, change.actor) == (
        "managed",
        later,
        "access_confirmed",
        customer,
    )
    assert Partnership.objects.get(account=account).kind == "managed"
    assert mirror(account) == (partner.pk, "managed", dt.date(2026, 1, 5))
    assert list(
        PartnershipKindChange.objects.filter(partnership__account=account).values_list(
            "kind", "effective_at"
        )
    ) == [("referred", dt.datetime(2026, 1, 5, 0, 0, tzinfo=dt.UTC)), ("managed", later)]


def test_setting_the_same_kind_is_refused(partner, account):
    _credited(partner, account)
    before = access_state(account)

    with pytest.raises(InvalidTransition) as refused, transaction.atomic():
        partnership = open_partnership_lock(account_id=account.pk)
        partnership_kind_set(
            partnership=partnership,
            kind=PartnershipKind.REFERRED,
            cause=KindChangeCause.ACCESS_REVOKED,
        )

    assert refused.value.code == "kind_unchanged"
    assert access_state(account) == before


def test_an_ended_partnership_cannot_change_kind(partner, account):
    partnership = _credited(partner, account)
    Partnership.objects.filter(pk=partnership.pk).update(ended_at=AT)
    partnership.refresh_from_db()
    before = access_state(account)

    with pytest.raises(InvalidTransition) as refused:
        partnership_kind_set(
            partnership=partnership,
            kind=PartnershipKind.MANAGED,
            cause=KindChangeCause.ACCESS_CONFIRMED,
        )

    assert refused.value.code == "partnership_ended"
    assert access_state(account) == before


def test_an_account_in_no_partnership_has_no_partnership_to_lock(partner, account):
    _credited(partner, account)

    with pytest.raises(Partnership.DoesNotExist), transaction.atomic():
        open_partnership_lock(account_id=AccountFactory().pk)
