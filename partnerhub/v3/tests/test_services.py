"""The services behind the surface: credentials, account creation, plan and cancellation
rules, and the staff admin page for credentials."""

import datetime as dt
from unittest import mock

import pydantic
import pytest
from django.utils import timezone

from partnerhub.access.models import ManageRequest
from partnerhub.audit.models import AuditEvent
from partnerhub.billing.models import BillingEvent, BillingEventKind
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.invitations.models import Invitation
from partnerhub.partners.models import PartnerRole
from partnerhub.partnerships.models import Partnership, PartnershipSource
from partnerhub.tests.factories import MemberFactory, UserFactory
from partnerhub.v3 import services
from partnerhub.v3.credentials import (
    access_token_issue,
    client_credentials_check,
    partner_v3_clients,
    request_authenticate,
)
from partnerhub.v3.errors import V3Error
from partnerhub.v3.models import V3AccessToken, V3AccountProfile, V3Client
from partnerhub.v3.schemas import AccountCreateIn

# --- credentials -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [PartnerRole.OWNER, PartnerRole.ADMIN])
def test_owners_and_admins_create_credentials_shown_once_and_stored_hashed(db, role):
    member = MemberFactory(role=role)
    client, secret, api_key = services.v3_client_create(actor=member.user, name=" CRM sync ")
    assert (client.partner, client.created_by, client.name) == (
        member.partner,
        member.user,
        "CRM sync",
    )
    stored = V3Client.objects.filter(pk=client.pk).values().get()
    assert secret not in str(stored) and api_key not in str(stored)
    assert client_credentials_check(client.client_id, secret) == client
    assert client_credentials_check(client.client_id, api_key) is None
    token, expires_in = access_token_issue(client)
    assert expires_in == 3600
    assert request_authenticate(api_key=api_key, token=token) == client
    assert token not in str(V3AccessToken.objects.values().get())
    audit = AuditEvent.objects.get(action="api.v3_client_created")
    assert audit.partner == member.partner and audit.actor == member.user
    assert list(partner_v3_clients(partner_id=member.partner_id)) == [client]


def test_members_customers_and_strangers_cannot_create_credentials(db):
    for actor in (MemberFactory(role=PartnerRole.MEMBER).user, UserFactory(), None):
        with pytest.raises(PermissionDenied):
            services.v3_client_create(actor=actor, name="Nope")
    assert not V3Client.objects.exists()


def test_staff_create_credentials_acting_as_an_owner_or_admin(db):
    staff = UserFactory(is_staff=True)
    admin = MemberFactory(role=PartnerRole.ADMIN)
    client, _, _ = services.v3_client_create(
        actor=staff, name="Set up by staff", acting_member=admin
    )
    assert client.created_by == admin.user and client.partner == admin.partner
    assert AuditEvent.objects.get(action="api.v3_client_created").actor == staff
    with pytest.raises(InvalidTransition):
        services.v3_client_create(
            actor=staff, name="x", acting_member=MemberFactory(role=PartnerRole.MEMBER)
        )
    with pytest.raises(PermissionDenied):
        services.v3_client_create(actor=admin.user, name="x", acting_member=admin)


def test_a_name_is_required(db):
    owner = MemberFactory(role=PartnerRole.OWNER)
    for name in ("", "   ", "x" * 101):
        with pytest.raises(InvalidTransition):
            services.v3_client_create(actor=owner.user, name=name)


def test_revoking_is_for_the_partners_managers_and_staff(db):
    owner = MemberFactory(role=PartnerRole.OWNER)
    client, _, _ = services.v3_client_create(actor=owner.user, name="CRM")
    access_token_issue(client)
    outsider = MemberFactory(role=PartnerRole.OWNER)
    member = MemberFactory(partner=owner.partner, role=PartnerRole.MEMBER)
    for actor in (outsider.user, member.user, UserFactory()):
        with pytest.raises(NotFound):
            services.v3_client_revoke(actor=actor, client_id=client.pk)
    services.v3_client_revoke(actor=owner.user, client_id=client.pk)
    client.refresh_from_db()
    assert client.revoked_at is not None and not client.tokens.exists()
    with pytest.raises(InvalidTransition):
        services.v3_client_revoke(actor=UserFactory(is_staff=True), client_id=client.pk)


