"""The price book, Single Bill enrolment and the monthly Single Bill statements.

A price book is in force from its ``effective_month`` until the next book's: a statement
names the book it was priced with, so a past statement is explained by the book of its month.
A statement is written once, when its month closes; its lines never change (a late change is
an adjustment line on a later statement that names the month it corrects).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from partnerhub.pricing.rules import CONTACT_TIERS, PRICED_PLANS, VolumeTier


class PriceBook(models.Model):
    effective_month = models.DateField(
        unique=True, help_text="The first day of the first month this book prices."
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_month"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_month__day=1), name="price_book_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Price book from {self.effective_month:%B %Y}"

    def volume_tiers(self) -> list[VolumeTier]:
        return [
            VolumeTier(t.min_accounts, t.max_accounts, t.discount_percent) for t in self.tiers.all()
        ]


class PlanPrice(models.Model):
    """The monthly list price of a plan, in a currency, for an account in a contact tier."""

    book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="prices")
    plan = models.CharField(max_length=8, choices=[(p, p.title()) for p in PRICED_PLANS])
    currency = models.CharField(max_length=3)
    contact_tier = models.PositiveSmallIntegerField(
        choices=[(t, f"{lo}–{hi}" if hi else f"{lo}+") for t, lo, hi in CONTACT_TIERS],
        help_text="Contacts in the account.",
    )
    list_price_minor = models.PositiveBigIntegerField(help_text="A month, in cents.")

    class Meta:
        ordering = ["currency", "plan", "contact_tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "plan", "currency", "contact_tier"], name="plan_price_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(plan__in=PRICED_PLANS), name="plan_price_plan_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(contact_tier__gte=1, contact_tier__lte=len(CONTACT_TIERS)),
                name="plan_price_contact_tier_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.currency} tier {self.contact_tier}: {self.list_price_minor}"


class VolumeDiscount(models.Model):
    """From ``min_accounts`` paying child accounts, ``discount_percent`` off every list price."""

    book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="tiers")
    min_accounts = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    max_accounts = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty on the last tier: no upper limit."
    )
    discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="10.00 is 10 % off.",
    )

    class Meta:
        ordering = ["min_accounts"]
        constraints = [
            models.UniqueConstraint(fields=["book", "min_accounts"], name="volume_tier_unique"),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="volume_tier_discount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_accounts__isnull=True)
                | models.Q(max_accounts__gte=models.F("min_accounts")),
                name="volume_tier_bounds",
            ),
        ]

    def __str__(self) -> str:
        return VolumeTier(self.min_accounts, self.max_accounts, self.discount_percent).label


class SingleBill(models.Model):
    """A partner (an organization or an agency) billed once a month for its accounts.

    Staff turn it on from a month; ``pricing.services.single_bill_enable`` also puts every
    account of the partner on Single Bill (``ClientAccount.single_bill``), the flag the
    statement and the earnings close both read: an account on Single Bill is on its partner's
    statement, with the volume discount, and earns no revenue share."""

    partner = models.OneToOneField(
        "partners.Partner", on_delete=models.PROTECT, related_name="single_bill"
    )
    since_month = models.DateField(help_text="The first month billed on one statement.")
    enabled_at = models.DateTimeField()
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["partner__name"]
        verbose_name = "Single Bill partner"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(since_month__day=1), name="single_bill_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} on Single Bill since {self.since_month:%B %Y}"


class StatementClose(models.Model):
    """The close of a month's Single Bill statements, for every partner at once."""

    month = models.DateField(unique=True)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    statement_count = models.PositiveIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Statements of {self.month:%B %Y}"


class Statement(models.Model):
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField()
    close = models.ForeignKey(StatementClose, on_delete=models.PROTECT, related_name="statements")
    book = models.ForeignKey(PriceBook, on_delete=models.PROTECT, related_name="+")
    paying_accounts = models.PositiveIntegerField(help_text="Accounts billed in the month.")
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "month"], name="statement_partner_month"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} statement of {self.month:%B %Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("a closed statement never changes; a correction goes on a later one")
        super().save(*args, **kwargs)


class LineKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    ADJUSTMENT = "adjustment", "Adjustment"


class StatementLine(models.Model):
    """One child on a statement: its plan and list price, the days billed, the discount and
    the total. An adjustment line corrects ``corrects_month`` by the difference."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    plan = models.CharField(max_length=8)
    currency = models.CharField(max_length=3)
    contact_tier = models.PositiveSmallIntegerField()
    list_price_minor = models.BigIntegerField()
    billed_from = models.DateField(null=True, blank=True)
    billed_to = models.DateField(null=True, blank=True)
    days_billed = models.IntegerField(help_text="On an adjustment: the days added or taken off.")
    month_days = models.PositiveSmallIntegerField()
    amount_minor = models.BigIntegerField(help_text="The list price for the days billed.")
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2)
    discount_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField()
    corrects_month = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["statement", "currency", "kind", "id"]
        indexes = [models.Index(fields=["account", "statement"], name="stmt_line_account")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=LineKind.values), name="stmt_line_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total_minor=models.F("amount_minor") - models.F("discount_minor")
                ),
                name="stmt_line_total_is_amount_less_discount",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="charge",
                        corrects_month__isnull=True,
                        discount_minor__gte=0,
                        amount_minor__gte=0,
                        days_billed__gte=0,
                    )
                    | models.Q(kind="adjustment", corrects_month__isnull=False)
                ),
                name="stmt_line_charge_or_adjustment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.total_minor} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("statement lines are never changed; a correction is a new line")
        super().save(*args, **kwargs)
