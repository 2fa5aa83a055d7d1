"""Brand kits: an organization's, a group's and an account's, each with the fields it sets and,
at the organization and at a group, the fields it locks for everything below it.

An unset field is empty (``""``, or ``{}`` for the social links): it inherits. What an account
ends up with is decided by ``brand.rules.effective_kit`` (read through ``brand.selectors``);
a value hidden by a lock stays stored, and shows again when the lock is lifted."""

from django.db import models
from django.db.models import Q

from partnerhub.brand import rules


class BrandKit(models.Model):
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="brand_kits"
    )
    # Neither: the organization's own kit. One of them: that group's or that account's.
    group = models.OneToOneField(
        "organizations.AccountGroup",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="brand_kit",
    )
    account = models.OneToOneField(
        "clients.ClientAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="brand_kit",
    )
    # The stored logo's name in ``default_storage`` ("" when unset), as checked on upload.
    logo = models.CharField(max_length=200, blank=True, default="")
    logo_content_type = models.CharField(max_length=20, blank=True, default="")
    logo_width = models.PositiveIntegerField(null=True, blank=True)
    logo_height = models.PositiveIntegerField(null=True, blank=True)
    primary_color = models.CharField(max_length=7, blank=True, default="")
    accent_color = models.CharField(max_length=7, blank=True, default="")
    heading_font = models.CharField(max_length=20, blank=True, default="")
    body_font = models.CharField(max_length=20, blank=True, default="")
    footer_address = models.TextField(max_length=rules.FOOTER_ADDRESS_MAX, blank=True, default="")
    social_links = models.JSONField(default=dict, blank=True)
    email_footer = models.TextField(max_length=rules.EMAIL_FOOTER_MAX, blank=True, default="")
    # Field names locked below this level (never on an account's kit).
    locked = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=True) | Q(account__isnull=True),
                name="brand_kit_one_level",
            ),
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(group__isnull=True, account__isnull=True),
                name="brand_kit_one_per_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"Brand kit ({self.level}) of partner {self.partner_id}"

    @property
    def level(self) -> str:
        if self.account_id is not None:
            return rules.ACCOUNT
        if self.group_id is not None:
            return rules.GROUP
        return rules.ORGANIZATION

    def values(self) -> dict:
        return {name: getattr(self, name) for name in rules.FIELDS}

    def as_level(self) -> rules.Level:
        return rules.Level(
            source=self.level,
            values=self.values(),
            locked=frozenset(self.locked) if self.level != rules.ACCOUNT else frozenset(),
            ref=self.group_id or self.account_id,
            kit=self.pk,
        )
