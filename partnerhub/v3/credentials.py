"""V3 client credentials: creating and revoking them, the client-credentials token exchange, and
checking the ``x-api-key`` + bearer token pair of each call.

Secrets and API keys are random and long, so a plain SHA-256 of each is what is stored (as for
the native API keys); the values themselves are shown once and never again.

An access token is a JWT signed with HS256 by PyJWT (a key derived from the secret key): issuer
``{PARTNERHUB_BASE_URL}/v3``, subject the client id, ``scope`` ``v3api/general.partner``, one
hour. Every call verifies its signature, expiry, issuer and scope, that its client is still
usable, and that the token is still on record (a SHA-256 of it is kept, so revoking the
credentials ends their tokens at once).
"""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from partnerhub.api import keycache
from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.partners.models import TEAM_MANAGER_ROLES, PartnerMember
from partnerhub.partners.selectors import membership_of
from partnerhub.partners.services import act_check
from partnerhub.v3.models import V3AccessToken, V3Client

TOKEN_LIFETIME = dt.timedelta(hours=1)
TOKEN_SCOPE = "v3api/general.partner"
TOKEN_ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 2000
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)

V3_CLIENT_CREATED = events.register("api.v3_client_created", "V3 API credentials created")
V3_CLIENT_REVOKED = events.register("api.v3_client_revoked", "V3 API credentials revoked")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _manager_membership(user) -> PartnerMember | None:
    membership = membership_of(user)
    if membership is not None:
        act_check(membership)
    if membership is None or not membership.can_manage_team:
        return None
    return membership


@transaction.atomic
def v3_client_create(
    *, actor, name: str, acting_member: PartnerMember | None = None
) -> tuple[V3Client, str, str]:
    """New V3 credentials; returns ``(client, client_secret, api_key)``. The secret and the API
    key are never shown again.

    ``actor`` is an owner or admin of the partner, and the client acts as them. Program staff
    (in the admin) pass ``acting_member``: the owner or admin the client acts as.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidTransition(
            "give the credentials a name of at most 100 characters", code="name_invalid"
        )
    if acting_member is not None:
        if not getattr(actor, "is_staff", False):
            raise PermissionDenied("only program staff create credentials for someone else")
        membership = acting_member
        if not membership.can_manage_team:
            raise InvalidTransition(
                "the credentials must act as an owner or admin of the partner",
                code="member_not_manager",
            )
    else:
        membership = _manager_membership(actor)
        if membership is None:
            raise PermissionDenied("only owners and admins create V3 credentials")
    client_secret = secrets.token_urlsafe(36)
    api_key = str(uuid.uuid4())
    client = V3Client.objects.create(
        partner_id=membership.partner_id,
        name=name,
        client_id=secrets.token_hex(13),
        client_secret_hash=_hash(client_secret),
        api_key_prefix=api_key[:8],
        api_key_hash=_hash(api_key),
        created_by_id=membership.user_id,
    )
    audit_record(
        actor=actor,
        action=V3_CLIENT_CREATED,
        target=client,
        partner=membership.partner,
        after={
            "name": name,
            "client_id": client.client_id,
            "acts_as": membership.user.get_username(),
        },
    )
    return client, client_secret, api_key


@transaction.atomic
def v3_client_revoke(*, actor, client_id: int) -> V3Client:
    """Revoke credentials: every token of the client stops working at once. Owners and admins
    revoke their partner's credentials; program staff revoke any."""
    membership = _manager_membership(actor)
    queryset = V3Client.objects.select_related("partner")
    if membership is not None:
        queryset = queryset.filter(partner_id=membership.partner_id)
    elif not getattr(actor, "is_staff", False):
        raise NotFound("no such credentials")
    try:
        client = lock_one(queryset, pk=client_id)
    except V3Client.DoesNotExist:
        raise NotFound("no such credentials") from None
    if client.revoked_at is not None:
        raise InvalidTransition("these credentials are already revoked", code="client_revoked")
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    client.tokens.all().delete()
    keycache.v3_clients.forget_revoked(client.pk)
    audit_record(
        actor=actor,
        action=V3_CLIENT_REVOKED,
        target=client,
        partner=client.partner,
        after={"revoked_at": client.revoked_at.isoformat()},
    )
    return client


def partner_v3_clients(*, partner_id: int):
    """The partner's credentials, newest first (revoked ones included)."""
    return V3Client.objects.filter(partner_id=partner_id).select_related("created_by")


