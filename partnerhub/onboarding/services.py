"""Every write of the onboarding checklist: its steps, their completions and the nudges.

Permissions are the caller's: pages and the API let only an organization's owners and admins
change the checklist or send nudges, and only its API keys report steps. Every change writes
one audit row in its transaction."""

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from partnerhub.audit import events
from partnerhub.audit.services import AuditRow, actor_label_for, audit_record, audit_record_bulk
from partnerhub.clients.models import ClientAccount
from partnerhub.core.bulk import insert_many
from partnerhub.core.emails import email_queue
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.locks import lock_one
from partnerhub.core.text import one_line
from partnerhub.core.timefmt import format_datetime
from partnerhub.onboarding.checks import get_check
from partnerhub.onboarding.models import (
    OnboardingNudge,
    OnboardingStep,
    StepCompletion,
    StepSource,
)
from partnerhub.organizations.services import admin_actor_check
from partnerhub.partners.models import Partner

TITLE_MAX = 120
HELP_MAX = 1000
LINK_MAX = 500
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")
# Nudges: one per account in this long, and this many per organization per day (UTC).
NUDGE_GAP = dt.timedelta(hours=24)
NUDGES_PER_DAY = 200
CHECKED_BY = "PartnerHub check"


def link_problem(link: str) -> str | None:
    """Why ``link`` may not be a step's link, or None: an ``https`` address, or a path on
    this site (``/help/…``), nothing else."""
    if len(link) > LINK_MAX:
        return f"A link has at most {LINK_MAX} characters."
    if any(c.isspace() or ord(c) < 32 for c in link):
        return "A link has no spaces or line breaks."
    if link.startswith("/"):
        if link.startswith("//") or link.startswith("/\\"):
            return "A path on this site starts with one slash."
        return None
    parts = urlsplit(link)
    if parts.scheme.lower() != "https" or not parts.hostname:
        return "A link is an https:// address or a path on this site starting with /."
    if parts.username or parts.password:
        return "A link may not carry a user name or password."
    return None


def _clean(title: str, help_text: str, link: str) -> tuple[str, str, str]:
    title = one_line(title or "")
    help_text = (help_text or "").replace("\x00", "").strip()
    link = (link or "").strip()
    if not title:
        raise InvalidTransition("A step needs a title.", code="step_title_missing")
    if len(title) > TITLE_MAX:
        raise InvalidTransition(
            f"A title has at most {TITLE_MAX} characters.", code="step_title_long"
        )
    if len(help_text) > HELP_MAX:
        raise InvalidTransition(
            f"A help text has at most {HELP_MAX} characters.", code="step_help_long"
        )
    if link:
        problem = link_problem(link)
        if problem:
            raise InvalidTransition(problem, code="step_link_invalid")
    return title, help_text, link


def _step(partner: Partner, step_id: int) -> OnboardingStep:
    try:
        return lock_one(
            OnboardingStep.objects.filter(partner=partner, removed_at__isnull=True), pk=step_id
        )
    except OnboardingStep.DoesNotExist:
        raise NotFound("no such step", code="step_not_found") from None


def _new_key(partner: Partner, title: str) -> str:
    base = (slugify(title) or "step")[:40].strip("-") or "step"
    taken = set(
        OnboardingStep.objects.filter(partner=partner, key__startswith=base).values_list(
            "key", flat=True
        )
    )
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


@transaction.atomic
def step_create(
    *,
    partner: Partner,
    title: str,
    help_text: str = "",
    link: str = "",
    check: str = "",
    key: str = "",
    actor=None,
) -> OnboardingStep:
    """A step at the end of ``partner``'s checklist: checked by PartnerHub when ``check``
    names an available check, otherwise reported by the email product under ``key``."""
    admin_actor_check(partner, actor)
    title, help_text, link = _clean(title, help_text, link)
    lock_one(Partner.objects.all(), pk=partner.pk)  # one position at a time
    if check:
        if get_check(check) is None:
            raise InvalidTransition("There is no such automatic check.", code="check_unknown")
        if OnboardingStep.objects.filter(
            partner=partner, check_name=check, removed_at__isnull=True
        ).exists():
            raise Conflict("The checklist has a step with this check already.", code="check_used")
    if key:
        if not KEY.fullmatch(key):
            raise InvalidTransition(
                "A key is lower-case letters, digits and hyphens (at most 50).",
                code="step_key_invalid",
            )
        if OnboardingStep.objects.filter(partner=partner, key=key).exists():
            raise Conflict(f"There is a step with the key {key} already.", code="step_key_taken")
    else:
        key = _new_key(partner, check.replace("_", "-") if check else title)
    last = OnboardingStep.objects.filter(partner=partner, removed_at__isnull=True).aggregate(
        m=Max("position")
    )["m"]
    step = OnboardingStep.objects.create(
        partner=partner,
        key=key,
        title=title,
        help_text=help_text,
        link=link,
        position=(last or 0) + 1,
        source=StepSource.CHECK if check else StepSource.REPORTED,
        check_name=check,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=events.ONBOARDING_STEP_ADDED,
        target=step,
        partner=partner,
        after={"key": key, "title": title, "check": check, "link": link},
    )
    if check:
        transaction.on_commit(lambda: _evaluate_later(partner.pk))
    return step


