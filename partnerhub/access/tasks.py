"""Background work of the access flow, run by the worker (``partnerhub worker``)."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def email_send(*, to: list[str], subject: str, body: str) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


@task()
def manage_requests_expire_due_task() -> int:
    from partnerhub.access.services import manage_requests_expire_due

    return len(manage_requests_expire_due())
