import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field, model_serializer

from partnerhub.core.text import Line


class ErrorItem(Schema):
    error_key: str
    error_message: str


ErrorList = list[ErrorItem]


def errors(*codes: int) -> dict:
    """The error statuses an operation answers with, as the contract lists them for it, plus
    429 (the public rate-limits guide); every one is the error array."""
    return {code: ErrorList for code in (*codes, 429)}


# What most operations list: 400, 401, 403, 404 (and 500, never declared: any operation).
ERRORS = errors(400, 401, 403, 404)


class TokenOut(Schema):
    access_token: str
    token_type: str = Field(description='Always "Bearer"')
    expires_in: int = Field(description="Seconds until the token expires (3600)")


# --- Accounts ------------------------------------------------------------------------------


class AccountsQuery(Schema):
    offset: str | None = Field(
        None, max_length=1000, description="Opaque; copy it from `_links.next.href`"
    )
    limit: str | None = Field(
        None, description="10 to 50; any other value (or none) gives 50", max_length=20
    )
    account_type: Literal["all", "managed", "unmanaged"] = Field(
        "all", description="unmanaged: referred accounts"
    )


class SiteOwnerOut(Schema):
    encoded_account_id: str
    subscriber_count: int
    organization_name: str
    site_owner_name: str
    billing_status: str = Field(description="Trial, Open, Canceled or Trial End")
    last_login_date: dt.datetime | None


class HrefOut(Schema):
    href: str


class LinksOut(Schema):
    next: HrefOut | None = Field(None, description="Absent on the last page")

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}


class SiteOwnerPage(Schema):
    site_owner_list: list[SiteOwnerOut]
    links: LinksOut = Field(alias="_links")


class AccountCreateIn(Schema):
    """The public ``Provision`` body; each field checked as the contract gives it."""

    contact_email: Line(80)
    country_code: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
    login_name: Line(50, min_length=6) = Field(
        description="6 to 50 of letters, digits and - _ @ . +"
    )
    state_code: Line(3, required=False) = Field(
        description="Required for US and CA (2 letters); may be empty elsewhere"
    )
    password: str | None = Field(
        None,
        min_length=8,
        max_length=80,
        description="8 to 80; required unless external_id and external_provider are given. "
        "Stored only as a password hash, for the owner's first sign-in.",
    )
    first_name: Line(80, required=False, min_length=2) = ""
    last_name: Line(80, required=False, min_length=2) = ""
    contact_phone: Line(25, required=False, min_length=5) = ""
    organization_phone: Line(25, required=False, min_length=5) = ""
    organization_name: Line(50, required=False) = ""
    time_zone_id: Line(64, required=False) = Field("", description="e.g. US/Eastern")
    website: Line(255, required=False) = Field("", description="http:// or https://")
    partner_account_id: Line(80, required=False) = ""
    billing_locale: Literal["en_US", "en_GB"] = "en_US"
    managed_site_owner: bool = False
    enable_single_billing: bool = False
    gdpr_opt_out: bool = False
    external_id: Line(255, required=False) = ""
    external_provider: Line(80, required=False) = ""


class AccountCreatedOut(Schema):
    encoded_account_id: str
    provision_uuid: str


# --- Plan and status -------------------------------------------------------------------------


class TierOut(Schema):
    usage_type: str = "CONTACTS"
    current_usage: float
    tier: int
    tier_min: float
    tier_max: float | None = Field(None, description="Absent for the open-ended top tier")
    price: float
    currency_code: str

    @model_serializer(mode="wrap")
    def _omit_open_end(self, handler):
        return {k: v for k, v in handler(self).items() if not (k == "tier_max" and v is None)}


class PlanOut(Schema):
    plan_type: str = Field(description="TRIAL, BRONZE, SILVER or GOLD")
    current_tiers: list[TierOut]
    billing_status: str = Field(description="Trial, Open, Canceled or Trial End")
    billing_day_of_month: int | None = Field(description="Null while the account is a trial")


class PlanIn(Schema):
    plan_type: Literal["TRIAL", "BRONZE", "SILVER", "GOLD"]
    plan_group_id: int | None = Field(
        None, description="Accepted; PartnerHub has one plan group, which is always used"
    )
    billing_day_of_month: int | None = Field(
        None,
        ge=1,
        le=31,
        description="Set only when the plan leaves TRIAL (default: today's day); ignored otherwise",
    )


class CancelIn(Schema):
    reason_id: int | None = Field(None, ge=0, le=1000)
    effective_date: dt.datetime | None = Field(
        None, description="ISO 8601; default now. A later day schedules the cancellation."
    )


class CancelOut(Schema):
    reason_id: int | None
    effective_date: dt.datetime


# --- Acting for a managed account ----------------------------------------------------------


class SsoUserIn(Schema):
    first_name: Line(80)
    last_name: Line(80)
    role_name: Literal["account_manager", "campaign_creator"]
    contact_email: Line(80)
    login_name: Line(50)
    external_id: Line(255)
    external_provider: Line(80)


class SsoUserOut(Schema):
    login_name: str
    contact_email: str
    role_name: str


class QueryParamIn(Schema):
    query_param_key: Line(100)
    query_param_value: Line(1000, required=False) = ""


class PathParamIn(Schema):
    path_param_key: Line(100)
    path_param_value: Line(200)


class HeaderIn(Schema):
    header_key: Line(100)
    header_value: Line(1000, required=False) = ""


class AccountOperationIn(Schema):
    account_operation_url: Line(500) = Field(description="A V3 path such as /contacts/{id}")
    account_operation_method: Line(10)
    account_operation_payload: str | None = Field(None, max_length=1_000_000)
    account_operation_query_parameters: list[QueryParamIn] = Field(default=[], max_length=50)
    account_operation_path_parameters: list[PathParamIn] = Field(default=[], max_length=20)
    account_operation_headers: list[HeaderIn] = Field(default=[], max_length=20)


class UnsubscribeIn(Schema):
    email_addresses: list[Line(80)] = Field(default=[], max_length=500)
    update_source: Literal["Account", "Contact", "System"]
    opt_out_reason: Line(255, required=False) = ""
    delete_contacts: bool = False
    global_unsubscribe: bool = False


class UnsubscribeOut(Schema):
    unsubscribed_count: int


# --- Webhooks --------------------------------------------------------------------------------


class SubscriptionOut(Schema):
    topic_id: int
    topic_name: str
    topic_description: str
    hook_uri: str | None = Field(description="Null while the topic is not subscribed")


class SubscriptionPutOut(Schema):
    topic_id: int
    hook_uri: str


class SubscriptionIn(Schema):
    hook_uri: Line(512) = Field(description="https://, at most 512")