def _evaluate_later(partner_id: int) -> None:
    from partnerhub.onboarding.tasks import onboarding_checks_task

    onboarding_checks_task.enqueue(partner_id=partner_id)


@transaction.atomic
def step_update(
    *, partner: Partner, step_id: int, title: str, help_text: str, link: str, actor=None
) -> OnboardingStep:
    """New words or link for a step; its key, kind and completions stay."""
    admin_actor_check(partner, actor)
    step = _step(partner, step_id)
    title, help_text, link = _clean(title, help_text, link)
    before = {"title": step.title, "help_text": step.help_text, "link": step.link}
    after = {"title": title, "help_text": help_text, "link": link}
    if before == after:
        return step
    step.title, step.help_text, step.link = title, help_text, link
    step.save(update_fields=["title", "help_text", "link"])
    audit_record(
        actor=actor,
        action=events.ONBOARDING_STEP_CHANGED,
        target=step,
        partner=partner,
        before=before,
        after=after,
    )
    return step


@transaction.atomic
def step_move(*, partner: Partner, step_id: int, up: bool, actor=None) -> OnboardingStep:
    """Swap a step with the one before it (``up``) or after it; at an end, nothing moves."""
    admin_actor_check(partner, actor)
    lock_one(Partner.objects.all(), pk=partner.pk)
    step = _step(partner, step_id)
    active = OnboardingStep.objects.filter(partner=partner, removed_at__isnull=True)
    other = (
        active.filter(position__lt=step.position).order_by("-position").first()
        if up
        else active.filter(position__gt=step.position).order_by("position").first()
    )
    if other is None:
        return step
    step.position, other.position = other.position, step.position
    step.save(update_fields=["position"])
    other.save(update_fields=["position"])
    audit_record(
        actor=actor,
        action=events.ONBOARDING_STEP_MOVED,
        target=step,
        partner=partner,
        before={"position": other.position},
        after={"position": step.position, "swapped_with": other.pk},
    )
    return step


@transaction.atomic
def step_remove(*, partner: Partner, step_id: int, actor=None) -> OnboardingStep:
    """Take a step off the checklist. Its completions stay recorded (and readable on the
    account's history); progress no longer counts it."""
    admin_actor_check(partner, actor)
    step = _step(partner, step_id)
    step.removed_at = timezone.now()
    step.save(update_fields=["removed_at"])
    audit_record(
        actor=actor,
        action=events.ONBOARDING_STEP_REMOVED,
        target=step,
        partner=partner,
        before={"title": step.title, "key": step.key},
    )
    return step


@dataclass(frozen=True)
class ReportResult:
    step: OnboardingStep
    completion: StepCompletion | None
    changed: bool


@transaction.atomic
def step_report(
    *,
    partner: Partner,
    account: ClientAccount,
    key: str,
    done: bool = True,
    at: dt.datetime | None = None,
    actor=None,
) -> ReportResult:
    """The email product says a reported step is done (or no longer done) for ``account``.
    Saying it again changes nothing: the first report's time stays."""
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.partner_id != partner.pk:
        raise NotFound("no such account", code="account_not_found")
    step = OnboardingStep.objects.filter(partner=partner, key=key, removed_at__isnull=True).first()
    if step is None:
        raise NotFound(f"the checklist has no step {key}", code="step_not_found")
    if step.source != StepSource.REPORTED:
        raise InvalidTransition(
            f"PartnerHub checks the step {key} itself; it cannot be reported",
            code="step_checked_by_partnerhub",
        )
    now = timezone.now()
    if at is not None and at > now + dt.timedelta(minutes=5):
        raise InvalidTransition("at: is in the future", code="at_in_future")
    existing = StepCompletion.objects.filter(step=step, account=account).first()
    if done:
        if existing is not None:
            return ReportResult(step, existing, False)
        completion = StepCompletion.objects.create(
            step=step,
            account=account,
            completed_at=at or now,
            completed_by=actor,
            completed_by_label=actor_label_for(actor),
            recorded_at=now,
        )
        action = events.ONBOARDING_STEP_DONE
    else:
        if existing is None:
            return ReportResult(step, None, False)
        existing.delete()
        completion = None
        action = events.ONBOARDING_STEP_UNDONE
    audit_record(
        actor=actor,
        action=action,
        target=step,
        partner=partner,
        account=account,
        after={"key": key, "done": done, "at": (at or now).isoformat()},
    )
    return ReportResult(step, completion, True)


