import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field, model_serializer

from partnerhub.core.text import Line


class ErrorItem(Schema):
    error_key: str
    error_message: str


ErrorList = list[ErrorItem]

ERRORS = {400: ErrorList, 401: ErrorList, 403: ErrorList, 404: ErrorList, 409: ErrorList}


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
    contact_email: Line(254)
    country_code: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
    login_name: Line(50, min_length=6)
    state_code: Line(3, required=False) = Field(
        description="Required for US and CA (2 letters); may be empty elsewhere"
    )
    first_name: Line(50, required=False) = ""
    last_name: Line(50, required=False) = ""
    phone: Line(25, required=False) = ""
    organization_name: Line(200, required=False) = ""
    website: Line(255, required=False) = ""
    partner_account_id: Line(64, required=False) = ""
    billing_locale: Literal["en_US", "en_GB"] = "en_US"
    managed_site_owner: bool = False


class AccountCreatedOut(Schema):
    encoded_account_id: str
    provision_uuid: str


# --- Plan and status -------------------------------------------------------------------------


class PlanOut(Schema):
    plan_type: str = Field(description="TRIAL, BRONZE, SILVER or GOLD")
    billing_status: str = Field(description="Trial, Open, Canceled or Trial End")
    billing_day_of_month: int | None = Field(description="Null while the account is a trial")


class PlanIn(Schema):
    plan_type: Literal["TRIAL", "BRONZE", "SILVER", "GOLD"]
    billing_day_of_month: int | None = Field(
        None, ge=1, le=31, description="Only when the plan leaves TRIAL; default: today's day"
    )


class CancelIn(Schema):
    reason_id: int | None = Field(None, ge=0, le=1000)
    effective_date: dt.datetime | None = Field(
        None, description="ISO 8601; default now. Dates after today are refused."
    )


class CancelOut(Schema):
    effective_date: dt.datetime
    reason_id: int | None


# --- Webhooks --------------------------------------------------------------------------------


class SubscriptionOut(Schema):
    topic_id: int
    topic_name: str
    topic_description: str
    hook_uri: str | None = Field(description="Null while the topic is not subscribed")


class SubscriptionIn(Schema):
    hook_uri: Line(512) = Field(description="https://, at most 512")
