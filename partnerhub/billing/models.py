from django.db import models

from partnerhub.clients.models import PlanType

# The largest invoice or refund amount, in minor units (ten billion in major units, less a cent).
# The ledger works out revenue share as ``amount × rate_ppm × 2 + 10⁶`` in 64-bit integers (both
# databases' BIGINT), which holds for amounts up to about 4.6 × 10¹²; this leaves room.
MAX_AMOUNT_MINOR = 10**12 - 1


class Invoice(models.Model):
    """A paid invoice of a client account, as the billing system reported it."""

    external_id = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="invoices"
    )
    paid_on = models.DateField()
    amount_minor = models.BigIntegerField(help_text="In the currency's minor unit (cents).")
    currency = models.CharField(max_length=3)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        indexes = [
            models.Index(fields=["paid_on"], name="invoice_paid_on"),
            models.Index(fields=["account", "paid_on"], name="invoice_account_paid"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="invoice_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.external_id}"


class Refund(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    refunded_on = models.DateField()
    amount_minor = models.BigIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-refunded_on", "-id"]
        indexes = [models.Index(fields=["refunded_on"], name="refund_refunded_on")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.external_id}"


class BillingEventKind(models.TextChoices):
    CONVERSION = "conversion", "Conversion"
    PLAN_CHANGE = "plan_change", "Plan change"
    CANCELLATION = "cancellation", "Cancellation"
    DISABLEMENT = "disablement", "Disablement"


class BillingEvent(models.Model):
    """A change of an account's plan or status, received once per external id."""

    external_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=BillingEventKind.choices)
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.PROTECT, related_name="billing_events"
    )
    occurred_at = models.DateTimeField()
    plan_type = models.CharField(max_length=8, choices=PlanType.choices, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"
