"""Cancellations for a later day: scheduled, shown on both sides' account pages with who asked
and when, withdrawn by those who may, carried out by the worker on the day."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.utils import timezone

from partnerhub.audit.models import AuditEvent
from partnerhub.billing.models import BillingEvent
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import PermissionDenied
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory, UserFactory
from partnerhub.v3 import cancellations
from partnerhub.v3.models import CancellationStatus, ScheduledCancellation

LATER = dt.timedelta(days=10)


def _cancel(client, cast, account, **body):
    return client.put(
        f"/v3/partner/accounts/{account.encoded_account_id}/status/cancel",
        data=json.dumps(body),
        content_type="application/json",
        headers=cast.owner.headers,
    )


@pytest.fixture
def scheduled(client, cast):
    when = (timezone.now() + LATER).replace(microsecond=0)
    response = _cancel(client, cast, cast.paying, effective_date=when.isoformat(), reason_id=30)
    assert response.status_code == 200, response.content
    return ScheduledCancellation.objects.get(account=cast.paying)


def test_a_later_day_schedules_and_changes_nothing_yet(cast, scheduled):
    assert scheduled.status == CancellationStatus.SCHEDULED
    assert (scheduled.requested_by, scheduled.client) == (
        cast.owner.member.user,
        cast.owner.client,
    )
    assert scheduled.reason == "Dissatisfied with billing policies"
    assert scheduled.billing_reason == "reason_id 30: Dissatisfied with billing policies"
    assert ClientAccount.objects.get(pk=cast.paying.pk).billing_status == "Open"
    assert not BillingEvent.objects.exists()
    [event] = AuditEvent.objects.filter(action="account.cancellation_scheduled")
    assert event.account_id == cast.paying.pk


def test_a_second_schedule_is_refused(client, cast, scheduled):
    later = (timezone.now() + 2 * LATER).isoformat()
    response = _cancel(client, cast, cast.paying, effective_date=later)
    assert response.status_code == 400
    assert response.json()[0]["error_key"] == "partner.api.cancellation_already_scheduled"
    assert ScheduledCancellation.objects.count() == 1


def test_cancelling_now_withdraws_the_scheduled_one(client, cast, scheduled):
    assert _cancel(client, cast, cast.paying).status_code == 200
    scheduled.refresh_from_db()
    assert scheduled.status == CancellationStatus.WITHDRAWN
    assert ClientAccount.objects.get(pk=cast.paying.pk).billing_status == "Canceled"
    # The worker later finds nothing to do
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * LATER):
        assert cancellations.cancellations_due() == []
    assert BillingEvent.objects.filter(account=cast.paying).count() == 1


def test_a_withdrawn_cancellation_is_never_carried_out(cast, scheduled):
    cancellations.cancellation_withdraw(actor=cast.owner.member.user, cancellation_id=scheduled.pk)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * LATER):
        assert cancellations.cancellations_due() == []
    assert ClientAccount.objects.get(pk=cast.paying.pk).billing_status == "Open"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("partner_owner", True),
        ("partner_admin", True),
        ("partner_member", False),
        ("account_owner", True),
        ("other_partner", False),
        ("another_customer", False),
    ],
)
def test_who_may_withdraw(cast, scheduled, who, allowed):
    partner = cast.owner.client.partner
    actor = {
        "partner_owner": lambda: cast.owner.member.user,
        "partner_admin": lambda: MemberFactory(partner=partner, role=PartnerRole.ADMIN).user,
        "partner_member": lambda: MemberFactory(partner=partner, role=PartnerRole.MEMBER).user,
        "account_owner": lambda: cast.paying.owner,
        "other_partner": lambda: cast.other.member.user,
        "another_customer": lambda: UserFactory(),
    }[who]()
    if allowed:
        cancellations.cancellation_withdraw(actor=actor, cancellation_id=scheduled.pk)
        scheduled.refresh_from_db()
        assert (scheduled.status, scheduled.closed_by) == (CancellationStatus.WITHDRAWN, actor)
        assert AuditEvent.objects.filter(action="account.cancellation_withdrawn").count() == 1
    else:
        with pytest.raises(PermissionDenied):
            cancellations.cancellation_withdraw(actor=actor, cancellation_id=scheduled.pk)
        scheduled.refresh_from_db()
        assert scheduled.status == CancellationStatus.SCHEDULED
        assert not AuditEvent.objects.filter(action="account.cancellation_withdrawn").exists()


# --- the pages --------------------------------------------------------------------------------


def test_the_partners_account_page_shows_it_and_withdraws_it(client, cast, scheduled):
    client.force_login(cast.owner.member.user)
    url = f"/portal/accounts/{cast.paying.encoded_account_id}/"
    page = client.get(url).content.decode()
    assert "Cancellation scheduled" in page
    assert "Asked by" in page and cast.owner.client.name in page
    assert "Dissatisfied with billing policies" in page
    assert "Withdraw cancellation" in page

    response = client.post(f"{url}cancellation/withdraw/", follow=True)
    assert "Cancellation withdrawn: the account stays open." in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.status == CancellationStatus.WITHDRAWN
    after = client.get(url).content.decode()
    assert 'id="scheduled-cancellation"' not in after
    assert "Scheduled cancellation withdrawn" in after  # on the timeline


def test_a_member_sees_it_but_cannot_withdraw(client, cast, scheduled):
    member = MemberFactory(partner=cast.owner.client.partner, role=PartnerRole.MEMBER)
    client.force_login(member.user)
    url = f"/portal/accounts/{cast.paying.encoded_account_id}/"
    page = client.get(url).content.decode()
    assert "Cancellation scheduled" in page and "Withdraw cancellation" not in page
    client.post(f"{url}cancellation/withdraw/")
    scheduled.refresh_from_db()
    assert scheduled.status == CancellationStatus.SCHEDULED


def test_the_customers_page_shows_it_and_the_owner_withdraws_it(client, cast, scheduled):
    client.force_login(cast.paying.owner)
    url = f"/account/{cast.paying.encoded_account_id}/"
    page = client.get(url).content.decode()
    assert "This account will be cancelled on" in page
    assert cast.owner.client.partner.name in page
    response = client.post(f"{url}cancellation/withdraw/", follow=True)
    assert "Cancellation withdrawn: your account stays open." in response.content.decode()
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.closed_by) == (
        CancellationStatus.WITHDRAWN,
        cast.paying.owner,
    )


def test_another_customer_cannot_reach_it(client, cast, scheduled):
    client.force_login(cast.trial.owner)
    url = f"/account/{cast.paying.encoded_account_id}/"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}cancellation/withdraw/").status_code == 404
    scheduled.refresh_from_db()
    assert scheduled.status == CancellationStatus.SCHEDULED


def test_the_scheduled_cancellation_is_on_the_customers_timeline(client, cast, scheduled):
    client.force_login(cast.paying.owner)
    page = client.get(f"/account/{cast.paying.encoded_account_id}/settings/billing/")
    assert "Cancellation scheduled by the partner" in page.content.decode()


def test_on_the_day_the_worker_cancels_as_billing_data_with_its_reason(cast, scheduled):
    with mock.patch("django.utils.timezone.now", return_value=scheduled.effective_at):
        [done] = cancellations.cancellations_due()
    assert done.pk == scheduled.pk
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.closed_at) == (
        CancellationStatus.CARRIED_OUT,
        scheduled.effective_at,
    )
    event = BillingEvent.objects.get(account=cast.paying)
    assert (event.kind, event.occurred_at) == ("cancellation", scheduled.effective_at)
    assert event.payload["reason"] == "reason_id 30: Dissatisfied with billing policies"
    assert ClientAccount.objects.get(pk=cast.paying.pk).billing_status == "Canceled"
    # A second sweep finds nothing left to do
    with mock.patch("django.utils.timezone.now", return_value=scheduled.effective_at):
        assert cancellations.cancellations_due() == []
