"""Moves: a partner asks the owner of an existing account to bring it in; the signed-in owner
confirms or declines; a move from another partnership ends that one. What each step leaves
behind: the move, the partnerships and their history, the mirror, the consent, the audit rows,
the notices, the e-mails and the webhook events."""

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.access.disclaimers import for_level
from partnerhub.access.models import ManageRequest
from partnerhub.access.selectors import access_timeline
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import PartnershipKind
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.moves.models import MoveConsent, MoveRequest, MoveStatus
from partnerhub.moves.services import (
    move_request_cancel,
    move_request_confirm,
    move_request_create,
    move_request_decline,
    move_terms,
    moves_expire_due,
)
from partnerhub.notices.models import Notice
from partnerhub.partners.models import AccountAssignment
from partnerhub.partnerships.models import Partnership, PartnershipKindChange, PartnershipSource
from partnerhub.tests.snapshots import access_state
from partnerhub.tests.world import request_for
from partnerhub.webhooks.models import WebhookEndpoint, WebhookEvent

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


def ask(world, identifier, *, kind="referred", level="", by=None, code=""):
    return move_request_create(
        actor=(by or world.member).user,
        identifier=identifier,
        kind=kind,
        level=level,
        request_code=code,
        ip_address="203.0.113.7",
    )


def confirm(move, *, by=None, version=None):
    move = MoveRequest.objects.select_related("partner", "account").get(pk=move.pk)
    current = move.account.partner.name if move.account.partner_id else ""
    return move_request_confirm(
        actor=by or move.account.owner,
        move_id=move.pk,
        text_version=version or move_terms(move, current_partner_name=current).version,
        ip_address="198.51.100.20",
        user_agent=BROWSER,
    )


def move_state() -> list[tuple]:
    return list(MoveRequest.objects.order_by("id").values_list("id", "status", "decided_at"))


def hooks(world):
    for partner in (world.partner, world.other_partner):
        WebhookEndpoint.objects.create(
            partner=partner, url="https://hooks.partner.test/in", event_types=[], secret="whsec_x"
        )


# --- asking ----------------------------------------------------------------------------------


def test_a_member_asks_the_owner_of_a_lone_account_by_login_name(
    world, django_capture_on_commit_callbacks
):
    # given Willow Works, in no partnership
    before = timezone.now()

    # when Max asks to bring it in as referred, by its login name in another case
    with django_capture_on_commit_callbacks(execute=True):
        made = ask(world, "  WillowWorks ")

    # then one pending move waits for Walter, for 30 days, and Walter is told twice
    [move] = made
    assert (move.account, move.partner, move.requested_by) == (
        world.lone_account,
        world.partner,
        world.member.user,
    )
    assert (move.kind, move.level, move.status, move.from_partnership) == (
        "referred",
        "",
        MoveStatus.PENDING,
        None,
    )
    assert before <= move.created_at <= timezone.now()
    assert move.expires_at - move.created_at == dt.timedelta(days=30)
    audit = AuditEvent.objects.get(action="move.requested")
    assert (audit.actor, audit.partner, audit.account, audit.ip_address) == (
        world.member.user,
        world.partner,
        world.lone_account,
        "203.0.113.7",
    )
    [email] = mail.outbox
    assert email.to == ["willowworks@client.test"]
    assert email.subject == ("Brightwave Agency asks to bring Willow Works into its partnership")
    assert "as a referred account" in email.body
    assert "/account/" in email.body and "/settings/billing/" in email.body
    notice = Notice.objects.get(user=world.lone_account.owner)
    assert notice.title == "Brightwave Agency asks to bring Willow Works into its partnership"
    # and nothing moved yet
    world.lone_account.refresh_from_db()
    assert world.lone_account.partner_id is None


def test_the_owner_e_mail_finds_the_account_too(world):
    [move] = ask(world, "WILLOWWORKS@client.test", kind="managed", level="marketing")

    assert (move.account, move.kind, move.level) == (world.lone_account, "managed", "marketing")


