"""Progress, counted in the database: per account, per group and overall."""

import datetime as dt

import pytest

from partnerhub.clients.models import PartnershipKind
from partnerhub.onboarding import selectors, services
from partnerhub.organizations.services import account_group_set, group_create, organization_create
from partnerhub.tests.factories import credited_account

pytestmark = pytest.mark.django_db


def test_progress_per_account_per_group_and_overall():
    org = organization_create(name="Rollup Co.", deployed_on=dt.date(2025, 1, 1))
    north = group_create(partner=org, name="North")
    lakes = group_create(partner=org, name="Lakes", parent=north)
    south = group_create(partner=org, name="South")
    s1 = services.step_create(partner=org, title="One")
    s2 = services.step_create(partner=org, title="Two")
    gone = services.step_create(partner=org, title="Gone")
    accounts = [
        credited_account(org, kind=PartnershipKind.MANAGED, organization_name=f"Shop {i}")
        for i in range(5)
    ]
    for account, group in zip(accounts, [north, lakes, south, south, None], strict=True):
        account_group_set(partner=org, account=account, group=group)
    # Shop 0: both steps; Shop 1: one; Shop 2: both; Shop 3: none; Shop 4: one (+ the removed)
    for account, keys in zip(
        accounts,
        [[s1, s2], [s1], [s1, s2], [], [s2, gone]],
        strict=True,
    ):
        for step in keys:
            services.step_report(partner=org, account=account, key=step.key)
    services.step_remove(partner=org, step_id=gone.pk)

    rows = selectors.progress_rows(partner_id=org.pk, sort="progress")
    assert [(a.organization_name, a.done) for a in rows] == [
        ("Shop 3", 0),
        ("Shop 1", 1),
        ("Shop 4", 1),
        ("Shop 0", 2),
        ("Shop 2", 2),
    ]
    groups = selectors.rollup_by_group(partner_id=org.pk)
    assert [(g.label, g.accounts, g.done_steps, g.complete, g.percent) for g in groups] == [
        ("North", 2, 3, 1, 75),
        ("South", 2, 2, 1, 50),
        ("In no group", 1, 1, 0, 50),
    ]
    total = selectors.rollup_total(partner_id=org.pk)
    assert (total.accounts, total.done_steps, total.complete, total.percent) == (5, 6, 2, 60)
    north_only = selectors.rollup_total(partner_id=org.pk, group_id=north.pk)
    assert (north_only.accounts, north_only.done_steps, north_only.complete) == (2, 3, 1)
    states = selectors.account_checklist(partner_id=org.pk, account_id=accounts[1].pk)
    assert [(s.title, s.done) for s in states] == [("One", True), ("Two", False)]
