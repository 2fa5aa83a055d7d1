"""The checklist's writes: steps, reports, automatic checks and nudges."""

import datetime as dt
import sys
import types

import pytest

from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import BillingStatus, PartnershipKind, PlanType
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.models import OutgoingEmail
from partnerhub.invitations.models import Invitation, InvitationKind, InvitationStatus
from partnerhub.onboarding import checks, selectors, services
from partnerhub.onboarding.models import OnboardingNudge, StepCompletion, StepSource
from partnerhub.organizations.services import organization_create
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def org():
    return organization_create(name="Crumb Test Co.", deployed_on=dt.date(2025, 1, 1))


def _child(org, **fields):
    return credited_account(org, kind=PartnershipKind.MANAGED, **fields)


def test_steps_are_added_in_order_with_stable_keys(org):
    a = services.step_create(partner=org, title="Choose a plan", check=checks.PLAN_CHOSEN)
    b = services.step_create(partner=org, title="Send your first campaign", link="/help/")
    c = services.step_create(
        partner=org, title="Import contacts", link="https://example.test/import"
    )
    assert [(s.key, s.position, s.source) for s in (a, b, c)] == [
        ("plan-chosen", 1, StepSource.CHECK),
        ("send-your-first-campaign", 2, StepSource.REPORTED),
        ("import-contacts", 3, StepSource.REPORTED),
    ]
    assert AuditEvent.objects.filter(action="onboarding.step_added").count() == 3


@pytest.mark.parametrize(
    "link",
    [
        "http://example.test/",
        "javascript:alert(1)",
        "//evil.test/path",
        "https://user:pw@example.test/",
        "ftp://example.test",
        "/a b",
        "https://",
    ],
)
def test_a_link_is_https_or_a_path_on_this_site(org, link):
    with pytest.raises(InvalidTransition) as refused:
        services.step_create(partner=org, title="Read this", link=link)
    assert refused.value.code == "step_link_invalid"
    assert selectors.checklist(partner_id=org.pk) == []


def test_an_unknown_or_repeated_check_is_refused(org):
    services.step_create(partner=org, title="Plan", check=checks.PLAN_CHOSEN)
    with pytest.raises(Conflict):
        services.step_create(partner=org, title="Plan again", check=checks.PLAN_CHOSEN)
    with pytest.raises(InvalidTransition):
        services.step_create(partner=org, title="Magic", check="magic")
    assert len(selectors.checklist(partner_id=org.pk)) == 1


def test_reorder_edit_and_remove_keep_the_history_of_completed_steps(org):
    a = services.step_create(partner=org, title="First")
    b = services.step_create(partner=org, title="Second")
    child = _child(org)
    services.step_report(partner=org, account=child, key=a.key)
    services.step_move(partner=org, step_id=b.pk, up=True)
    assert [s.title for s in selectors.checklist(partner_id=org.pk)] == ["Second", "First"]
    services.step_update(
        partner=org, step_id=a.pk, title="First, renamed", help_text="Why", link="/help/"
    )
    services.step_remove(partner=org, step_id=a.pk)
    assert [s.title for s in selectors.checklist(partner_id=org.pk)] == ["Second"]
    history = selectors.removed_step_history(partner_id=org.pk, account_id=child.pk)
    assert [(c.step.title, c.account_id) for c in history] == [("First, renamed", child.pk)]
    with pytest.raises(NotFound):
        services.step_update(partner=org, step_id=a.pk, title="x", help_text="", link="")


def test_a_report_is_idempotent_and_can_be_taken_back(org):
    step = services.step_create(partner=org, title="First send")
    child = _child(org)
    at = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    first = services.step_report(partner=org, account=child, key=step.key, at=at)
    again = services.step_report(partner=org, account=child, key=step.key)
    assert first.changed and not again.changed
    assert again.completion.completed_at == at
    assert StepCompletion.objects.filter(step=step).count() == 1
    undone = services.step_report(partner=org, account=child, key=step.key, done=False)
    assert undone.changed and undone.completion is None
    assert not StepCompletion.objects.filter(step=step).exists()
    assert (
        AuditEvent.objects.filter(action__startswith="onboarding.step_")
        .values_list("action", flat=True)
        .order_by("id")[1:]
        .count()
        == 2
    )


def test_another_organizations_account_or_an_automatic_step_cannot_be_reported(org):
    step = services.step_create(partner=org, title="Plan", check=checks.PLAN_CHOSEN)
    other = credited_account(PartnerFactory(), kind=PartnershipKind.MANAGED)
    with pytest.raises(NotFound):
        services.step_report(partner=org, account=other, key=step.key)
    with pytest.raises(InvalidTransition) as refused:
        services.step_report(partner=org, account=_child(org), key=step.key)
    assert refused.value.code == "step_checked_by_partnerhub"
    assert not StepCompletion.objects.exists()


