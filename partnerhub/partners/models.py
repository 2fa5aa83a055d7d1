import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from partnerhub.core.timefmt import is_time_zone


def validate_time_zone(value: str) -> None:
    if not is_time_zone(value):
        raise ValidationError(f"{value!r} is not a time zone, e.g. Europe/Berlin")


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


class MemberVisibility(models.TextChoices):
    """Which accounts the partnership's plain members see (owners and admins see them all)."""

    ALL = "all", "Every account of the partnership"
    ASSIGNED = "assigned", "Only the accounts assigned to them"


class PartnerKind(models.TextChoices):
    """What a *My Organization* is: an agency in the partner program, or an organization that
    runs many accounts of its own (locations, departments, users) from one place."""

    AGENCY = "agency", "Partner agency"
    ORGANIZATION = "organization", "Multi-account organization"


class Partner(models.Model):
    """A *My Organization*: an agency, consultant or reseller in the partner program, or a
    multi-account organization (``kind``) whose accounts are its children."""

    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=16,
        choices=PartnerKind.choices,
        default=PartnerKind.AGENCY,
        db_default=PartnerKind.AGENCY,
        help_text="An agency earns under the partner program; an organization runs its own "
        "child accounts.",
    )
    # The day the partner joined the program; the earnings window counts from it.
    deployed_on = models.DateField(help_text="The day the partner joined the program.")
    invite_code = models.CharField(max_length=32, unique=True, default=new_invite_code)
    external_id = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="The partner's id in imports."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Times are shown in this zone to the team, unless a member chose their own.",
    )
    member_visibility = models.CharField(
        max_length=16,
        choices=MemberVisibility.choices,
        default=MemberVisibility.ALL,
        db_default=MemberVisibility.ALL,
        help_text="Which accounts plain members see; owners and admins see every account.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member_visibility__in=MemberVisibility.values),
                name="partner_member_visibility_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PartnerKind.values), name="partner_kind_valid"
            ),
            # An organization's plain members (group managers) see their groups' accounts.
            models.CheckConstraint(
                condition=~models.Q(kind=PartnerKind.ORGANIZATION)
                | models.Q(member_visibility=MemberVisibility.ASSIGNED),
                name="organization_members_see_assigned",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_organization(self) -> bool:
        return self.kind == PartnerKind.ORGANIZATION


class PartnerRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    # Reads the accounts and reports; acts on nothing.
    VIEWER = "viewer", "Viewer"


# What each role is called in an organization: its plain members manage the groups assigned
# to them; a viewer reads reports only.
ORGANIZATION_ROLE_LABELS = {
    PartnerRole.OWNER: "Owner",
    PartnerRole.ADMIN: "Admin",
    PartnerRole.MEMBER: "Group manager",
    PartnerRole.VIEWER: "Viewer",
}


def role_label(role: str, kind: str) -> str:
    """The role's name as the team reads it, by the kind of *My Organization*."""
    if kind == PartnerKind.ORGANIZATION:
        return ORGANIZATION_ROLE_LABELS[PartnerRole(role)]
    return PartnerRole(role).label


# Roles that may manage the team (add and remove members, change roles).
TEAM_MANAGER_ROLES = frozenset({PartnerRole.OWNER, PartnerRole.ADMIN})


class PartnerMember(models.Model):
    """A person who works for a partner or organization. A person may be in several teams,
    once in each; the one they work in now is ``people.Profile.current_member``."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_memberships"
    )
    role = models.CharField(max_length=16, choices=PartnerRole.choices, default=PartnerRole.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "user__email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=PartnerRole.values), name="partnermember_role_valid"
            ),
            models.UniqueConstraint(fields=["partner", "user"], name="partnermember_unique"),
        ]
        indexes = [models.Index(fields=["user", "joined_at"], name="partnermember_user_joined")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.partner})"

    @property
    def can_manage_team(self) -> bool:
        return self.role in TEAM_MANAGER_ROLES

    @property
    def can_act(self) -> bool:
        """Whether the member may change anything (a viewer only reads)."""
        return self.role != PartnerRole.VIEWER

    @property
    def role_label(self) -> str:
        return role_label(self.role, self.partner.kind)


class AccountAssignment(models.Model):
    """A client account assigned to a member of its partner's team: the member serves it.

    Only ``partners.services`` writes these. A member restricted to assigned accounts sees
    exactly the accounts of their partnership that have a row here.

    ``organization_name`` is the account's, copied by the database (triggers of migration
    ``partners/0008``, on every insert or update of a row here and on every rename of the
    account), so that a member's accounts in the list's default order are one index range
    of their own, however many accounts the partner has. Nothing writes it but the
    triggers."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="assignments")
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="assignments"
    )
    member = models.ForeignKey(PartnerMember, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField()
    organization_name = models.CharField(max_length=200, default="", editable=False)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "member"], name="assignment_unique")
        ]
        indexes = [
            # A member's accounts (the restricted list, the team page) read this index only.
            models.Index(fields=["member", "account"], name="assignment_member_account"),
            # ... and in name order (``clients.selectors.keyset_columns``).
            models.Index(
                fields=["member", "organization_name", "account"], name="assignment_member_name"
            ),
        ]

    def __str__(self) -> str:
        return f"account {self.account_id} assigned to member {self.member_id}"