def _usable(client: V3Client, *, creator_manages: bool | None = None) -> bool:
    """Active, and its creator is still an owner or admin of the partner (``creator_manages``
    when it was read with the client, see ``_creator_manages``)."""
    if client.revoked_at is not None or not client.created_by.is_active:
        return False
    if creator_manages is not None:
        return creator_manages
    return PartnerMember.objects.filter(
        user_id=client.created_by_id, partner_id=client.partner_id, role__in=TEAM_MANAGER_ROLES
    ).exists()


def _creator_manages(prefix: str = "") -> Exists:
    """Whether the creator of the client (at ``prefix``) is an owner or admin of its partner,
    to read in the statement that reads the client."""
    return Exists(
        PartnerMember.objects.filter(
            user_id=OuterRef(f"{prefix}created_by_id"),
            partner_id=OuterRef(f"{prefix}partner_id"),
            role__in=TEAM_MANAGER_ROLES,
        )
    )


def client_credentials_check(client_id: str, client_secret: str) -> V3Client | None:
    """The usable client these credentials belong to, or None."""
    if not client_id or not client_secret or len(client_id) > 64:
        return None
    client = V3Client.objects.select_related("created_by").filter(client_id=client_id).first()
    if client is None or not hmac.compare_digest(client.client_secret_hash, _hash(client_secret)):
        return None
    return client if _usable(client) else None


def _signing_key() -> str:
    return hashlib.sha256(f"partnerhub.v3.token:{settings.SECRET_KEY}".encode()).hexdigest()


def _issuer() -> str:
    return settings.PARTNERHUB_BASE_URL.rstrip("/") + "/v3"


@transaction.atomic
def access_token_issue(client: V3Client) -> tuple[str, int]:
    """A new bearer token (a signed JWT) for ``client``; returns ``(token,
    expires_in_seconds)``. The client's expired tokens are removed on the way."""
    now = timezone.now()
    client.tokens.filter(expires_at__lte=now).delete()
    expires = now + TOKEN_LIFETIME
    token = jwt.encode(
        {
            "iss": _issuer(),
            "sub": client.client_id,
            "scope": TOKEN_SCOPE,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
        },
        _signing_key(),
        algorithm=TOKEN_ALGORITHM,
    )
    V3AccessToken.objects.create(
        client=client, token_hash=_hash(token), created_at=now, expires_at=expires
    )
    return token, int(TOKEN_LIFETIME.total_seconds())


def token_claims(token: str) -> dict | None:
    """The claims of a token this server signed, unexpired and of the partner scope; None for
    anything else."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=[TOKEN_ALGORITHM],
            issuer=_issuer(),
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("scope") != TOKEN_SCOPE or not isinstance(claims.get("sub"), str):
        return None
    return claims


@dataclass(frozen=True)
class _Checked:
    """A client that passed ``request_authenticate`` with one of its tokens, as kept in
    ``keycache.v3_clients``: usable while the token lasts (and for at most the cache's second
    after a revocation elsewhere)."""

    client: V3Client
    token_expires_at: dt.datetime

    @property
    def pk(self) -> int:
        return self.client.pk

    def is_active(self, now: dt.datetime) -> bool:
        return self.client.revoked_at is None and self.token_expires_at > now


def request_authenticate(*, api_key: str | None, token: str | None) -> V3Client | None:
    """The client of a V3 call: the bearer token must be a valid JWT of ours, still on record
    and unexpired, and belong to the same usable client as the ``x-api-key``. A pair that
    passed is remembered by this process for at most a second (``keycache``)."""
    if not api_key or not token or len(token) > MAX_TOKEN_LENGTH or len(api_key) > 200:
        return None
    checked = keycache.v3_clients.authenticate(
        f"{api_key}\n{token}", lambda _pair: _request_check(api_key=api_key, token=token)
    )
    return checked.client if checked is not None else None


def _request_check(*, api_key: str, token: str) -> _Checked | None:
    claims = token_claims(token)
    if claims is None:
        return None
    found = (
        V3AccessToken.objects.select_related("client", "client__created_by", "client__partner")
        .annotate(creator_manages=_creator_manages("client__"))
        .filter(token_hash=_hash(token))
        .first()
    )
    now = timezone.now()
    if found is None or found.expires_at <= now or found.client.client_id != claims["sub"]:
        return None
    client = found.client
    if not hmac.compare_digest(client.api_key_hash, _hash(api_key)) or not _usable(
        client, creator_manages=found.creator_manages
    ):
        return None
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        V3Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return _Checked(client, found.expires_at)
