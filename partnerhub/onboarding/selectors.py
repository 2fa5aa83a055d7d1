"""Reads of the onboarding checklist and of progress, shared by the pages and the API.

Progress is counted in the database from the completion rows (one aggregate query per
figure), never by loading each account's steps: an organization may have 10,000 children."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from partnerhub.clients.models import ClientAccount
from partnerhub.onboarding.models import OnboardingStep, StepCompletion
from partnerhub.organizations.models import AccountGroup
from partnerhub.partners.selectors import visible_only


def checklist(*, partner_id: int) -> list[OnboardingStep]:
    """The organization's steps, in order (removed steps left out)."""
    return list(OnboardingStep.objects.filter(partner_id=partner_id, removed_at__isnull=True))


def step_count(*, partner_id: int) -> int:
    return OnboardingStep.objects.filter(partner_id=partner_id, removed_at__isnull=True).count()


@dataclass(frozen=True)
class StepState:
    step: OnboardingStep
    done: bool
    at: dt.datetime | None
    by: str

    @property
    def title(self) -> str:
        return self.step.title


def account_checklist(*, partner_id: int, account_id: int) -> list[StepState]:
    """Each step of the checklist with whether ``account_id`` did it, when and who said so."""
    steps = checklist(partner_id=partner_id)
    done = {
        c.step_id: c
        for c in StepCompletion.objects.filter(
            account_id=account_id, step__in=[s.pk for s in steps]
        )
    }
    return [
        StepState(
            step=s,
            done=s.pk in done,
            at=done[s.pk].completed_at if s.pk in done else None,
            by=done[s.pk].completed_by_label if s.pk in done else "",
        )
        for s in steps
    ]


def removed_step_history(*, partner_id: int, account_id: int) -> list[StepCompletion]:
    """Completions recorded against steps that were later removed from the checklist."""
    return list(
        StepCompletion.objects.filter(
            account_id=account_id, step__partner_id=partner_id, step__removed_at__isnull=False
        ).select_related("step")
    )


def children(
    *, partner_id: int, visible_to: int | None = None, group_id: int | None = None
) -> QuerySet:
    """The accounts of the partnership the member sees, in ``group_id`` (or a subgroup)."""
    qs = visible_only(ClientAccount.objects.filter(partner_id=partner_id), member_id=visible_to)
    if group_id is not None:
        qs = qs.filter(Q(group_id=group_id) | Q(group__parent_id=group_id))
    return qs


def _done_active(partner_id: int) -> QuerySet:
    return StepCompletion.objects.filter(step__partner_id=partner_id, step__removed_at__isnull=True)


def with_done(qs: QuerySet, *, partner_id: int) -> QuerySet:
    """``qs`` (accounts) with ``done``: how many active steps each has done."""
    done = (
        _done_active(partner_id)
        .filter(account_id=OuterRef("pk"))
        .order_by()
        .values("account_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(done=Coalesce(Subquery(done, output_field=IntegerField()), 0))


SORTS = {
    "progress": ("done", "organization_name", "id"),
    "-progress": ("-done", "organization_name", "id"),
    "name": ("organization_name", "id"),
}


def progress_rows(
    *,
    partner_id: int,
    visible_to: int | None = None,
    group_id: int | None = None,
    sort: str = "progress",
) -> QuerySet:
    """The member's children with their ``done`` counts, sorted (for a paginator)."""
    qs = with_done(
        children(partner_id=partner_id, visible_to=visible_to, group_id=group_id),
        partner_id=partner_id,
    )
    return qs.select_related("group", "group__parent").order_by(*SORTS.get(sort, SORTS["progress"]))


@dataclass(frozen=True)
class Rollup:
    label: str
    group_id: int | None
    accounts: int
    done_steps: int
    complete: int
    steps: int

    @property
    def percent(self) -> int:
        """The average progress, in whole percent (rounded down)."""
        possible = self.accounts * self.steps
        return self.done_steps * 100 // possible if possible else 0


def _complete_ids(partner_id: int, steps: int) -> QuerySet:
    return (
        _done_active(partner_id)
        .order_by()
        .values("account_id")
        .annotate(n=Count("id"))
        .filter(n__gte=steps)
        .values("account_id")
    )


def rollup_total(
    *, partner_id: int, visible_to: int | None = None, group_id: int | None = None
) -> Rollup:
    """Progress over every child the member sees (in ``group_id``): three aggregate queries."""
    steps = step_count(partner_id=partner_id)
    qs = children(partner_id=partner_id, visible_to=visible_to, group_id=group_id)
    accounts = qs.count()
    done_steps = _done_active(partner_id).filter(account__in=qs.values("pk")).count()
    complete = qs.filter(pk__in=_complete_ids(partner_id, steps)).count() if steps else 0
    return Rollup("All accounts", group_id, accounts, done_steps, complete, steps)


def rollup_by_group(*, partner_id: int, visible_to: int | None = None) -> list[Rollup]:
    """Progress per top-level group (its subgroups' accounts included), and for the accounts
    in no group: one aggregate query per figure, grouped by group."""
    steps = step_count(partner_id=partner_id)
    qs = children(partner_id=partner_id, visible_to=visible_to)
    top = Coalesce(F("group__parent_id"), F("group_id"))
    accounts = {
        r["top"]: r["n"]
        for r in qs.annotate(top=top).values("top").annotate(n=Count("id")).order_by()
    }
    done = {
        r["top"]: r["n"]
        for r in _done_active(partner_id)
        .filter(account__in=qs.values("pk"))
        .annotate(top=Coalesce(F("account__group__parent_id"), F("account__group_id")))
        .values("top")
        .annotate(n=Count("id"))
        .order_by()
    }
    complete = {}
    if steps:
        complete = {
            r["top"]: r["n"]
            for r in qs.filter(pk__in=_complete_ids(partner_id, steps))
            .annotate(top=top)
            .values("top")
            .annotate(n=Count("id"))
            .order_by()
        }
    names = {g.pk: g.name for g in AccountGroup.objects.filter(partner_id=partner_id, parent=None)}
    rows = [
        Rollup(names[pk], pk, accounts[pk], done.get(pk, 0), complete.get(pk, 0), steps)
        for pk in sorted(names, key=lambda pk: names[pk].lower())
        if pk in accounts
    ]
    if None in accounts:
        rows.append(
            Rollup(
                "In no group", None, accounts[None], done.get(None, 0), complete.get(None, 0), steps
            )
        )
    return rows
