"""Background work of the V3 surface, run by the worker (``partnerhub worker``)."""

from django_tasks import task


@task()
def cancellations_due_task() -> int:
    from partnerhub.v3.cancellations import cancellations_due

    return len(cancellations_due())
