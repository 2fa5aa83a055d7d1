"""Invitations: nobody joins a partner team or becomes the owner of an account without
answering one themselves.

An invitation goes to an e-mail address as a link holding a secret token (only its hash is
stored). The person behind the address signs in (or chooses a password for a new sign-in),
reads what accepting means, and accepts or declines.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models

from partnerhub.partners.models import PartnerRole, role_label


class InvitationKind(models.TextChoices):
    TEAM = "team", "Join a partner team"
    ACCOUNT_OWNER = "account_owner", "Take ownership of an account"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


# The lifecycle of an invitation: the only allowed moves. Every other status is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    InvitationStatus.PENDING: frozenset(
        {
            InvitationStatus.ACCEPTED,
            InvitationStatus.DECLINED,
            InvitationStatus.REVOKED,
            InvitationStatus.EXPIRED,
        }
    ),
    InvitationStatus.ACCEPTED: frozenset(),
    InvitationStatus.DECLINED: frozenset(),
    InvitationStatus.REVOKED: frozenset(),
    InvitationStatus.EXPIRED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    kind = models.CharField(max_length=16, choices=InvitationKind.choices)
    # The partner whose team it is, or the partner that created the account.
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    # Team invitations: the role offered. Empty for account ownership.
    role = models.CharField(max_length=16, choices=PartnerRole.choices, blank=True)
    # Account ownership invitations: the account offered. Empty for team invitations.
    account = models.ForeignKey(
        "clients.ClientAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="owner_invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=InvitationKind.values), name="invitation_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=InvitationStatus.values),
                name="invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="team", role__in=PartnerRole.values, account__isnull=True)
                    | models.Q(kind="account_owner", role="", account__isnull=False)
                ),
                name="invitation_kind_fields",
            ),
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=models.Q(kind="team", status="pending"),
                name="invitation_one_pending_per_team_address",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(kind="account_owner", status="pending"),
                name="invitation_one_pending_per_account",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email} ({self.get_status_display()})"

    @property
    def role_label(self) -> str:
        """The offered role as the team reads it (see ``partners.models.role_label``)."""
        return role_label(self.role, self.partner.kind) if self.role else ""

    def is_open(self, now) -> bool:
        """Pending and not past its time (the sweep marks it expired a little later)."""
        return self.status == InvitationStatus.PENDING and self.expires_at > now

    def shown_status(self, now) -> str:
        if self.status == InvitationStatus.PENDING and self.expires_at <= now:
            return InvitationStatus.EXPIRED.label
        return self.get_status_display()
