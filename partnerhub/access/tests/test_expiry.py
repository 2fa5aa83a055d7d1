"""Unanswered requests expire: by the sweep the worker runs, after MANAGE_REQUEST_EXPIRY_DAYS."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.access.services import (
    manage_request_confirm,
    manage_request_decline,
    manage_request_expire,
    manage_requests_expire_due,
)
from partnerhub.audit.models import AuditEvent
from partnerhub.core.management.commands.worker import enqueue_periodic_tasks
from partnerhub.tests.snapshots import access_state, own_state
from partnerhub.tests.world import build_world, request_for

PARTNER_TEAM = ["adam@brightwave.test", "max@brightwave.test", "olga@brightwave.test"]
CUSTOMER = ["bluebakery@client.test"]
DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}
}
EXPIRY_SWEEP = "partnerhub.access.tasks.manage_requests_expire_due_task"


def test_requests_expire_after_30_days_by_default():
    assert django_settings.MANAGE_REQUEST_EXPIRY_DAYS == 30


def test_a_request_is_not_due_a_second_before_its_time(world):
    request = request_for(world)
    before = access_state(world.account)

    expired = manage_requests_expire_due(now=request.created_at + dt.timedelta(days=30, seconds=-1))

    assert expired == []
    assert access_state(world.account) == before


def test_a_request_expires_when_its_time_comes(world, django_capture_on_commit_callbacks):
    # given a pending request made 30 days ago
    request = request_for(world)
    due = request.created_at + dt.timedelta(days=30)
    mail.outbox.clear()

    # when the sweep runs at that moment
    with django_capture_on_commit_callbacks(execute=True):
        expired = manage_requests_expire_due(now=due)

    # then the request is expired by no one, at that moment
    assert [r.pk for r in expired] == [request.pk]
    request.refresh_from_db()
    assert (request.status, request.decided_at, request.decided_by) == (
        RequestStatus.EXPIRED,
        due,
        None,
    )
    world.account.refresh_from_db()
    assert world.account.partnership_kind == "referred"
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.actor_label, event.at) == (
        "access.request_expired",
        None,
        "PartnerHub",
        due,
    )
    assert (event.before, event.after) == ({"status": "pending"}, {"status": "expired"})
    # and both sides are told
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (PARTNER_TEAM, "Your request to manage Blue Bakery expired"),
        (CUSTOMER, "The request from Brightwave Agency expired"),
    ]
    assert "You can ask again from My accounts." in mail.outbox[0].body
    assert "Nothing changed in your account." in mail.outbox[1].body


def test_a_shorter_period_from_settings_expires_requests_sooner(world, settings):
    settings.MANAGE_REQUEST_EXPIRY_DAYS = 7
    request = request_for(world)

    expired = manage_requests_expire_due(now=request.created_at + dt.timedelta(days=7))

    assert [r.pk for r in expired] == [request.pk]


def test_expiring_twice_changes_nothing_the_second_time(world, django_capture_on_commit_callbacks):
    request = request_for(world)
    due = request.created_at + dt.timedelta(days=31)
    manage_requests_expire_due(now=due)
    before = access_state(world.account)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = manage_requests_expire_due(now=due + dt.timedelta(days=1))
        one = manage_request_expire(request_id=request.pk, now=due + dt.timedelta(days=1))

    assert (again, one) == ([], None)
    assert access_state(world.account) == before
    assert ManageRequest.objects.get(pk=request.pk).decided_at == due
    assert mail.outbox == []


def test_answered_requests_never_expire(world):
    # given a confirmed request and a declined one, both long past their expiry time
    confirmed = request_for(world)
    manage_request_confirm(
        actor=world.customer,
        request_id=confirmed.pk,
        ip_address=None,
        user_agent="",
        disclaimer_version=DISCLAIMER.version,
    )
    declined = request_for(world, account=world.other_account, by=world.other_owner)
    manage_request_decline(actor=world.other_customer, request_id=declined.pk)
    before = (access_state(world.account), access_state(world.other_account))

    expired = manage_requests_expire_due(now=timezone.now() + dt.timedelta(days=365))

    assert expired == []
    assert (access_state(world.account), access_state(world.other_account)) == before


def test_the_sweep_expires_only_the_requests_that_are_due(world):
    # given an old request for Blue Bakery and a fresh one for Red Rocket
    old = request_for(world)
    ManageRequest.objects.filter(pk=old.pk).update(
        created_at=old.created_at - dt.timedelta(days=31),
        expires_at=old.expires_at - dt.timedelta(days=31),
    )
    fresh = request_for(world, account=world.other_account, by=world.other_owner)

    expired = manage_requests_expire_due()

    assert [r.pk for r in expired] == [old.pk]
    assert ManageRequest.objects.get(pk=fresh.pk).status == RequestStatus.PENDING


# --- The worker ------------------------------------------------------------------------------
# The worker drains the database task queue, so these tests use the database backend, and
# real transactions (the worker commits, and closes its connection between tasks). Only the
# expiry sweep is scheduled, so that other sweeps do not blur what is checked here.


def queue_for_the_worker(settings) -> None:
    """From here on, tasks wait in the database queue until the worker runs them."""
    settings.TASKS = DATABASE_TASKS
    settings.PARTNERHUB_PERIODIC_TASKS = [EXPIRY_SWEEP]


def _overdue_request(world) -> ManageRequest:
    request = request_for(world)
    ManageRequest.objects.filter(pk=request.pk).update(
        created_at=request.created_at - dt.timedelta(days=31),
        expires_at=request.expires_at - dt.timedelta(days=31),
    )
    return ManageRequest.objects.get(pk=request.pk)


@pytest.mark.django_db(transaction=True)
def test_the_worker_expires_what_is_due_tells_both_sides_and_does_it_once(settings):
    # given a request for Blue Bakery made 31 days ago, never answered, and a fresh request
    # for Red Rocket
    world = build_world()
    overdue = _overdue_request(world)
    fresh = request_for(world, account=world.other_account, by=world.other_owner)
    queue_for_the_worker(settings)
    untouched = own_state(world.other_account)
    mail.outbox.clear()

    # when the worker runs what is due
    call_command("worker", batch=True, verbosity=0)

    # then the overdue request expired, and each side got its e-mail through the task queue
    assert ManageRequest.objects.get(pk=overdue.pk).status == RequestStatus.EXPIRED
    assert sorted((m.to, m.subject) for m in mail.outbox) == [
        (PARTNER_TEAM, "Your request to manage Blue Bakery expired"),
        (CUSTOMER, "The request from Brightwave Agency expired"),
    ]
    assert sorted(
        (path.rsplit(".", 1)[1], status)
        for path, status in DBTaskResult.objects.values_list("task_path", "status")
    ) == [
        ("email_deliver_task", "SUCCESSFUL"),
        ("email_deliver_task", "SUCCESSFUL"),
        ("manage_requests_expire_due_task", "SUCCESSFUL"),
    ]
    # and the request that is not due is left alone
    assert ManageRequest.objects.get(pk=fresh.pk).status == RequestStatus.PENDING
    assert own_state(world.other_account) == untouched

    # when the worker runs again
    after_first_run = access_state(world.account)
    mail.outbox.clear()
    call_command("worker", batch=True, verbosity=0)

    # then nothing more happens
    assert access_state(world.account) == after_first_run
    assert own_state(world.other_account) == untouched
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="access.request_expired").count() == 1


def test_a_sweep_is_not_queued_twice_while_one_is_waiting(db, settings):
    queue_for_the_worker(settings)

    first = enqueue_periodic_tasks()
    second = enqueue_periodic_tasks()

    assert first == [EXPIRY_SWEEP]
    assert second == []
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [
        (EXPIRY_SWEEP, "READY")
    ]
