"""Groups, tags, child accounts and detaching, through the services."""

import datetime as dt

import pytest

from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.invitations.models import Invitation, InvitationKind
from partnerhub.invitations.services import invitation_accept
from partnerhub.organizations.children import ChildAccountIn, child_account_create
from partnerhub.organizations.detach import (
    detach_request_cancel,
    detach_request_confirm,
    detach_request_create,
    detach_request_decline,
)
from partnerhub.organizations.models import AccountGroup, AccountTagging, DetachStatus
from partnerhub.organizations.services import (
    account_group_set,
    account_tag_remove,
    account_tags_add,
    accounts_group_set,
    group_create,
    group_delete,
    group_rename,
    organization_create,
)
from partnerhub.partners.models import AccountAssignment, PartnerRole
from partnerhub.partnerships.models import Partnership, PartnershipSource
from partnerhub.tests.factories import MemberFactory, PartnerFactory, UserFactory, credited_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return organization_create(name="Crumb & Co.", deployed_on=dt.date(2025, 1, 1))


@pytest.fixture
def admin(org):
    return MemberFactory(partner=org, role=PartnerRole.OWNER).user


def _child(org, login="crumbtest01", **fields):
    data = ChildAccountIn(
        location_name=fields.pop("location_name", "Crumb Porto"),
        owner_name="Maya Loaf",
        owner_email="Maya@Crumb.Example",
        login_name=login,
        **fields,
    )
    return data


def test_a_child_is_managed_from_the_start_and_its_owner_is_invited(org, admin):
    north = group_create(partner=org, name="North")

    account = child_account_create(
        partner=org, data=_child(org, plan="silver", tags="drive-through"), group=north, actor=admin
    )

    assert account.partner_id == org.pk
    assert account.partnership_kind == PartnershipKind.MANAGED
    assert account.access_level == "full"
    assert account.owner_id is None
    assert (account.plan_type, account.billing_status) == (PlanType.SILVER, BillingStatus.OPEN)
    assert account.group_id == north.pk
    assert list(account.taggings.values_list("tag__name", flat=True)) == ["drive-through"]
    partnership = Partnership.objects.get(account=account)
    assert partnership.source == PartnershipSource.ORGANIZATION_CHILD
    invitation = Invitation.objects.get(account=account)
    assert (invitation.kind, invitation.email) == (
        InvitationKind.ACCOUNT_OWNER,
        "maya@crumb.example",
    )
    assert set(
        AuditEvent.objects.filter(account_id=account.pk).values_list("action", flat=True)
    ) >= {"account.created", "partnership.credited", "account.group_changed", "account.tagged"}


def test_a_trial_child_stays_a_trial(org, admin):
    account = child_account_create(partner=org, data=_child(org), actor=admin)
    assert (account.plan_type, account.billing_status) == (PlanType.TRIAL, BillingStatus.TRIAL)
    assert account.converted_at is None


def test_a_taken_login_name_is_refused_and_nothing_is_written(org, admin):
    child_account_create(partner=org, data=_child(org), actor=admin)
    with pytest.raises(Conflict):
        child_account_create(partner=org, data=_child(org, login="CRUMBTEST01"), actor=admin)
    assert ClientAccount.objects.count() == 1


def test_an_agency_creates_no_children(admin):
    agency = PartnerFactory()
    with pytest.raises(InvalidTransition):
        child_account_create(partner=agency, data=_child(agency), actor=admin)
    assert ClientAccount.objects.count() == 0


def test_another_organizations_group_is_refused(org, admin):
    other = organization_create(name="Other", deployed_on=dt.date(2025, 1, 1))
    theirs = group_create(partner=other, name="North")
    with pytest.raises(InvalidTransition):
        child_account_create(partner=org, data=_child(org), group=theirs, actor=admin)
    assert ClientAccount.objects.count() == 0


def test_groups_rename_and_refuse_a_twin(org):
    north = group_create(partner=org, name="North")
    group_create(partner=org, name="South")
    assert group_rename(partner=org, group_id=north.pk, name="  Far   North ").name == "Far North"
    with pytest.raises(Conflict):
        group_rename(partner=org, group_id=north.pk, name="south")
    assert AccountGroup.objects.get(pk=north.pk).name == "Far North"