# --- creating accounts -------------------------------------------------------------------------


def _new(**fields) -> AccountCreateIn:
    values = {
        "contact_email": "Cleo@Clay.example",
        "country_code": "us",
        "login_name": "claystudio",
        "password": "Tide-Lantern-4821",
        "state_code": "ny",
        "first_name": "Cleo",
        "last_name": "Clay",
    }
    return AccountCreateIn(**{**values, **fields})


@pytest.mark.parametrize("managed", [True, False])
def test_a_created_account_is_a_referred_trial_with_no_owner_until_someone_accepts(
    cast, managed, django_capture_on_commit_callbacks, mailoutbox
):
    users = type(cast.customer).objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        profile = services.account_create(
            client=cast.owner.client, data=_new(managed_site_owner=managed)
        )

    account = profile.account
    assert (account.plan_type, account.billing_status, account.partnership_kind) == (
        "TRIAL",
        "Trial",
        "referred",
    )
    assert account.partner_id == cast.owner.client.partner_id
    assert account.partnered_on == timezone.now().date()
    assert (account.owner_name, account.organization_name) == ("Cleo Clay", "claystudio")
    assert account.owner is None
    assert type(cast.customer).objects.count() == users  # nobody's sign-in is made or used
    invitation = Invitation.objects.get(account=account)
    assert (invitation.kind, invitation.email, invitation.status, invitation.partner) == (
        "account_owner",
        "cleo@clay.example",
        "pending",
        cast.owner.client.partner,
    )
    requests = list(ManageRequest.objects.filter(account=account).values_list("status", flat=True))
    assert requests == (["pending"] if managed else [])
    # one e-mail, the invitation; it says whether full access is asked for
    assert [m.to for m in mailoutbox] == [["cleo@clay.example"]]
    assert ("also asks for full access" in mailoutbox[0].body) is managed
    partnership = Partnership.objects.get(account=account)
    assert partnership.source == PartnershipSource.CREATED_BY_PARTNER
    assert (profile.country_code, profile.state_code, profile.billing_locale) == (
        "US",
        "NY",
        "en_US",
    )
    assert AuditEvent.objects.filter(action="account.created", account=account).exists()
    assert AuditEvent.objects.filter(action="invitation.sent", account=account).exists()


def test_a_login_name_is_unique_whatever_its_case(cast):
    with pytest.raises(V3Error) as taken:
        services.account_create(client=cast.owner.client, data=_new(login_name="BlueBakery"))
    assert (taken.value.status, taken.value.key) == (409, "partner.api.login_name.conflict")


@pytest.mark.parametrize(
    "fields",
    [
        {"contact_email": "not-an-address"},
        {"country_code": "US", "state_code": ""},
        {"country_code": "CA", "state_code": "X"},
        {"login_name": "has space"},
    ],
)
def test_invalid_new_accounts_are_refused_and_nothing_is_written(cast, fields):
    accounts, users = ClientAccount.objects.count(), type(cast.customer).objects.count()
    with pytest.raises(V3Error) as refused:
        services.account_create(client=cast.owner.client, data=_new(**fields))
    assert refused.value.status == 400
    assert ClientAccount.objects.count() == accounts
    assert type(cast.customer).objects.count() == users


def test_a_login_name_short_once_trimmed_is_refused_by_the_schema(cast):
    with pytest.raises(pydantic.ValidationError) as refused:
        _new(login_name="     abc     ")
    assert [e["msg"] for e in refused.value.errors()] == ["is shorter than 6 characters"]


def test_state_code_may_be_empty_outside_the_us_and_canada(cast):
    profile = services.account_create(
        client=cast.owner.client,
        data=_new(country_code="GB", state_code="", billing_locale="en_GB"),
    )
    assert (profile.country_code, profile.state_code, profile.billing_locale) == ("GB", "", "en_GB")


# --- plan ---------------------------------------------------------------------------------------


def _plan(cast, account, plan_type, day=None):
    return services.plan_change(
        client=cast.owner.client, account=account, plan_type=plan_type, billing_day_of_month=day
    )


