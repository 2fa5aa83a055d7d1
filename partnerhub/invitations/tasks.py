"""Background work of invitations, run by the worker (``partnerhub worker``)."""

from django_tasks import task


@task()
def invitations_expire_due_task() -> int:
    from partnerhub.invitations.services import invitations_expire_due

    return len(invitations_expire_due())