def checks_evaluate(*, partner_id: int, account_ids: list[int] | None = None) -> int:
    """Record every automatic step that is now met by an account of ``partner_id`` (all of
    them, or ``account_ids``) and not yet recorded. A step PartnerHub saw done stays done.
    Returns how many completions were recorded."""
    steps = list(
        OnboardingStep.objects.filter(
            partner_id=partner_id, source=StepSource.CHECK, removed_at__isnull=True
        )
    )
    recorded = 0
    for step in steps:
        check = get_check(step.check_name)
        if check is None:
            continue
        with transaction.atomic():
            pending = ClientAccount.objects.filter(partner_id=partner_id).exclude(
                onboarding_completions__step=step
            )
            if account_ids is not None:
                pending = pending.filter(pk__in=account_ids)
            met = sorted(check.met(pending))
            if not met:
                continue
            now = timezone.now()
            try:
                with transaction.atomic():
                    insert_many(
                        StepCompletion,
                        [
                            "step_id",
                            "account_id",
                            "completed_at",
                            "completed_by_id",
                            "completed_by_label",
                            "recorded_at",
                        ],
                        ((step.pk, pk, now, None, CHECKED_BY, now) for pk in met),
                    )
            except IntegrityError:  # another run recorded some first: the next run does the rest
                continue
            audit_record_bulk(
                actor=None,
                action=events.ONBOARDING_STEP_DONE,
                target_model=OnboardingStep,
                rows=[
                    AuditRow(
                        target_id=step.pk,
                        partner_id=partner_id,
                        account_id=pk,
                        after={"key": step.key, "done": True, "check": step.check_name},
                        at=now,
                    )
                    for pk in met
                ],
            )
            recorded += len(met)
    return recorded


@dataclass
class NudgeResult:
    sent: list[ClientAccount] = field(default_factory=list)
    # (account, why, the earliest time another nudge is possible, or None)
    refused: list[tuple[ClientAccount, str, dt.datetime | None]] = field(default_factory=list)


def checklist_url(account: ClientAccount) -> str:
    return settings.PARTNERHUB_BASE_URL.rstrip("/") + reverse(
        "customer-onboarding", args=[account.encoded_account_id]
    )


@transaction.atomic
def nudges_send(
    *, partner: Partner, account_ids: list[int], actor=None, now: dt.datetime | None = None
) -> NudgeResult:
    """E-mail the owners of ``account_ids`` (accounts of ``partner``) a reminder of the steps
    they have not done: at most one per account every 24 hours and ``NUDGES_PER_DAY`` per
    organization per day. Refusals say when the next nudge is possible."""
    from partnerhub.onboarding.selectors import account_checklist

    admin_actor_check(partner, actor)
    now = now or timezone.now()
    lock_one(Partner.objects.all(), pk=partner.pk)  # the day's count, one sender at a time
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = OnboardingNudge.objects.filter(partner=partner, sent_at__gte=day_start).count()
    accounts = list(
        ClientAccount.objects.filter(partner=partner, pk__in=account_ids).order_by(
            "organization_name", "id"
        )
    )
    last = {
        n["account_id"]: n["last"]
        for n in OnboardingNudge.objects.filter(account__in=accounts, sent_at__gt=now - NUDGE_GAP)
        .values("account_id")
        .annotate(last=Max("sent_at"))
        .order_by()
    }
    result = NudgeResult()
    for account in accounts:
        if account.pk in last:
            result.refused.append(
                (account, "was reminded less than 24 hours ago", last[account.pk] + NUDGE_GAP)
            )
            continue
        if sent_today >= NUDGES_PER_DAY:
            result.refused.append(
                (
                    account,
                    f"{partner.name} sent its {NUDGES_PER_DAY} reminders of the day",
                    day_start + dt.timedelta(days=1),
                )
            )
            continue
        steps = account_checklist(partner_id=partner.pk, account_id=account.pk)
        todo = [s.title for s in steps if not s.done]
        if not todo:
            result.refused.append((account, "has done every step", None))
            continue
        email = email_queue(
            to=[account.contact_email],
            subject=f"{partner.name}: {len(todo)} onboarding steps left for "
            f"{account.organization_name}",
            body=f"Hello {account.owner_name},\n\n"
            f"{partner.name} asks you to finish setting up {account.organization_name}. "
            "Still to do:\n\n"
            + "".join(f"- {t}\n" for t in todo)
            + f"\nSee your checklist: {checklist_url(account)}\n",
        )
        nudge = OnboardingNudge.objects.create(
            partner=partner, account=account, sent_by=actor, sent_at=now, email=email
        )
        audit_record(
            actor=actor,
            action=events.ONBOARDING_NUDGE_SENT,
            target=nudge,
            partner=partner,
            account=account,
            after={"steps_left": len(todo), "to": account.contact_email},
        )
        sent_today += 1
        result.sent.append(account)
    return result


def next_possible_text(when: dt.datetime, *, zone=None) -> str:
    return format_datetime(when, zone=zone)
