"""Background work of the access flow, run by the worker (``partnerhub worker``)."""

from django_tasks import task


@task()
def manage_requests_expire_due_task() -> int:
    from partnerhub.access.services import manage_requests_expire_due, manage_requests_warn_expiring

    manage_requests_warn_expiring()
    return len(manage_requests_expire_due())
