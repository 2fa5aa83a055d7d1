"""Background work of moves, run by the worker (``partnerhub worker``)."""

from django_tasks import task


@task()
def moves_expire_due_task() -> int:
    from partnerhub.moves.services import moves_expire_due

    return len(moves_expire_due())
