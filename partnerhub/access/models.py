from django.conf import settings
from django.db import models

from partnerhub.access.levels import DEFAULT_LEVEL, AccessLevel
from partnerhub.core.timefmt import format_datetime


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled by the partner"
    EXPIRED = "expired", "Expired"


# The lifecycle of a manage request: the only allowed moves. Every other status is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.PENDING: frozenset(
        {
            RequestStatus.CONFIRMED,
            RequestStatus.DECLINED,
            RequestStatus.CANCELLED,
            RequestStatus.EXPIRED,
        }
    ),
    RequestStatus.CONFIRMED: frozenset(),
    RequestStatus.DECLINED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
    RequestStatus.EXPIRED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


class ManageRequest(models.Model):
    """A partner asks the customer for full access to a referred account."""

    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="manage_requests"
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="manage_requests"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="manage_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(blank=True, max_length=1000)
    level = models.CharField(
        max_length=16, choices=AccessLevel.choices, default=DEFAULT_LEVEL, db_default="full"
    )
    # How long the grant lasts once confirmed; empty: until the customer turns it off.
    duration_days = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="pending"),
                name="one_open_manage_request_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values),
                name="manage_request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="manage_request_decided_when_final",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="mreq_status_expiry")]

    def __str__(self) -> str:
        return f"Request by {self.partner} for {self.account} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING


class ConsentRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("a consent record is never changed")

    def delete(self):
        raise TypeError("a consent record is never deleted")


class ConsentRecord(models.Model):
    """Exactly what the customer agreed to when they confirmed a request. Never changed."""

    request = models.OneToOneField(ManageRequest, on_delete=models.PROTECT, related_name="consent")
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="consents"
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_by_label = models.CharField(max_length=200)
    granted_at = models.DateTimeField()
    disclaimer_version = models.CharField(max_length=32)
    disclaimer_text = models.TextField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"Consent by {self.granted_by_label} on {format_datetime(self.granted_at)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("a consent record is never changed")
        super().save(*args, **kwargs)
