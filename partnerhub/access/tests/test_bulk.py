"""A bulk request (``manage_requests_create_bulk``): the same requests, refusals, audit rows,
e-mails, notices and webhook events as one ``manage_request_create`` per account, read and
written for all the accounts at once, so that 500 accounts take as many queries as 50."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub.access import services
from partnerhub.access.models import ManageRequest, RequestStatus
from partnerhub.access.services import manage_request_create, manage_requests_create_bulk
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.core.models import OutgoingEmail
from partnerhub.moves.models import RequestCode
from partnerhub.notices.models import Notice
from partnerhub.partners.models import AccountAssignment, MemberVisibility
from partnerhub.partnerships.models import PartnershipSource
from partnerhub.partnerships.services import Credit, partnerships_credit_bulk
from partnerhub.tests.factories import UserFactory
from partnerhub.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def referred_accounts(partner, n: int, *, prefix: str) -> list[int]:
    """``n`` referred accounts of ``partner``, each with its owner, credited at once."""
    owners = [UserFactory(username=f"{prefix}{i:04d}@client.test") for i in range(n)]
    signed = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)
    ClientAccount.objects.bulk_create(
        ClientAccount(
            organization_name=f"{prefix.title()} {i:04d}",
            owner_name=f"Owner {i:04d}",
            login_name=f"{prefix}{i:04d}",
            contact_email=owner.email,
            owner=owner,
            plan_type=PlanType.SILVER,
            billing_status=BillingStatus.OPEN,
            signed_up_at=signed,
            converted_at=signed + dt.timedelta(days=20),
        )
        for i, owner in enumerate(owners)
    )
    ids = list(
        ClientAccount.objects.filter(login_name__startswith=prefix)
        .order_by("login_name")
        .values_list("pk", flat=True)
    )
    partnerships_credit_bulk(
        credits=[Credit(partner.pk, pk, dt.date(2025, 3, 1)) for pk in ids],
        source=PartnershipSource.INVITE_LINK,
    )
    return ids


def hook(world) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        partner=world.partner, url="https://hooks.example/in", secret="whsec_x"
    )


def ask(world, ids, *, by=None):
    return manage_requests_create_bulk(
        actor=(by or world.owner).user,
        account_ids=ids,
        message="As agreed, we will run your campaigns.",
        level="marketing",
        duration_days=90,
        ip_address="203.0.113.7",
    )


def queries_for(world, ids, *, by=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        results = ask(world, ids, by=by)
    assert all(r.request is not None for r in results)
    return [q["sql"] for q in captured.captured_queries]


def _reads(statements: list[str]) -> list[str]:
    """The statements but the savepoints and the multi-row inserts (which SQLite splits into
    batches of its 999 parameters; PostgreSQL sends each in one) or the one prepared insert of
    the audit rows (``N times: INSERT``), their id lists cut off."""
    return [
        s.split(" IN (")[0]
        for s in statements
        if not s.startswith(("INSERT", "SAVEPOINT", "RELEASE SAVEPOINT")) and " INSERT " not in s
    ]


# At most this many more statements for 500 accounts than for 50: the inserts of requests,
# e-mails, notices, webhook events and deliveries in SQLite's batches (none on PostgreSQL).
BATCHES = 40


def test_500_accounts_take_as_many_queries_as_50(world, django_assert_max_num_queries):
    # given 550 referred accounts of Brightwave and a webhook endpoint
    ids = referred_accounts(world.partner, 550, prefix="bulkq")
    hook(world)

    # when the owner asks 50 of them, then the other 500
    fifty = queries_for(world, ids[:50])
    with django_assert_max_num_queries(len(fifty) + BATCHES):
        five_hundred = queries_for(world, ids[50:])

    # then the 500 read exactly what the 50 read, in a handful of statements
    assert _reads(five_hundred) == _reads(fifty)
    assert len(fifty) <= 20
    assert ManageRequest.objects.filter(account_id__in=ids, status="pending").count() == 550
    assert AuditEvent.objects.filter(action="access.requested").count() == 550
    assert WebhookEvent.objects.filter(event_type="request.created").count() == 550
    assert WebhookDelivery.objects.count() == 550


def test_a_restricted_member_takes_as_many_queries_for_500_as_for_50(
    world, django_assert_max_num_queries
):
    # given a partnership that shows members only their accounts, and Max assigned 550
    world.partner.member_visibility = MemberVisibility.ASSIGNED
    world.partner.save(update_fields=["member_visibility"])
    ids = referred_accounts(world.partner, 550, prefix="bulkr")
    AccountAssignment.objects.bulk_create(
        AccountAssignment(
            partner=world.partner,
            account_id=pk,
            member=world.member,
            assigned_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
        )
        for pk in ids
    )

    # when Max asks 50, then 500
    fifty = queries_for(world, ids[:50], by=world.member)
    with django_assert_max_num_queries(len(fifty) + BATCHES):
        five_hundred = queries_for(world, ids[50:], by=world.member)

    # then the same reads
    assert _reads(five_hundred) == _reads(fifty)


def test_each_account_is_refused_for_the_reason_one_request_would_give(world):
    # given Blue Bakery (referred), Green Garden (managed), Red Rocket (another partner's),
    # Willow Works (no partnership), two referred accounts of which one has a request waiting
    # and one asks for a request code, and an account that moved away from Brightwave
    waiting, coded, free = referred_accounts(world.partner, 3, prefix="bulkm")
    manage_request_create(actor=world.owner.user, account_id=waiting)
    RequestCode.objects.create(
        account_id=coded, code="ABCD-EFGH", created_at=world.account.signed_up_at
    )
    ids = [
        world.account.pk,
        world.managed_account.pk,
        world.other_account.pk,
        world.lone_account.pk,
        waiting,
        coded,
        free,
        world.account.pk,  # named twice
        999_999,
    ]

    # when the owner asks for all of them at once
    results = ask(world, ids)

    # then exactly the accounts a request could be made for are asked, once each
    assert [(r.account_id, r.error.code if r.error else "made") for r in results] == [
        (world.account.pk, "made"),
        (world.managed_account.pk, "already_managed"),
        (world.other_account.pk, "not_found"),
        (world.lone_account.pk, "not_found"),
        (waiting, "request_pending"),
        (coded, "request_code_required"),
        (free, "made"),
        (world.account.pk, "request_pending"),
        (999_999, "not_found"),
    ]
    # and each refusal reads as the one-account request's would
    one_by_one = {}
    for pk in ids[1:7]:
        try:
            manage_request_create(actor=world.owner.user, account_id=pk)
        except services.ServiceError as error:
            one_by_one[pk] = (error.code, error.message)
    assert {r.account_id: (r.error.code, r.error.message) for r in results[1:7] if r.error} == {
        pk: one_by_one[pk] for pk in ids[1:7] if pk not in (free,)
    }


def test_what_each_request_leaves_behind_is_what_one_request_leaves(world):
    # given two referred accounts and a webhook endpoint
    single, bulk = referred_accounts(world.partner, 2, prefix="bulkw")
    hook(world)

    # when one is asked alone and the other in a bulk request, with the same terms
    alone = manage_request_create(
        actor=world.owner.user,
        account_id=single,
        message="As agreed, we will run your campaigns.",
        level="marketing",
        duration_days=90,
        ip_address="203.0.113.7",
    )
    [result] = ask(world, [bulk])
    made = result.request

    # then the rows written for both read alike, but for the account's own names
    def seen(request: ManageRequest, login: str) -> dict:
        request = ManageRequest.objects.get(pk=request.pk)
        audit = AuditEvent.objects.get(action="access.requested", target_id=str(request.pk))
        email = OutgoingEmail.objects.get(to=[f"{login}@client.test"])
        notice = Notice.objects.get(source_key=f"request:{request.pk}:created")
        event = WebhookEvent.objects.get(
            event_type="request.created", payload__request_id=request.pk
        )
        name = request.account.organization_name
        return {
            "request": (request.status, request.level, request.duration_days, request.message),
            "expires_in": request.expires_at - request.created_at,
            "audit": (audit.actor_id, audit.actor_label, audit.partner_id, audit.ip_address),
            "audit_after": {k: v for k, v in audit.after.items() if k != "expires_at"},
            "audit_account": audit.account_id == request.account_id,
            "email": tuple(
                part.replace(name, "NAME").replace(request.account.encoded_account_id, "ID")
                for part in (email.subject, email.body)
            ),
            "notice": (notice.user_id == request.account.owner_id, notice.kind, notice.url),
            "event": sorted(event.payload),
            "deliveries": event.deliveries.count(),
        }

    alone_seen, bulk_seen = seen(alone, "bulkw0000"), seen(made, "bulkw0001")
    for side in (alone_seen, bulk_seen):
        side["email"] = tuple(
            part.replace("Owner 0000", "OWNER").replace("Owner 0001", "OWNER")
            for part in side["email"]
        )
        side["notice"] = side["notice"][:2]
    assert bulk_seen == alone_seen
    assert bulk_seen["audit"][3] == "203.0.113.7"
    assert (
        ManageRequest.objects.get(pk=made.pk).account.partnership_kind == PartnershipKind.REFERRED
    )


def test_a_request_made_meanwhile_is_reported_and_the_others_are_asked(world, monkeypatch):
    # given two referred accounts, and another request made for the first just after the bulk
    # request read that none was waiting
    first, second = referred_accounts(world.partner, 2, prefix="bulkx")
    checks = services._bulk_checks

    def checks_then_another_request(membership, account_ids):
        found = checks(membership, account_ids)
        ManageRequest.objects.create(
            account_id=first,
            partnership=found[1][0],
            partner=world.partner,
            requested_by=world.admin.user,
            created_at=world.account.signed_up_at,
            expires_at=world.account.signed_up_at + dt.timedelta(days=30),
        )
        return found

    monkeypatch.setattr(services, "_bulk_checks", checks_then_another_request)

    # when the owner asks both
    results = ask(world, [first, second])

    # then the first is skipped as waiting, the second asked; one request each
    assert [(r.account_id, r.error.code if r.error else "made") for r in results] == [
        (first, "request_pending"),
        (second, "made"),
    ]
    assert ManageRequest.objects.filter(account_id=first, status=RequestStatus.PENDING).count() == 1
    assert AuditEvent.objects.filter(action="access.requested").count() == 1
