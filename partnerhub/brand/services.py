"""The one place that writes brand kits: the organization's and its groups' (owners and admins,
with locks), and an account's open fields (the account's owner, their own action).

Each save writes one audit row (who, the fields before and after) and tells the organization's
webhooks once with ``brand.changed``, whatever number of accounts the change reaches."""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from partnerhub.audit import events
from partnerhub.audit.services import actor_label_for, audit_record
from partnerhub.brand import rules, selectors
from partnerhub.brand.images import logo_check
from partnerhub.brand.models import BrandKit
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.core.locks import lock_one
from partnerhub.organizations.models import AccountGroup
from partnerhub.partners.models import Partner, PartnerMember
from partnerhub.webhooks.services import event_emit

# Fields that a kit may lock (all of them).
LOCKABLE = frozenset(rules.FIELDS)


class BrandInvalid(InvalidTransition):
    """A value of the kit is wrong; ``errors`` holds the messages by field."""

    code = "brand_invalid"

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.values()))[0]
        super().__init__(first)
        self.errors = errors


@dataclass(frozen=True)
class BrandChange:
    kit: BrandKit
    fields: list[str]  # the fields whose value changed
    locks: list[str]  # the fields locked or unlocked


def _check_actor(*, actor, partner: Partner, account: ClientAccount | None) -> None:
    if actor is None:  # program staff, the demo
        return
    if account is not None:
        if account.owner_id != actor.pk:
            raise PermissionDenied(
                "only the account's owner sets its own brand", code="brand_owner_only"
            )
        return
    member = PartnerMember.objects.filter(user=actor, partner=partner).first()
    if member is None:
        raise NotFound("no such organization", code="not_found")
    if not member.can_manage_team:
        raise PermissionDenied(
            f"only owners and admins of {partner.name} change the brand kit",
            code="brand_admins_only",
        )


def _kit_for_update(partner, group, account) -> BrandKit:
    lookup = {"partner": partner, "group": group, "account": account}
    try:
        return lock_one(BrandKit.objects.all(), **lookup)
    except BrandKit.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            BrandKit.objects.create(**lookup)
    except IntegrityError:
        pass  # made by a concurrent save: lock that one
    return lock_one(BrandKit.objects.all(), **lookup)


def _levels_above(partner, group, account) -> list[rules.Level]:
    if account is not None:
        return [lv for lv in selectors.account_levels(account) if lv.source != rules.ACCOUNT]
    if group is not None:
        levels = selectors.group_levels(group)
        return [lv for lv in levels if lv.ref != group.pk]
    return []


def _store_logo(partner: Partner, data: bytes) -> tuple[str, object]:
    try:
        image = logo_check(data)
    except ValidationError as error:
        raise BrandInvalid({"logo": error.messages}) from None
    name = default_storage.save(
        f"brand/{partner.pk}/{uuid.uuid4().hex}.{image.extension}", ContentFile(image.content)
    )
    return name, image


@transaction.atomic
def brand_kit_save(
    *,
    actor,
    partner: Partner,
    group: AccountGroup | None = None,
    account: ClientAccount | None = None,
    values: dict | None = None,
    locked: list[str] | None = None,
    logo: bytes | None = None,
    logo_remove: bool = False,
) -> BrandChange:
    """Set ``values`` (any of the kit's fields but the logo; ``""`` unsets one) and, at the
    organization or a group, ``locked`` (the full list of locked fields; None keeps it) of the
    kit of the organization, of ``group`` or of ``account``. ``logo`` is an uploaded file's
    bytes; ``logo_remove`` unsets the logo. Fields locked above the kit cannot be changed."""
    if group is not None and account is not None:
        raise InvalidTransition("a kit is a group's or an account's", code="brand_level")
    _check_actor(actor=actor, partner=partner, account=account)
    if not partner.is_organization:
        raise InvalidTransition(
            "brand kits belong to multi-account organizations", code="brand_organizations_only"
        )
    if group is not None and group.partner_id != partner.pk:
        raise NotFound("no such group", code="group_not_found")
    if account is not None and account.partner_id != partner.pk:
        raise NotFound("no such account", code="account_not_found")
    if account is not None and locked:
        raise InvalidTransition(
            "an account's kit locks nothing: locks are set by the organization",
            code="brand_lock_level",
        )
    try:
        cleaned = rules.clean_values(values) if values else {}
    except ValidationError as error:
        raise BrandInvalid(error.message_dict) from None
    if locked is not None:
        unknown = sorted(set(locked) - LOCKABLE)
        if unknown:
            raise BrandInvalid({"locked": [f"Not fields of the brand kit: {', '.join(unknown)}."]})

    kit = _kit_for_update(partner, group, account)
    above = _levels_above(partner, group, account)
    before = kit.values()
    wanted = dict(cleaned)
    if logo_remove:
        wanted["logo"] = ""
    for name, value in wanted.items():
        if value != before[name] and rules.locked_above(name, above):
            raise InvalidTransition(
                f"{rules.FIELD_LABELS[name]} is locked by the {rules.locked_above(name, above)}",
                code="brand_field_locked",
            )
    if logo is not None and rules.locked_above("logo", above):
        raise InvalidTransition(
            f"Logo is locked by the {rules.locked_above('logo', above)}", code="brand_field_locked"
        )
    old_logo = kit.logo
    if logo is not None:
        name, image = _store_logo(partner, logo)
        wanted["logo"] = name
        kit.logo_content_type = image.content_type
        kit.logo_width, kit.logo_height = image.width, image.height
    elif logo_remove:
        kit.logo_content_type, kit.logo_width, kit.logo_height = "", None, None

    changed = [n for n in rules.FIELDS if n in wanted and wanted[n] != before[n]]
    old_locks = sorted(kit.locked)
    new_locks = sorted(set(locked)) if locked is not None else old_locks
    lock_changes = sorted(set(old_locks) ^ set(new_locks))
    if not changed and not lock_changes:
        return BrandChange(kit, [], [])
    for name in changed:
        setattr(kit, name, wanted[name])
    kit.locked = new_locks
    kit.save()
    if old_logo and "logo" in changed:
        transaction.on_commit(lambda: default_storage.delete(old_logo))

    audit_before = {n: before[n] for n in changed}
    audit_after = {n: getattr(kit, n) for n in changed}
    if lock_changes:
        audit_before["locked"], audit_after["locked"] = old_locks, new_locks
    audit_after["level"] = kit.level
    if group is not None:
        audit_after["group"] = group.path
    audit_record(
        actor=actor,
        action=events.BRAND_CHANGED,
        target=kit,
        partner=partner,
        account=account,
        before=audit_before,
        after=audit_after,
    )
    _emit(
        kit,
        partner=partner,
        group=group,
        account=account,
        fields=changed,
        locks=lock_changes,
        actor=actor,
    )
    return BrandChange(kit, changed, lock_changes)


def _emit(kit, *, partner, group, account, fields, locks, actor) -> None:
    affected = selectors.affected_accounts(kit)
    accounts = (
        "all"
        if affected is None
        else list(affected.order_by("pk").values_list("encoded_account_id", flat=True))
    )
    event_emit(
        partner_id=partner.pk,
        event_type="brand.changed",
        data={
            "organization": {"id": partner.pk, "name": partner.name},
            "level": kit.level,
            "group": {"id": group.pk, "name": group.path} if group is not None else None,
            "accounts": accounts,
            "fields": fields,
            "locks_changed": locks,
            "locked": list(kit.locked) if kit.level != rules.ACCOUNT else [],
            "by": actor_label_for(actor),
        },
    )
