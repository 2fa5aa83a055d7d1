from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from partnerhub.core.timefmt import format_date


class Terms(models.Model):
    """The program's terms from ``effective_from`` until the next terms take over.

    An account keeps the terms in force on the day it moved under the partnership (rate lock).
    Terms are never edited once a closed month has used them: staff add new terms instead.
    """

    effective_from = models.DateField(unique=True)
    revenue_share_rate = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="A fraction: 0.200000 is 20%.",
    )
    window_days = models.PositiveIntegerField(default=60)
    holding_days = models.PositiveIntegerField(default=30)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name_plural = "terms"

    def __str__(self) -> str:
        return f"Terms from {format_date(self.effective_from)} ({self.rate_label})"

    @property
    def rate_label(self) -> str:
        return f"{(self.revenue_share_rate * 100).normalize():f}%"


class TermsCurrency(models.Model):
    terms = models.ForeignKey(Terms, on_delete=models.CASCADE, related_name="currencies")
    currency = models.CharField(max_length=3)
    new_account_bonus_minor = models.PositiveBigIntegerField(help_text="In cents.")
    minimum_payout_minor = models.PositiveBigIntegerField(help_text="In cents.")

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["terms", "currency"], name="terms_currency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.currency}: bonus {self.new_account_bonus_minor}, minimum {self.minimum_payout_minor}"


class MonthClose(models.Model):
    month = models.DateField(unique=True, help_text="The first day of the closed month.")
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    line_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}"


class LineType(models.TextChoices):
    NEW_ACCOUNT_BONUS = "new_account_bonus", "New account bonus"
    REVENUE_SHARE = "revenue_share", "Revenue share"
    CLAWBACK = "clawback", "Clawback"
    ADJUSTMENT = "adjustment", "Adjustment"
    DISBURSEMENT = "disbursement", "Disbursement"


class ReasonCode(models.TextChoices):
    MANAGED = "managed", "Managed on the day the invoice was paid"
    WINDOW_CONVERSION = "window_conversion", "Moved within the window after conversion"
    WINDOW_DEPLOYMENT = "window_deployment", "Moved within the window after deployment"
    REFUND = "refund", "Refund of an invoice that earned revenue share"
    BONUS_REVERSAL = "bonus_reversal", "Converting invoice fully refunded in the holding period"
    PAYOUT = "payout", "Paid out"


class LedgerLine(models.Model):
    """One line of a partner's earnings. Append-only: a correction is a new line.

    ``month`` is the closed month the line belongs to. A line whose fact (invoice, refund,
    conversion) falls in an earlier month is an *adjustment* and names that month in
    ``corrects_month``. ``source_key`` makes each fact earn at most once.
    """

    # Every index costs each line a close writes, so the ledger keeps only those a read needs.
    # Partner and account have none of their own: ``ledger_partner_month`` and
    # ``ledger_partner_payable`` start with the partner, and ``ledger_account`` is the
    # account's. Nothing reads lines by partnership, invoice, refund or payout, and those rows
    # are never deleted (PROTECT): their keys are checked, not indexed.
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="ledger_lines", db_index=False
    )
    account = models.ForeignKey(
        "clients.ClientAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    month = models.DateField()
    line_type = models.CharField(max_length=20, choices=LineType.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    fact_on = models.DateField(help_text="The day of what earned it: payment, refund, conversion.")
    reason_code = models.CharField(max_length=20, choices=ReasonCode.choices)
    basis_minor = models.BigIntegerField(null=True, blank=True)
    rate_ppm = models.PositiveIntegerField(null=True, blank=True)
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    refund = models.ForeignKey(
        "billing.Refund",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    qualified_on = models.DateField(null=True, blank=True, help_text="Managed since, or moved on.")
    corrects_month = models.DateField(null=True, blank=True)
    corrected_type = models.CharField(max_length=20, choices=LineType.choices, blank=True)
    source_key = models.CharField(max_length=64)  # unique: see ``ledger_source_key_unique``
    payable_on = models.DateField()
    close = models.ForeignKey(
        MonthClose, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    payout = models.ForeignKey(
        "Payout",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "id"]
        indexes = [
            models.Index(fields=["partner", "month"], name="ledger_partner_month"),
            models.Index(
                fields=["partner", "currency", "payable_on"], name="ledger_partner_payable"
            ),
            models.Index(fields=["account"], name="ledger_account"),
        ]
        constraints = [
            # Each fact earns at most once. A constraint rather than ``unique=True``, which on
            # PostgreSQL adds a second (LIKE) index on the column that no query uses.
            models.UniqueConstraint(fields=["source_key"], name="ledger_source_key_unique"),
            models.CheckConstraint(
                condition=models.Q(line_type__in=LineType.values), name="ledger_line_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(reason_code__in=ReasonCode.values), name="ledger_reason_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        line_type__in=["new_account_bonus", "revenue_share"], amount_minor__gte=0
                    )
                    | models.Q(line_type__in=["clawback", "disbursement"], amount_minor__lt=0)
                    | models.Q(line_type="adjustment")
                ),
                name="ledger_amount_sign",
            ),
            models.CheckConstraint(
                condition=models.Q(line_type="adjustment", corrects_month__isnull=False)
                | (~models.Q(line_type="adjustment") & models.Q(corrects_month__isnull=True)),
                name="ledger_adjustment_names_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_line_type_display()} {self.amount_minor} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("ledger lines are never changed; write a correcting line")
        super().save(*args, **kwargs)

    @property
    def reason(self) -> str:
        from partnerhub.earnings.explain import line_reason

        return line_reason(self)


class PayoutStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"


class Payout(models.Model):
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="payouts"
    )
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.APPROVED
    )
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "currency"],
                condition=models.Q(status="approved"),
                name="one_approved_payout_per_partner_currency",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="payout_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.pk} to {self.partner} ({self.get_status_display()})"
