"""Who may open a client account's customer pages, in one place: the account's owner, and the
users the partner added to it (``v3.AccountUser``, with their role). The owner alone answers
for who may operate the account (Settings › Billing › Your solution provider); users see the
account's home page with their role."""

from django.db.models import Q, QuerySet
from django.http import Http404

from partnerhub.clients.models import ClientAccount
from partnerhub.v3.models import AccountUser


def customer_accounts(user) -> QuerySet[ClientAccount]:
    """The accounts whose customer pages ``user`` may open."""
    if user is None or not user.is_authenticated:
        return ClientAccount.objects.none()
    return ClientAccount.objects.filter(
        Q(owner=user) | Q(pk__in=AccountUser.objects.filter(user=user).values("account_id"))
    )


def is_customer(user) -> bool:
    return customer_accounts(user).exists()


def customer_account_or_404(user, encoded_account_id: str, *, owner_only: bool = False):
    """The account, with ``viewer_is_owner`` and ``viewer_role`` (what the person is there)
    set on it; 404 for anyone else (and for users where only the owner may go)."""
    accounts = ClientAccount.objects.filter(owner=user) if owner_only else customer_accounts(user)
    try:
        account = accounts.select_related("partner").get(encoded_account_id=encoded_account_id)
    except ClientAccount.DoesNotExist:
        raise Http404("no such account") from None
    account.viewer_is_owner = account.owner_id == user.pk
    if account.viewer_is_owner:
        account.viewer_role = "Owner"
    else:
        role = AccountUser.objects.get(account=account, user=user)
        account.viewer_role = role.get_role_display()
    return account
