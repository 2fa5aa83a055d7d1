"""Calls to the email product's own API on behalf of a managed account.

Only to ``PARTNERHUB_PRODUCT_API_URL`` (a caller names a path under it, never a host), with
``Authorization: Bearer PARTNERHUB_PRODUCT_API_TOKEN`` and ``X-Account-Id`` naming the
account. The URL is read by the webhooks' strict parser and its host resolved once; the
connection goes to that very address (``webhooks.transport``), within
``PARTNERHUB_PRODUCT_API_DEADLINE_SECONDS``, reading at most
``PARTNERHUB_PRODUCT_API_MAX_BYTES`` of the answer. The product may live on a private network
(the operator chose the address), so private addresses are allowed here.
"""

import dataclasses
import re
from urllib.parse import quote, urlencode

from django.conf import settings

from partnerhub.core.errors import InvalidTransition
from partnerhub.v3.errors import V3Error
from partnerhub.webhooks import transport
from partnerhub.webhooks.safety import target_parse, target_resolve

_PATH = re.compile(r"^/[A-Za-z0-9_\-./{}]*$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# Headers a caller may have forwarded; everything else (Authorization, Host, cookies, ...) is
# PartnerHub's to set.
FORWARDED_HEADERS = {"accept", "content-type", "accept-language", "if-match", "if-none-match"}


@dataclasses.dataclass(frozen=True)
class ProductAnswer:
    status: int
    body: bytes
    content_type: str


def _invalid(message: str) -> V3Error:
    return V3Error(400, "partner.api.validation.error", message)


def operation_path(url: str, path_parameters: dict[str, str]) -> str:
    """The V3 path with its ``{name}`` parameters filled in; refused when it is not a plain
    path or a parameter is missing."""
    if not _PATH.match(url) or ".." in url or "//" in url:
        raise _invalid(
            "account_operation_url: a V3 path such as /contacts/{contact_id}, without the base "
            "URL, query or fragment"
        )

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in path_parameters:
            raise _invalid(f"account_operation_path_parameters: no value for {name}")
        return quote(path_parameters[name], safe="")

    path = _PLACEHOLDER.sub(fill, url)
    if "{" in path or "}" in path:
        raise _invalid("account_operation_url: a path parameter is not well formed")
    return path


def _configured() -> tuple[str, str]:
    base, token = settings.PARTNERHUB_PRODUCT_API_URL, settings.PARTNERHUB_PRODUCT_API_TOKEN
    if not base or not token:
        raise V3Error(
            500,
            "partner.api.product_api.not_configured",
            "Acting on behalf of an account is not available here: the email product's API "
            "is not configured (PARTNERHUB_PRODUCT_API_URL and PARTNERHUB_PRODUCT_API_TOKEN).",
        )
    return base, token


def product_call(
    *,
    account_id: str,
    method: str,
    path: str,
    query: list[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> ProductAnswer:
    """Send one request to the product's API for the account ``account_id`` (encoded)."""
    base, token = _configured()
    method = method.upper()
    if method not in METHODS:
        raise _invalid(f"account_operation_method: one of {', '.join(sorted(METHODS))}")
    try:
        target = target_parse(base)
    except InvalidTransition:
        raise V3Error(
            500,
            "partner.api.product_api.not_configured",
            "PARTNERHUB_PRODUCT_API_URL is not a valid http(s) URL.",
        ) from None
    full_path = target.path.split("?", 1)[0].rstrip("/") + path
    if query:
        full_path += "?" + urlencode(list(query))
    sent = {"accept": "application/json"}
    for name, value in (headers or {}).items():
        if name.lower() not in FORWARDED_HEADERS:
            raise _invalid(f"account_operation_headers: {name} is not forwarded")
        sent[name.lower()] = value
    if body is not None:
        sent.setdefault("content-type", "application/json")
    sent.update(
        {
            "authorization": f"Bearer {token}",
            "x-account-id": account_id,
            "user-agent": "PartnerHub-V3/1",
        }
    )
    try:
        addresses = target_resolve(target, allow_private=True)
        answer = transport.post(
            dataclasses.replace(target, path=full_path),
            addresses,
            body=body,
            headers=sent,
            deadline=settings.PARTNERHUB_PRODUCT_API_DEADLINE_SECONDS,
            max_body=settings.PARTNERHUB_PRODUCT_API_MAX_BYTES,
            method=method,
        )
    except (InvalidTransition, transport.DeliveryError) as exc:
        raise V3Error(
            500,
            "partner.api.product_api.unavailable",
            f"The email product's API did not answer: {exc}",
        ) from None
    if answer.truncated:
        raise V3Error(
            500,
            "partner.api.product_api.answer_too_large",
            "The email product's answer is larger than PartnerHub forwards.",
        )
    return ProductAnswer(answer.status, answer.body, answer.content_type)
