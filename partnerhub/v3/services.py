"""What a V3 client does, as the partner member who created its credentials."""

import datetime as dt
import re
import uuid
import zoneinfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.access.levels import AccessLevel
from partnerhub.access.services import manage_request_create
from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.billing import services as billing
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.core.locks import lock_one
from partnerhub.invitations.services import account_owner_invitation_create
from partnerhub.onboarding.tasks import account_changed as onboarding_account_changed
from partnerhub.partnerships.models import PartnershipSource
from partnerhub.partnerships.services import partnership_credit
from partnerhub.v3 import cancellations
from partnerhub.v3.credentials import v3_client_create as v3_client_create
from partnerhub.v3.credentials import v3_client_revoke as v3_client_revoke
from partnerhub.v3.errors import V3Error
from partnerhub.v3.models import V3AccountProfile, V3Client, V3Subscription
from partnerhub.v3.schemas import AccountCreateIn
from partnerhub.v3.topics import V3_TOPICS, notification
from partnerhub.webhooks import services as webhooks
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.services import event_emit

User = get_user_model()

# The public API's cancellation reasons; other ids are accepted and recorded as they are.
CANCEL_REASONS = {
    1: "Cost too high",
    2: "Using a competitive service",
    3: "Not doing email marketing",
    11: "Something missing or not working",
    12: "Doing it in-house",
    14: "Poor results",
    21: "Too difficult to use",
    27: "Cancelled online by customer",
    30: "Dissatisfied with billing policies",
}
STATES_REQUIRED = {"US", "CA"}
LOGIN_NAME = re.compile(r"^[A-Za-z0-9\-_@.+]{6,50}$")
WEBSITE = re.compile(r"^https?://[^\s/?#]+\.[^\s]*$", re.IGNORECASE)


def _external_id(kind: str) -> str:
    return f"v3-{kind}-{uuid.uuid4().hex}"


# --- Accounts ------------------------------------------------------------------------------


def client_accounts(client: V3Client):
    """Every account the client may act on: its partner's. The one query of the V3 surface
    for that (a filter on what the acting member may see goes here)."""
    return ClientAccount.objects.filter(partner_id=client.partner_id)


def account_of_client(
    client: V3Client, encoded_account_id: str, *, unknown_status: int = 404
) -> ClientAccount:
    """The account, if it is in the client's partnership: 404 when no account has this id
    (``unknown_status`` for an operation whose contract lists no 404), 400 when it exists but
    belongs elsewhere (as the public API answers)."""
    account = ClientAccount.objects.filter(encoded_account_id=encoded_account_id).first()
    if account is None:
        raise V3Error(
            unknown_status,
            "partner.api.account.not_found",
            "No account has this encoded_account_id.",
        )
    if not client_accounts(client).filter(pk=account.pk).exists():
        raise V3Error(
            400,
            "partner.api.account.not_in_partnership",
            "This account is not a client account of your partner account.",
        )
    return account


def _invalid(message: str) -> V3Error:
    return V3Error(400, "partner.api.validation.error", message)


def _check_new_account(data: AccountCreateIn) -> tuple[str, str, str]:
    email = User.objects.normalize_email(data.contact_email).strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise _invalid("contact_email: is not a valid e-mail address") from None
    country = data.country_code.upper()
    state = data.state_code.strip().upper()
    if country in STATES_REQUIRED and len(state) != 2:
        raise _invalid(f"state_code: a 2-letter state or province code is required for {country}")
    login_name = data.login_name.strip()
    if not LOGIN_NAME.match(login_name):
        raise _invalid("login_name: 6 to 50 characters, only letters, digits and - _ @ . +")
    if data.website and not WEBSITE.match(data.website):
        raise _invalid("website: a URL starting with http:// or https://")
    if data.time_zone_id and data.time_zone_id not in zoneinfo.available_timezones():
        raise _invalid(f"time_zone_id: {data.time_zone_id} is not a known time zone")
    external = bool(data.external_id or data.external_provider)
    if external and not (data.external_id and data.external_provider):
        raise _invalid("external_id and external_provider go together")
    if external and data.password:
        raise _invalid("password: not used with an external authenticator")
    if not external and not data.password:
        raise _invalid("password: is required unless external_id and external_provider are given")
    if data.password:
        try:
            validate_password(data.password, user=User(username=login_name, email=email))
        except DjangoValidationError as error:
            raise _invalid("password: " + " ".join(error.messages)) from None
    return email, country, state


