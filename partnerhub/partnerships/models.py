from django.conf import settings
from django.db import models

from partnerhub.access.levels import AccessLevel
from partnerhub.clients.models import PartnershipKind
from partnerhub.core.timefmt import format_datetime


class PartnershipSource(models.TextChoices):
    INVITE_LINK = "invite_link", "Signed up through the invite link"
    APPROVED_MOVE = "approved_move", "Move approved by the customer"
    CREATED_BY_PARTNER = "created_by_partner", "Created by the partner"
    ORGANIZATION_CHILD = "organization_child", "Created by the organization as one of its accounts"


class Partnership(models.Model):
    """A client account credited to a partner, from the day it moved under the partnership.

    An account belongs to at most one partnership at a time (``ended_at`` is empty while it
    lasts). The kind (referred or managed) changes over time; every change is a
    ``PartnershipKindChange`` row, which the earnings rules read.
    """

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="partnerships"
    )
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="partnerships"
    )
    kind = models.CharField(max_length=8, choices=PartnershipKind.choices)
    moved_on = models.DateField(help_text="The day the account moved under the partnership.")
    source = models.CharField(max_length=24, choices=PartnershipSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # What the customer granted while the partnership is managed; empty while referred.
    access_level = models.CharField(
        max_length=16, choices=AccessLevel.choices, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["-moved_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_partnership_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PartnershipKind.values), name="partnership_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=PartnershipSource.values),
                name="partnership_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} in {self.partner} ({self.get_kind_display()})"


class KindChangeCause(models.TextChoices):
    CREDITED = "credited", "Moved under the partnership"
    ACCESS_CONFIRMED = "access_confirmed", "Customer granted access"
    ACCESS_REVOKED = "access_revoked", "Customer took access back"
    ACCESS_EXPIRED = "access_expired", "Access ended at its end date"
    IMPORTED = "imported", "Imported from billing records"


class PartnershipKindChange(models.Model):
    """From ``effective_at`` on, the partnership was of ``kind``. Append-only."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="kind_changes"
    )
    kind = models.CharField(max_length=8, choices=PartnershipKind.choices)
    effective_at = models.DateTimeField()
    cause = models.CharField(max_length=24, choices=KindChangeCause.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["effective_at", "id"]
        indexes = [
            models.Index(fields=["partnership", "effective_at"], name="kindchange_partnership_at")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=PartnershipKind.values), name="kind_change_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {format_datetime(self.effective_at)}"


class PartnerAccountCount(models.Model):
    """How many accounts a partner holds, by kind, kept by the one function that changes an
    account's partnership or kind (``partnerships.counters``) in that same transaction, so
    that pages and the API read three numbers instead of counting the partner's rows.

    Each partner's counts are spread over a few slots (by account id), summed when read, so
    that changes to two accounts of one partner rarely wait on the same counter row.
    ``partnerhub recount_accounts`` rebuilds them from the accounts."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="account_counts"
    )
    slot = models.PositiveSmallIntegerField()
    referred = models.IntegerField(default=0)
    managed = models.IntegerField(default=0)
    total = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "slot"], name="partner_count_one_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}/{self.slot}: {self.referred} referred, {self.managed} managed"


class MemberAccountCount(models.Model):
    """How many of its partner's accounts assigned to a team member are of each kind, kept in
    the transaction of every change to an account's kind or partnership
    (``partnerships.counters.counts_shift``) and of every assignment or unassignment, so
    that a member who sees only their assigned accounts reads a few rows for the counts of
    *My accounts* instead of counting their assignments.

    Spread over slots by account id, as ``PartnerAccountCount``. ``partnerhub
    recount_accounts`` rebuilds them from the assignments and the accounts."""

    member = models.ForeignKey(
        "partners.PartnerMember", on_delete=models.CASCADE, related_name="account_counts"
    )
    slot = models.PositiveSmallIntegerField()
    referred = models.IntegerField(default=0)
    managed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "slot"], name="member_count_one_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.slot}: {self.referred} referred, {self.managed} managed"
