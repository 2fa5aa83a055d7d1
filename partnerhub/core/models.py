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


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RETRYING = "retrying", "Failed, will retry"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, gave up"


class OutgoingEmail(models.Model):
    """One notification e-mail, written with the change it tells about and sent by the worker.
    A failed send is retried with backoff; one that keeps failing stays here, with its error,
    for program staff to see and send again (admin › Outgoing e-mails)."""

    to = models.JSONField(help_text="The recipients' addresses.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=EmailStatus.values), name="outgoing_email_status"
            )
        ]

    def __str__(self) -> str:
        return self.subject


class RateCount(models.Model):
    """One window of one rate limit: how many hits it has counted and when it ends.

    A hit is one statement (``core.ratelimit``): an insert that, when the window's row is there
    already, counts one more in it, or opens a new window in its place when it has ended. Every
    server process counts in the same row, so a limit holds across them. On PostgreSQL the
    table is unlogged: a crash may forget the counts of the moment, and in return counting
    never waits for the log to reach the disk. The worker deletes windows that have ended."""

    key = models.CharField(max_length=100, primary_key=True)
    ends_ms = models.BigIntegerField(help_text="When the window ends, in ms since 1970 (UTC).")
    count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
