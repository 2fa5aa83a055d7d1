"""The access timeline both sides see: every access change of an account, with who and when."""

import datetime as dt

from django.utils import timezone

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ManageRequest
from partnerhub.access.selectors import access_timeline, consent_records, latest_consent
from partnerhub.access.services import (
    manage_request_cancel,
    manage_request_confirm,
    manage_request_decline,
    manage_requests_expire_due,
    partner_access_revoke,
)
from partnerhub.clients.models import ClientAccount
from partnerhub.partners.services import member_role_change
from partnerhub.partnerships.models import Partnership, PartnershipSource
from partnerhub.partnerships.services import partnership_credit
from partnerhub.tests.world import request_for


def _confirm(world):
    request = ManageRequest.objects.get(account=world.account, status="pending")
    return manage_request_confirm(
        actor=world.customer,
        request_id=request.pk,
        ip_address="198.51.100.20",
        user_agent="Firefox",
        disclaimer_version=DISCLAIMER.version,
    )


def _whole_story(world):
    """Requested, cancelled, requested, declined, requested, confirmed, revoked, requested,
    expired: every entry the timeline knows."""
    first = request_for(world)
    manage_request_cancel(actor=world.admin.user, request_id=first.pk)
    second = request_for(world)
    manage_request_decline(actor=world.customer, request_id=second.pk)
    request_for(world, by=world.owner)
    _confirm(world)
    partner_access_revoke(actor=world.customer, account_id=world.account.pk)
    last = request_for(world)
    expired_at = last.expires_at + dt.timedelta(minutes=1)
    manage_requests_expire_due(now=expired_at)
    return expired_at


def test_the_timeline_lists_every_access_change_newest_first_with_who(world):
    _whole_story(world)

    timeline = access_timeline(account_id=world.account.pk)

    assert [(e.action, e.actor_label) for e in timeline] == [
        ("access.request_expired", "PartnerHub"),
        ("access.requested", "Max Miller"),
        ("access.revoked", "Cora Baker"),
        ("access.confirmed", "Cora Baker"),
        ("access.requested", "Olga Owens"),
        ("access.declined", "Cora Baker"),
        ("access.requested", "Max Miller"),
        ("access.request_cancelled", "Adam Adler"),
        ("access.requested", "Max Miller"),
        ("partnership.credited", "PartnerHub"),
    ]
    assert [e.label for e in timeline][:4] == [
        "Request expired unanswered",
        "Permission to manage requested",
        "Customer turned partner access off",
        "Customer confirmed: partner has full access",
    ]


def test_each_entry_carries_the_time_of_the_change(world):
    expired_at = _whole_story(world)
    requests = list(ManageRequest.objects.filter(account=world.account).order_by("id"))

    timeline = list(access_timeline(account_id=world.account.pk))

    times = [e.at for e in timeline]
    assert times == sorted(times, reverse=True)
    assert timeline[0].at == expired_at
    # each request's creation and decision appear at the times the request row holds
    by_target = {(e.target_id, e.action): e.at for e in timeline}
    assert [by_target[(str(r.pk), "access.requested")] for r in requests] == [
        r.created_at for r in requests
    ]
    assert [
        by_target[(str(r.pk), f"access.{action}")]
        for r, action in zip(
            requests, ["request_cancelled", "declined", "confirmed", "request_expired"], strict=True
        )
    ] == [r.decided_at for r in requests]


def test_other_changes_stay_off_the_timeline(world):
    # given a team change of the partner, which is audited but is no access change
    member_role_change(actor=world.owner.user, member_id=world.member.pk, role="admin")

    timeline = access_timeline(account_id=world.account.pk)

    assert [e.action for e in timeline] == ["partnership.credited"]


def test_the_timeline_of_one_account_shows_no_other_account(world):
    request_for(world)
    request_for(world, account=world.other_account, by=world.other_owner)

    timeline = access_timeline(account_id=world.other_account.pk)

    assert [(e.action, e.account_id) for e in timeline] == [
        ("access.requested", world.other_account.pk),
        ("partnership.credited", world.other_account.pk),
    ]


def _move_to_other_partner(world):
    """Blue Bakery leaves Brightwave (ended by program staff) and joins Northstar."""
    Partnership.objects.filter(account=world.account).update(ended_at=timezone.now())
    ClientAccount.objects.filter(pk=world.account.pk).update(
        partner=None, partnership_kind="", partnered_on=None
    )
    partnership_credit(
        partner=world.other_partner,
        account=ClientAccount.objects.get(pk=world.account.pk),
        source=PartnershipSource.APPROVED_MOVE,
        moved_on=dt.date(2026, 11, 1),
    )


def test_a_partner_sees_only_the_entries_of_its_own_partnership(world):
    # given Brightwave managed Blue Bakery, lost access, and the account moved to Northstar,
    # which then asked for access itself
    request_for(world)
    _confirm(world)
    partner_access_revoke(actor=world.customer, account_id=world.account.pk)
    _move_to_other_partner(world)
    request_for(world, by=world.other_owner)

    # when each side reads the timeline
    northstar = access_timeline(account_id=world.account.pk, partner_id=world.other_partner.pk)
    brightwave = access_timeline(account_id=world.account.pk, partner_id=world.partner.pk)
    customer = access_timeline(account_id=world.account.pk)

    # then Northstar sees only its own entries, Brightwave only its own, the customer all
    assert [(e.action, e.actor_label) for e in northstar] == [
        ("access.requested", "Nina North"),
        ("partnership.credited", "PartnerHub"),
    ]
    assert [e.action for e in brightwave] == [
        "access.revoked",
        "access.confirmed",
        "access.requested",
        "partnership.credited",
    ]
    assert [e.partner_id for e in customer] == [world.other_partner.pk] * 2 + [world.partner.pk] * 4


def test_a_partner_sees_only_its_own_consent_records(world):
    request_for(world)
    consent = _confirm(world)
    partner_access_revoke(actor=world.customer, account_id=world.account.pk)
    _move_to_other_partner(world)

    assert (
        list(consent_records(account_id=world.account.pk, partner_id=world.other_partner.pk)) == []
    )
    assert latest_consent(account_id=world.account.pk, partner_id=world.other_partner.pk) is None
    assert list(consent_records(account_id=world.account.pk, partner_id=world.partner.pk)) == [
        consent
    ]
    assert list(consent_records(account_id=world.account.pk)) == [consent]
