"""The worker evaluates the automatic steps: in its periodic sweep, and for one account once a
change PartnerHub sees (a plan chosen) commits."""

import datetime as dt
import types

import pytest
from django.conf import settings

from partnerhub.clients.models import BillingStatus, PartnershipKind, PlanType
from partnerhub.onboarding import checks, services, tasks
from partnerhub.onboarding.models import StepCompletion
from partnerhub.organizations.services import organization_create
from partnerhub.tests.factories import credited_account

pytestmark = pytest.mark.django_db


def test_the_sweep_is_a_periodic_task_and_records_each_organizations_checks():
    assert "partnerhub.onboarding.tasks.onboarding_checks_sweep_task" in (
        settings.PARTNERHUB_PERIODIC_TASKS
    )
    org = organization_create(name="Sweep Co.", deployed_on=dt.date(2025, 1, 1))
    services.step_create(partner=org, title="Plan", check=checks.PLAN_CHOSEN)
    paying = credited_account(org, kind=PartnershipKind.MANAGED, plan_type=PlanType.GOLD)
    credited_account(
        org,
        kind=PartnershipKind.MANAGED,
        plan_type=PlanType.TRIAL,
        billing_status=BillingStatus.TRIAL,
        converted_at=None,
    )
    assert tasks.onboarding_checks_sweep_task.call() == 1
    assert list(StepCompletion.objects.values_list("account_id", flat=True)) == [paying.pk]
    assert tasks.onboarding_checks_sweep_task.call() == 0


def test_a_change_queues_the_accounts_evaluation_when_it_commits(
    django_capture_on_commit_callbacks, monkeypatch
):
    org = organization_create(name="Hook Co.", deployed_on=dt.date(2025, 1, 1))
    account = credited_account(org, kind=PartnershipKind.MANAGED)
    queued = []
    fake = types.SimpleNamespace(enqueue=lambda **kwargs: queued.append(kwargs))
    monkeypatch.setattr(tasks, "onboarding_checks_task", fake)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.account_changed(account)
        assert queued == []
    assert queued == [{"partner_id": org.pk, "account_ids": [account.pk]}]