@pytest.mark.parametrize("identifier", ["nosuchlogin", "nobody@client.test", "bluebakery"])
def test_no_move_is_made_for_an_unknown_account_or_one_already_in_the_partnership(
    world, identifier
):
    # bluebakery is already Brightwave's own account
    before = access_state(world.account)

    assert ask(world, identifier) == []

    assert MoveRequest.objects.count() == 0
    assert access_state(world.account) == before
    assert mail.outbox == []


def test_one_open_move_per_account_a_second_partner_is_not_told(world):
    # given Brightwave's move of Willow Works, waiting
    [first] = ask(world, "willowworks")

    # when Northstar asks for the same account
    made = ask(world, "willowworks", by=world.other_owner)

    # then nothing more is made, and Northstar is answered as for any account
    assert made == []
    assert move_state() == [(first.pk, "pending", None)]


def test_the_database_holds_one_open_move_per_account(world):
    [move] = ask(world, "willowworks")

    with pytest.raises(IntegrityError), transaction.atomic():
        MoveRequest.objects.create(
            account=move.account,
            partner=world.other_partner,
            requested_by=world.other_owner.user,
            kind="referred",
            created_at=move.created_at,
            expires_at=move.expires_at,
        )


@pytest.mark.parametrize(
    ("kind", "level", "code"),
    [("partner", "", "kind_invalid"), ("managed", "everything", "level_invalid")],
)
def test_a_bad_kind_or_level_is_refused(world, kind, level, code):
    with pytest.raises(InvalidTransition) as refused:
        ask(world, "willowworks", kind=kind, level=level)

    assert refused.value.code == code
    assert MoveRequest.objects.count() == 0


def test_an_empty_identifier_is_refused(world):
    with pytest.raises(InvalidTransition) as refused:
        ask(world, "   ")

    assert refused.value.code == "identifier_required"


def test_a_customer_or_a_stranger_cannot_ask(world):
    with pytest.raises(NotFound):
        move_request_create(actor=world.customer, identifier="willowworks", kind="referred")

    assert MoveRequest.objects.count() == 0


def test_asking_too_often_is_refused(world, settings):
    settings.PARTNERHUB_MOVE_RATE_PER_PARTNER = "2/h"
    ask(world, "nosuchlogin")
    ask(world, "nosuchlogin2")

    with pytest.raises(Conflict) as refused:
        ask(world, "willowworks")

    assert refused.value.code == "move_rate_limited"
    assert MoveRequest.objects.count() == 0


# --- confirming ------------------------------------------------------------------------------


def test_the_owner_confirms_a_referred_move_of_a_lone_account(world):
    [move] = ask(world, "willowworks")
    account = world.lone_account

    consent = confirm(move)

    move.refresh_from_db()
    partnership = Partnership.objects.get(account=account)
    assert (move.status, move.decided_by, move.to_partnership) == (
        MoveStatus.CONFIRMED,
        account.owner,
        partnership,
    )
    assert (partnership.partner, partnership.kind, partnership.source) == (
        world.partner,
        PartnershipKind.REFERRED,
        PartnershipSource.APPROVED_MOVE,
    )
    assert partnership.moved_on == timezone.now().date()
    account.refresh_from_db()
    assert (account.partner, account.partnership_kind, account.access_level) == (
        world.partner,
        "referred",
        "",
    )
    assert consent.text == (
        "Confirming moves Willow Works into the partnership of Brightwave Agency from today, as "
        "a referred account. Brightwave Agency is credited with your account but gets no access "
        "to it; the program's own coaches keep serving you."
    )
    assert (consent.text_version, consent.granted_by_label) == (
        "2026-12-01/referred",
        "Walter Wood <willowworks@client.test>",
    )
    assert AuditEvent.objects.filter(action="account.moved_in", account=account).count() == 1
    assert not AuditEvent.objects.filter(action="account.moved_out").exists()


