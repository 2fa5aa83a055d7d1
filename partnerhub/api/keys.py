"""Creating, checking and revoking API keys."""

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from partnerhub.api import keycache
from partnerhub.api.models import ApiKey
from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.partners.models import PartnerMember
from partnerhub.partners.selectors import membership_of
from partnerhub.partners.services import act_check, acting_membership_of

KEY_PREFIX = "phk"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, actor, name: str, can_write: bool, expires_at: dt.datetime | None = None, staff: bool = False
) -> tuple[ApiKey, str]:
    """Returns the key and its full secret, which is never shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidTransition(
            "give the key a name of at most 100 characters", code="name_invalid"
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidTransition("the expiry must be in the future", code="expiry_invalid")
    partner = None
    if staff:
        if not getattr(actor, "is_staff", False):
            raise PermissionDenied("only program staff create staff keys")
    else:
        membership = acting_membership_of(actor)
        if membership is None or not membership.can_manage_team:
            raise PermissionDenied("only owners and admins create API keys")
        partner = membership.partner
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            partner=partner,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            can_write=can_write,
            created_by=actor,
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action=events.API_KEY_CREATED,
            target=key,
            partner=partner,
            after={
                "name": name,
                "scopes": key.scopes,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return key, secret


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The active key this secret belongs to, or None. Records when it was last used."""
    parts = (secret or "").split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    # The creator's place in the key's team (whether they are still in it, and their role,
    # which bounds what the key sees: ``api.auth.key_visible_to``) comes with the key, in the
    # same query: one round trip per check instead of three.
    membership = PartnerMember.objects.filter(
        user_id=OuterRef("created_by_id"), partner_id=OuterRef("partner_id")
    )
    key = (
        ApiKey.objects.select_related("partner", "created_by")
        .annotate(
            creator_member_id=Subquery(membership.values("id")[:1]),
            creator_role=Subquery(membership.values("role")[:1]),
        )
        .filter(prefix=parts[1])
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if not key.is_active(now) or not key.created_by.is_active:
        return None
    if key.partner_id is not None:
        if key.creator_member_id is None:
            return None
    elif not key.created_by.is_staff:
        return None
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(seconds=60):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


@transaction.atomic
def api_key_revoke(*, actor, key_id: int) -> ApiKey:
    membership = membership_of(actor)
    if membership is not None:
        act_check(membership)
    try:
        if getattr(actor, "is_staff", False) and membership is None:
            key = lock_one(ApiKey.objects.all(), pk=key_id, partner__isnull=True)
        else:
            if membership is None or not membership.can_manage_team:
                raise NotFound("no such key")
            key = lock_one(ApiKey.objects.all(), pk=key_id, partner_id=membership.partner_id)
    except ApiKey.DoesNotExist:
        raise NotFound("no such key") from None
    if key.revoked_at is not None:
        raise InvalidTransition("this key is already revoked", code="key_revoked")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    keycache.keys.forget_revoked(key.pk)
    audit_record(
        actor=actor,
        action=events.API_KEY_REVOKED,
        target=key,
        partner=key.partner,
        after={"revoked_at": key.revoked_at.isoformat()},
    )
    return key
