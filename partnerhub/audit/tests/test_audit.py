"""The audit log: every change is one row, and a row, once written, is never changed."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from partnerhub.audit import events
from partnerhub.audit.models import AuditEvent
from partnerhub.audit.services import audit_record
from partnerhub.partners.models import Partner
from partnerhub.tests.factories import PartnerFactory, UserFactory

AT = dt.datetime(2026, 11, 2, 10, 30, tzinfo=dt.UTC)


@pytest.fixture
def event(db) -> AuditEvent:
    partner = PartnerFactory(name="Brightwave Agency")
    actor = UserFactory(username="sam@partnerhub.test", first_name="Sam", last_name="Staff")
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=events.PARTNER_UPDATED,
            target=partner,
            partner=partner,
            before={"name": "Brightwave"},
            after={"name": "Brightwave Agency"},
            ip_address="192.0.2.1",
            at=AT,
        )


def stored(event) -> tuple:
    return AuditEvent.objects.filter(pk=event.pk).values_list(
        "at", "actor_label", "action", "target_type", "target_id", "before", "after", "ip_address"
    )[0]


def test_a_row_records_who_did_what_to_which_thing_and_when(event):
    partner = Partner.objects.get(name="Brightwave Agency")

    assert stored(event) == (
        AT,
        "Sam Staff",
        "partner.updated",
        "partners.partner",
        str(partner.pk),
        {"name": "Brightwave"},
        {"name": "Brightwave Agency"},
        "192.0.2.1",
    )
    assert event.partner == partner
    assert event.account is None
    assert event.label == "Partner updated"


def test_the_product_itself_acts_as_partnerhub(db):
    partner = PartnerFactory()

    with transaction.atomic():
        row = audit_record(actor=None, action=events.PARTNER_CREATED, target=partner)

    assert (row.actor, row.actor_label, row.before, row.after) == (None, "PartnerHub", {}, {})


def test_a_row_is_written_only_inside_the_change_it_records():
    with pytest.raises(RuntimeError, match="in the transaction that makes the change"):
        audit_record(actor=None, action=events.PARTNER_CREATED, target=Partner(pk=1))


def test_a_saved_row_cannot_be_saved_again(event):
    before = stored(event)
    event.after = {"name": "Something else"}

    with pytest.raises(TypeError, match="append-only"):
        event.save()

    assert stored(event) == before


def test_a_row_cannot_be_deleted(event):
    with pytest.raises(TypeError, match="append-only"):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_rows_cannot_be_updated_in_bulk(event):
    before = stored(event)

    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(action="partner.created")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.update(actor_label="nobody")
    event.actor_label = "nobody"
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["actor_label"])

    assert stored(event) == before


def test_rows_cannot_be_deleted_in_bulk(event):
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 1


def test_a_partner_with_audit_rows_cannot_be_deleted(event):
    with pytest.raises(ProtectedError):
        Partner.objects.get(name="Brightwave Agency").delete()

    assert AuditEvent.objects.count() == 1


# --- The registry of event types -----------------------------------------------------------------


def test_an_unknown_event_type_is_an_error():
    with pytest.raises(ValueError, match="unknown audit event type 'partner.exploded'"):
        events.get("partner.exploded")


def test_every_event_type_has_a_distinct_code_and_a_label():
    codes = [e.code for e in events.all_types()]

    assert len(codes) == len(set(codes))
    assert all(e.label for e in events.all_types())
    assert events.get("access.confirmed") is events.REQUEST_CONFIRMED


def test_the_access_timeline_shows_exactly_the_access_changes():
    assert events.access_timeline_codes() == [
        "partnership.credited",
        "access.requested",
        "access.request_cancelled",
        "access.confirmed",
        "access.declined",
        "access.request_expired",
        "access.revoked",
        "access.level_changed",
        "access.extension_requested",
        "access.extended",
        "access.expired",
        "account.owner_accepted",
        "account.assigned",
        "account.unassigned",
        "account.plan_changed_by_partner",
        "account.cancelled_by_partner",
        "move.requested",
        "move.cancelled",
        "move.declined",
        "move.expired",
        "account.moved_in",
        "account.moved_out",
        "account.request_code_changed",
        # What the partner did in or to the account through the V3 API
        "account.cancellation_scheduled",
        "account.cancellation_withdrawn",
        "account.cancellation_carried_out",
        "account.user_created",
        "account.operation_sent",
        "account.contacts_unsubscribed",
        # An organization moves an account between its groups
        "account.group_changed",
    ]


# --- Program staff read it in the admin ----------------------------------------------------------


@pytest.fixture
def staff(db):
    user = UserFactory(username="staff@partnerhub.test", first_name="Sam", last_name="Staff")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_staff_read_the_audit_log_in_the_admin(client, staff, event):
    client.force_login(staff)

    response = client.get(reverse("admin:audit_auditevent_changelist"))

    assert response.status_code == 200
    assert "partner.updated" in response.content.decode()


def test_staff_cannot_add_change_or_delete_audit_rows_in_the_admin(client, staff, event):
    client.force_login(staff)
    before = stored(event)

    add = client.post(reverse("admin:audit_auditevent_add"), {"action": "partner.created"})
    change = client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"actor_label": "nobody"}
    )
    delete = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert stored(event) == before
    assert AuditEvent.objects.count() == 1


def test_a_change_by_staff_in_the_admin_is_audited_with_before_and_after(client, staff):
    partner = PartnerFactory(name="Brightwave", deployed_on=dt.date(2024, 1, 15))
    client.force_login(staff)

    response = client.post(
        reverse("admin:partners_partner_change", args=[partner.pk]),
        {
            "name": "Brightwave Agency",
            "deployed_on": "2024-01-20",
            "time_zone": "UTC",
            "invite_code": partner.invite_code,
            "initial-invite_code": partner.invite_code,
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "0",
            "members-MAX_NUM_FORMS": "1000",
        },
        REMOTE_ADDR="192.0.2.50",
    )

    assert response.status_code == 302
    row = AuditEvent.objects.get(action="admin.changed")
    assert (row.actor, row.partner, row.target_type, row.target_id, row.ip_address) == (
        staff,
        partner,
        "partners.partner",
        str(partner.pk),
        "192.0.2.50",
    )
    assert row.before == {"name": "Brightwave", "deployed_on": "2024-01-15"}
    assert row.after == {
        "name": "Brightwave Agency",
        "deployed_on": "2024-01-20",
        "_created": False,
    }
