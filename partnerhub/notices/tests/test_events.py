"""Each event tells exactly the right people, once: the customer of the account, or the team of
the partner concerned, never another partner's members."""

import datetime as dt

import pytest
from django.urls import reverse

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.services import (
    manage_request_cancel,
    manage_request_confirm,
    manage_request_decline,
    manage_request_expire,
    manage_requests_warn_expiring,
    partner_access_revoke,
)
from partnerhub.core.errors import InvalidTransition
from partnerhub.earnings.services import payout_approve, payout_mark_paid
from partnerhub.earnings.tests.builders import account, close, d, pay
from partnerhub.earnings.tests.builders import partner as earning_partner
from partnerhub.notices.models import Notice
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory, UserFactory
from partnerhub.tests.world import World, build_world, request_for
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.services import _disable, endpoint_create

BRIGHTWAVE_TEAM = ["adam@brightwave.test", "max@brightwave.test", "olga@brightwave.test"]


@pytest.fixture
def world(db) -> World:
    return build_world()


def notices() -> list[tuple]:
    """Every notice there is: (recipient, kind, title, link)."""
    return sorted(
        (n.user.email, n.kind, n.title, n.url) for n in Notice.objects.select_related("user")
    )


def for_each(emails, kind, title, url) -> list[tuple]:
    return sorted((email, kind, title, url) for email in emails)


def provider(account) -> str:
    return reverse("customer-provider", args=[account.encoded_account_id])


def partner_page(account) -> str:
    return reverse("partner-account", args=[account.encoded_account_id])


def test_a_request_tells_the_customer_and_no_one_else(world):
    request_for(world)

    assert notices() == [
        (
            world.customer.email,
            "request_received",
            "Brightwave Agency asks for permission to manage Blue Bakery",
            provider(world.account),
        )
    ]


def test_a_withdrawn_request_tells_the_customer(world):
    request = request_for(world)
    Notice.objects.all().delete()

    manage_request_cancel(actor=world.member.user, request_id=request.pk)

    assert notices() == [
        (
            world.customer.email,
            "request_cancelled",
            "Brightwave Agency withdrew its request to manage Blue Bakery",
            provider(world.account),
        )
    ]


def test_a_confirmation_tells_every_member_of_the_partner_only(world):
    request = request_for(world)
    Notice.objects.all().delete()

    manage_request_confirm(
        actor=world.customer,
        request_id=request.pk,
        ip_address=None,
        user_agent="",
        disclaimer_version=DISCLAIMER.version,
    )

    assert notices() == for_each(
        BRIGHTWAVE_TEAM,
        "request_confirmed",
        "Blue Bakery confirmed: you now manage the account",
        partner_page(world.account),
    )


def test_a_decline_tells_every_member_of_the_partner_only(world):
    request = request_for(world)
    Notice.objects.all().delete()

    manage_request_decline(actor=world.customer, request_id=request.pk)

    assert notices() == for_each(
        BRIGHTWAVE_TEAM,
        "request_declined",
        "Blue Bakery declined your request to manage",
        partner_page(world.account),
    )


def test_an_expired_request_tells_both_sides(world):
    request = request_for(world)
    Notice.objects.all().delete()

    manage_request_expire(request_id=request.pk, now=request.expires_at)

    assert notices() == sorted(
        for_each(
            BRIGHTWAVE_TEAM,
            "request_expired",
            "Your request to manage Blue Bakery expired",
            partner_page(world.account),
        )
        + [
            (
                world.customer.email,
                "request_expired",
                "The request from Brightwave Agency to manage Blue Bakery expired",
                provider(world.account),
            )
        ]
    )


