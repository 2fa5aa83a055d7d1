"""One way to write time: a date reads "29 Nov 2026", a moment "29 Nov 2026, 09:30 CET", in the
reader's zone (their own choice, else their partner's, else the program's), on pages, in the
admin and in e-mails; machines get ISO 8601."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition
from partnerhub.core.timefmt import format_date, format_datetime, iso
from partnerhub.partners.models import Partner
from partnerhub.people.models import Profile
from partnerhub.people.selectors import time_zone_for
from partnerhub.people.services import profile_update
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.world import World, build_world, request_for

# 08:30 UTC on 29 November: 09:30 in Berlin, 03:30 in New York
MOMENT = dt.datetime(2026, 11, 29, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def world(db) -> World:
    return build_world()


def berlin(world) -> None:
    Partner.objects.filter(pk=world.partner.pk).update(time_zone="Europe/Berlin")


# --- The two formats -------------------------------------------------------------------------


def test_a_date_and_a_moment_each_read_one_way():
    assert format_date(dt.date(2026, 11, 29)) == "29 Nov 2026"
    assert format_datetime(MOMENT, zone="UTC") == "29 Nov 2026, 08:30 UTC"
    assert format_datetime(MOMENT, zone="Europe/Berlin") == "29 Nov 2026, 09:30 CET"
    # a moment written as a date is the date where the reader is
    assert format_date(dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC), zone="America/New_York") == (
        "28 Nov 2026"
    )


@given(st.dates())
def test_a_date_reads_as_djangos_date_format_writes_it(day):
    from django.utils import dateformat

    from partnerhub.core.timefmt import DATE_FORMAT

    assert format_date(day) == dateformat.format(day, DATE_FORMAT)


def test_without_a_zone_the_active_one_is_used():
    with timezone.override("Europe/Berlin"):
        assert format_datetime(MOMENT) == "29 Nov 2026, 09:30 CET"


def test_machines_get_iso_8601():
    assert (iso(MOMENT), iso(dt.date(2026, 11, 29)), iso(None)) == (
        "2026-11-29T08:30:00+00:00",
        "2026-11-29",
        "",
    )


# --- Whose zone ----------------------------------------------------------------------------


def test_a_member_reads_in_the_partners_zone_until_they_choose_their_own(world):
    berlin(world)

    before = time_zone_for(world.member.user)
    profile_update(actor=world.member.user, time_zone="Asia/Tokyo")
    chosen = time_zone_for(world.member.user)
    profile_update(actor=world.member.user, time_zone="")
    reset = time_zone_for(world.member.user)

    assert (before, chosen, reset) == ("Europe/Berlin", "Asia/Tokyo", "Europe/Berlin")


def test_a_customer_reads_in_the_programs_zone_until_they_choose(world, settings):
    settings.TIME_ZONE = "UTC"

    before = time_zone_for(world.customer)
    profile_update(actor=world.customer, time_zone="America/New_York")

    assert (before, time_zone_for(world.customer)) == ("UTC", "America/New_York")


def test_a_change_is_audited_and_an_unknown_zone_is_refused_with_nothing_changed(world):
    profile_update(actor=world.customer, time_zone="Europe/Lisbon")
    audit_rows = AuditEvent.objects.filter(action="people.profile_updated").count()

    with pytest.raises(InvalidTransition) as refused:
        profile_update(actor=world.customer, time_zone="Mars/Olympus_Mons")

    assert refused.value.code == "time_zone_unknown"
    assert Profile.objects.get(user=world.customer).time_zone == "Europe/Lisbon"
    assert audit_rows == 1
    assert AuditEvent.objects.filter(action="people.profile_updated").count() == 1


# --- Pages, admin and e-mails --------------------------------------------------------------


def test_the_same_event_reads_the_same_for_both_sides_in_their_zones(client, world):
    berlin(world)
    profile_update(actor=world.customer, time_zone="America/New_York")
    with mock.patch("django.utils.timezone.now", return_value=MOMENT):
        request_for(world)

    client.force_login(world.member.user)
    partner_page = client.get(
        reverse("partner-account", args=[world.account.encoded_account_id])
    ).content.decode()
    client.force_login(world.customer)
    customer_page = client.get(
        reverse("customer-provider", args=[world.account.encoded_account_id])
    ).content.decode()

    stamp = '<time datetime="2026-11-29T08:30:00+00:00">'
    assert f"{stamp}29 Nov 2026, 09:30 CET</time>" in partner_page
    assert f"{stamp}29 Nov 2026, 03:30 EST</time>" in customer_page
    assert "Asked by Max Miller on 29 Nov 2026." in customer_page


def test_the_admin_writes_moments_in_the_staff_members_zone(client, world):
    staff = UserFactory(username="sam@partnerhub.test", is_staff=True, is_superuser=True)
    with mock.patch("django.utils.timezone.now", return_value=MOMENT):
        profile_update(actor=staff, time_zone="Europe/Berlin")
    client.force_login(staff)

    page = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()

    assert "29 Nov 2026, 09:30 CET" in page


def test_the_request_e_mail_gives_the_expiry_date_where_the_customer_is(
    world, django_capture_on_commit_callbacks
):
    profile_update(actor=world.customer, time_zone="America/New_York")

    with django_capture_on_commit_callbacks(execute=True):
        request = request_for(world)
    expires_there = timezone.localtime(request.expires_at, timezone=_zone("America/New_York"))

    (email,) = mail.outbox
    assert f"The request expires on {expires_there:%-d %b %Y} if you do not answer." in email.body


def _zone(name):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


# --- Your settings ---------------------------------------------------------------------------


def test_your_settings_offer_the_default_and_save_a_choice(client, world):
    berlin(world)
    client.force_login(world.member.user)

    page = client.get(reverse("profile")).content.decode()
    response = client.post(reverse("profile"), {"time_zone": "Asia/Tokyo"}, follow=True)

    assert "<h1>Your settings</h1>" in page
    assert '<option value="" selected>Europe/Berlin (your partner&#x27;s)</option>' in page
    assert response.redirect_chain == [(reverse("profile"), 302)]
    assert "Your settings are saved." in response.content.decode()
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in response.content.decode()
    assert Profile.objects.get(user=world.member.user).time_zone == "Asia/Tokyo"


def test_your_settings_refuse_an_unknown_zone_next_to_the_field(client, world):
    client.force_login(world.customer)

    response = client.post(reverse("profile"), {"time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Profile.objects.filter(user=world.customer).exists()


def test_your_settings_need_a_sign_in(client, db):
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_owner_sets_the_teams_zone_and_members_read_in_it(client, world):
    client.force_login(world.owner.user)

    response = client.post(reverse("profile"), {"partner_time_zone": "Europe/Berlin"}, follow=True)

    assert "Brightwave Agency&#x27;s time zone is saved." in response.content.decode()
    assert Partner.objects.get(pk=world.partner.pk).time_zone == "Europe/Berlin"
    assert time_zone_for(world.member.user) == "Europe/Berlin"
    assert AuditEvent.objects.filter(
        action="partner.updated", partner=world.partner, after={"time_zone": "Europe/Berlin"}
    ).exists()


def test_a_member_has_no_team_zone_to_set_and_a_post_changes_nothing(client, world):
    client.force_login(world.member.user)
    audit_rows = AuditEvent.objects.count()

    page = client.get(reverse("profile")).content.decode()
    client.post(reverse("profile"), {"partner_time_zone": "Europe/Berlin"})

    assert "Team time zone" not in page
    assert Partner.objects.get(pk=world.partner.pk).time_zone == "UTC"
    assert AuditEvent.objects.count() == audit_rows
