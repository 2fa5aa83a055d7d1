"""The V3 partner surface, ``/v3/...``: the public V3 partner API's paths, parameters, field names,
status codes and error array, so that integrations written against it work unchanged.
OpenAPI at ``/v3/openapi.json``, docs at ``/v3/docs``.

Authentication
    ``POST /v3/oauth2/token`` (also ``/v3/idfed`` and ``/v3/idfed/as/token.oauth2``) with HTTP
    Basic ``client_id:client_secret`` and ``grant_type=client_credentials`` (query string, form
    or JSON body) answers ``{"access_token", "token_type": "Bearer", "expires_in": 3600}``.
    Bad client credentials: 401; another grant type: 400. Every ``/v3/partner/...`` call needs
    ``x-api-key`` and ``Authorization: Bearer <token>`` of the same client (the bare token, as
    in the public API's own examples, is accepted too); otherwise 401. Credentials stop working
    when revoked or when the member who created them leaves the team or stops being an owner
    or admin; the client acts as that member. Tokens are stored hashed and last one hour.

Errors
    Always ``[{"error_key", "error_message"}]``: 400 for invalid input (Ninja's 422 included,
    one item per invalid field, ``error_key`` ``partner.api.validation.error``), malformed JSON
    and refused changes; 401 unauthenticated; 404 unknown account, topic or path; 405 wrong
    method; 409 ``login_name`` taken; 500 otherwise.

GET /v3/partner/accounts
    Ordered by organization name then id (the index the portal uses). ``offset`` is an opaque
    keyset cursor; an offset that was not given out by this list answers 400. ``limit`` out of
    10..50, missing or not a number gives 50. ``account_type`` all | managed | unmanaged
    (referred); another value is 400. ``_links`` is always an object; ``next`` is omitted on
    the last page. ``next.href`` is a path (``/v3/partner/accounts?offset=…&limit=…``, plus
    ``account_type`` unless all), to be appended to the host, as in the public API.
    ``subscriber_count`` is the contact count, ``site_owner_name`` the owner's name,
    ``last_login_date`` ISO 8601 or null.

POST /v3/partner/accounts
    A TRIAL account (billing status Trial) credited to the partner from today (source "created
    by the partner") as a referred (``unmanaged``) account with no owner yet: the person at
    ``contact_email`` is e-mailed an invitation to own it and it is theirs once they accept
    (signed in, or choosing a password). The answer is the same for every address: a new
    person, an existing customer, a team member or program staff (staff cannot accept).
    ``managed_site_owner`` true also opens the ordinary request for full access; the account
    is managed once its owner confirms it, never before. ``login_name`` is 6..50
    characters without spaces and unique regardless of case (409 when taken).
    ``state_code`` is required as a field; it must be 2 letters for US and CA and may be empty
    elsewhere. ``organization_name`` defaults to the login name. Country, state, phone,
    website, locale, ``partner_account_id`` and ``provision_uuid`` live in ``V3AccountProfile``.
    ``billing_locale`` does not change the account's currency. 201
    ``{"encoded_account_id", "provision_uuid"}``.

GET|PUT /v3/partner/accounts/{encoded_account_id}/plan
    ``{"plan_type", "billing_status", "billing_day_of_month"}`` (null while on TRIAL; the
    public API's ``current_tiers`` is not given: PartnerHub holds no tier prices). PUT leaving
    TRIAL is the conversion through ``billing.services.account_plan_change`` (billing status
    Open); ``billing_day_of_month`` 1..31 may be set only then (default: today's day of month);
    on any other change a value that differs from the stored one is 400 (the public API ignores
    it; resending the current value is accepted, so GET-modify-PUT clients keep working). Back
    to TRIAL: 400. The current plan again: 200, nothing changes. A cancelled account: 400 (the
    public API reactivates; PartnerHub leaves that to billing data).

PUT /v3/partner/accounts/{encoded_account_id}/status/cancel
    Through ``billing.services.account_cancel`` with a generated external id. Body optional:
    ``reason_id`` (any id; recorded with its public label when known) and ``effective_date``
    (ISO 8601 date or date-time, UTC when no offset; default now). An earlier date is recorded
    as given; on the day the account was created it counts from its creation; a day before
    that is 400; a later time today counts as now; a later day is 400, since nothing would
    carry a scheduled cancellation out. 200 ``{"effective_date", "reason_id"}``. Already
    cancelled: 400.

Accounts of another partner
    Unknown ``encoded_account_id``: 404. An account that exists but is not in the client's
    partnership (another partner's, or none): 400 ``partner.api.account.not_in_partnership``,
    for the plan (GET and PUT) as for cancel, as the public API answers for cancel.

Webhook subscriptions
    Topics 1..4 (``webhooks.catalog.V3_TOPICS``). The list has all four, each with
    ``topic_id``, ``topic_name``, ``topic_description`` and ``hook_uri`` (null when not
    subscribed); GET of one topic has the same shape. PUT ``{"hook_uri"}`` (https, at most 512
    characters, checked by ``webhooks.safety``) subscribes or moves the subscription and turns
    it back on. DELETE answers 204 whether or not it was subscribed. POST ``.../tests`` sends a
    test event through ``webhooks.services.endpoint_send_test`` (200, the subscription); not
    subscribed or disabled: 400. Unknown topic (anything but 1..4): 404. A subscription is a
    ``WebhookEndpoint`` with ``v3_topic`` and the topic's event type; deliveries are the native
    webhooks' (Standard Webhooks signatures, retries, delivery log).
"""

import re

from ninja import NinjaAPI

from partnerhub.api.parsing import TextSafeParser
from partnerhub.v3 import errors
from partnerhub.v3.auth import V3ClientAuth
from partnerhub.v3.errors import V3Error
from partnerhub.v3.routes import accounts, acting, token, webhooks

# The status for a body that is not JSON, as each operation's contract lists it: 415 where it
# lists 415 (create, plan), 406 for contacts/unsubscribe (listed there as "Unsupported Media
# Type"), 400 ("the JSON was malformed") for the others, which list neither.
MEDIA_TYPE_STATUS = (
    (re.compile(r"^/v3/partner/accounts/?$"), 415),
    (re.compile(r"^/v3/partner/accounts/[^/]+/plan/?$"), 415),
    (re.compile(r"^/v3/partner/accounts/[^/]+/contacts/unsubscribe/?$"), 406),
)


def media_type_status(path: str) -> int:
    return next((status for pattern, status in MEDIA_TYPE_STATUS if pattern.match(path)), 400)


class V3Parser(TextSafeParser):
    """A body is JSON (``Content-Type: application/json``), or it is refused with the status
    the operation's contract gives for that."""

    def parse_body(self, request):
        if request.body and request.content_type != "application/json":
            raise V3Error(
                media_type_status(request.path_info),
                "partner.api.unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json.",
            )
        return super().parse_body(request)


api = NinjaAPI(
    title="PartnerHub V3 partner API (compatible)",
    version="3.0.0",
    description=(
        "The public V3 partner API's endpoints, for integrations written against it. Get a "
        "token from `POST /v3/oauth2/token` (HTTP Basic client id and secret, "
        "`grant_type=client_credentials`), then send `x-api-key` and "
        '`Authorization: Bearer <token>`. Errors are `[{"error_key", "error_message"}]`.'
    ),
    urls_namespace="v3",
    auth=V3ClientAuth(),
    parser=V3Parser(),
)
errors.install(api)
api.add_router("", token.router)
api.add_router("", accounts.router)
api.add_router("", webhooks.router)
api.add_router("", acting.router)