def _login_name_taken(login_name: str) -> V3Error:
    return V3Error(
        409, "partner.api.login_name.conflict", f"The login_name {login_name} is already in use."
    )


# What the customer reads on a request made when the account was created as managed.
MANAGED_ON_CREATE_MESSAGE = (
    "We created this account for you and asked for it to be run by us (managed). "
    "Confirm only if you agree."
)


@transaction.atomic
def account_create(*, client: V3Client, data: AccountCreateIn) -> V3AccountProfile:
    """A trial account credited to the client's partner from today, as a referred account with
    no owner yet (for an organization's client: one of its children, managed from the start). The person at ``contact_email`` is invited to own it, whoever they are (the
    answer is the same for every address); the account is theirs once they accept. With
    ``managed_site_owner`` the partner also asks for full access, through the ordinary manage
    request: the account becomes managed only when its owner confirms it."""
    email, country, state = _check_new_account(data)
    login_name = data.login_name.strip()
    if ClientAccount.objects.filter(login_name__iexact=login_name).exists():
        raise _login_name_taken(login_name)
    actor = client.created_by
    now = timezone.now()
    first, last = data.first_name.strip(), data.last_name.strip()
    try:
        with transaction.atomic():
            account = ClientAccount.objects.create(
                organization_name=data.organization_name.strip() or login_name,
                owner_name=f"{first} {last}".strip() or login_name,
                login_name=login_name,
                contact_email=email,
                owner=None,
                plan_type=PlanType.TRIAL,
                billing_status=BillingStatus.TRIAL,
                signed_up_at=now,
                contact_phone=data.contact_phone,
                organization_phone=data.organization_phone,
                time_zone_id=data.time_zone_id,
                single_billing_requested=data.enable_single_billing,
                gdpr_opt_out=data.gdpr_opt_out,
                login_external_id=data.external_id,
                login_external_provider=data.external_provider,
                provisioned_password=make_password(data.password) if data.password else "",
            )
    except IntegrityError:
        raise _login_name_taken(login_name) from None
    profile = V3AccountProfile.objects.create(
        account=account,
        created_by_client=client,
        country_code=country,
        state_code=state,
        phone=data.contact_phone,
        website=data.website.strip(),
        billing_locale=data.billing_locale,
        partner_account_id=data.partner_account_id.strip(),
    )
    audit_record(
        actor=actor,
        action=events.ACCOUNT_CREATED,
        target=account,
        partner=client.partner,
        account=account,
        after={
            "login_name": login_name,
            "created_through": "v3",
            "v3_client_id": client.client_id,
            "provision_uuid": str(profile.provision_uuid),
            "managed_site_owner": data.managed_site_owner,
        },
        at=now,
    )
    if client.partner.is_organization:
        # An organization's credentials create one of its child accounts: managed by it
        # from the start, as every child is; the owner is invited all the same.
        partnership_credit(
            partner=client.partner,
            account=account,
            source=PartnershipSource.ORGANIZATION_CHILD,
            moved_on=now.date(),
            kind=PartnershipKind.MANAGED,
            level=AccessLevel.FULL,
            actor=actor,
            at=now,
        )
    else:
        partnership_credit(
            partner=client.partner,
            account=account,
            source=PartnershipSource.CREATED_BY_PARTNER,
            moved_on=now.date(),
            kind=PartnershipKind.REFERRED,
            actor=actor,
            at=now,
        )
    if data.managed_site_owner and not client.partner.is_organization:
        manage_request_create(
            actor=actor,
            account_id=account.pk,
            message=MANAGED_ON_CREATE_MESSAGE,
            notify_customer=False,  # the ownership invitation says it
        )
    account_owner_invitation_create(
        actor=actor,
        partner=client.partner,
        account=account,
        email=email,
        first_name=first,
        last_name=last,
        access_requested=data.managed_site_owner and not client.partner.is_organization,
    )
    account.refresh_from_db()
    return profile