def test_leaving_trial_is_the_conversion_and_sets_the_billing_day(cast):
    account = _plan(cast, cast.trial, "BRONZE")
    assert (account.plan_type, account.billing_status) == ("BRONZE", "Open")
    assert services.billing_day_of(account) == timezone.now().day
    event = BillingEvent.objects.get(account=account)
    assert event.kind == BillingEventKind.CONVERSION and event.external_id.startswith("v3-plan-")


def test_trial_to_trial_changes_nothing_and_a_billing_day_is_ignored(cast):
    assert _plan(cast, cast.trial, "TRIAL").plan_type == "TRIAL"
    account = _plan(cast, cast.trial, "TRIAL", 4)
    assert (account.plan_type, services.billing_day_of(account)) == ("TRIAL", None)
    assert not BillingEvent.objects.exists()


def test_a_paid_plan_never_goes_back_to_trial_and_keeps_its_billing_day(cast):
    with pytest.raises(V3Error) as refused:
        _plan(cast, cast.paying, "TRIAL")
    assert refused.value.key == "partner.api.plan_back_to_trial"
    # A billing day on a change that does not leave TRIAL is ignored, as the contract says
    account = _plan(cast, cast.paying, "GOLD", 12)
    assert (account.plan_type, services.billing_day_of(account)) == ("GOLD", None)
    assert BillingEvent.objects.get(account=account).kind == BillingEventKind.PLAN_CHANGE


def test_the_current_plan_again_changes_nothing(cast):
    _plan(cast, cast.paying, "SILVER")
    assert not BillingEvent.objects.exists()


def test_a_cancelled_account_keeps_its_plan(cast):
    services.account_cancel(
        client=cast.owner.client, account=cast.paying, reason_id=None, effective_date=None
    )
    with pytest.raises(V3Error) as refused:
        _plan(cast, ClientAccount.objects.get(pk=cast.paying.pk), "GOLD")
    assert refused.value.key == "partner.api.account_cancelled"


# --- cancel ------------------------------------------------------------------------------------


def test_cancelling_records_the_reason_and_date(cast):
    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    effective = services.account_cancel(
        client=cast.owner.client, account=cast.paying, reason_id=14, effective_date=when
    )
    assert effective == when
    event = BillingEvent.objects.get(account=cast.paying)
    assert event.kind == BillingEventKind.CANCELLATION
    assert event.payload["reason"] == "reason_id 14: Poor results"
    assert event.occurred_at == when


def test_a_later_time_today_is_now(cast):
    now = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=now):
        effective = services.account_cancel(
            client=cast.owner.client,
            account=cast.paying,
            reason_id=None,
            effective_date=now + dt.timedelta(hours=3),
        )
    assert effective == now
    assert ClientAccount.objects.get(pk=cast.paying.pk).billing_status == "Canceled"


def test_a_day_before_the_account_existed_is_refused(cast):
    with pytest.raises(V3Error) as refused:
        services.account_cancel(
            client=cast.owner.client,
            account=cast.trial,
            reason_id=None,
            effective_date=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        )
    assert refused.value.key == "partner.api.effective_date.before_signup"


# --- the staff admin page ---------------------------------------------------------------------


def test_staff_create_credentials_in_the_admin_and_see_the_secret_once(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    owner = MemberFactory(role=PartnerRole.OWNER)
    client.force_login(staff)
    assert client.get("/admin/v3/v3client/add/").status_code == 200
    response = client.post(
        "/admin/v3/v3client/add/", {"acting_member": owner.pk, "name": "Partner CRM"}
    )
    assert response.status_code == 200
    created = V3Client.objects.get()
    page = response.content.decode()
    assert created.client_id in page and "not shown again" in page
    assert created.created_by == owner.user
    detail = client.get(f"/admin/v3/v3client/{created.pk}/change/").content.decode()
    assert created.client_secret_hash not in detail and created.api_key_hash not in detail

    response = client.post(
        "/admin/v3/v3client/",
        {"action": "revoke", "_selected_action": [created.pk]},
        follow=True,
    )
    assert response.status_code == 200
    created.refresh_from_db()
    assert created.revoked_at is not None


def test_the_admin_lists_profiles_read_only(client, cast):
    services.account_create(client=cast.owner.client, data=_new())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/v3/v3accountprofile/").status_code == 200
    assert V3AccountProfile.objects.count() == 1
