import datetime as dt

from django.conf import settings
from django.db import models

from partnerhub.access.levels import DEFAULT_LEVEL, AccessLevel
from partnerhub.core.timefmt import format_datetime


class RequestKind(models.TextChoices):
    ACCESS = "access", "Permission to manage"
    EXTENSION = "extension", "Extension of access"


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
    """A partner asks the customer for access to a referred account at a level, or (kind
    ``extension``) for a time-bound grant it holds to last longer. One open request per account,
    whatever its kind."""

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
    kind = models.CharField(
        max_length=16, choices=RequestKind.choices, default=RequestKind.ACCESS, db_default="access"
    )
    # The grant an extension request would lengthen; empty for a request of access.
    grant = models.ForeignKey(
        "access.Grant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extension_requests",
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
                condition=models.Q(kind="access", grant__isnull=True)
                | models.Q(kind="extension", grant__isnull=False),
                name="manage_request_extension_names_grant",
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

    @property
    def is_extension(self) -> bool:
        return self.kind == RequestKind.EXTENSION


class GrantStatus(models.TextChoices):
    ACTIVE = "active", "In force"
    EXPIRED = "expired", "Ended at its end date"
    REVOKED = "revoked", "Turned off by the customer"


class GrantChange(models.TextChoices):
    """What may happen to a grant. ``LEVEL``, ``EXTEND`` and ``RENEW`` keep it in force."""

    LEVEL = "level", "Level changed"
    EXTEND = "extend", "Extended by the customer"
    RENEW = "renew", "Renewed automatically"
    EXPIRE = "expire", "Ended at its end date"
    REVOKE = "revoke", "Turned off"


# The lifecycle of a grant: which changes each status allows. Ended grants never change.
GRANT_TRANSITIONS: dict[str, frozenset[str]] = {
    GrantStatus.ACTIVE: frozenset(GrantChange),
    GrantStatus.EXPIRED: frozenset(),
    GrantStatus.REVOKED: frozenset(),
}


def grant_change_allowed(
    *,
    status: str,
    change: str,
    ends_at: dt.datetime | None = None,
    auto_renew: bool = False,
    now: dt.datetime | None = None,
) -> bool:
    """Whether ``change`` may happen to a grant in ``status`` that ends at ``ends_at``
    (``None``: until the customer turns it off). Extending, renewing and expiring need an end
    date; renewing needs the customer's auto-renewal, expiring its absence; both need the end
    date reached (``now``)."""
    if change not in GRANT_TRANSITIONS[status]:
        return False
    if change in (GrantChange.EXTEND, GrantChange.RENEW, GrantChange.EXPIRE) and ends_at is None:
        return False
    if change in (GrantChange.RENEW, GrantChange.EXPIRE):
        if now is None or ends_at > now:
            return False
        return auto_renew if change == GrantChange.RENEW else not auto_renew
    return True


class Grant(models.Model):
    """Access a customer granted to a partner: from a confirmed request until it ends (at its
    end date, or when the customer turns it off). ``asked_level`` is the most the customer may
    raise it to; ``duration_days`` (empty: until turned off) is what an extension adds."""

    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="grants"
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="grants"
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    request = models.OneToOneField(
        ManageRequest, on_delete=models.PROTECT, related_name="granted", null=True, blank=True
    )
    asked_level = models.CharField(max_length=16, choices=AccessLevel.choices)
    level = models.CharField(max_length=16, choices=AccessLevel.choices)
    duration_days = models.PositiveSmallIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    auto_renew = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=GrantStatus.choices, default=GrantStatus.ACTIVE
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"],
                condition=models.Q(status="active"),
                name="one_active_grant_per_partnership",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=GrantStatus.values), name="grant_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", ended_at__isnull=True)
                | (~models.Q(status="active") & models.Q(ended_at__isnull=False)),
                name="grant_ended_when_final",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_days__isnull=True, ends_at__isnull=True)
                | models.Q(duration_days__isnull=False, ends_at__isnull=False),
                name="grant_end_date_with_duration",
            ),
            models.CheckConstraint(
                condition=~models.Q(auto_renew=True, duration_days__isnull=True),
                name="grant_renews_only_with_duration",
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="grant_status_end")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} for {self.partner} on {self.account}"

    @property
    def is_active(self) -> bool:
        return self.status == GrantStatus.ACTIVE


class GrantWarning(models.Model):
    """A warning sent to both sides that a grant ends in ``days_before`` days. One per grant,
    end date and number of days: an extension moves the end date and the warnings start over."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="warnings")
    ends_at = models.DateTimeField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "ends_at", "days_before"], name="one_warning_per_grant_end_days"
            )
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day warning for grant {self.grant_id}"


class ConsentRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("a consent record is never changed")

    def delete(self):
        raise TypeError("a consent record is never deleted")


class AppendOnlyConsent(models.Model):
    """What every record of a customer's consent shares: written once, never changed or
    deleted (one row, or a queryset)."""

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("a consent record is never changed")
        super().save(*args, **kwargs)


class ConsentReason(models.TextChoices):
    GRANTED = "granted", "Granted access"
    LEVEL_CHANGED = "level_changed", "Changed the level"
    EXTENDED = "extended", "Extended access"


class ConsentRecord(AppendOnlyConsent):
    """Exactly what the customer agreed to when they granted access, changed its level or
    extended it: one grant has one record per such decision. Never changed."""

    # The request the customer answered; empty for a level change of access that was granted
    # outside PartnerHub's requests (imported as managed).
    request = models.ForeignKey(
        ManageRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    grant = models.ForeignKey(
        Grant, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    reason = models.CharField(
        max_length=16,
        choices=ConsentReason.choices,
        default=ConsentReason.GRANTED,
        db_default="granted",
    )
    # The level agreed to; every record from before levels existed granted full access.
    level = models.CharField(
        max_length=16, choices=AccessLevel.choices, default=DEFAULT_LEVEL, db_default="full"
    )
    ends_at = models.DateTimeField(null=True, blank=True)
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

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"Consent by {self.granted_by_label} on {format_datetime(self.granted_at)}"
