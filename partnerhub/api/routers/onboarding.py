"""Onboarding and the roll-up report, for an organization's own tools and the email product:
the checklist, one account's progress, steps the email product reports, and the roll-up."""

import datetime as dt

import pydantic
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from partnerhub.api.auth import key_visible_to
from partnerhub.api.errors import ApiError
from partnerhub.api.routers.accounts import ERRORS, _account, require_write
from partnerhub.clients import converters  # noqa: F401  (registers account_id)
from partnerhub.onboarding import selectors
from partnerhub.onboarding.services import step_report
from partnerhub.organizations.models import AccountGroup
from partnerhub.reports.selectors import MONTHS_MAX, rollup_report

router = Router(tags=["onboarding"])


class StepOut(Schema):
    key: str
    title: str
    help_text: str
    link: str
    position: int
    checked_by: str = Field(description="``partnerhub`` (an automatic check) or ``reported``")
    check: str | None


class ChecklistOut(Schema):
    steps: list[StepOut]


class StepStateOut(Schema):
    key: str
    title: str
    checked_by: str
    done: bool
    at: dt.datetime | None
    by: str | None


class AccountOnboardingOut(Schema):
    encoded_account_id: str
    done: int
    total: int
    steps: list[StepStateOut]


class StepReportIn(Schema):
    model_config = pydantic.ConfigDict(extra="forbid")
    done: bool = True
    at: dt.datetime | None = Field(None, description="When it was done; default: now")


class StepReportOut(StepStateOut):
    changed: bool = Field(description="False when the step already was in this state")


def _step_out(step) -> dict:
    return {
        "key": step.key,
        "title": step.title,
        "help_text": step.help_text,
        "link": step.link,
        "position": step.position,
        "checked_by": "partnerhub" if step.source == "check" else "reported",
        "check": step.check_name or None,
    }


def _state_out(state) -> dict:
    return {
        "key": state.step.key,
        "title": state.step.title,
        "checked_by": "partnerhub" if state.step.source == "check" else "reported",
        "done": state.done,
        "at": state.at,
        "by": state.by or None,
    }


@router.get(
    "/onboarding/checklist", response={200: ChecklistOut, **ERRORS}, summary="The checklist"
)
def get_checklist(request):
    """Your onboarding checklist, in order: every account of yours follows it."""
    return {
        "steps": [_step_out(s) for s in selectors.checklist(partner_id=request.auth.partner_id)]
    }


@router.get(
    "/accounts/{account_id:encoded_account_id}/onboarding",
    response={200: AccountOnboardingOut, **ERRORS},
    summary="One account's onboarding",
)
def get_account_onboarding(request, encoded_account_id: str):
    """Each step of the checklist for the account: done or not, when and who said so."""
    account = _account(request, encoded_account_id)
    states = selectors.account_checklist(partner_id=request.auth.partner_id, account_id=account.pk)
    return {
        "encoded_account_id": account.encoded_account_id,
        "done": sum(1 for s in states if s.done),
        "total": len(states),
        "steps": [_state_out(s) for s in states],
    }


@router.post(
    "/accounts/{account_id:encoded_account_id}/onboarding/{step_key}",
    response={200: StepReportOut, **ERRORS},
    summary="Report a step",
)
def report_step(request, encoded_account_id: str, step_key: str):
    """The email product reports a step (by its key) done, or no longer done with
    ``{"done": false}``. The body is optional (``{}`` or none means done now). Reporting the
    same state again changes nothing and answers ``changed: false``: the call is idempotent.
    Steps PartnerHub checks itself cannot be reported (422)."""
    require_write(request)
    account = _account(request, encoded_account_id)
    body = StepReportIn()
    if request.body.strip():
        try:
            body = StepReportIn.model_validate_json(request.body)
        except pydantic.ValidationError as error:
            raise ApiError(
                422,
                "invalid_request",
                "the request is not valid",
                {
                    "errors": [
                        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                        for e in error.errors(include_url=False)
                    ]
                },
            ) from None
    at = body.at
    if at is not None and timezone.is_naive(at):
        raise ApiError(422, "invalid_request", "at: needs a time zone (…Z or +01:00)")
    result = step_report(
        partner=request.auth.partner,
        account=account,
        key=step_key,
        done=body.done,
        at=at,
        actor=request.auth.created_by,
    )
    completion = result.completion
    return {
        "key": result.step.key,
        "title": result.step.title,
        "checked_by": "reported",
        "done": completion is not None,
        "at": completion.completed_at if completion else None,
        "by": completion.completed_by_label if completion else None,
        "changed": result.changed,
    }


class RollupFilters(Schema):
    group: int | None = Field(None, description="A top-level group's id: its accounts only")
    months: int = Field(12, ge=1, le=MONTHS_MAX)


class StatusPlanOut(Schema):
    billing_status: str
    plan_type: str
    accounts: int


class OnboardingRollupOut(Schema):
    steps: int
    accounts: int
    complete: int
    done_steps: int
    average_percent: int


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    spend: dict[str, int] = Field(description="Invoices paid, in cents per currency")
    discount: dict[str, int] | None = Field(
        None, description="Bulk-pricing discount in cents per currency, where pricing applies"
    )


class RollupOut(Schema):
    accounts: int
    contacts: int
    by_status_plan: list[StatusPlanOut]
    onboarding: OnboardingRollupOut
    months: list[MonthOut]


@router.get("/reports/rollup", response={200: RollupOut, **ERRORS}, summary="Roll-up report")
def get_rollup(request, filters: Query[RollupFilters]):
    """The roll-up across every account the key sees (in one group): accounts by status and
    plan, contacts, onboarding progress and, month by month, spend and discount in cents."""
    partner_id = request.auth.partner_id
    if (
        filters.group is not None
        and not AccountGroup.objects.filter(
            partner_id=partner_id, parent=None, pk=filters.group
        ).exists()
    ):
        raise ApiError(404, "not_found", "no such group")
    report = rollup_report(
        partner_id=partner_id,
        visible_to=key_visible_to(request),
        group_id=filters.group,
        months=filters.months,
        today=timezone.localdate(),
    )
    o = report.onboarding
    return {
        "accounts": report.accounts,
        "contacts": report.contacts,
        "by_status_plan": [
            {"billing_status": s, "plan_type": p, "accounts": n}
            for (s, p), n in sorted(report.by_status_plan.items())
        ],
        "onboarding": {
            "steps": o.steps,
            "accounts": o.accounts,
            "complete": o.complete,
            "done_steps": o.done_steps,
            "average_percent": o.percent,
        },
        "months": [
            {
                "month": f"{m.month:%Y-%m}",
                "spend": m.spend,
                "discount": m.discount if report.has_discount else None,
            }
            for m in report.months
        ],
    }
