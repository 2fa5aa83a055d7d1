"""Request codes: while a customer requires one, a partner's request or move reaches them
only with the code they shared. Codes are compared in constant time, and wrong tries are
counted per partner and account so that a code cannot be guessed."""

import hmac
import secrets

from django.conf import settings

from partnerhub.core import ratelimit
from partnerhub.core.errors import PermissionDenied
from partnerhub.moves.models import RequestCode

# No 0/O, 1/I/L: a code is read aloud and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
SCOPE = "request-code"

REQUIRED = "This customer asks for a request code. Ask them for it."
WRONG = "This is not the request code the customer gave. Check it with them."
LOCKED = "Too many wrong request codes for this customer. Try again later."


class RefusedCode(PermissionDenied):
    """A missing, wrong or locked request code."""


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalized(code: str) -> str:
    """What a person typed, as codes are stored: upper case, in two groups of four."""
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == LENGTH else raw


def _ident(partner_id: int, account_id: int) -> str:
    return f"{partner_id}:{account_id}"


def _rate() -> ratelimit.Rate:
    return ratelimit.Rate.parse(settings.PARTNERHUB_REQUEST_CODE_FAILURES)


def required_for(account_id: int) -> bool:
    return RequestCode.objects.filter(account_id=account_id).exists()


def required_among(account_ids) -> set[int]:
    """Which of ``account_ids`` require a request code (one query)."""
    return set(
        RequestCode.objects.filter(account_id__in=set(account_ids)).values_list(
            "account_id", flat=True
        )
    )


def request_code_check(*, account_id: int, partner_id: int, code: str) -> None:
    """Refuse (``RefusedCode``, a ``PermissionDenied``) a request or move from ``partner_id`` without the right
    code, while the account requires one. Every wrong code counts against the partner's
    allowance for this account once the caller reports it with ``request_code_refused``
    (after the refused transaction: counted in the database, a count written inside it would
    be rolled back with it). Call it before anything is written."""
    stored = RequestCode.objects.filter(account_id=account_id).values_list("code", flat=True)
    stored = stored.first()
    if stored is None:
        return
    if not (code or "").strip():
        raise RefusedCode(REQUIRED, code="request_code_required")
    if _locked(partner_id=partner_id, account_id=account_id):
        raise RefusedCode(LOCKED, code="request_code_locked")
    if not hmac.compare_digest(normalized(code).encode(), stored.encode()):
        raise RefusedCode(WRONG, code="request_code_wrong")


def _locked(*, partner_id: int, account_id: int) -> bool:
    return ratelimit.count(SCOPE, _ident(partner_id, account_id)) >= _rate().count


def request_code_refused(*, error, partner_id: int, account_id: int) -> None:
    """Count a wrong code once the refused transaction is over (a count written inside it
    would be rolled back with it)."""
    if getattr(error, "code", "") == "request_code_wrong":
        ratelimit.hit(SCOPE, _ident(partner_id, account_id), _rate())