# --- Plan and cancellation -------------------------------------------------------------------


def billing_day_of(account: ClientAccount) -> int | None:
    if account.plan_type == PlanType.TRIAL:
        return None
    profile = V3AccountProfile.objects.filter(account=account).first()
    return profile.billing_day_of_month if profile else None


@transaction.atomic
def plan_change(
    *, client: V3Client, account: ClientAccount, plan_type: str, billing_day_of_month: int | None
) -> ClientAccount:
    """Leaving TRIAL is the conversion (billing status Open, through the billing service) and
    the only moment ``billing_day_of_month`` is set (default: today's day); on any other change
    it is ignored, as the contract says. A plan never goes back to TRIAL. Asking for the
    current plan changes nothing."""
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.billing_status == BillingStatus.CANCELED:
        raise V3Error(
            400,
            "partner.api.account_cancelled",
            "The account is cancelled; its plan cannot be changed.",
        )
    leaving_trial = account.plan_type == PlanType.TRIAL and plan_type != PlanType.TRIAL
    if plan_type == PlanType.TRIAL and account.plan_type != PlanType.TRIAL:
        raise V3Error(400, "partner.api.plan_back_to_trial", "A plan never goes back to TRIAL.")
    if plan_type == account.plan_type:
        return account
    now = timezone.now()
    billing.account_plan_change(
        external_id=_external_id("plan"),
        account_id=account.pk,
        plan_type=plan_type,
        occurred_at=now,
    )
    if leaving_trial:
        profile, _ = V3AccountProfile.objects.get_or_create(account=account)
        profile.billing_day_of_month = billing_day_of_month or now.day
        profile.save(update_fields=["billing_day_of_month"])
    old_plan = account.plan_type
    account.refresh_from_db()
    audit_record(
        actor=client.created_by,
        action=events.ACCOUNT_PLAN_CHANGED_BY_PARTNER,
        target=account,
        partner=client.partner,
        account=account,
        before={"plan_type": old_plan},
        after={"plan_type": account.plan_type},
        at=now,
    )
    onboarding_account_changed(account)
    return account


def reason_label(reason_id: int | None) -> str:
    """What a person reads: the public label, or the id when it has none."""
    if reason_id is None:
        return ""
    return CANCEL_REASONS.get(reason_id) or f"Reason {reason_id}"


def _reason(reason_id: int | None) -> str:
    """What billing records: the id, and its label when it has one."""
    if reason_id is None:
        return ""
    label = CANCEL_REASONS.get(reason_id)
    return f"reason_id {reason_id}" + (f": {label}" if label else "")


@transaction.atomic
def account_cancel(
    *,
    client: V3Client,
    account: ClientAccount,
    reason_id: int | None,
    effective_date: dt.datetime | None,
) -> dt.datetime:
    """Cancel now (through the billing service), or on a later day (a scheduled cancellation
    the worker carries out then, withdrawable until it does). An earlier date is recorded as
    given (from the account's creation if that was the same day; a day before it is
    refused); a time later today counts as now. Returns the effective date and time."""
    now = timezone.now()
    effective = effective_date or now
    if timezone.is_naive(effective):
        effective = effective.replace(tzinfo=dt.UTC)
    if account.billing_status == BillingStatus.CANCELED:
        raise V3Error(400, "partner.api.already_cancelled", "The account is already cancelled.")
    if effective > now:
        if effective.astimezone(dt.UTC).date() > now.astimezone(dt.UTC).date():
            cancellations.cancellation_schedule(
                client=client,
                account=account,
                effective_at=effective,
                reason_id=reason_id,
                reason=reason_label(reason_id),
                billing_reason=_reason(reason_id),
            )
            return effective
        effective = now
    if effective < account.signed_up_at:
        if effective.astimezone(dt.UTC).date() == account.signed_up_at.astimezone(dt.UTC).date():
            effective = account.signed_up_at  # the day it was created: from its creation
        else:
            raise V3Error(
                400,
                "partner.api.effective_date.before_signup",
                "effective_date is before the day the account was created.",
            )
    with transaction.atomic():
        scheduled = cancellations.scheduled_for(account_id=account.pk)
        if scheduled is not None:  # cancelled now instead: the later one no longer stands
            cancellations.cancellation_withdraw(
                actor=client.created_by, cancellation_id=scheduled.pk
            )
        billing.account_cancel(
            external_id=_external_id("cancel"),
            account_id=account.pk,
            occurred_at=effective,
            reason=_reason(reason_id),
        )
    audit_record(
        actor=client.created_by,
        action=events.ACCOUNT_CANCELLED_BY_PARTNER,
        target=account,
        partner=client.partner,
        account=account,
        after={"reason": _reason(reason_id), "effective_at": effective.isoformat()},
    )
    return effective


