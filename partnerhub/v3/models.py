import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from partnerhub.core.timefmt import format_datetime


class V3Client(models.Model):
    """Credentials of one integration written against the public V3 partner API.

    A client id and secret (HTTP Basic at the token endpoint) and an ``x-api-key`` sent with
    every call. Only hashes of the secret and of the API key are stored; both are shown once,
    when the credentials are created. The client acts as the owner or admin who created it and
    stops working if they leave the team or stop being an owner or admin.
    """

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="v3_clients"
    )
    name = models.CharField(max_length=100)
    client_id = models.CharField(max_length=64, unique=True)
    client_secret_hash = models.CharField(max_length=64)
    api_key_prefix = models.CharField(max_length=16, help_text="The start of the x-api-key.")
    api_key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "V3 API client"

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class V3AccessToken(models.Model):
    """A bearer token from the client-credentials token endpoint; valid for one hour."""

    client = models.ForeignKey(V3Client, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "expires_at"], name="v3token_client_expiry")]

    def __str__(self) -> str:
        return f"Token of {self.client_id} until {format_datetime(self.expires_at)}"


def new_provision_uuid() -> uuid.UUID:
    return uuid.uuid4()


class V3AccountProfile(models.Model):
    """What the V3 surface knows about a client account and ``ClientAccount`` does not hold.

    Written when an account is created through ``POST /v3/partner/accounts``; for accounts that
    came another way it is created the first time the V3 surface needs to store something
    (the billing day when a trial converts).
    """

    account = models.OneToOneField(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="v3_profile"
    )
    provision_uuid = models.UUIDField(unique=True, default=new_provision_uuid, editable=False)
    created_by_client = models.ForeignKey(
        V3Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    country_code = models.CharField(max_length=2, blank=True)
    state_code = models.CharField(max_length=3, blank=True)
    phone = models.CharField(max_length=25, blank=True)
    website = models.CharField(max_length=255, blank=True)
    billing_locale = models.CharField(max_length=5, blank=True)
    partner_account_id = models.CharField(max_length=80, blank=True)
    billing_day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "V3 account profile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(billing_day_of_month__isnull=True)
                | models.Q(billing_day_of_month__gte=1, billing_day_of_month__lte=31),
                name="v3profile_billing_day_range",
            ),
            models.CheckConstraint(
                condition=models.Q(billing_locale__in=["", "en_US", "en_GB"]),
                name="v3profile_billing_locale_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"V3 profile of account {self.account_id}"


class V3Subscription(models.Model):
    """Which credentials subscribed a V3 topic: the ``api_key`` a V3 notification names is
    that client's id. The subscription itself is the ``WebhookEndpoint``."""

    endpoint = models.OneToOneField(
        "webhooks.WebhookEndpoint", on_delete=models.CASCADE, related_name="v3_subscription"
    )
    client = models.ForeignKey(V3Client, on_delete=models.CASCADE, related_name="subscriptions")

    def __str__(self) -> str:
        return f"V3 topic {self.endpoint.v3_topic} of {self.client}"


class CancellationStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CARRIED_OUT = "carried_out", "Carried out"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The lifecycle of a scheduled cancellation; carried out and withdrawn are final.
CANCELLATION_TRANSITIONS: dict[str, frozenset[str]] = {
    CancellationStatus.SCHEDULED: frozenset(
        {CancellationStatus.CARRIED_OUT, CancellationStatus.WITHDRAWN}
    ),
    CancellationStatus.CARRIED_OUT: frozenset(),
    CancellationStatus.WITHDRAWN: frozenset(),
}


class ScheduledCancellation(models.Model):
    """A cancellation asked for a later day through ``PUT .../status/cancel``; the worker
    carries it out when ``effective_at`` comes, unless it was withdrawn before."""

    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="scheduled_cancellations"
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(
        V3Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    effective_at = models.DateTimeField()
    reason_id = models.IntegerField(null=True, blank=True)
    reason = models.CharField(max_length=100, blank=True, help_text="What people read.")
    billing_reason = models.CharField(
        max_length=120, blank=True, help_text="What billing records when it is carried out."
    )
    status = models.CharField(
        max_length=12, choices=CancellationStatus.choices, default=CancellationStatus.SCHEDULED
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CancellationStatus.values),
                name="v3cancel_status_valid",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="scheduled"),
                name="v3cancel_one_scheduled_per_account",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_at"], name="v3cancel_due")]

    def __str__(self) -> str:
        return f"Cancellation of account {self.account_id} on {format_datetime(self.effective_at)}"


class AccountUserRole(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    CAMPAIGN_CREATOR = "campaign_creator", "Campaign creator"


class AccountUser(models.Model):
    """A user of a client account besides its owner, made by the partner through
    ``POST .../users/sso``. They see the account's customer pages; the owner alone answers
    for who may operate the account."""

    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="account_users"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_roles"
    )
    role = models.CharField(max_length=20, choices=AccountUserRole.choices)
    login_name = models.CharField(max_length=50, unique=True)
    external_id = models.CharField(max_length=255)
    external_provider = models.CharField(max_length=80)
    created_by_client = models.ForeignKey(
        V3Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="v3user_one_per_account"),
            models.UniqueConstraint(
                fields=["external_provider", "external_id"], name="v3user_external_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=AccountUserRole.values), name="v3user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on account {self.account_id}"
