"""Bringing an account into a partnership: a partner asks the account's owner to move it in
(referred, or managed at a level), and the owner confirms or declines. A customer may also ask
for a request code before any partner's request or move reaches them."""

from django.conf import settings
from django.db import models

from partnerhub.access.levels import AccessLevel
from partnerhub.access.models import AppendOnlyConsent
from partnerhub.clients.models import PartnershipKind
from partnerhub.core.timefmt import format_datetime


class MoveStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the owner"
    CONFIRMED = "confirmed", "Confirmed: moved in"
    DECLINED = "declined", "Declined by the owner"
    CANCELLED = "cancelled", "Cancelled by the partner"
    EXPIRED = "expired", "Expired unanswered"


# The lifecycle of a move: the only allowed transitions. Every other status is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    MoveStatus.PENDING: frozenset(
        {MoveStatus.CONFIRMED, MoveStatus.DECLINED, MoveStatus.CANCELLED, MoveStatus.EXPIRED}
    ),
    MoveStatus.CONFIRMED: frozenset(),
    MoveStatus.DECLINED: frozenset(),
    MoveStatus.CANCELLED: frozenset(),
    MoveStatus.EXPIRED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


class MoveRequest(models.Model):
    """A partner asks the owner of an existing account to move it into its partnership."""

    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="move_requests"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="move_requests"
    )
    # The partnership the account was in when the partner asked; empty if it was in none.
    from_partnership = models.ForeignKey(
        "partnerships.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_out",
    )
    # The partnership the confirmed move started.
    to_partnership = models.ForeignKey(
        "partnerships.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_in",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=PartnershipKind.choices)
    # The access a managed move asks for; empty for a referred move.
    level = models.CharField(max_length=16, choices=AccessLevel.choices, blank=True, default="")
    status = models.CharField(max_length=16, choices=MoveStatus.choices, default=MoveStatus.PENDING)
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
                name="one_open_move_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MoveStatus.values), name="move_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="referred", level="")
                | models.Q(kind="managed", level__in=AccessLevel.values),
                name="move_level_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="move_decided_when_final",
            ),
            models.CheckConstraint(
                condition=models.Q(status="confirmed", to_partnership__isnull=False)
                | (~models.Q(status="confirmed") & models.Q(to_partnership__isnull=True)),
                name="move_partnership_when_confirmed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="move_status_expiry"),
            models.Index(fields=["partner", "created_at"], name="move_partner_created"),
        ]

    def __str__(self) -> str:
        return f"Move of {self.account} to {self.partner} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == MoveStatus.PENDING

    @property
    def is_managed(self) -> bool:
        return self.kind == PartnershipKind.MANAGED


class MoveConsent(AppendOnlyConsent):
    """Exactly what the owner agreed to when they confirmed a move. Never changed."""

    move = models.OneToOneField(MoveRequest, on_delete=models.PROTECT, related_name="consent")
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="move_consents"
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_by_label = models.CharField(max_length=200)
    granted_at = models.DateTimeField()
    text_version = models.CharField(max_length=64)
    text = models.TextField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"Move consent by {self.granted_by_label} on {format_datetime(self.granted_at)}"


class RequestCode(models.Model):
    """While an account has one, a partner's request or move reaches its owner only with this
    code. The owner shows it to the partners they trust, and may regenerate or remove it."""

    account = models.OneToOneField(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="request_code"
    )
    code = models.CharField(max_length=32)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Request code of {self.account}"
