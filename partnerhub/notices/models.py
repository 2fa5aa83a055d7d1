from django.conf import settings
from django.db import models


class NoticeKind(models.TextChoices):
    """What happened that concerns the person. E-mails about the same events stay as they are;
    a notice is the in-product copy behind the bell."""

    REQUEST_RECEIVED = "request_received", "A partner asks for access"
    REQUEST_CANCELLED = "request_cancelled", "A partner withdrew its request"
    REQUEST_EXPIRING = "request_expiring", "A request expires soon"
    REQUEST_CONFIRMED = "request_confirmed", "Request confirmed"
    REQUEST_DECLINED = "request_declined", "Request declined"
    REQUEST_EXPIRED = "request_expired", "Request expired"
    ACCESS_REVOKED = "access_revoked", "Access turned off"
    ACCESS_LEVEL_CHANGED = "access_level_changed", "Access level changed"
    ACCESS_EXPIRING = "access_expiring", "Access ends soon"
    ACCESS_EXPIRED = "access_expired", "Access ended"
    ACCESS_EXTENDED = "access_extended", "Access extended"
    ENDPOINT_DISABLED = "endpoint_disabled", "Webhook endpoint disabled"
    MONTH_CLOSED = "month_closed", "Month closed"
    PAYOUT_PAID = "payout_paid", "Payout paid"
    ACCOUNTS_ASSIGNED = "accounts_assigned", "Accounts assigned to you"


class Notice(models.Model):
    """One thing one person is told, with a link to the thing. Only its reader marks it read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, help_text="Where the thing is, a path in the product.")
    # What the notice is about ("request:12:confirmed"): one notice per person and event.
    source_key = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source_key"], name="one_notice_per_event"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notice_inbox")]

    def __str__(self) -> str:
        return f"{self.title} (to {self.user_id})"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
