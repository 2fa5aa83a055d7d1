"""Grants: the level the customer gives (the one asked or lower) and changes later, the end
date, the extension the partner asks for, automatic renewal, and the end by the worker."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from partnerhub.access import disclaimers
from partnerhub.access.models import (
    ConsentReason,
    ConsentRecord,
    Grant,
    GrantChange,
    GrantStatus,
    GrantWarning,
    ManageRequest,
    RequestKind,
    RequestStatus,
    grant_change_allowed,
)
from partnerhub.access.services import (
    grant_expire,
    grant_extension_request,
    grant_level_set,
    grants_expire_due,
    grants_warn_expiring,
    manage_request_confirm,
    manage_request_create,
    partner_access_revoke,
)
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.notices.models import Notice
from partnerhub.partnerships.models import KindChangeCause, PartnershipKindChange
from partnerhub.tests.snapshots import access_state
from partnerhub.tests.world import build_world
from partnerhub.webhooks.models import WebhookEndpoint, WebhookEvent

PARTNER_TEAM = ["adam@brightwave.test", "max@brightwave.test", "olga@brightwave.test"]
CUSTOMER = ["bluebakery@client.test"]
DAY = dt.timedelta(days=1)


def ask(world, *, level="marketing", duration_days=90, account=None, by=None):
    return manage_request_create(
        actor=(by or world.member).user,
        account_id=(account or world.account).pk,
        level=level,
        duration_days=duration_days,
    )


def confirm(world, request, *, level=None, auto_renew=False, by=None):
    granted = level or request.level
    return manage_request_confirm(
        actor=by or world.customer,
        request_id=request.pk,
        ip_address="198.51.100.20",
        user_agent="Firefox",
        disclaimer_version=disclaimers.for_level(granted).version,
        level=level,
        auto_renew=auto_renew,
    )


def granted(world, **kwargs) -> Grant:
    request = ask(world, **{k: v for k, v in kwargs.items() if k != "auto_renew"})
    confirm(world, request, auto_renew=kwargs.get("auto_renew", False))
    return Grant.objects.get(request=request)


def set_level(world, level, *, by=None):
    return grant_level_set(
        actor=by or world.customer,
        account_id=world.account.pk,
        level=level,
        disclaimer_version=disclaimers.for_level(level).version,
    )


def hook(world) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        partner=world.partner, url="https://hooks.example/in", secret="whsec_x"
    )


def events_of(world, prefix="access.") -> list[str]:
    return list(
        WebhookEvent.objects.filter(partner=world.partner, event_type__startswith=prefix)
        .order_by("id")
        .values_list("event_type", flat=True)
    )


# --- The transition table ----------------------------------------------------------------------

NOW = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("status", "change", "ends_at", "auto_renew", "allowed"),
    [
        (GrantStatus.ACTIVE, GrantChange.LEVEL, None, False, True),
        (GrantStatus.ACTIVE, GrantChange.REVOKE, None, False, True),
        (GrantStatus.ACTIVE, GrantChange.EXTEND, NOW + DAY, False, True),
        (GrantStatus.ACTIVE, GrantChange.EXTEND, None, False, False),  # no end date to move
        (GrantStatus.ACTIVE, GrantChange.EXPIRE, NOW, False, True),
        (GrantStatus.ACTIVE, GrantChange.EXPIRE, NOW + DAY, False, False),  # not yet
        (GrantStatus.ACTIVE, GrantChange.EXPIRE, NOW, True, False),  # renews instead
        (GrantStatus.ACTIVE, GrantChange.EXPIRE, None, False, False),
        (GrantStatus.ACTIVE, GrantChange.RENEW, NOW, True, True),
        (GrantStatus.ACTIVE, GrantChange.RENEW, NOW, False, False),
        (GrantStatus.ACTIVE, GrantChange.RENEW, NOW + DAY, True, False),
        (GrantStatus.EXPIRED, GrantChange.LEVEL, None, False, False),
        (GrantStatus.EXPIRED, GrantChange.EXTEND, NOW + DAY, False, False),
        (GrantStatus.EXPIRED, GrantChange.RENEW, NOW, True, False),
        (GrantStatus.REVOKED, GrantChange.LEVEL, None, False, False),
        (GrantStatus.REVOKED, GrantChange.REVOKE, None, False, False),
        (GrantStatus.REVOKED, GrantChange.EXPIRE, NOW, False, False),
    ],
)
def test_the_grant_transition_table(status, change, ends_at, auto_renew, allowed):
    assert (
        grant_change_allowed(
            status=status, change=change, ends_at=ends_at, auto_renew=auto_renew, now=NOW
        )
        is allowed
    )


# --- Level and duration asked ------------------------------------------------------------------


def test_a_request_names_a_level_and_a_duration(world):
    request = ask(world, level="marketing", duration_days=90)

    assert (request.level, request.duration_days) == ("marketing", 90)
    event = AuditEvent.objects.get(action="access.requested")
    assert (event.after["level"], event.after["duration_days"]) == ("marketing", 90)


def test_without_a_duration_the_setting_decides(world, settings):
    settings.PARTNERHUB_ACCESS_DEFAULT_DURATION_DAYS = 180

    request = manage_request_create(actor=world.member.user, account_id=world.account.pk)

    assert (request.level, request.duration_days) == ("full", 180)


def test_the_default_setting_is_until_the_customer_turns_it_off(world):
    request = manage_request_create(actor=world.member.user, account_id=world.account.pk)

    assert (request.level, request.duration_days) == ("full", None)


@pytest.mark.parametrize(
    ("level", "duration_days", "code"),
    [("owner", 90, "level_invalid"), ("full", 45, "duration_invalid"), ("", 90, "level_invalid")],
)
def test_an_unknown_level_or_duration_is_refused_and_changes_nothing(
    world, level, duration_days, code
):
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        ask(world, level=level, duration_days=duration_days)

    assert refused.value.code == code
    assert access_state(world.account) == before


# --- Confirming at a level ---------------------------------------------------------------------


def test_the_customer_grants_a_lower_level_than_asked_for_the_asked_duration(world):
    # given a request for marketing access for 90 days
    request = ask(world, level="marketing", duration_days=90)

    # when the customer grants reports only
    consent = confirm(world, request, level="reports")

    # then the account is managed at reports only until 90 days from now
    grant = Grant.objects.get(request=request)
    assert (grant.asked_level, grant.level, grant.duration_days) == ("marketing", "reports", 90)
    assert grant.ends_at == grant.starts_at + 90 * DAY
    account = ClientAccount.objects.get(pk=world.account.pk)
    assert (account.partnership_kind, account.access_level) == ("managed", "reports")
    # and the consent quotes the read-only disclaimer, verbatim, with its version
    reports = disclaimers.for_level("reports")
    assert (consent.level, consent.reason, consent.grant) == ("reports", "granted", grant)
    assert consent.disclaimer_text == reports.for_partner("Brightwave Agency")
    assert consent.disclaimer_version == reports.version
    assert consent.ends_at == grant.ends_at


def test_a_level_above_the_one_asked_is_refused_and_changes_nothing(world):
    request = ask(world, level="reports")
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        confirm(world, request, level="full")

    assert refused.value.code == "level_above_asked"
    assert access_state(world.account) == before


def test_the_disclaimer_seen_must_be_the_one_of_the_level_granted(world):
    request = ask(world, level="marketing")
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        manage_request_confirm(
            actor=world.customer,
            request_id=request.pk,
            ip_address=None,
            user_agent="",
            disclaimer_version="1999-01-01",
            level="reports",
        )

    assert refused.value.code == "disclaimer_outdated"
    assert access_state(world.account) == before


def test_renewing_automatically_needs_an_end_date(world):
    request = ask(world, duration_days=None)
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        confirm(world, request, auto_renew=True)

    assert refused.value.code == "renew_needs_end_date"
    assert access_state(world.account) == before


# --- Changing the level later ------------------------------------------------------------------


def test_the_customer_lowers_then_raises_the_level_up_to_what_was_asked(
    world, django_capture_on_commit_callbacks
):
    # given marketing access granted for 90 days
    grant = granted(world, level="marketing", duration_days=90)
    hook(world)
    mail.outbox.clear()

    # when the customer lowers it to reports only, then raises it back to marketing
    with django_capture_on_commit_callbacks(execute=True):
        set_level(world, "reports")
    with django_capture_on_commit_callbacks(execute=True):
        set_level(world, "marketing")

    # then the grant and the account carry marketing, with the same end date
    grant.refresh_from_db()
    assert grant.level == "marketing"
    assert ClientAccount.objects.get(pk=world.account.pk).access_level == "marketing"
    # and each decision is its own consent record and timeline entry
    records = ConsentRecord.objects.filter(grant=grant).order_by("id")
    assert [(c.reason, c.level) for c in records] == [
        (ConsentReason.GRANTED, "marketing"),
        (ConsentReason.LEVEL_CHANGED, "reports"),
        (ConsentReason.LEVEL_CHANGED, "marketing"),
    ]
    changes = AuditEvent.objects.filter(action="access.level_changed").order_by("id")
    assert [(e.before, e.after["level"]) for e in changes] == [
        ({"level": "marketing"}, "reports"),
        ({"level": "reports"}, "marketing"),
    ]
    # and the partner is told each time, by e-mail, notice and webhook
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (PARTNER_TEAM, "Blue Bakery lowered your access to Reports only"),
        (PARTNER_TEAM, "Blue Bakery raised your access to Marketing"),
    ]
    assert Notice.objects.filter(user=world.member.user, kind="access_level_changed").count() == 2
    assert events_of(world) == ["access.level_changed", "access.level_changed"]
    payload = (
        WebhookEvent.objects.filter(event_type="access.level_changed").order_by("id").last().payload
    )
    assert (payload["access_level"], payload["previous_level"]) == ("marketing", "reports")


@pytest.mark.parametrize(
    ("level", "code"), [("full", "level_above_asked"), ("marketing", "level_unchanged")]
)
def test_a_level_change_beyond_the_rules_is_refused_and_changes_nothing(world, level, code):
    granted(world, level="marketing")
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        set_level(world, level)

    assert refused.value.code == code
    assert access_state(world.account) == before


def test_only_the_account_owner_changes_the_level(world):
    granted(world, level="marketing")
    before = access_state(world.account)

    for stranger in (world.other_customer, world.member.user, world.owner.user):
        with pytest.raises(NotFound):
            set_level(world, "reports", by=stranger)

    assert access_state(world.account) == before


def test_an_account_imported_as_managed_can_be_lowered(world):
    # given Green Garden, managed from the start (no request was ever made)
    account = world.managed_account

    consent = grant_level_set(
        actor=account.owner,
        account_id=account.pk,
        level="reports",
        disclaimer_version=disclaimers.for_level("reports").version,
    )

    assert (consent.request, consent.level) == (None, "reports")
    assert consent.grant.asked_level == "full"
    assert ClientAccount.objects.get(pk=account.pk).access_level == "reports"


def test_a_referred_account_has_no_level_to_change(world):
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        set_level(world, "reports")

    assert refused.value.code == "not_managed"
    assert access_state(world.account) == before


# --- Extension and renewal ---------------------------------------------------------------------


def test_the_partner_asks_for_an_extension_and_the_customer_confirms_it(
    world, django_capture_on_commit_callbacks
):
    # given marketing access for 90 days
    grant = granted(world, level="marketing", duration_days=90)
    first_end = grant.ends_at
    hook(world)
    mail.outbox.clear()

    # when the partner asks for an extension in one click
    with django_capture_on_commit_callbacks(execute=True):
        extension = grant_extension_request(actor=world.member.user, account_id=world.account.pk)

    # then the customer has one request waiting, for the same level and duration
    assert (extension.kind, extension.status, extension.grant) == (
        RequestKind.EXTENSION,
        RequestStatus.PENDING,
        grant,
    )
    assert (extension.level, extension.duration_days) == ("marketing", 90)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (CUSTOMER, "Brightwave Agency asks to keep access to Blue Bakery")
    ]

    # when the customer confirms it, choosing to renew automatically
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consent = confirm(world, extension, auto_renew=True)

    # then the grant lasts 90 more days and renews itself
    grant.refresh_from_db()
    assert grant.ends_at == first_end + 90 * DAY
    assert grant.auto_renew is True
    assert (consent.reason, consent.request, consent.ends_at) == (
        "extended",
        extension,
        grant.ends_at,
    )
    assert ManageRequest.objects.get(pk=extension.pk).status == RequestStatus.CONFIRMED
    assert [m.to for m in mail.outbox] == [PARTNER_TEAM]
    assert events_of(world) == ["access.extended"]
    assert WebhookEvent.objects.get(event_type="access.extended").payload["automatic"] is False


def test_one_open_request_per_account_covers_extensions(world):
    granted(world, duration_days=90)
    grant_extension_request(actor=world.member.user, account_id=world.account.pk)
    before = access_state(world.account)

    with pytest.raises(Conflict) as refused:
        grant_extension_request(actor=world.owner.user, account_id=world.account.pk)

    assert refused.value.code == "request_pending"
    assert access_state(world.account) == before


def test_access_without_an_end_date_has_nothing_to_extend(world):
    granted(world, duration_days=None)
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        grant_extension_request(actor=world.member.user, account_id=world.account.pk)

    assert refused.value.code == "no_end_date"
    assert access_state(world.account) == before


@pytest.mark.parametrize("who", ["other_owner", "customer"])
def test_only_the_partner_asks_for_an_extension(world, who):
    granted(world, duration_days=90)
    before = access_state(world.account)
    actor = world.other_owner.user if who == "other_owner" else world.customer

    with pytest.raises(NotFound):
        grant_extension_request(actor=actor, account_id=world.account.pk)

    assert access_state(world.account) == before


def test_a_referred_account_has_no_access_to_extend(world):
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        grant_extension_request(actor=world.member.user, account_id=world.account.pk)

    assert refused.value.code == "not_managed"
    assert access_state(world.account) == before


def test_turning_access_off_ends_the_grant_and_answers_a_waiting_extension(world):
    grant = granted(world, duration_days=90)
    extension = grant_extension_request(actor=world.member.user, account_id=world.account.pk)

    partner_access_revoke(actor=world.customer, account_id=world.account.pk)

    grant.refresh_from_db()
    assert (grant.status, grant.ended_at is not None) == (GrantStatus.REVOKED, True)
    assert ManageRequest.objects.get(pk=extension.pk).status == RequestStatus.DECLINED
    # and the partner can ask again
    assert ask(world).status == RequestStatus.PENDING


# --- The end date, warnings, the worker --------------------------------------------------------


def test_a_grant_ends_at_its_end_date_and_both_sides_are_told(
    world, django_capture_on_commit_callbacks
):
    # given marketing access for 90 days
    grant = granted(world, level="marketing", duration_days=90)
    hook(world)
    mail.outbox.clear()

    # when the sweep runs a second before the end: nothing
    assert grants_expire_due(now=grant.ends_at - dt.timedelta(seconds=1)) == []
    assert Grant.objects.get(pk=grant.pk).is_active

    # when it runs at the end
    with django_capture_on_commit_callbacks(execute=True):
        ended = grants_expire_due(now=grant.ends_at)

    # then the grant ended, the account is referred again, still in the partnership
    assert [g.pk for g in ended] == [grant.pk]
    grant.refresh_from_db()
    assert (grant.status, grant.ended_at) == (GrantStatus.EXPIRED, grant.ends_at)
    account = ClientAccount.objects.get(pk=world.account.pk)
    assert (account.partner_id, account.partnership_kind, account.access_level) == (
        world.partner.pk,
        PartnershipKind.REFERRED,
        "",
    )
    change = PartnershipKindChange.objects.filter(partnership__account=world.account).last()
    assert (change.kind, change.cause, change.effective_at) == (
        "referred",
        KindChangeCause.ACCESS_EXPIRED,
        grant.ends_at,
    )
    # and both sides are told by e-mail and in the product, and the webhook fires
    assert sorted((m.to, m.subject) for m in mail.outbox) == [
        (PARTNER_TEAM, "Your access to Blue Bakery ended"),
        (CUSTOMER, "Brightwave Agency's access to Blue Bakery ended"),
    ]
    assert Notice.objects.filter(kind="access_expired").count() == 4  # three members, one owner
    assert events_of(world) == ["access.expired"]
    assert AuditEvent.objects.filter(action="access.expired").count() == 1

    # when the sweep runs again: nothing more
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert grants_expire_due(now=grant.ends_at + DAY) == []
    assert mail.outbox == []


def test_an_end_also_expires_a_waiting_extension_request(world):
    grant = granted(world, duration_days=30)
    extension = grant_extension_request(actor=world.member.user, account_id=world.account.pk)

    grant_expire(grant_id=grant.pk, now=grant.ends_at)

    assert ManageRequest.objects.get(pk=extension.pk).status == RequestStatus.EXPIRED


def test_a_grant_that_renews_automatically_is_extended_at_its_end(
    world, django_capture_on_commit_callbacks
):
    grant = granted(world, duration_days=30, auto_renew=True)
    first_end = grant.ends_at
    hook(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        grants_expire_due(now=first_end)

    grant.refresh_from_db()
    assert (grant.status, grant.ends_at) == (GrantStatus.ACTIVE, first_end + 30 * DAY)
    assert ClientAccount.objects.get(pk=world.account.pk).partnership_kind == "managed"
    assert sorted(m.to for m in mail.outbox) == [PARTNER_TEAM, CUSTOMER]
    assert events_of(world) == ["access.extended"]
    assert WebhookEvent.objects.get(event_type="access.extended").payload["automatic"] is True


def test_warnings_go_30_7_and_1_day_before_the_end_once_each(
    world, django_capture_on_commit_callbacks
):
    # given marketing access for 90 days
    grant = granted(world, level="marketing", duration_days=90)
    end = grant.ends_at
    hook(world)
    mail.outbox.clear()

    def sweep(at):
        with django_capture_on_commit_callbacks(execute=True):
            return [w.days_before for w in grants_warn_expiring(now=at)]

    # then nothing is due 31 days before; the 30-day warning is due 30 days before, once
    assert sweep(end - 31 * DAY) == []
    assert sweep(end - 30 * DAY) == [30]
    assert sweep(end - 29 * DAY) == []
    # and the 7-day and the 1-day warnings, once each
    assert sweep(end - 7 * DAY) == [7]
    assert sweep(end - 6 * DAY) == []
    assert sweep(end - DAY) == [1]
    assert sweep(end - dt.timedelta(hours=1)) == []

    assert [m.subject for m in mail.outbox if m.to == PARTNER_TEAM] == [
        "Your access to Blue Bakery ends in 30 days",
        "Your access to Blue Bakery ends in 7 days",
        "Your access to Blue Bakery ends tomorrow",
    ]
    assert [m.subject for m in mail.outbox if m.to == CUSTOMER] == [
        "Brightwave Agency's access to Blue Bakery ends in 30 days",
        "Brightwave Agency's access to Blue Bakery ends in 7 days",
        "Brightwave Agency's access to Blue Bakery ends tomorrow",
    ]
    assert Notice.objects.filter(user=world.customer, kind="access_expiring").count() == 3
    assert Notice.objects.filter(user=world.member.user, kind="access_expiring").count() == 3
    assert events_of(world) == ["access.expiring"] * 3
    assert list(GrantWarning.objects.values_list("days_before", flat=True)) == [30, 7, 1]


def test_a_late_sweep_sends_only_the_nearest_warning(world):
    grant = granted(world, duration_days=90)

    sent = grants_warn_expiring(now=grant.ends_at - 3 * DAY)

    assert [w.days_before for w in sent] == [7]
    assert grants_warn_expiring(now=grant.ends_at - 2 * DAY) == []


def test_a_30_day_grant_is_not_warned_30_days_before_it_ends(world):
    grant = granted(world, duration_days=30)

    assert grants_warn_expiring(now=grant.starts_at + dt.timedelta(minutes=1)) == []
    assert [w.days_before for w in grants_warn_expiring(now=grant.ends_at - 7 * DAY)] == [7]


def test_an_extension_starts_the_warnings_over(world):
    grant = granted(world, duration_days=30)
    grants_warn_expiring(now=grant.ends_at - 7 * DAY)
    extension = grant_extension_request(actor=world.member.user, account_id=world.account.pk)
    confirm(world, extension)
    grant.refresh_from_db()

    assert [w.days_before for w in grants_warn_expiring(now=grant.ends_at - 7 * DAY)] == [7]


def test_grants_that_renew_themselves_are_not_warned(world):
    grant = granted(world, duration_days=90, auto_renew=True)

    assert grants_warn_expiring(now=grant.ends_at - 7 * DAY) == []


def test_a_grant_without_an_end_date_never_ends(world):
    grant = granted(world, duration_days=None)
    far = timezone.now() + 3650 * DAY

    assert grants_warn_expiring(now=far) == []
    assert grants_expire_due(now=far) == []
    assert Grant.objects.get(pk=grant.pk).is_active


@pytest.mark.django_db(transaction=True)
def test_the_worker_sweeps_grants_with_its_periodic_task(settings):
    # given marketing access for 30 days, and the worker with its queue in the database
    world = build_world()
    grant = granted(world, level="marketing", duration_days=30)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "webhooks"],
        }
    }
    settings.PARTNERHUB_PERIODIC_TASKS = ["partnerhub.access.tasks.grants_sweep_task"]
    mail.outbox.clear()

    # when the worker runs with the clock 7 days before the end, then after the end
    with mock.patch("django.utils.timezone.now", return_value=grant.ends_at - 7 * DAY):
        call_command("worker", batch=True, verbosity=0)
    warned = sorted(m.subject for m in mail.outbox)
    mail.outbox.clear()
    with mock.patch("django.utils.timezone.now", return_value=grant.ends_at + DAY):
        call_command("worker", batch=True, verbosity=0)

    # then the 7-day warning went to both sides, and the grant ended
    assert warned == [
        "Brightwave Agency's access to Blue Bakery ends in 7 days",
        "Your access to Blue Bakery ends in 7 days",
    ]
    assert sorted(m.subject for m in mail.outbox) == [
        "Brightwave Agency's access to Blue Bakery ended",
        "Your access to Blue Bakery ended",
    ]
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.EXPIRED
