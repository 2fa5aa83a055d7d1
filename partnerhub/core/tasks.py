"""Background work shared by every app, run by the worker (``partnerhub worker``)."""

from django_tasks import default_task_backend, task


@task()
def email_deliver_task(*, email_id: int) -> str:
    from partnerhub.core.emails import email_deliver

    email = email_deliver(email_id=email_id)
    return email.status if email else "missing"


@task()
def emails_deliver_task(*, email_ids: list[int]) -> int:
    """Send the e-mails of one change that told many people at once (a bulk request), one
    after another; each keeps its own attempts and retries. Returns how many were sent."""
    from partnerhub.core.emails import email_deliver
    from partnerhub.core.models import EmailStatus

    sent = 0
    for email_id in email_ids:
        email = email_deliver(email_id=email_id)
        sent += email is not None and email.status == EmailStatus.SENT
    return sent


@task()
def emails_retry_due_task() -> int:
    from partnerhub.core.emails import emails_retry_due

    return len(emails_retry_due())


@task()
def rate_counts_sweep_task() -> int:
    """Delete the rate limits' windows that have ended."""
    from partnerhub.core.ratelimit import ended_sweep

    return ended_sweep()


@task()
def email_send(*, to: list[str], subject: str, body: str) -> str:
    """Kept for e-mails queued before ``core.emails.email_queue``: recorded, then delivered."""
    from partnerhub.core.emails import email_deliver
    from partnerhub.core.models import OutgoingEmail
    from partnerhub.core.text import email_subject

    email = OutgoingEmail.objects.create(to=to, subject=email_subject(subject), body=body)
    return email_deliver(email_id=email.pk).status


def enqueue_later(task_obj, run_after, **kwargs) -> bool:
    """Enqueue to run at ``run_after`` where the backend can defer; otherwise leave it to the
    worker's periodic sweep. Returns whether it was enqueued."""
    if not default_task_backend.supports_defer:
        return False
    task_obj.using(run_after=run_after).enqueue(**kwargs)
    return True