def test_a_group_nests_one_level_only(org):
    north = group_create(partner=org, name="North")
    lakes = group_create(partner=org, name="Lakes", parent=north)
    with pytest.raises(InvalidTransition):
        group_create(partner=org, name="Deeper", parent=lakes)


def test_another_organizations_group_is_not_found(org):
    other = organization_create(name="Other", deployed_on=dt.date(2025, 1, 1))
    theirs = group_create(partner=other, name="North")
    with pytest.raises(NotFound):
        group_rename(partner=org, group_id=theirs.pk, name="Mine")
    with pytest.raises(NotFound):
        group_delete(partner=org, group_id=theirs.pk)
    assert AccountGroup.objects.get(pk=theirs.pk).name == "North"


def test_delete_refuses_a_group_with_accounts_unless_they_move_to_the_parent(org, admin):
    north = group_create(partner=org, name="North")
    lakes = group_create(partner=org, name="Lakes", parent=north)
    account = child_account_create(partner=org, data=_child(org), group=lakes, actor=admin)

    with pytest.raises(InvalidTransition):
        group_delete(partner=org, group_id=lakes.pk)
    with pytest.raises(InvalidTransition):
        group_delete(partner=org, group_id=north.pk, move_accounts=True)  # has a subgroup
    assert AccountGroup.objects.filter(pk=lakes.pk).exists()

    assert group_delete(partner=org, group_id=lakes.pk, move_accounts=True, actor=admin) == 1
    account.refresh_from_db()
    assert account.group_id == north.pk
    assert group_delete(partner=org, group_id=north.pk, move_accounts=True, actor=admin) == 1
    account.refresh_from_db()
    assert account.group_id is None


def test_moving_many_is_all_or_nothing(org, admin):
    north = group_create(partner=org, name="North")
    mine = child_account_create(partner=org, data=_child(org), actor=admin)
    outsider = credited_account(PartnerFactory())
    with pytest.raises(NotFound):
        accounts_group_set(partner=org, account_ids=[mine.pk, outsider.pk], group=north)
    mine.refresh_from_db()
    assert mine.group_id is None
    assert accounts_group_set(partner=org, account_ids=[mine.pk], group=north) == 1
    assert accounts_group_set(partner=org, account_ids=[mine.pk], group=north) == 0


def test_tags_add_once_and_remove(org, admin):
    a = child_account_create(partner=org, data=_child(org), actor=admin)
    b = child_account_create(partner=org, data=_child(org, login="crumbtest02"), actor=admin)
    assert account_tags_add(partner=org, account_ids=[a.pk, b.pk], names=["New in 2026"]) == 2
    assert account_tags_add(partner=org, account_ids=[a.pk], names=["new in 2026"]) == 0
    assert account_tag_remove(partner=org, account_ids=[a.pk], name="NEW IN 2026") == 1
    assert list(AccountTagging.objects.values_list("account_id", flat=True)) == [b.pk]
    # one audit row per account that gained or lost the tag, naming who and which tag
    rows = AuditEvent.objects.filter(action__in=["account.tagged", "account.untagged"])
    assert sorted(
        (r.action, r.account_id, r.partner_id, r.actor_id, r.before, r.after) for r in rows
    ) == sorted(
        [
            ("account.tagged", a.pk, org.pk, None, {}, {"tag": "New in 2026"}),
            ("account.tagged", b.pk, org.pk, None, {}, {"tag": "New in 2026"}),
            ("account.untagged", a.pk, org.pk, None, {"tag": "New in 2026"}, {}),
        ]
    )


def test_tags_of_another_organizations_account_are_refused(org):
    outsider = credited_account(PartnerFactory())
    with pytest.raises(NotFound):
        account_tags_add(partner=org, account_ids=[outsider.pk], names=["vip"])
    assert AccountTagging.objects.count() == 0


def _owned_child(org, admin):
    north = group_create(partner=org, name="North")
    account = child_account_create(partner=org, data=_child(org), group=north, actor=admin)
    invitation = Invitation.objects.get(account=account)
    maya = UserFactory(username="maya@crumb.example")
    # The token is only in the e-mail; the test reissues the hash it is checked against.
    from partnerhub.invitations.models import token_hash

    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash("t0ken"))
    invitation_accept(actor=maya, token="t0ken")
    account.refresh_from_db()
    assert account.owner_id == maya.pk
    return account, maya


