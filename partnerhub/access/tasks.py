"""Background work of the access flow, run by the worker (``partnerhub worker``)."""

from django_tasks import task


@task()
def manage_requests_expire_due_task() -> int:
    from partnerhub.access.services import manage_requests_expire_due, manage_requests_warn_expiring

    manage_requests_warn_expiring()
    return len(manage_requests_expire_due())


@task()
def grants_sweep_task() -> int:
    """Warn of grants that end soon, then end (or renew) those past their end date."""
    from partnerhub.access.services import grants_expire_due, grants_warn_expiring

    grants_warn_expiring()
    return len(grants_expire_due())
