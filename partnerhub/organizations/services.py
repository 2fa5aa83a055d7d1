"""The one place that writes an organization's groups and which group each account is in.

Every function takes the ``actor`` (the person acting, or None for program staff and the
demo), checks the organization's rules and writes one audit row with the change."""

from django.db import transaction
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.locks import lock_one
from partnerhub.organizations.models import AccountGroup
from partnerhub.partners.models import Partner, PartnerKind
from partnerhub.partners.services import partner_create


def organization_create(*, name: str, deployed_on=None, actor=None, **fields) -> Partner:
    """A new multi-account organization (a *My Organization* of kind organization)."""
    return partner_create(
        name=name,
        deployed_on=deployed_on or timezone.localdate(),
        actor=actor,
        kind=PartnerKind.ORGANIZATION,
        **fields,
    )


@transaction.atomic
def group_create(
    *, partner: Partner, name: str, parent: AccountGroup | None = None, actor=None
) -> AccountGroup:
    """A group of ``partner``'s accounts, at the top or inside a top-level group."""
    name = " ".join(name.split())
    if not name:
        raise InvalidTransition("a group needs a name", code="group_name_missing")
    if len(name) > 120:
        raise InvalidTransition("a group name has at most 120 characters", code="group_name_long")
    if parent is not None:
        if parent.partner_id != partner.pk:
            raise NotFound("no such group", code="group_not_found")
        if parent.parent_id is not None:
            raise InvalidTransition(
                "groups nest one level deep: choose a top-level group as the parent",
                code="group_too_deep",
            )
    siblings = AccountGroup.objects.filter(partner=partner, parent=parent)
    if siblings.filter(name__iexact=name).exists():
        raise Conflict(f"there is already a group called {name}", code="group_exists")
    group = AccountGroup.objects.create(partner=partner, parent=parent, name=name)
    audit_record(
        actor=actor,
        action=events.GROUP_CREATED,
        target=group,
        partner=partner,
        after={"name": name, "parent": parent.pk if parent else None},
    )
    return group


@transaction.atomic
def account_group_set(
    *, partner: Partner, account: ClientAccount, group: AccountGroup | None, actor=None
) -> ClientAccount:
    """Put ``account`` (one of ``partner``'s) into ``group``, or into no group."""
    account = lock_one(ClientAccount.objects.all(), pk=account.pk)
    if account.partner_id != partner.pk:
        raise NotFound("no such account", code="account_not_found")
    if group is not None and group.partner_id != partner.pk:
        raise NotFound("no such group", code="group_not_found")
    before = account.group_id
    new = group.pk if group else None
    if before == new:
        return account
    ClientAccount.objects.filter(pk=account.pk).update(group_id=new)
    account.group_id = new
    audit_record(
        actor=actor,
        action=events.ACCOUNT_GROUP_CHANGED,
        target=account,
        partner=partner,
        account=account,
        before={"group": before},
        after={"group": new, "group_name": group.path if group else ""},
    )
    return account
