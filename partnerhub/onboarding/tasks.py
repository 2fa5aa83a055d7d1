"""Background work of onboarding, run by the worker (``partnerhub worker``)."""

from django_tasks import task


@task()
def onboarding_checks_task(*, partner_id: int, account_ids: list[int] | None = None) -> int:
    """Evaluate the automatic steps of one organization (for some of its accounts)."""
    from partnerhub.onboarding.services import checks_evaluate

    return checks_evaluate(partner_id=partner_id, account_ids=account_ids)


@task()
def onboarding_checks_sweep_task() -> int:
    """The periodic sweep: every organization with an automatic step, one after another."""
    from partnerhub.onboarding.models import OnboardingStep, StepSource
    from partnerhub.onboarding.services import checks_evaluate

    partner_ids = (
        OnboardingStep.objects.filter(source=StepSource.CHECK, removed_at__isnull=True)
        .values_list("partner_id", flat=True)
        .distinct()
        .order_by("partner_id")
    )
    return sum(checks_evaluate(partner_id=pk) for pk in list(partner_ids))


def account_changed(account) -> None:
    """Queue the account's automatic steps for evaluation once the change commits: the
    cheap path for a change PartnerHub sees happen (a plan chosen, a user added)."""
    from django.db import transaction

    partner_id, account_id = account.partner_id, account.pk
    if partner_id is None:
        return
    transaction.on_commit(
        lambda: onboarding_checks_task.enqueue(partner_id=partner_id, account_ids=[account_id])
    )
