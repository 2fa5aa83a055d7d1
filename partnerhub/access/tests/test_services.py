"""The access flow's services: request, cancel, confirm, decline, revoke, and what they leave
behind (request row, partnership kind and history, account mirror, consent, audit, e-mail)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ConsentRecord, ManageRequest, RequestStatus
from partnerhub.access.services import (
    manage_request_cancel,
    manage_request_confirm,
    manage_request_create,
    manage_request_decline,
    manage_request_expire,
    partner_access_revoke,
)
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import PartnershipKind
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.partnerships.models import KindChangeCause, Partnership, PartnershipKindChange
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.snapshots import access_state
from partnerhub.tests.world import request_for

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
PARTNER_TEAM = ["adam@brightwave.test", "max@brightwave.test", "olga@brightwave.test"]
CUSTOMER = ["bluebakery@client.test"]


def confirm(world, request, *, by=None, version=DISCLAIMER.version, ip="198.51.100.20"):
    return manage_request_confirm(
        actor=by or world.customer,
        request_id=request.pk,
        ip_address=ip,
        user_agent=BROWSER,
        disclaimer_version=version,
    )


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


# --- Request ---------------------------------------------------------------------------------


def test_a_member_requests_permission_to_manage_a_referred_account(world):
    # given a referred account of Brightwave and Max, a plain member of its team
    before = timezone.now()

    # when Max asks for permission, with a message
    request = manage_request_create(
        actor=world.member.user,
        account_id=world.account.pk,
        message="  As agreed on our call.  ",
        ip_address="203.0.113.7",
    )

    # then a pending request exists, due in 30 days
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert request.account_id == world.account.pk
    assert request.partner_id == world.partner.pk
    assert request.partnership == Partnership.objects.get(account=world.account)
    assert request.requested_by == world.member.user
    assert request.message == "As agreed on our call."
    assert before <= request.created_at <= timezone.now()
    assert request.expires_at == request.created_at + dt.timedelta(days=30)
    assert request.decided_at is None
    assert request.decided_by is None
    # and the account is still referred
    world.account.refresh_from_db()
    assert world.account.partnership_kind == PartnershipKind.REFERRED
    # and one audit row says who asked, when, and from where
    event = last_audit()
    assert (event.action, event.actor, event.actor_label) == (
        "access.requested",
        world.member.user,
        "Max Miller",
    )
    assert (event.target_type, event.target_id) == ("access.managerequest", str(request.pk))
    assert (event.partner, event.account) == (world.partner, world.account)
    assert event.at == request.created_at
    assert event.ip_address == "203.0.113.7"
    assert event.after == {
        "status": "pending",
        "message": "As agreed on our call.",
        "level": "full",
        "duration_days": None,
        "expires_at": request.expires_at.isoformat(),
    }


def test_the_expiry_period_comes_from_settings(world, settings):
    settings.MANAGE_REQUEST_EXPIRY_DAYS = 7

    request = request_for(world)

    assert request.expires_at == request.created_at + dt.timedelta(days=7)


def test_the_customer_is_emailed_with_a_link_to_their_solution_provider_settings(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_for(world, message="We will run your newsletter.")

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == CUSTOMER
    assert email.subject == "Brightwave Agency asks for permission to manage Blue Bakery"
    link = f"http://testserver/account/{world.account.encoded_account_id}/settings/billing/"
    assert f"Review the request: {link}\n" in email.body
    assert '"We will run your newsletter."' in email.body
    assert "Confirming grants Brightwave Agency full access to your account." in email.body
    assert email.body.startswith("Hello Cora Baker,")


def test_no_email_leaves_before_the_request_is_committed(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_for(world)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_the_customer_gets_both_addresses_when_contact_and_owner_differ(
    world, django_capture_on_commit_callbacks
):
    # given the account's contact address is not its owner's sign-in address
    type(world.account).objects.filter(pk=world.account.pk).update(
        contact_email="office@bluebakery.test"
    )

    with django_capture_on_commit_callbacks(execute=True):
        request_for(world)

    assert mail.outbox[0].to == ["bluebakery@client.test", "office@bluebakery.test"]


def test_a_second_request_while_one_is_waiting_is_refused(
    world, django_capture_on_commit_callbacks
):
    # given a pending request
    first = request_for(world)
    before = access_state(world.account)

    # when an owner of the same partner asks again
    with pytest.raises(Conflict) as refused, django_capture_on_commit_callbacks(execute=True):
        request_for(world, by=world.owner)

    # then it is refused, and nothing changed
    assert refused.value.code == "request_pending"
    assert access_state(world.account) == before
    assert list(ManageRequest.objects.filter(account=world.account)) == [first]
    assert mail.outbox == []


def test_requesting_a_managed_account_is_refused(world, django_capture_on_commit_callbacks):
    before = access_state(world.managed_account)

    with (
        pytest.raises(InvalidTransition) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        request_for(world, account=world.managed_account)

    assert refused.value.code == "already_managed"
    assert access_state(world.managed_account) == before
    assert mail.outbox == []


def test_a_member_of_another_partner_cannot_request_our_account(world):
    before = access_state(world.account)

    with pytest.raises(NotFound):
        manage_request_create(actor=world.other_owner.user, account_id=world.account.pk)

    assert access_state(world.account) == before


def test_an_account_in_no_partnership_cannot_be_requested(world):
    before = access_state(world.lone_account)

    with pytest.raises(NotFound):
        manage_request_create(actor=world.owner.user, account_id=world.lone_account.pk)

    assert access_state(world.lone_account) == before


def test_a_customer_cannot_request(world):
    before = access_state(world.account)

    with pytest.raises(NotFound):
        manage_request_create(actor=world.customer, account_id=world.account.pk)

    assert access_state(world.account) == before


def test_a_message_longer_than_1000_characters_is_refused(world):
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        request_for(world, message="x" * 1001)

    assert refused.value.code == "message_too_long"
    assert access_state(world.account) == before


def test_a_message_of_exactly_1000_characters_is_kept(world):
    request = request_for(world, message="x" * 1000)

    assert ManageRequest.objects.get(pk=request.pk).message == "x" * 1000


# --- At most one open request, by the database ------------------------------------------------


def _insert(world, status: str, *, decided: bool) -> ManageRequest:
    now = timezone.now()
    return ManageRequest.objects.create(
        account=world.account,
        partnership=Partnership.objects.get(account=world.account),
        partner=world.partner,
        requested_by=world.member.user,
        status=status,
        created_at=now,
        expires_at=now + dt.timedelta(days=30),
        decided_at=now if decided else None,
    )


def test_the_database_refuses_a_second_pending_request_for_an_account(world):
    _insert(world, RequestStatus.PENDING, decided=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(world, RequestStatus.PENDING, decided=False)

    assert ManageRequest.objects.filter(account=world.account).count() == 1


def test_the_database_allows_many_finished_requests_beside_one_pending(world):
    _insert(world, RequestStatus.DECLINED, decided=True)
    _insert(world, RequestStatus.CANCELLED, decided=True)
    _insert(world, RequestStatus.PENDING, decided=False)

    assert sorted(
        ManageRequest.objects.filter(account=world.account).values_list("status", flat=True)
    ) == ["cancelled", "declined", "pending"]


def test_the_database_refuses_a_final_request_without_a_decision_time(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(world, RequestStatus.CONFIRMED, decided=False)


def test_the_database_refuses_an_unknown_status(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(world, "approved", decided=True)


# --- Cancel ----------------------------------------------------------------------------------


def test_another_member_of_the_partner_cancels_the_request(
    world, django_capture_on_commit_callbacks
):
    request = request_for(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        manage_request_cancel(actor=world.admin.user, request_id=request.pk, ip_address="10.0.0.9")

    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert request.decided_by == world.admin.user
    assert request.decided_at is not None
    world.account.refresh_from_db()
    assert world.account.partnership_kind == PartnershipKind.REFERRED
    event = last_audit()
    assert (event.action, event.actor_label, event.before, event.after) == (
        "access.request_cancelled",
        "Adam Adler",
        {"status": "pending"},
        {"status": "cancelled"},
    )
    assert event.at == request.decided_at
    assert event.ip_address == "10.0.0.9"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (CUSTOMER, "Brightwave Agency withdrew its request for Blue Bakery")
    ]


def test_after_cancelling_the_partner_may_ask_again(world):
    first = request_for(world)
    manage_request_cancel(actor=world.member.user, request_id=first.pk)

    second = request_for(world)

    assert second.pk != first.pk
    assert list(
        ManageRequest.objects.filter(account=world.account).order_by("id").values_list("status")
    ) == [("cancelled",), ("pending",)]


def test_a_member_of_another_partner_cannot_cancel(world):
    request = request_for(world)
    before = access_state(world.account)

    with pytest.raises(NotFound):
        manage_request_cancel(actor=world.other_owner.user, request_id=request.pk)

    assert access_state(world.account) == before


def test_the_customer_cannot_cancel_the_partners_request(world):
    request = request_for(world)
    before = access_state(world.account)

    with pytest.raises(NotFound):
        manage_request_cancel(actor=world.customer, request_id=request.pk)

    assert access_state(world.account) == before


# --- Confirm ---------------------------------------------------------------------------------


def test_the_customer_confirms_and_the_account_becomes_managed(world):
    request = request_for(world)

    consent = confirm(world, request)

    # the request is confirmed by the customer
    request.refresh_from_db()
    assert request.status == RequestStatus.CONFIRMED
    assert request.decided_by == world.customer
    # the partnership is managed, and its history says why and when
    partnership = Partnership.objects.get(account=world.account)
    assert partnership.kind == PartnershipKind.MANAGED
    assert list(partnership.kind_changes.values_list("kind", "cause", "actor")) == [
        ("referred", "credited", None),
        ("managed", "access_confirmed", world.customer.pk),
    ]
    assert partnership.kind_changes.last().effective_at == request.decided_at
    # the account mirror follows, still in the same partnership since the same day
    world.account.refresh_from_db()
    assert (
        world.account.partner_id,
        world.account.partnership_kind,
        world.account.partnered_on,
    ) == (world.partner.pk, "managed", dt.date(2025, 3, 1))
    # one audit row, with the state before and after
    event = last_audit()
    assert event.action == "access.confirmed"
    assert event.actor == world.customer
    assert event.before == {"status": "pending", "kind": "referred"}
    assert event.after == {
        "status": "confirmed",
        "kind": "managed",
        "level": "full",
        "asked_level": "full",
        "ends_at": None,
        "auto_renew": False,
        "consent_id": consent.pk,
        "disclaimer_version": DISCLAIMER.version,
    }
    assert event.ip_address == "198.51.100.20"


def test_the_consent_record_stores_exactly_what_was_agreed(world):
    request = request_for(world)

    consent = confirm(world, request)

    consent = ConsentRecord.objects.get(pk=consent.pk)
    assert consent.request == request
    assert consent.account == world.account
    assert consent.partner == world.partner
    assert consent.granted_by == world.customer
    assert consent.granted_by_label == "Cora Baker <bluebakery@client.test>"
    assert consent.granted_at == ManageRequest.objects.get(pk=request.pk).decided_at
    assert consent.disclaimer_version == "2026-11-01"
    assert consent.disclaimer_text == (
        "Confirming grants Brightwave Agency full access to your account. They will be able "
        "to see and change everything in it, including your contacts, campaigns, settings and "
        "billing details, and act on your behalf. You can turn partner access off at any time "
        "under Settings > Billing > Your solution provider."
    )
    assert consent.ip_address == "198.51.100.20"
    assert consent.user_agent == BROWSER


def test_a_very_long_user_agent_is_cut_at_500_characters(world):
    request = request_for(world)

    consent = manage_request_confirm(
        actor=world.customer,
        request_id=request.pk,
        ip_address=None,
        user_agent="A" * 600,
        disclaimer_version=DISCLAIMER.version,
    )

    consent.refresh_from_db()
    assert consent.user_agent == "A" * 500
    assert consent.ip_address is None


def test_a_consent_record_is_never_changed(world):
    consent = confirm(world, request_for(world))

    consent.disclaimer_text = "something else"
    with pytest.raises(TypeError):
        consent.save()

    assert ConsentRecord.objects.get(pk=consent.pk).disclaimer_text.startswith(
        "Confirming grants Brightwave Agency"
    )


def test_every_partner_member_is_told_of_a_confirmation(world, django_capture_on_commit_callbacks):
    request = request_for(world)

    with django_capture_on_commit_callbacks(execute=True):
        confirm(world, request)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == PARTNER_TEAM
    assert email.subject == "Blue Bakery confirmed: you now manage the account"
    assert "Cora Baker confirmed your request." in email.body
    assert (
        f"See the account: http://testserver/portal/accounts/{world.account.encoded_account_id}/"
        in email.body
    )


def test_confirming_with_an_outdated_disclaimer_is_refused(
    world, django_capture_on_commit_callbacks
):
    request = request_for(world)
    before = access_state(world.account)

    with (
        pytest.raises(InvalidTransition) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        confirm(world, request, version="2025-01-01")

    assert refused.value.code == "disclaimer_outdated"
    assert access_state(world.account) == before
    assert ManageRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING
    assert ConsentRecord.objects.count() == 0
    assert mail.outbox == []


def test_another_customer_cannot_confirm(world):
    request = request_for(world)
    before = access_state(world.account)

    with pytest.raises(NotFound):
        confirm(world, request, by=world.other_customer)

    assert access_state(world.account) == before


def test_a_partner_member_cannot_confirm_on_the_customers_behalf(world):
    request = request_for(world)
    before = access_state(world.account)

    with pytest.raises(NotFound):
        confirm(world, request, by=world.owner.user)

    assert access_state(world.account) == before


def test_a_confirmation_for_a_partnership_that_ended_is_refused(world):
    # given the request's partnership ended and the account moved to another partner
    request = request_for(world)
    Partnership.objects.filter(account=world.account).update(ended_at=timezone.now())
    Partnership.objects.create(
        partner=world.other_partner,
        account=world.account,
        kind=PartnershipKind.REFERRED,
        moved_on=dt.date(2026, 11, 1),
        source="approved_move",
    )
    before = access_state(world.account)

    with pytest.raises(InvalidTransition) as refused:
        confirm(world, request)

    assert refused.value.code == "partnership_changed"
    assert access_state(world.account) == before


# --- Decline ---------------------------------------------------------------------------------


def test_the_customer_declines_and_the_account_stays_referred(
    world, django_capture_on_commit_callbacks
):
    request = request_for(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        manage_request_decline(actor=world.customer, request_id=request.pk, ip_address="10.1.1.1")

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.DECLINED, world.customer)
    world.account.refresh_from_db()
    assert world.account.partnership_kind == PartnershipKind.REFERRED
    assert Partnership.objects.get(account=world.account).kind == PartnershipKind.REFERRED
    assert ConsentRecord.objects.count() == 0
    event = last_audit()
    assert (event.action, event.actor, event.ip_address) == (
        "access.declined",
        world.customer,
        "10.1.1.1",
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (PARTNER_TEAM, "Blue Bakery declined your request to manage")
    ]


def test_another_customer_cannot_decline(world):
    request = request_for(world)
    before = access_state(world.account)

    with pytest.raises(NotFound):
        manage_request_decline(actor=world.other_customer, request_id=request.pk)

    assert access_state(world.account) == before


# --- A finished request stays finished ----------------------------------------------------------


FINISH = {
    "confirmed": lambda world, request: confirm(world, request),
    "declined": lambda world, request: manage_request_decline(
        actor=world.customer, request_id=request.pk
    ),
    "cancelled": lambda world, request: manage_request_cancel(
        actor=world.member.user, request_id=request.pk
    ),
    "expired": lambda world, request: manage_request_expire(
        request_id=request.pk, now=request.expires_at
    ),
}


ACTIONS = {
    "confirm": lambda world, request: confirm(world, request),
    "decline": lambda world, request: manage_request_decline(
        actor=world.customer, request_id=request.pk
    ),
    "cancel": lambda world, request: manage_request_cancel(
        actor=world.member.user, request_id=request.pk
    ),
}


@pytest.mark.parametrize("final", ["confirmed", "declined", "cancelled", "expired"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_no_action_moves_a_finished_request(
    world, final, action, django_capture_on_commit_callbacks
):
    # given a request that has ended
    request = request_for(world)
    FINISH[final](world, request)
    assert ManageRequest.objects.get(pk=request.pk).status == final
    before = access_state(world.account)

    # when either side acts on it again
    with (
        pytest.raises(InvalidTransition) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ACTIONS[action](world, request)

    # then it is refused with the status it is in, and nothing changed
    assert refused.value.code == f"request_{final}"
    assert access_state(world.account) == before
    assert mail.outbox == []


# --- Revoke ----------------------------------------------------------------------------------


def test_the_customer_turns_partner_access_off(world, django_capture_on_commit_callbacks):
    # given Blue Bakery became managed with consent
    confirm(world, request_for(world))
    mail.outbox.clear()

    # when Cora turns partner access off
    with django_capture_on_commit_callbacks(execute=True):
        account = partner_access_revoke(
            actor=world.customer,
            account_id=world.account.pk,
            ip_address="10.2.2.2",
            user_agent=BROWSER,
        )

    # then the account is referred again, still in the same partnership
    assert (account.partner_id, account.partnership_kind, account.partnered_on) == (
        world.partner.pk,
        "referred",
        dt.date(2025, 3, 1),
    )
    partnership = Partnership.objects.get(account=world.account)
    assert partnership.ended_at is None
    assert list(partnership.kind_changes.values_list("kind", "cause")) == [
        ("referred", "credited"),
        ("managed", "access_confirmed"),
        ("referred", "access_revoked"),
    ]
    event = last_audit()
    assert (event.action, event.actor, event.before, event.after) == (
        "access.revoked",
        world.customer,
        {"kind": "managed"},
        {"kind": "referred", "user_agent": BROWSER},
    )
    assert event.ip_address == "10.2.2.2"
    # and the partner's team is told
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (PARTNER_TEAM, "Blue Bakery turned partner access off")
    ]
    assert "it stays in your partnership as a referred account" in mail.outbox[0].body


def test_after_a_revoke_the_partner_may_ask_again(world):
    confirm(world, request_for(world))
    partner_access_revoke(actor=world.customer, account_id=world.account.pk)

    again = request_for(world)

    assert again.status == RequestStatus.PENDING


def test_revoking_a_referred_account_is_refused(world, django_capture_on_commit_callbacks):
    before = access_state(world.account)

    with (
        pytest.raises(InvalidTransition) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        partner_access_revoke(actor=world.customer, account_id=world.account.pk)

    assert refused.value.code == "not_managed"
    assert access_state(world.account) == before
    assert mail.outbox == []


def test_revoking_an_account_in_no_partnership_is_refused(world):
    before = access_state(world.lone_account)

    with pytest.raises(InvalidTransition) as refused:
        partner_access_revoke(actor=world.lone_account.owner, account_id=world.lone_account.pk)

    assert refused.value.code == "not_managed"
    assert access_state(world.lone_account) == before


@pytest.mark.parametrize("who", ["other customer", "partner owner", "stranger"])
def test_only_the_account_owner_can_revoke(world, who):
    actor = {
        "other customer": world.other_customer,
        "partner owner": world.owner.user,
        "stranger": UserFactory(username="stranger@example.test"),
    }[who]
    before = access_state(world.managed_account)

    with pytest.raises(NotFound):
        partner_access_revoke(actor=actor, account_id=world.managed_account.pk)

    assert access_state(world.managed_account) == before
    assert (
        PartnershipKindChange.objects.filter(
            partnership__account=world.managed_account, cause=KindChangeCause.ACCESS_REVOKED
        ).count()
        == 0
    )
