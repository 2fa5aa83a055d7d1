import secrets

from django.conf import settings
from django.db import models

from partnerhub.access.levels import AccessLevel


def new_encoded_account_id() -> str:
    """An opaque, unguessable account id, as the public API shows it."""
    return secrets.token_hex(8)


class PlanType(models.TextChoices):
    TRIAL = "TRIAL", "Trial"
    BRONZE = "BRONZE", "Bronze"
    SILVER = "SILVER", "Silver"
    GOLD = "GOLD", "Gold"


class BillingStatus(models.TextChoices):
    TRIAL = "Trial", "Trial"
    OPEN = "Open", "Open"
    CANCELED = "Canceled", "Canceled"
    TRIAL_END = "Trial End", "Trial End"


class DisabledReason(models.TextChoices):
    NONE = "", "Not disabled"
    COMPLIANCE = "compliance", "Compliance"
    BALANCE_DUE = "balance_due", "Balance due"


class PartnershipKind(models.TextChoices):
    REFERRED = "referred", "Referred"
    MANAGED = "managed", "Managed"


class ClientAccount(models.Model):
    """One email-marketing account, owned by one customer.

    ``partner``, ``partnership_kind`` and ``partnered_on`` mirror the account's current
    partnership (see ``partnerships.Partnership``) so that *My accounts* can page through a
    partner's accounts on one index. Only ``partnerships.services`` writes them.
    """

    encoded_account_id = models.CharField(
        max_length=32, unique=True, default=new_encoded_account_id, editable=False
    )
    external_id = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="The billing system's id."
    )
    organization_name = models.CharField(max_length=200)
    owner_name = models.CharField(max_length=200)
    login_name = models.CharField(max_length=50, unique=True)
    contact_email = models.EmailField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        help_text="The customer user who owns the account and answers for it.",
    )
    contact_count = models.PositiveIntegerField(default=0)
    plan_type = models.CharField(max_length=8, choices=PlanType.choices, default=PlanType.TRIAL)
    billing_status = models.CharField(
        max_length=16, choices=BillingStatus.choices, default=BillingStatus.TRIAL
    )
    disabled_reason = models.CharField(
        max_length=16, choices=DisabledReason.choices, default=DisabledReason.NONE, blank=True
    )
    single_bill = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default="USD")
    signed_up_at = models.DateTimeField()
    converted_at = models.DateTimeField(null=True, blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    # The current partnership, mirrored (see the class docstring).
    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        editable=False,
    )
    partnership_kind = models.CharField(
        max_length=8, choices=PartnershipKind.choices, blank=True, editable=False
    )
    partnered_on = models.DateField(null=True, blank=True, editable=False)
    # The access level the customer granted, while the account is managed; empty otherwise.
    access_level = models.CharField(
        max_length=16,
        choices=AccessLevel.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    # The organization's group the account is in (a region, a department), while its
    # partnership is with an organization; written only by ``organizations.services``.
    group = models.ForeignKey(
        "organizations.AccountGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        editable=False,
    )
    # What the account was provisioned with (the V3 create call); empty when not given.
    contact_phone = models.CharField(max_length=25, blank=True, default="", db_default="")
    organization_phone = models.CharField(max_length=25, blank=True, default="", db_default="")
    time_zone_id = models.CharField(
        max_length=64, blank=True, default="", db_default="", help_text="An IANA time zone."
    )
    single_billing_requested = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Asked for when the account was made; program staff turn Single Bill on.",
    )
    gdpr_opt_out = models.BooleanField(
        default=False, db_default=False, help_text="Send the owner no marketing communications."
    )
    login_external_id = models.CharField(
        max_length=255,
        blank=True,
        default="",
        db_default="",
        help_text="The owner's id at the external authenticator that signs them in.",
    )
    login_external_provider = models.CharField(max_length=80, blank=True, default="", db_default="")
    provisioned_password = models.CharField(
        max_length=128,
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text="A Django password hash of the password given at creation: the owner's "
        "first sign-in once they accept the account; emptied then.",
    )

    class Meta:
        ordering = ["organization_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plan_type__in=PlanType.values), name="account_plan_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(billing_status__in=BillingStatus.values),
                name="account_billing_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(disabled_reason__in=DisabledReason.values),
                name="account_disabled_reason_valid",
            ),
            # A trial plan is exactly a trial billing status (or a trial that ended).
            models.CheckConstraint(
                condition=~models.Q(plan_type="TRIAL")
                | models.Q(billing_status__in=["Trial", "Trial End", "Canceled"]),
                name="account_trial_plan_has_trial_status",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(partner__isnull=True, partnership_kind="", partnered_on__isnull=True)
                    | models.Q(
                        partner__isnull=False,
                        partnership_kind__in=PartnershipKind.values,
                        partnered_on__isnull=False,
                    )
                ),
                name="account_partnership_mirror_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "organization_name", "id"], name="acct_p_org"),
            models.Index(fields=["partner", "owner_name", "id"], name="acct_p_owner"),
            models.Index(fields=["partner", "login_name", "id"], name="acct_p_login"),
            models.Index(fields=["partner", "contact_count", "id"], name="acct_p_contacts"),
            models.Index(fields=["partner", "last_login_at", "id"], name="acct_p_lastlogin"),
            models.Index(fields=["partner", "partnered_on", "id"], name="acct_p_moved"),
            models.Index(
                fields=["partner", "partnership_kind", "organization_name", "id"],
                name="acct_p_kind_org",
            ),
            models.Index(
                fields=["partner", "group", "organization_name", "id"], name="acct_p_group_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_name} ({self.login_name})"

    @property
    def status_label(self) -> str:
        from partnerhub.clients.status import status_of

        return status_of(self).label

    @property
    def is_managed(self) -> bool:
        return self.partnership_kind == PartnershipKind.MANAGED
