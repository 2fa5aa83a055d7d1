"""The customer's side of team assignment and of what the partner did: who serves the account
(names only), and the whole timeline, on the page and as CSV, with the person or the API key
that acted."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerhub.api.keys import api_key_create
from partnerhub.audit.models import AuditEvent
from partnerhub.partners.services import accounts_assign
from partnerhub.tests.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


def _provider(client, world) -> str:
    client.force_login(world.customer)
    return client.get(
        reverse("customer-provider", args=[world.account.encoded_account_id])
    ).content.decode()


def _csv(client, world) -> list[dict]:
    client.force_login(world.customer)
    response = client.get(reverse("customer-timeline-csv", args=[world.account.encoded_account_id]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="timeline-bluebakery.csv"'
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_customer_sees_who_serves_the_account_by_name_without_addresses(client, world):
    accounts_assign(
        actor=world.owner.user,
        member_id=world.member.pk,
        account_ids=[world.account.pk],
    )

    page = _provider(client, world)

    assert "Who at Brightwave Agency serves your account" in page
    assert "<li>Max Miller</li>" in page
    assert "max@brightwave.test" not in page


def test_without_assignments_the_customer_is_told_so(client, world):
    page = _provider(client, world)

    assert "Brightwave Agency has not assigned anyone of its team to your account." in page


def test_an_account_in_no_partnership_has_no_such_section(client, world):
    client.force_login(world.lone_account.owner)

    page = client.get(
        reverse("customer-provider", args=[world.lone_account.encoded_account_id])
    ).content.decode()

    assert "serves your account" not in page


def test_the_timeline_names_the_member_and_the_api_key_that_acted(client, world):
    # Given Olga assigns Max in the portal, and her CRM's key asks for access through the API
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )
    _, secret = api_key_create(actor=world.owner.user, name="Olga's CRM", can_write=True)
    answer = client.post(
        f"/api/v1/accounts/{world.account.encoded_account_id}/requests",
        data={"message": "We would like to run your newsletter."},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 201, answer.content

    # When the customer reads the page and downloads the timeline
    page = _provider(client, world)
    rows = _csv(client, world)

    # Then both show who did what, newest first
    assert [
        (r["event"], r["what_happened"], r["by"], r["partner"], r["details"]) for r in rows
    ] == [
        (
            "access.requested",
            "Permission to manage requested",
            "Olga Owens through the API key “Olga's CRM”",
            "Brightwave Agency",
            "Message: “We would like to run your newsletter.”",
        ),
        (
            "account.assigned",
            "Assigned to a member of the partner's team",
            "Olga Owens",
            "Brightwave Agency",
            "Team member: Max Miller",
        ),
        (
            "partnership.credited",
            "Account moved under the partnership",
            "PartnerHub",
            "Brightwave Agency",
            "In the partnership from 1 Mar 2025",
        ),
    ]
    assert "by Olga Owens through the API key “Olga&#x27;s CRM”" in page
    assert '<p class="timeline-note">Max Miller</p>' in page
    assert (
        f'href="{reverse("customer-timeline-csv", args=[world.account.encoded_account_id])}"'
        in page
    )


def test_the_timeline_csv_keeps_a_spreadsheet_from_reading_formulas(client, world):
    world.owner.user.first_name = "=SUM(1)"
    world.owner.user.save(update_fields=["first_name"])
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )

    rows = _csv(client, world)

    assert rows[0]["by"] == "'=SUM(1) Owens"
    assert (
        rows[0]["at"]
        == AuditEvent.objects.filter(account=world.account).latest("id").at.isoformat()
    )


def test_the_timeline_of_a_busy_account_streams_every_entry(client, world):
    from django.db import transaction

    from partnerhub.audit import events
    from partnerhub.audit.services import AuditRow, audit_record_bulk
    from partnerhub.partners.models import AccountAssignment

    with transaction.atomic():
        audit_record_bulk(
            actor=world.owner.user,
            action=events.ACCOUNT_ASSIGNED,
            target_model=AccountAssignment,
            rows=[
                AuditRow(
                    target_id=n,
                    partner_id=world.partner.pk,
                    account_id=world.account.pk,
                    after={"member_name": f"Person {n}"},
                    at=timezone.now(),
                )
                for n in range(1200)
            ],
        )

    rows = _csv(client, world)

    assert len(rows) == 1201