# --- Webhook subscriptions -------------------------------------------------------------------


def topic_of(topic_id: str) -> int:
    try:
        topic = int(topic_id)
    except (TypeError, ValueError):
        topic = 0
    if topic not in V3_TOPICS:
        raise V3Error(404, "partner.api.topic.not_found", f"No webhook topic {topic_id}.")
    return topic


def subscriptions(*, client: V3Client) -> dict[int, WebhookEndpoint]:
    return {
        e.v3_topic: e
        for e in WebhookEndpoint.objects.filter(
            partner_id=client.partner_id, v3_topic__isnull=False
        )
    }


def subscription(*, client: V3Client, topic: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(partner_id=client.partner_id, v3_topic=topic).first()


@transaction.atomic
def subscription_put(*, client: V3Client, topic: int, hook_uri: str) -> WebhookEndpoint:
    """Subscribe the topic to ``hook_uri``, or move an existing subscription there (and turn it
    back on if deliveries had disabled it). The calling credentials become the subscription's:
    its notifications name their client id."""
    actor = client.created_by
    existing = subscription(client=client, topic=topic)
    endpoint = None
    if existing is None:
        event_type, name, _description = V3_TOPICS[topic]
        try:
            with transaction.atomic():
                endpoint = webhooks.endpoint_create(
                    actor=actor,
                    url=hook_uri,
                    event_types=[event_type],
                    description=f"V3 topic {topic}: {name}",
                    v3_topic=topic,
                )
        except IntegrityError:
            # Subscribed by a concurrent call in the meantime: update that one.
            existing = subscription(client=client, topic=topic)
            if existing is None:
                raise
    if endpoint is None:
        endpoint = webhooks.endpoint_update(
            actor=actor, endpoint_id=existing.pk, url=hook_uri, enabled=True
        )
    V3Subscription.objects.update_or_create(endpoint=endpoint, defaults={"client": client})
    return endpoint


def subscription_delete(*, client: V3Client, topic: int) -> None:
    existing = subscription(client=client, topic=topic)
    if existing is not None:
        webhooks.endpoint_delete(actor=client.created_by, endpoint_id=existing.pk)


# The account a test notification points at: made up, as the public API's test sends are.
TEST_ACCOUNT_ID = "a07e1test0000"


@transaction.atomic
def subscription_test(*, client: V3Client, topic: int) -> WebhookEndpoint:
    """Send the topic's notification, in the V3 format, to the subscribed hook_uri now."""
    existing = subscription(client=client, topic=topic)
    if existing is None:
        raise V3Error(
            400,
            "partner.api.topic.not_subscribed",
            f"Topic {topic} has no subscription; PUT a hook_uri first.",
        )
    if not existing.enabled:
        raise V3Error(
            400,
            "partner.api.topic.disabled",
            f"Topic {topic}'s subscription is turned off; PUT its hook_uri to turn it on.",
        )
    event_type = V3_TOPICS[topic][0]
    event_emit(
        partner_id=client.partner_id,
        event_type=event_type,
        data={
            **notification(
                event_type=event_type,
                encoded_account_id=TEST_ACCOUNT_ID,
                api_key=client.client_id,
            ),
            "encoded_account_id": TEST_ACCOUNT_ID,
            "test": True,
        },
        endpoints=[existing],
        force=True,
    )
    return existing