def test_a_managed_move_from_another_partnership_ends_it_and_tells_the_previous_partner(
    world, django_capture_on_commit_callbacks
):
    # given Red Rocket, referred to Northstar since 2025-03-01, and both partners listening
    hooks(world)
    red = world.other_account
    old = Partnership.objects.get(account=red)
    old_history = list(old.kind_changes.values_list("id", "kind", "cause"))
    AccountAssignment.objects.create(
        partner=world.other_partner,
        account=red,
        member=world.other_owner,
        assigned_at=timezone.now(),
    )
    [move] = ask(world, "redrocket", kind="managed", level="marketing")
    assert move.from_partnership == old
    mail.outbox.clear()

    # when Rita confirms, signed in
    with django_capture_on_commit_callbacks(execute=True):
        consent = confirm(move)

    # then Northstar's partnership ended now, its history untouched
    old.refresh_from_db()
    assert old.ended_at == consent.granted_at
    assert list(old.kind_changes.values_list("id", "kind", "cause")) == old_history
    # and Northstar's team no longer serves it
    assert not AccountAssignment.objects.filter(account=red).exists()
    # and Brightwave's starts today, managed at Marketing, approved by the customer
    new = Partnership.objects.get(account=red, ended_at__isnull=True)
    assert (new.partner, new.kind, new.access_level, new.source, new.moved_on) == (
        world.partner,
        "managed",
        "marketing",
        "approved_move",
        consent.granted_at.date(),
    )
    assert list(new.kind_changes.values_list("kind", "cause")) == [("managed", "credited")]
    red.refresh_from_db()
    assert (red.partner, red.partnership_kind, red.access_level, red.partnered_on) == (
        world.partner,
        "managed",
        "marketing",
        new.moved_on,
    )
    # the owner read the level's disclaimer, kept verbatim
    assert consent.text == (
        "Confirming moves Red Rocket into the partnership of Brightwave Agency from today, as a "
        "managed account. It leaves the partnership of Northstar Partners, who will be told that "
        "it moved to another partner; any access Northstar Partners had ends. "
        + for_level("marketing").for_partner("Brightwave Agency")
    )
    assert consent.text_version == f"2026-12-01/marketing-{for_level('marketing').version}"
    # each side's audit row
    moved_in = AuditEvent.objects.get(action="account.moved_in")
    moved_out = AuditEvent.objects.get(action="account.moved_out")
    assert (moved_in.partner, moved_in.account, moved_in.actor) == (world.partner, red, red.owner)
    assert (moved_out.partner, moved_out.account) == (world.other_partner, red)
    # Northstar is told by e-mail and notice, without naming the new partner
    to_northstar = [m for m in mail.outbox if m.to == ["nina@northstar.test"]]
    assert [m.subject for m in to_northstar] == ["Red Rocket moved to another partnership"]
    assert "Brightwave" not in to_northstar[0].body
    assert Notice.objects.filter(
        user=world.other_owner.user, title="Red Rocket moved to another partnership"
    ).exists()
    # Brightwave's team hears the answer
    assert Notice.objects.filter(
        user=world.member.user, title="Red Rocket moved into your partnership"
    ).exists()
    # one webhook event to each side
    out_event = WebhookEvent.objects.get(event_type="account.moved_out")
    in_event = WebhookEvent.objects.get(event_type="account.moved_in")
    assert out_event.partner_id == world.other_partner.pk
    assert (out_event.payload["kind"], out_event.payload["previous_kind"]) == (None, "referred")
    assert in_event.partner_id == world.partner.pk
    assert (in_event.payload["kind"], in_event.payload["level"]) == ("managed", "marketing")
    assert in_event.payload["from_another_partner"] is True


def test_a_declined_move_changes_nothing_and_the_partner_is_told(world):
    [move] = ask(world, "redrocket")
    before = access_state(world.other_account)

    move_request_decline(actor=world.other_customer, move_id=move.pk)

    move.refresh_from_db()
    assert (move.status, move.decided_by) == (MoveStatus.DECLINED, world.other_customer)
    after = access_state(world.other_account)
    assert after["partnerships"] == before["partnerships"]
    assert after["mirror"] == before["mirror"]
    assert Notice.objects.filter(
        user=world.member.user, title="Red Rocket declined your request to move it in"
    ).exists()


@pytest.mark.parametrize("who", ["another_customer", "partner_member", "other_partner"])
def test_only_the_owner_answers_a_move(world, who):
    [move] = ask(world, "willowworks")
    actor = {
        "another_customer": world.customer,
        "partner_member": world.member.user,
        "other_partner": world.other_owner.user,
    }[who]
    before = (move_state(), access_state(world.lone_account))

    with pytest.raises(NotFound):
        confirm(move, by=actor)
    with pytest.raises(NotFound):
        move_request_decline(actor=actor, move_id=move.pk)

    assert (move_state(), access_state(world.lone_account)) == before