def test_the_customer_is_reminded_once_before_a_request_expires(world):
    request = request_for(world)
    far = request_for(world, account=world.other_account, by=world.other_owner)
    Notice.objects.all().delete()
    three_days_before = request.expires_at - dt.timedelta(days=3)
    # the other request was made at the same moment; push it further out
    type(far).objects.filter(pk=far.pk).update(expires_at=request.expires_at + dt.timedelta(days=9))

    early = manage_requests_warn_expiring(now=three_days_before - dt.timedelta(minutes=1))
    due = manage_requests_warn_expiring(now=three_days_before)
    again = manage_requests_warn_expiring(now=three_days_before + dt.timedelta(hours=1))

    assert (early, due, again) == (0, 1, 1)
    assert notices() == [
        (
            world.customer.email,
            "request_expiring",
            "The request from Brightwave Agency to manage Blue Bakery expires soon",
            provider(world.account),
        )
    ]


def test_turning_access_off_tells_every_member_of_the_partner_only(world):
    partner_access_revoke(actor=world.managed_account.owner, account_id=world.managed_account.pk)

    assert notices() == for_each(
        BRIGHTWAVE_TEAM,
        "access_revoked",
        "Green Garden turned partner access off",
        partner_page(world.managed_account),
    )


def test_a_disabled_endpoint_tells_the_owners_and_admins_only(world):
    endpoint = endpoint_create(
        actor=world.owner.user, url="https://hooks.brightwave.test/in", event_types=[]
    )
    endpoint_create(actor=world.other_owner.user, url="https://hooks.north.test/", event_types=[])

    _disable(WebhookEndpoint.objects.get(pk=endpoint.pk), "failing for 5 days")

    assert notices() == for_each(
        ["adam@brightwave.test", "olga@brightwave.test"],
        "endpoint_disabled",
        "Webhook endpoint disabled: https://hooks.brightwave.test/in",
        reverse("partner-webhook", args=[endpoint.pk]),
    )


@pytest.mark.django_db
def test_a_closed_month_tells_the_members_of_partners_with_lines_only():
    earner = earning_partner(name="Earner")
    idle = earning_partner(name="Idle")
    MemberFactory(partner=earner, user__username="eve@earner.test", role=PartnerRole.OWNER)
    MemberFactory(partner=earner, user__username="emil@earner.test")
    MemberFactory(partner=idle, user__username="ida@idle.test", role=PartnerRole.OWNER)
    a = account(earner, converted_on=d("2026-10-01"), moved_on=d("2026-10-20"))
    pay(a, "INV-1", d("2026-10-30"), 5000)

    close("2026-10")
    close("2026-10")  # closing again changes nothing

    assert notices() == for_each(
        ["emil@earner.test", "eve@earner.test"],
        "month_closed",
        "October 2026 is closed: your earnings statement is ready",
        reverse("partner-earnings") + "?month=2026-10",
    )


@pytest.mark.django_db
def test_a_paid_payout_tells_the_members_of_that_partner():
    earner = earning_partner(name="Earner")
    MemberFactory(partner=earner, user__username="eve@earner.test", role=PartnerRole.OWNER)
    other = earning_partner(name="Other")
    MemberFactory(partner=other, user__username="otto@other.test", role=PartnerRole.OWNER)
    a = account(earner, converted_on=d("2026-10-01"), moved_on=d("2026-10-20"))
    pay(a, "INV-1", d("2026-10-30"), 5000)
    close("2026-10")
    Notice.objects.all().delete()
    staff = UserFactory(username="payouts@partnerhub.test", is_staff=True)
    payout = payout_approve(
        actor=staff, partner_id=earner.pk, currency="USD", today=d("2026-11-26")
    )

    payout_mark_paid(actor=staff, payout_id=payout.pk, today=d("2026-11-26"))

    assert notices() == [
        ("eve@earner.test", "payout_paid", "Payout of 100.00 USD paid", reverse("partner-earnings"))
    ]


def test_a_refused_change_tells_no_one(world):
    request = request_for(world)
    manage_request_decline(actor=world.customer, request_id=request.pk)
    before = notices()

    with pytest.raises(InvalidTransition):
        manage_request_decline(actor=world.customer, request_id=request.pk)

    assert notices() == before
