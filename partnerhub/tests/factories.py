"""Factories with fixed, readable defaults. Sequences give unique names; nothing is random."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.partners.models import (
    MemberVisibility,
    Partner,
    PartnerKind,
    PartnerMember,
    PartnerRole,
)
from partnerhub.partnerships.models import PartnershipSource
from partnerhub.partnerships.services import partnership_credit

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.test")
    email = factory.LazyAttribute(lambda o: o.username)
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Agency {n}")
    deployed_on = dt.date(2024, 1, 15)
    kind = PartnerKind.AGENCY
    # An organization's plain members see only their groups' accounts (a database constraint).
    member_visibility = factory.LazyAttribute(
        lambda p: (
            MemberVisibility.ASSIGNED
            if p.kind == PartnerKind.ORGANIZATION
            else MemberVisibility.ALL
        )
    )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMember

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    role = PartnerRole.MEMBER


class AccountFactory(factory.django.DjangoModelFactory):
    """A converted, active account with its own owner; not in any partnership."""

    class Meta:
        model = ClientAccount

    organization_name = factory.Sequence(lambda n: f"Client Org {n:04d}")
    owner_name = factory.Sequence(lambda n: f"Owner {n:04d}")
    login_name = factory.Sequence(lambda n: f"clientlogin{n:04d}")
    contact_email = factory.LazyAttribute(lambda o: f"{o.login_name}@client.test")
    owner = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..contact_email"))
    contact_count = 120
    plan_type = PlanType.SILVER
    billing_status = BillingStatus.OPEN
    signed_up_at = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)
    converted_at = dt.datetime(2025, 2, 1, 9, 0, tzinfo=dt.UTC)
    last_login_at = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def credited_account(
    partner: Partner,
    *,
    kind: PartnershipKind = PartnershipKind.REFERRED,
    moved_on: dt.date = dt.date(2025, 3, 1),
    **account_fields,
) -> ClientAccount:
    """An account credited to ``partner`` through the real service."""
    account = AccountFactory(**account_fields)
    partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.INVITE_LINK,
        moved_on=moved_on,
        kind=kind,
    )
    account.refresh_from_db()
    return account
