"""A fixed cast for the native API, built through the real services.

Brightwave Agency (owner Olga, admin Adam, member Max) has three client accounts: Blue Bakery
(referred; converted 2026-03-10, moved 2026-04-20, paid invoice INV-1 of 45.00 USD on
2026-04-25), Amber Atelier (referred, with Olga's pending request) and Green Garden (managed:
Gus confirmed Olga's request). Those two, and Northstar's Red Rocket, moved on 2026-06-15, long
after converting, so they earn nothing in the closed month. April 2026 is closed.

Brightwave has one webhook endpoint, whose log holds three deliveries (request created and
confirmed for Green Garden, request created for Amber Atelier), none sent yet. Northstar
Partners (owner Nina) has an endpoint of its own. Sam is program staff.

Keys: Olga's write key and read key, Adam's write key, Nina's write key, Sam's write key and
read key.
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from partnerhub.access.disclaimers import CURRENT as CURRENT_DISCLAIMER
from partnerhub.access.models import ConsentRecord, Grant, ManageRequest
from partnerhub.access.services import manage_request_confirm, manage_request_create
from partnerhub.api.keys import api_key_create
from partnerhub.api.models import ApiKey, IdempotencyRecord
from partnerhub.audit.models import AuditEvent
from partnerhub.billing.models import BillingEvent, Invoice, Refund
from partnerhub.billing.services import invoice_paid
from partnerhub.brand.models import BrandKit
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.earnings.close import month_close
from partnerhub.earnings.models import LedgerLine, MonthClose
from partnerhub.onboarding.models import OnboardingStep, StepCompletion
from partnerhub.onboarding.services import step_create
from partnerhub.organizations.models import AccountGroup
from partnerhub.organizations.services import group_create
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.partnerships.models import Partnership, PartnershipKindChange
from partnerhub.pricing.services import single_bill_enable, statements_close
from partnerhub.tests.factories import MemberFactory, PartnerFactory, UserFactory, credited_account
from partnerhub.webhooks.models import (
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from partnerhub.webhooks.services import endpoint_create

CLOSED_MONTH = "2026-04"
TODAY = dt.date(2026, 11, 26)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@dataclass
class Cast:
    partner: Partner
    owner: PartnerMember
    admin: PartnerMember
    member: PartnerMember
    staff: object
    bakery: ClientAccount  # referred, paid invoice INV-1 in April 2026
    atelier: ClientAccount  # referred, pending request
    garden: ClientAccount  # managed, confirmed request
    pending: ManageRequest  # on Amber Atelier
    endpoint: WebhookEndpoint
    delivery: WebhookDelivery
    invoice: Invoice
    other_partner: Partner
    other_owner: PartnerMember
    other_account: ClientAccount
    other_endpoint: WebhookEndpoint
    group: AccountGroup  # a group of Brightwave's accounts
    other_group: AccountGroup
    owner_key: str
    read_key: str
    admin_key: str
    other_key: str
    staff_key: str
    staff_read_key: str
    step_key: str = ""
    statement_month: str = "2026-05"  # Brightwave's closed (empty) Single Bill statement


def _member(partner, role, email, first, last) -> PartnerMember:
    return MemberFactory(
        partner=partner,
        role=role,
        user__username=email,
        user__first_name=first,
        user__last_name=last,
    )


def _account(partner, kind, org, owner_name, login, **fields) -> ClientAccount:
    # Moved long after converting, and after the closed month: no bonus, no line.
    first, last = owner_name.split()
    return credited_account(
        partner,
        kind=kind,
        moved_on=fields.pop("moved_on", dt.date(2026, 6, 15)),
        organization_name=org,
        owner_name=owner_name,
        login_name=login,
        owner__first_name=first,
        owner__last_name=last,
        **fields,
    )


def _key(user, name: str, *, write: bool = True, staff: bool = False) -> str:
    return api_key_create(actor=user, name=name, can_write=write, staff=staff)[1]


def build_cast() -> Cast:
    partner = PartnerFactory(name="Brightwave Agency", deployed_on=dt.date(2019, 4, 1))
    other = PartnerFactory(name="Northstar Partners", deployed_on=dt.date(2019, 4, 1))
    single_bill_enable(partner_id=partner.pk, since_month=dt.date(2026, 5, 1))
    owner = _member(partner, PartnerRole.OWNER, "olga@brightwave.test", "Olga", "Owens")
    admin = _member(partner, PartnerRole.ADMIN, "adam@brightwave.test", "Adam", "Adler")
    member = _member(partner, PartnerRole.MEMBER, "max@brightwave.test", "Max", "Miller")
    other_owner = _member(other, PartnerRole.OWNER, "nina@northstar.test", "Nina", "North")
    staff = UserFactory(
        username="sam@partnerhub.test", first_name="Sam", last_name="Staff", is_staff=True
    )

    # April 2026: Blue Bakery converted on 10 March, moved on 20 April, paid 45.00 on 25 April.
    bakery = _account(
        partner,
        PartnershipKind.REFERRED,
        "Blue Bakery",
        "Cora Baker",
        "bluebakery",
        moved_on=dt.date(2026, 4, 20),
        signed_up_at=utc("2026-02-18T09:00"),
        converted_at=utc("2026-03-10T09:00"),
    )
    invoice = invoice_paid(
        external_id="INV-1",
        account_id=bakery.pk,
        paid_on=dt.date(2026, 4, 25),
        amount_minor=4500,
        currency="USD",
    )
    month_close(month=dt.date(2026, 4, 1), today=TODAY)
    # Brightwave is on Single Bill from May 2026, with none of its accounts on it (they earn
    # revenue share): its statement of May is closed and empty.
    statements_close(month=dt.date(2026, 5, 1), today=TODAY)

    atelier = _account(
        partner, PartnershipKind.REFERRED, "Amber Atelier", "Ada Amber", "amberatelier"
    )
    garden = _account(partner, PartnershipKind.REFERRED, "Green Garden", "Gus Green", "greengarden")
    other_account = _account(
        other, PartnershipKind.REFERRED, "Red Rocket", "Rita Reed", "redrocket"
    )

    endpoint = endpoint_create(
        actor=owner.user,
        url="http://127.0.0.1:9/brightwave",
        event_types=[],
        description="Brightwave CRM",
    )
    other_endpoint = endpoint_create(
        actor=other_owner.user, url="http://127.0.0.1:9/northstar", event_types=[]
    )

    confirmed = manage_request_create(
        actor=owner.user, account_id=garden.pk, message="We run your newsletters"
    )
    manage_request_confirm(
        actor=garden.owner,
        request_id=confirmed.pk,
        ip_address="198.51.100.20",
        user_agent="Firefox",
        disclaimer_version=CURRENT_DISCLAIMER.version,
    )
    pending = manage_request_create(actor=owner.user, account_id=atelier.pk, message="May we help?")
    garden.refresh_from_db()
    step = step_create(partner=partner, title="Send a first campaign", key="first-send")
    delivery = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id").first()

    return Cast(
        partner=partner,
        owner=owner,
        admin=admin,
        member=member,
        staff=staff,
        bakery=bakery,
        atelier=atelier,
        garden=garden,
        pending=pending,
        endpoint=endpoint,
        delivery=delivery,
        invoice=invoice,
        other_partner=other,
        other_owner=other_owner,
        other_account=other_account,
        other_endpoint=other_endpoint,
        group=group_create(partner=partner, name="Bakeries"),
        other_group=group_create(partner=other, name="Northern"),
        owner_key=_key(owner.user, "Olga's CRM"),
        read_key=_key(owner.user, "Olga's dashboard", write=False),
        admin_key=_key(admin.user, "Adam's script"),
        other_key=_key(other_owner.user, "Nina's CRM"),
        staff_key=_key(staff, "Billing sync", staff=True),
        staff_read_key=_key(staff, "Billing reader", write=False, staff=True),
        step_key=step.key,
    )


# Every table an API call could change. ``ApiKey`` is left out: using a key records when.
WATCHED = (
    ClientAccount,
    Partnership,
    PartnershipKindChange,
    ManageRequest,
    Grant,
    ConsentRecord,
    WebhookEndpoint,
    WebhookEvent,
    WebhookDelivery,
    DeliveryAttempt,
    Invoice,
    Refund,
    BillingEvent,
    MonthClose,
    LedgerLine,
    AuditEvent,
    IdempotencyRecord,
    PartnerMember,
    OnboardingStep,
    StepCompletion,
    get_user_model(),
    BrandKit,
)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every watched table, to show that a refused call changed nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list()) for model in WATCHED
    }


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in WATCHED}


def api_call(client, method: str, path: str, *, key: str | None = None, body=None, headers=None):
    """Call ``/api/v1{path}`` as a partner's tool would."""
    sent = dict(headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    kwargs = {"headers": sent}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(f"/api/v1{path}", **kwargs)


def assert_error(response, status: int, code: str) -> None:
    """The response is the API's one error shape, with this status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "details", "message"]
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


def key_row(secret: str) -> ApiKey:
    return ApiKey.objects.get(prefix=secret.split("_")[1])
