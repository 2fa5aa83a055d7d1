from django_tasks import task

# Deliveries wait on partners' servers; on their own queue they never hold up e-mail.
WEBHOOK_QUEUE = "webhooks"


@task(queue_name=WEBHOOK_QUEUE)
def deliver_webhook(*, delivery_id: int) -> str:
    from partnerhub.webhooks.services import delivery_attempt

    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else "gone"


@task()
def webhooks_sweep_task() -> int:
    """Re-queue deliveries that are due but were lost (a worker restart, a crash)."""
    from partnerhub.webhooks.services import _enqueue, deliveries_due

    due = deliveries_due()
    _enqueue(due)
    return len(due)
