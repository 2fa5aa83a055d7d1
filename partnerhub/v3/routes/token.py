"""The client-credentials token endpoint: ``POST /v3/oauth2/token`` (the public API's path on its
authorization server), also answered at ``/v3/idfed`` and ``/v3/idfed/as/token.oauth2``.

HTTP Basic ``client_id:client_secret``, ``Content-Type: application/x-www-form-urlencoded``
(as the public partner authentication guide says; without it the answer is 415) and
``grant_type=client_credentials`` in the query string (as the public API sends it, with an
empty body) or in the form body. The token is a signed JWT (see ``credentials``).

Wrong credentials are counted per client id (``PARTNERHUB_V3_TOKEN_FAILURES_PER_CLIENT``) and
per address (``PARTNERHUB_V3_TOKEN_FAILURES_PER_ADDRESS``); at either limit every try answers
429, right secrets included, until the window ends. Each try is counted before the secret is
checked and given back when it was right, so that tries made at the same moment cannot slip
past the limit together.
"""

import base64
import binascii

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router

from partnerhub.core import ratelimit
from partnerhub.v3.credentials import access_token_issue, client_credentials_check
from partnerhub.v3.errors import V3Error, error_response
from partnerhub.v3.schemas import TokenOut, errors

router = Router(tags=["token"], auth=None)

GRANT = "client_credentials"


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


FORM = "application/x-www-form-urlencoded"


def _grant_type(request: HttpRequest) -> str:
    return request.GET.get("grant_type") or request.POST.get("grant_type") or ""


RESPONSES = {200: TokenOut, **errors(400, 401, 415)}


def _tries(request: HttpRequest, client_id: str) -> list[tuple[str, str, ratelimit.Hit]]:
    """Count this try against the address and the client id it names."""
    counted = [
        (
            "v3-token:address",
            ratelimit.client_address(request),
            settings.PARTNERHUB_V3_TOKEN_FAILURES_PER_ADDRESS,
        )
    ]
    if client_id:
        counted.append(
            ("v3-token:client", client_id, settings.PARTNERHUB_V3_TOKEN_FAILURES_PER_CLIENT)
        )
    return [
        (scope, ident, ratelimit.hit(scope, ident, ratelimit.Rate.parse(rate)))
        for scope, ident, rate in counted
    ]


def _token(request: HttpRequest) -> TokenOut | HttpResponse:
    if request.content_type != FORM:
        raise V3Error(
            415,
            "partner.api.unsupported_media_type",
            f"Send the token request with Content-Type: {FORM}.",
        )
    credentials = _basic_credentials(request)
    tries = _tries(request, credentials[0] if credentials else "")
    refused = [hit for _scope, _ident, hit in tries if not hit.allowed]
    if refused:
        response = error_response(
            429,
            "partner.api.too_many_requests",
            "Too many wrong client credentials; try again later.",
            Retry_After=str(max(hit.retry_after for hit in refused)),
        )
        response["Cache-Control"] = "no-store"
        return response
    client = client_credentials_check(*credentials) if credentials else None
    if client is not None:
        for scope, ident, _hit in tries:
            ratelimit.give_back(scope, ident)
    if client is None:
        raise V3Error(
            401,
            "unauthorized",
            "Send a valid client id and secret as HTTP Basic credentials.",
        )
    grant = _grant_type(request)
    if grant != GRANT:
        raise V3Error(
            400,
            "partner.api.unsupported_grant_type",
            "grant_type must be client_credentials.",
        )
    token, expires_in = access_token_issue(client)
    return TokenOut(access_token=token, token_type="Bearer", expires_in=expires_in)


@router.post("/oauth2/token", response=RESPONSES, summary="Get an access token")
def token(request, response: HttpResponse):
    """Exchange the client id and secret for a bearer token valid for one hour."""
    response["Cache-Control"] = "no-store"
    return _token(request)


@router.post("/idfed", response=RESPONSES, include_in_schema=False)
def token_idfed(request, response: HttpResponse):
    response["Cache-Control"] = "no-store"
    return _token(request)


@router.post("/idfed/as/token.oauth2", response=RESPONSES, include_in_schema=False)
def token_idfed_legacy(request, response: HttpResponse):
    response["Cache-Control"] = "no-store"
    return _token(request)