def test_the_worker_records_the_automatic_checks_once(org):
    services.step_create(partner=org, title="Plan", check=checks.PLAN_CHOSEN)
    services.step_create(partner=org, title="Invite", check=checks.FIRST_USER_INVITED)
    paying = _child(org, plan_type=PlanType.GOLD)
    trial = _child(
        org, plan_type=PlanType.TRIAL, billing_status=BillingStatus.TRIAL, converted_at=None
    )
    Invitation.objects.create(
        kind=InvitationKind.ACCOUNT_OWNER,
        partner=org,
        email="new@owner.test",
        account=trial,
        token_hash="x" * 64,
        status=InvitationStatus.ACCEPTED,
        created_at=NOW,
        expires_at=NOW,
    )
    assert services.checks_evaluate(partner_id=org.pk) == 2
    assert services.checks_evaluate(partner_id=org.pk) == 0
    done = {
        (c.account_id, c.step.check_name, c.completed_by_label)
        for c in StepCompletion.objects.select_related("step")
    }
    assert done == {
        (paying.pk, checks.PLAN_CHOSEN, "PartnerHub check"),
        (trial.pk, checks.FIRST_USER_INVITED, "PartnerHub check"),
    }


def test_the_registry_lists_exactly_the_available_checks(monkeypatch):
    names = [c.name for c in checks.available_checks()]
    assert names == [checks.PLAN_CHOSEN, checks.FIRST_USER_INVITED] or names == [
        checks.PLAN_CHOSEN,
        checks.FIRST_USER_INVITED,
        checks.BRAND_APPLIED,
    ]
    fake = types.ModuleType(checks.BRAND_MODULE)
    fake.brand_applied = lambda account_id: account_id % 2 == 0
    monkeypatch.setitem(sys.modules, checks.BRAND_MODULE, fake)
    assert [c.name for c in checks.available_checks()] == [
        checks.PLAN_CHOSEN,
        checks.FIRST_USER_INVITED,
        checks.BRAND_APPLIED,
    ]
    monkeypatch.setitem(sys.modules, checks.BRAND_MODULE, None)  # import fails
    assert [c.name for c in checks.available_checks()] == [
        checks.PLAN_CHOSEN,
        checks.FIRST_USER_INVITED,
    ]
    assert checks.get_check(checks.BRAND_APPLIED) is None


def test_the_brand_check_asks_the_brand_kit_for_each_account(org, monkeypatch):
    fake = types.ModuleType(checks.BRAND_MODULE)
    applied = set()
    fake.brand_applied = lambda account_id: account_id in applied
    monkeypatch.setitem(sys.modules, checks.BRAND_MODULE, fake)
    services.step_create(partner=org, title="Brand", check=checks.BRAND_APPLIED)
    a, _b = _child(org), _child(org)
    applied.add(a.pk)
    assert services.checks_evaluate(partner_id=org.pk) == 1
    assert list(StepCompletion.objects.values_list("account_id", flat=True)) == [a.pk]


def test_nudges_are_limited_per_account_and_per_organization(org, monkeypatch):
    services.step_create(partner=org, title="First send")
    admin = MemberFactory(partner=org, role=PartnerRole.ADMIN).user
    a, b, c = _child(org), _child(org), _child(org)
    sent = services.nudges_send(partner=org, account_ids=[a.pk], actor=admin, now=NOW)
    assert [x.pk for x in sent.sent] == [a.pk]
    assert OutgoingEmail.objects.get().to == [a.contact_email]
    later = NOW + dt.timedelta(hours=3)
    again = services.nudges_send(partner=org, account_ids=[a.pk, b.pk], actor=admin, now=later)
    assert [x.pk for x in again.sent] == [b.pk]
    assert [(x.pk, when) for x, _, when in again.refused] == [(a.pk, NOW + services.NUDGE_GAP)]
    monkeypatch.setattr(services, "NUDGES_PER_DAY", 2)
    capped = services.nudges_send(partner=org, account_ids=[c.pk], actor=admin, now=later)
    assert capped.sent == []
    assert capped.refused[0][2] == dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    assert OnboardingNudge.objects.count() == 2
    assert AuditEvent.objects.filter(action="onboarding.nudge_sent").count() == 2


def test_an_owner_who_did_every_step_is_not_nudged(org):
    step = services.step_create(partner=org, title="First send")
    a = _child(org)
    services.step_report(partner=org, account=a, key=step.key)
    result = services.nudges_send(partner=org, account_ids=[a.pk], now=NOW)
    assert result.sent == [] and result.refused[0][1] == "has done every step"
    assert not OutgoingEmail.objects.exists()
