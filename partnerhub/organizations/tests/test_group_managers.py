"""Group managers: an owner or admin of an organization gives a group manager groups; the
manager's assigned accounts are then exactly the accounts of those groups and the groups
inside them, and stay so when an account changes group or leaves the organization."""

import pytest

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.notices.models import Notice
from partnerhub.organizations.services import account_group_set, group_managers_set
from partnerhub.organizations.tests.cast import build_org_cast, people_state
from partnerhub.partners.models import AccountAssignment, MemberVisibility
from partnerhub.partners.services import accounts_assign, partner_member_visibility_set
from partnerhub.partnerships.models import Partnership
from partnerhub.partnerships.services import open_partnership_lock, partnership_end

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return build_org_cast()


def assigned(member) -> list[str]:
    return sorted(
        AccountAssignment.objects.filter(member=member).values_list(
            "account__organization_name", flat=True
        )
    )


def test_a_group_includes_its_subgroups(org):
    assert assigned(org.ben) == ["Aberdeen", "Lakeside Mill"]


def test_giving_groups_is_audited_and_told_once_in_the_bell(org):
    Notice.objects.all().delete()

    added, removed = group_managers_set(
        actor=org.abe.user, member_id=org.ben.pk, group_ids=[org.north.pk, org.south.pk]
    )

    assert (added, removed) == (1, 0)
    assert assigned(org.ben) == ["Aberdeen", "Faro", "Lakeside Mill"]
    [notice] = Notice.objects.filter(user=org.ben.user)
    assert notice.kind == "accounts_assigned"
    assert notice.title == "Abe gave you South at Crumb & Co. Bakeries: 1 account to look after"
    assert notice.url == f"/portal/accounts/?assigned={org.ben.pk}"
    event = (
        AuditEvent.objects.filter(action="organization.group_manager_added").order_by("pk").last()
    )
    assert event.after["group_name"] == "South"
    assert event.partner == org.crumb


def test_taking_a_group_back_unassigns_its_accounts(org):
    added, removed = group_managers_set(actor=org.ava.user, member_id=org.ben.pk, group_ids=[])

    assert (added, removed) == (0, 2)
    assert assigned(org.ben) == []
    assert AuditEvent.objects.filter(action="organization.group_manager_removed").count() == 1
    assert AuditEvent.objects.filter(action="account.unassigned").count() == 2


def test_an_account_that_changes_group_follows_its_managers(org):
    account_group_set(partner=org.crumb, account=org.aberdeen, group=org.south, actor=org.ava.user)
    assert assigned(org.ben) == ["Lakeside Mill"]

    account_group_set(partner=org.crumb, account=org.faro, group=org.lakeside, actor=org.ava.user)
    assert assigned(org.ben) == ["Faro", "Lakeside Mill"]


def test_an_account_that_leaves_the_organization_leaves_its_manager_and_its_group(org):
    partnership = open_partnership_lock(account_id=org.aberdeen.pk)

    partnership_end(partnership=partnership)

    assert assigned(org.ben) == ["Lakeside Mill"]
    org.aberdeen.refresh_from_db()
    assert org.aberdeen.group_id is None
    assert not Partnership.objects.filter(account=org.aberdeen, ended_at__isnull=True).exists()


@pytest.mark.parametrize("who", ["ben", "cleo"])
def test_only_owners_and_admins_give_groups(org, who):
    before = people_state()

    with pytest.raises(PermissionDenied):
        group_managers_set(
            actor=getattr(org, who).user, member_id=org.ben.pk, group_ids=[org.south.pk]
        )

    assert people_state() == before


def test_only_a_group_manager_is_given_groups(org):
    before = people_state()

    with pytest.raises(InvalidTransition) as refused:
        group_managers_set(actor=org.ava.user, member_id=org.cleo.pk, group_ids=[org.north.pk])

    assert refused.value.code == "not_a_group_manager"
    assert "Cleo is viewer" in refused.value.message
    assert people_state() == before


def test_another_organizations_groups_and_members_are_not_found(org):
    before = people_state()

    with pytest.raises(NotFound):
        group_managers_set(actor=org.lou.user, member_id=org.ben.pk, group_ids=[])
    with pytest.raises(NotFound):
        group_managers_set(actor=org.ava.user, member_id=org.ben.pk, group_ids=[99999])

    assert people_state() == before


def test_an_agency_has_no_groups_to_give(org):
    with pytest.raises(InvalidTransition) as refused:
        group_managers_set(actor=org.olga.user, member_id=org.olga.pk, group_ids=[])

    assert refused.value.code == "not_an_organization"


def test_an_organization_gives_accounts_by_group_not_one_by_one(org):
    before = people_state()

    with pytest.raises(InvalidTransition) as refused:
        accounts_assign(actor=org.ava.user, member_id=org.ben.pk, account_ids=[org.faro.pk])

    assert refused.value.code == "assign_by_group"
    assert people_state() == before


def test_group_managers_always_see_only_their_accounts(org):
    with pytest.raises(InvalidTransition) as refused:
        partner_member_visibility_set(actor=org.ava.user, visibility=MemberVisibility.ALL)

    assert refused.value.code == "visibility_fixed"
    org.crumb.refresh_from_db()
    assert org.crumb.member_visibility == MemberVisibility.ASSIGNED