def test_another_partner_cannot_cancel_a_move(world):
    [move] = ask(world, "willowworks")
    before = move_state()

    with pytest.raises(NotFound):
        move_request_cancel(actor=world.other_owner.user, move_id=move.pk)

    assert move_state() == before


def test_terms_changed_since_the_owner_read_them_are_refused(world):
    [move] = ask(world, "willowworks")
    before = (move_state(), access_state(world.lone_account))

    with pytest.raises(InvalidTransition) as refused:
        confirm(move, version="2025-01-01/referred")

    assert refused.value.code == "disclaimer_outdated"
    assert (move_state(), access_state(world.lone_account)) == before


def test_a_waiting_access_request_must_be_answered_before_a_move(world):
    # given Brightwave's access request for Blue Bakery, and Northstar's move of it
    request_for(world)
    [move] = ask(world, "bluebakery", by=world.other_owner)
    before = (move_state(), access_state(world.account))

    with pytest.raises(Conflict) as refused:
        confirm(move, by=world.customer)

    assert refused.value.code == "request_pending"
    assert refused.value.message == "answer the waiting request from Brightwave Agency first"
    assert (move_state(), access_state(world.account)) == before
    assert ManageRequest.objects.get().status == "pending"


def test_an_expired_move_cannot_be_confirmed_and_the_sweep_expires_it(world):
    [move] = ask(world, "willowworks")
    MoveRequest.objects.filter(pk=move.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    before = access_state(world.lone_account)

    with pytest.raises(InvalidTransition) as refused:
        confirm(move)
    assert refused.value.code == "move_expired"
    assert access_state(world.lone_account) == before

    expired = moves_expire_due()

    assert [m.pk for m in expired] == [move.pk]
    move.refresh_from_db()
    assert (move.status, move.decided_by) == (MoveStatus.EXPIRED, None)
    assert AuditEvent.objects.filter(action="move.expired").count() == 1
    assert moves_expire_due() == []


def test_the_partner_cancels_its_waiting_move(world):
    [move] = ask(world, "willowworks")

    move_request_cancel(actor=world.owner.user, move_id=move.pk)

    move.refresh_from_db()
    assert (move.status, move.decided_by) == (MoveStatus.CANCELLED, world.owner.user)
    with pytest.raises(InvalidTransition) as refused:
        confirm(move)
    assert refused.value.code == "move_cancelled"


def test_a_move_consent_is_never_changed_or_deleted(world):
    [move] = ask(world, "willowworks")
    consent = confirm(move)

    with pytest.raises(TypeError):
        consent.save()
    with pytest.raises(TypeError):
        MoveConsent.objects.filter(pk=consent.pk).update(text="other")
    with pytest.raises(TypeError):
        MoveConsent.objects.filter(pk=consent.pk).delete()


def test_the_move_is_on_the_timelines_of_both_partners_and_of_the_customer(world):
    [move] = ask(world, "redrocket")
    confirm(move)

    def actions(partner_id=None):
        timeline = access_timeline(account_id=move.account_id, partner_id=partner_id)
        return [e.action for e in timeline]

    # the new partner sees its own ask and the move; the previous one only that it left
    assert actions(world.partner.pk) == [
        "account.moved_in",
        "partnership.credited",
        "move.requested",
    ]
    assert actions(world.other_partner.pk) == ["account.moved_out", "partnership.credited"]
    assert actions() == [
        "account.moved_out",
        "account.moved_in",
        "partnership.credited",
        "move.requested",
        "partnership.credited",
    ]


def test_history_keeps_both_partnerships(world):
    [move] = ask(world, "redrocket")
    confirm(move)

    rows = list(
        Partnership.objects.filter(account=world.other_account)
        .order_by("id")
        .values_list("partner__name", "source")
    )
    assert rows == [
        ("Northstar Partners", "invite_link"),
        ("Brightwave Agency", "approved_move"),
    ]
    assert (
        PartnershipKindChange.objects.filter(partnership__account=world.other_account).count() == 2
    )
