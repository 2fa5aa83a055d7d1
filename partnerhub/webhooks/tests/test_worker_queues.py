"""Webhook deliveries run on their own queue: while a receiver holds a delivery, the worker
still sends e-mail at once."""

import time

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from partnerhub.core.management.commands.worker import QueueWorkers
from partnerhub.core.tasks import email_send
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory
from partnerhub.webhooks.models import DeliveryStatus, WebhookDelivery
from partnerhub.webhooks.services import endpoint_create, event_emit
from partnerhub.webhooks.tasks import WEBHOOK_QUEUE, deliver_webhook
from partnerhub.webhooks.tests.hostile_receivers import HostileReceiver, trickling_body

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}
}


def _wait_for(condition, seconds: float) -> float:
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(0.02)
    return time.monotonic() - started


def test_the_webhook_task_is_on_its_own_queue():
    assert (deliver_webhook.queue_name, email_send.queue_name) == (WEBHOOK_QUEUE, "default")


@pytest.mark.django_db(transaction=True)
def test_an_email_is_sent_while_a_slow_receiver_holds_a_delivery(settings):
    # Given tasks queued in the database, a 3 s deadline, and a receiver that trickles for ever
    settings.TASKS = DATABASE_TASKS
    settings.PARTNERHUB_WEBHOOKS_DEADLINE_SECONDS = 3
    owner = MemberFactory(role=PartnerRole.OWNER)
    slow = HostileReceiver(trickling_body(0.5)).start()
    workers = QueueWorkers({"default": 1, "webhooks": 1}, interval=0.05)
    try:
        endpoint_create(actor=owner.user, url=slow.url, event_types=[])
        with transaction.atomic():
            event_emit(partner_id=owner.partner_id, event_type="plan.changed", data={"n": 1})
        workers.start()
        # When the delivery is in the receiver's hands and an e-mail is queued
        assert slow.connected.wait(5)
        email_send.enqueue(to=["cora@client.test"], subject="Hello", body="Hi Cora")

        # Then the e-mail goes out at once, while the delivery is still waiting on the receiver
        took = _wait_for(lambda: len(mail.outbox) == 1, 5)
        assert took < 1.5
        delivering = DBTaskResult.objects.get(queue_name="webhooks")
        assert delivering.status == "RUNNING"
        assert [m.subject for m in mail.outbox] == ["Hello"]

        # And the delivery ends at its deadline, to be retried
        _wait_for(lambda: DBTaskResult.objects.get(pk=delivering.pk).status == "SUCCESSFUL", 6)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.RETRYING
        assert delivery.attempt_log.get().error == "no complete answer within 3 s"
    finally:
        workers.stop()
        slow.stop()
        workers.join(10)
    assert not workers.alive()
