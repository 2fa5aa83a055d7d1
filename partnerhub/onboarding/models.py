"""An organization's onboarding checklist and which of its accounts completed which step.

The checklist belongs to the *My Organization* (``partners.Partner``) and applies to every
account of its partnerships: a new child has it from the start, and a step added later applies
to every child. A completion row exists while a step is done for an account; progress is
counted from these rows with aggregate SQL. A removed step keeps its row (``removed_at``) so
that the completions recorded against it stay readable."""

from django.conf import settings
from django.db import models


class StepSource(models.TextChoices):
    CHECK = "check", "Checked by PartnerHub"
    REPORTED = "reported", "Reported by the email product"


class OnboardingStep(models.Model):
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="onboarding_steps"
    )
    key = models.SlugField(
        max_length=50, help_text="The step's stable name in the API: plan-chosen, first-send."
    )
    title = models.CharField(max_length=120)
    help_text = models.TextField(blank=True, max_length=1000)
    link = models.CharField(
        max_length=500, blank=True, help_text="An https address, or a path on this site."
    )
    position = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=StepSource.choices)
    check_name = models.CharField(
        max_length=40, blank=True, help_text="The automatic check (see onboarding.checks)."
    )
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="onboarding_step_key_unique"),
            models.CheckConstraint(
                condition=models.Q(source__in=StepSource.values), name="onboarding_source_valid"
            ),
            models.CheckConstraint(
                condition=(models.Q(source="check") & ~models.Q(check_name=""))
                | (models.Q(source="reported") & models.Q(check_name="")),
                name="onboarding_check_named_iff_checked",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "removed_at", "position"], name="onb_step_partner"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class StepCompletion(models.Model):
    """Step ``step`` is done for ``account``: when, and who or what said so."""

    step = models.ForeignKey(OnboardingStep, on_delete=models.PROTECT, related_name="completions")
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="onboarding_completions"
    )
    completed_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_by_label = models.CharField(
        max_length=200, help_text="PartnerHub's check, or the API key that reported it."
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["step__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "account"], name="onboarding_completion_once"),
        ]
        indexes = [
            models.Index(fields=["account", "step"], name="onb_completion_account"),
        ]

    def __str__(self) -> str:
        return f"{self.step} done for account {self.account_id}"


class OnboardingNudge(models.Model):
    """An e-mail that reminded an account's owner of their checklist (the rate limits count
    these rows)."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "clients.ClientAccount", on_delete=models.CASCADE, related_name="onboarding_nudges"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()
    email = models.ForeignKey(
        "core.OutgoingEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["account", "sent_at"], name="onb_nudge_account"),
            models.Index(fields=["partner", "sent_at"], name="onb_nudge_partner"),
        ]

    def __str__(self) -> str:
        return f"Nudge to account {self.account_id} at {self.sent_at:%Y-%m-%d %H:%M}"
