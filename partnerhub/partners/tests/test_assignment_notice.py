"""A member assigned accounts is told under the bell, once per assignment action, with a link
to their accounts; nobody is told of what they did themselves or of a change that assigned
nothing new."""

import pytest

from partnerhub.notices.models import Notice
from partnerhub.partners.models import PartnerRole
from partnerhub.partners.services import accounts_assign, accounts_unassign
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    partner = PartnerFactory(name="Brightwave Agency")
    olga = MemberFactory(
        partner=partner,
        role=PartnerRole.OWNER,
        user__first_name="Olga",
        user__last_name="Owens",
    )
    max_ = MemberFactory(partner=partner, role=PartnerRole.MEMBER)
    accounts = [
        credited_account(partner, organization_name=name, login_name=f"login{n}")
        for n, name in enumerate(["Blue Bakery", "Green Garden", "Red Rocket"])
    ]
    return olga, max_, accounts


def test_one_notice_per_assignment_action(team):
    olga, max_, accounts = team

    accounts_assign(actor=olga.user, member_id=max_.pk, account_ids=[a.pk for a in accounts[:2]])
    accounts_assign(actor=olga.user, member_id=max_.pk, account_ids=[a.pk for a in accounts])

    notices = list(Notice.objects.filter(user=max_.user).order_by("id"))
    assert [(n.kind, n.title, n.url) for n in notices] == [
        (
            "accounts_assigned",
            "Olga Owens assigned 2 accounts to you at Brightwave Agency",
            f"/portal/accounts/?assigned={max_.pk}",
        ),
        (
            "accounts_assigned",
            "Olga Owens assigned 1 account to you at Brightwave Agency",
            f"/portal/accounts/?assigned={max_.pk}",
        ),
    ]


def test_nothing_new_or_ones_own_doing_tells_nobody(team):
    olga, max_, accounts = team
    accounts_assign(actor=olga.user, member_id=max_.pk, account_ids=[accounts[0].pk])
    Notice.objects.all().delete()

    accounts_assign(actor=olga.user, member_id=max_.pk, account_ids=[accounts[0].pk])
    accounts_unassign(actor=olga.user, member_id=max_.pk, account_ids=[accounts[0].pk])
    accounts_assign(actor=olga.user, member_id=olga.pk, account_ids=[accounts[1].pk])

    assert not Notice.objects.exists()