def test_detach_ends_the_partnership_only_when_the_owner_confirms(org, admin):
    account, maya = _owned_child(org, admin)
    member = org.members.get()
    AccountAssignment.objects.create(
        partner=org,
        account=account,
        member=member,
        assigned_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    account_tags_add(partner=org, account_ids=[account.pk], names=["vip"])
    request = detach_request_create(partner=org, account_id=account.pk, actor=admin)
    account.refresh_from_db()
    assert account.partner_id == org.pk  # nothing changes on asking

    detach_request_confirm(actor=maya, request_id=request.pk)

    account.refresh_from_db()
    assert (account.partner_id, account.group_id, account.partnership_kind) == (None, None, "")
    assert not AccountTagging.objects.filter(account=account).exists()
    assert not AccountAssignment.objects.filter(account=account).exists()
    request.refresh_from_db()
    assert request.status == DetachStatus.CONFIRMED
    assert AuditEvent.objects.filter(action="account.detached", partner_id=org.pk).count() == 1


def test_only_the_owner_answers_and_a_decline_changes_nothing(org, admin):
    account, maya = _owned_child(org, admin)
    request = detach_request_create(partner=org, account_id=account.pk, actor=admin)
    with pytest.raises(NotFound):
        detach_request_confirm(actor=admin, request_id=request.pk)
    with pytest.raises(Conflict):
        detach_request_create(partner=org, account_id=account.pk, actor=admin)
    detach_request_decline(actor=maya, request_id=request.pk)
    with pytest.raises(InvalidTransition):
        detach_request_confirm(actor=maya, request_id=request.pk)
    account.refresh_from_db()
    assert account.partner_id == org.pk


def test_a_withdrawn_request_cannot_be_confirmed(org, admin):
    account, maya = _owned_child(org, admin)
    request = detach_request_create(partner=org, account_id=account.pk, actor=admin)
    detach_request_cancel(partner=org, request_id=request.pk, actor=admin)
    with pytest.raises(InvalidTransition):
        detach_request_confirm(actor=maya, request_id=request.pk)
    account.refresh_from_db()
    assert account.partner_id == org.pk


def test_an_account_without_owner_cannot_be_asked_and_another_org_cannot_ask(org, admin):
    account = child_account_create(partner=org, data=_child(org), actor=admin)
    with pytest.raises(InvalidTransition):
        detach_request_create(partner=org, account_id=account.pk, actor=admin)
    other = organization_create(name="Other", deployed_on=dt.date(2025, 1, 1))
    with pytest.raises(NotFound):
        detach_request_create(partner=other, account_id=account.pk)


def test_account_group_set_refuses_another_organizations_account(org):
    north = group_create(partner=org, name="North")
    outsider = credited_account(PartnerFactory())
    with pytest.raises(NotFound):
        account_group_set(partner=org, account=outsider, group=north)


def test_staff_make_an_account_the_parent_of_a_new_organization_through_consent(mailoutbox):
    from partnerhub.moves.models import MoveRequest
    from partnerhub.organizations.services import organization_from_account
    from partnerhub.partners.models import Partner, PartnerKind

    staff = UserFactory(is_staff=True)
    agency = PartnerFactory()
    account = credited_account(agency, organization_name="Crumb HQ")

    organization = organization_from_account(account_id=account.pk, actor=staff)

    assert (organization.name, organization.kind) == ("Crumb HQ", PartnerKind.ORGANIZATION)
    invitation = Invitation.objects.get(partner=organization)
    assert (invitation.kind, invitation.email, invitation.role) == (
        InvitationKind.TEAM,
        account.owner.email,
        PartnerRole.OWNER,
    )
    move = MoveRequest.objects.get(account=account)
    assert (move.partner_id, move.kind, move.level, move.status) == (
        organization.pk,
        "managed",
        "full",
        "pending",
    )
    # Nobody is attached yet: the account is still the agency's, the team is empty.
    account.refresh_from_db()
    assert account.partner_id == agency.pk
    assert not organization.members.exists()
    assert Partner.objects.filter(kind=PartnerKind.ORGANIZATION).count() == 1


def test_an_account_without_owner_cannot_be_made_a_parent():
    from partnerhub.organizations.services import organization_from_account
    from partnerhub.partners.models import Partner

    staff = UserFactory(is_staff=True)
    account = credited_account(PartnerFactory(), owner=None)
    with pytest.raises(InvalidTransition):
        organization_from_account(account_id=account.pk, actor=staff)
    assert Partner.objects.count() == 1
