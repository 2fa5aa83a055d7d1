import datetime as dt

from ninja import Schema
from pydantic import Field

from partnerhub.core.text import Line, Text

LEVEL_PATTERN = "^(full|marketing|reports)$"
LEVEL_DESCRIPTION = (
    "full (everything, including billing and users), marketing (campaigns, contacts and "
    "reports; no billing, no users) or reports (read only)"
)
DURATION_DESCRIPTION = (
    "How long access lasts once granted: 30, 90, 180, 365 or 730 days; null: until the "
    "customer turns it off. Left out: the program's default."
)


class RequestOut(Schema):
    id: int
    encoded_account_id: str
    kind: str = Field(
        description="access (permission to manage) or extension (of access with an end date)"
    )
    status: str = Field(description="pending, confirmed, declined, cancelled or expired")
    message: str
    level: str = Field(description="The level asked: " + LEVEL_DESCRIPTION)
    duration_days: int | None = Field(
        description="Days access lasts once granted (an extension adds them); null: until the "
        "customer turns it off"
    )
    granted_level: str | None = Field(
        description="The level the customer granted when confirming (the one asked or lower)"
    )
    access_ends_at: dt.datetime | None = Field(
        description="When the access this request gave or extends ends; null when it has no "
        "end date or none was granted"
    )
    requested_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    decided_at: dt.datetime | None


class AccountOut(Schema):
    encoded_account_id: str
    organization_name: str
    owner_name: str
    login_name: str
    status: str = Field(description="Active, Trial - active, Trial - expired, Cancelled, …")
    kind: str = Field(description="referred or managed")
    access_level: str | None = Field(
        description="What the customer granted while managed: " + LEVEL_DESCRIPTION
    )
    plan_type: str
    billing_status: str
    contact_count: int
    last_login_at: dt.datetime | None
    partnered_on: dt.date = Field(description="The day the account moved under the partnership")
    group: int | None = Field(
        None,
        description="The id of the organization's group the account is in (see /groups); "
        "null outside a group and for an agency's accounts",
    )
    pending_request: RequestOut | None


class AccountPage(Schema):
    items: list[AccountOut]
    next: str | None = Field(description="URL of the next page, or null on the last page")
    total: int | None = Field(
        description="How many accounts match the filters; null when asked with total=false"
    )


class KindChangeOut(Schema):
    kind: str
    effective_at: dt.datetime
    cause: str


class TimelineEntryOut(Schema):
    action: str
    label: str
    at: dt.datetime
    actor: str


class ConsentOut(Schema):
    granted_by: str
    granted_at: dt.datetime
    disclaimer_version: str
    disclaimer_text: str
    ip_address: str | None
    user_agent: str
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None


class ProvisioningOut(Schema):
    """What the account was set up with when it was created (empty when not given)."""

    contact_phone: str
    organization_phone: str
    time_zone_id: str
    gdpr_opt_out: bool = Field(description="Send the owner no marketing communications")
    single_billing_requested: bool
    external_provider: str = Field(description="Who signs the owner in, when not a password")
    external_id: str


class AccountDetailOut(AccountOut):
    signed_up_at: dt.datetime
    converted_at: dt.datetime | None
    provisioning: ProvisioningOut
    partnership_source: str
    kind_history: list[KindChangeOut]
    access_timeline: list[TimelineEntryOut]
    consents: list[ConsentOut]


class RequestTerms(Schema):
    message: Text(1000) = ""
    level: str = Field("full", pattern=LEVEL_PATTERN, description=LEVEL_DESCRIPTION)
    duration_days: int | None = Field(None, description=DURATION_DESCRIPTION)


class RequestIn(RequestTerms):
    # The code the customer shared, when they require one.
    request_code: Line(32, required=False) = ""


class BulkRequestIn(RequestTerms):
    """A customer who requires a request code is asked one account at a time; in a bulk
    request such an account is skipped with ``request_code_required``."""

    accounts: list[Line(16)] = Field(
        min_length=1, max_length=500, description="encoded_account_id of each account to ask"
    )


class BulkErrorOut(Schema):
    code: str
    message: str


class BulkResultOut(Schema):
    account: str
    request: RequestOut | None = None
    error: BulkErrorOut | None = None


class BulkRequestOut(Schema):
    results: list[BulkResultOut] = Field(description="One result per account, in the order sent")


class RequestPage(Schema):
    items: list[RequestOut]
    next: str | None


class ErrorBody(Schema):
    code: str
    message: str
    details: dict


class ErrorOut(Schema):
    error: ErrorBody
