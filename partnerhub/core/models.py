from django.db import models


class NamedLock(models.Model):
    """One row per kind of work that must not run twice at once (the monthly close, an import).

    A run locks its row for the length of its transaction (see ``locks.lock_named``); a run that
    is killed loses the lock with its connection, so nothing is left to clean up.
    """

    name = models.CharField(max_length=64, primary_key=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
