"""Multi-account organizations: the groups and tags an organization sorts its accounts into.

An organization is a ``partners.Partner`` of kind ``organization``; its accounts (children)
are the accounts of its partnerships, managed by it from the start. Groups are one level of
nesting below the organization (a region, and the districts within it); an account is in at
most one group (``ClientAccount.group``) and carries any number of tags."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class AccountGroup(models.Model):
    """A region, department or district of an organization. A group may sit inside a
    top-level group (one level of nesting), never deeper."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="account_groups"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subgroups"
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "name"],
                condition=models.Q(parent__isnull=True),
                name="group_name_unique_top_level",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=models.Q(parent__isnull=False),
                name="group_name_unique_in_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        """ "North › Lakeside" for a subgroup, "North" for a top-level group."""
        if self.parent_id is None:
            return self.name
        return f"{self.parent.name} › {self.name}"

    def clean(self) -> None:
        if self.parent is not None:
            if self.parent.parent_id is not None:
                raise ValidationError({"parent": "Groups nest one level deep only."})
            if self.parent.partner_id != self.partner_id:
                raise ValidationError({"parent": "The parent group is another organization's."})


class AccountTag(models.Model):
    """A label an organization (or partner) puts on its accounts: "drive-through", "2026"."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="account_tags"
    )
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="tag_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class AccountTagging(models.Model):
    """One tag on one account."""

    tag = models.ForeignKey(AccountTag, on_delete=models.CASCADE, related_name="taggings")
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="taggings"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "account"], name="tagging_unique"),
        ]
        indexes = [models.Index(fields=["account", "tag"], name="tagging_account_tag")]

    def __str__(self) -> str:
        return f"{self.tag} on account {self.account_id}"


class DetachStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the owner"
    CONFIRMED = "confirmed", "Confirmed by the owner"
    DECLINED = "declined", "Declined by the owner"
    CANCELLED = "cancelled", "Withdrawn by the organization"


# The lifecycle of a detach request: the only allowed moves. Every other status is final.
DETACH_TRANSITIONS: dict[str, frozenset[str]] = {
    DetachStatus.PENDING: frozenset(
        {DetachStatus.CONFIRMED, DetachStatus.DECLINED, DetachStatus.CANCELLED}
    ),
    DetachStatus.CONFIRMED: frozenset(),
    DetachStatus.DECLINED: frozenset(),
    DetachStatus.CANCELLED: frozenset(),
}


def detach_can_transition(current: str, target: str) -> bool:
    return target in DETACH_TRANSITIONS[current]


class DetachRequest(models.Model):
    """An organization asks the owner of one of its accounts to let the account leave it. The
    partnership ends only when the owner confirms."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="detach_requests"
    )
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="detach_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=DetachStatus.choices, default=DetachStatus.PENDING
    )
    created_at = models.DateTimeField()
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
                name="one_open_detach_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DetachStatus.values), name="detach_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="detach_decided_when_final",
            ),
        ]

    def __str__(self) -> str:
        return f"Detach of {self.account} from {self.partner} ({self.get_status_display()})"


class GroupManager(models.Model):
    """A group given to a group manager (a plain member of the organization's team): they see
    and work on the accounts of the group and of its subgroups. Only
    ``organizations.services`` writes these, and it keeps the member's
    ``partners.AccountAssignment`` rows equal to those accounts, so that the visibility rule
    of every page and API (``partners.selectors.visible_only``) serves them unchanged."""

    member = models.ForeignKey(
        "partners.PartnerMember", on_delete=models.CASCADE, related_name="managed_groups"
    )
    group = models.ForeignKey(AccountGroup, on_delete=models.CASCADE, related_name="managers")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField()

    class Meta:
        ordering = ["group__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "group"], name="group_manager_unique"),
        ]
        indexes = [models.Index(fields=["group", "member"], name="group_manager_group")]

    def __str__(self) -> str:
        return f"member {self.member_id} manages group {self.group_id}"
