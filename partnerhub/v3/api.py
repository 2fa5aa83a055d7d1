"""The V3 partner surface, ``/v3/...``: the public V3 partner API's paths, parameters, field names,
status codes and error array, so that integrations written against it work unchanged. The
contract is the public V3 Swagger document (a copy of its partner paths is in
``tests/contract/``, and ``tests/test_swagger_contract.py`` checks every operation against it).
OpenAPI at ``/v3/openapi.json``, docs at ``/v3/docs``.

Authentication
    ``POST /v3/oauth2/token`` (also ``/v3/idfed`` and ``/v3/idfed/as/token.oauth2``) with HTTP
    Basic ``client_id:client_secret``, ``Content-Type: application/x-www-form-urlencoded`` (415
    otherwise, as the public partner authentication guide says) and
    ``grant_type=client_credentials`` (query string or form) answers ``{"access_token",
    "token_type": "Bearer", "expires_in": 3600}``; the token is a JWT signed by PyJWT (scope
    ``v3api/general.partner``, subject the client id; see ``credentials``). Bad client
    credentials: 401; another grant type: 400. Every ``/v3/partner/...`` call needs
    ``x-api-key`` and ``Authorization: Bearer <token>`` of the same client (the bare token, as
    in the public API's own examples, is accepted too); otherwise 401. Credentials stop working
    when revoked (their tokens with them) or when the member who created them leaves the team
    or stops being an owner or admin; the client acts as that member.

Rate limits
    Per credential, as the public rate-limits guide gives them: 4 calls a second (429
    ``throttled``) and 10,000 a day (429 ``quota_exceeded``), both with ``Retry-After``;
    ``PARTNERHUB_V3_RATE_PER_SECOND`` / ``_PER_DAY`` change them. Counted in the shared cache.

Errors
    Always ``[{"error_key", "error_message"}]``, with the statuses each operation's contract
    lists: 400 for invalid input (one item per invalid field, ``error_key``
    ``partner.api.validation.error``), malformed JSON and refused changes; 401
    unauthenticated; 403 where the customer's grant does not permit what a call would do in
    the account; 404 unknown account, topic or path; 405 wrong method; 409 a login name
    taken; 500 otherwise. A body that is not JSON: 415 where the contract lists it (create,
    plan), 406 for ``contacts/unsubscribe`` (listed there as "Unsupported Media Type"), 400
    elsewhere.

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
    The whole ``Provision`` body, each field checked as the contract gives it. A TRIAL account
    (billing status Trial) credited to the partner from today as a referred (``unmanaged``)
    account with no owner yet: the person at ``contact_email`` is e-mailed an invitation to own
    it and it is theirs once they accept (nobody is attached to an account without their own
    action). ``password`` (8..80, required unless ``external_id`` and ``external_provider``
    name an external authenticator, and refused beside them) is kept only as a Django password
    hash: when the invitee accepts as a new person with that very password, the hash becomes
    their sign-in; accepted any other way, it is dropped. ``managed_site_owner`` true also
    opens the ordinary request for full access; the account is managed once its owner
    confirms it. ``enable_single_billing`` is recorded as asked (program staff turn Single Bill
    on: it changes earnings). Phones, time zone, GDPR opt-out and the external login are on
    ``ClientAccount`` (account pages, admin, native API); country, state, website, locale,
    ``partner_account_id`` and ``provision_uuid`` in ``V3AccountProfile``. 201
    ``{"encoded_account_id", "provision_uuid"}``.

GET|PUT /v3/partner/accounts/{encoded_account_id}/plan
    ``{"plan_type", "current_tiers", "billing_status", "billing_day_of_month"}``:
    ``current_tiers`` is the account's contact tier priced for its plan (``pricebook``).
    PUT leaving TRIAL is the conversion through ``billing.services.account_plan_change``
    (billing status Open); ``billing_day_of_month`` 1..31 is set only then (default: today's
    day of month) and ignored on any other change, as the contract says. ``plan_group_id`` is
    accepted: PartnerHub has one plan group, always used. Back to TRIAL: 400. The current plan
    again: 200, nothing changes. A cancelled account: 400.

PUT /v3/partner/accounts/{encoded_account_id}/status/cancel
    Body optional: ``reason_id`` and ``effective_date`` (ISO 8601, UTC when no offset; default
    now). Today or earlier: cancelled now through ``billing.services.account_cancel`` (an
    earlier date is recorded as given; a day before the account existed is 400). A later day:
    a scheduled cancellation (``cancellations``), shown on both sides' account pages with who
    asked and when, withdrawable until the worker carries it out on the day, when
    ``account.cancel`` goes out. 200 echoes ``{"reason_id", "effective_date"}``. Already
    cancelled or already scheduled: 400.

Acting inside a managed account (``acting``)
    ``users/sso``, ``account_operations/sync`` and ``contacts/unsubscribe``, each allowed as far
    as the level the customer granted permits, and written to the account's timeline.

Accounts of another partner
    Unknown ``encoded_account_id``: 404 (400 for ``users/sso``, whose contract lists no 404).
    An account that exists but is not in the client's partnership: 400
    ``partner.api.account.not_in_partnership``, as the public API answers for cancel.

Webhook subscriptions
    Topics 1..4 (``topics.V3_TOPICS``), derived from the domain's own events. The list has all
    four, each with ``topic_id``, ``topic_name``, ``topic_description`` and ``hook_uri`` (null
    when not subscribed); GET of one topic has the same shape. PUT ``{"hook_uri"}`` (https, at
    most 512 characters, checked by ``webhooks.safety``) subscribes or moves the subscription
    and turns it back on; it answers ``{"topic_id", "hook_uri"}``. DELETE answers 204 whether or
    not it was subscribed. POST ``.../tests`` sends the topic's notification now: 201 with the
    subscription; not subscribed or turned off: 400. Unknown topic: 404. Notifications have the
    public body ``{"url", "api_key", "event_type"}`` and the Standard Webhooks signature
    headers; deliveries retry and are logged as native ones are.
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
