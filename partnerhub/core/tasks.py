"""Background work shared by every app, run by the worker (``partnerhub worker``)."""

from django.core.mail import send_mail
from django_tasks import default_task_backend, task


@task()
def email_send(*, to: list[str], subject: str, body: str) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


def enqueue_later(task_obj, run_after, **kwargs) -> bool:
    """Enqueue to run at ``run_after`` where the backend can defer; otherwise leave it to the
    worker's periodic sweep. Returns whether it was enqueued."""
    if not default_task_backend.supports_defer:
        return False
    task_obj.using(run_after=run_after).enqueue(**kwargs)
    return True
