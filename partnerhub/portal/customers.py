"""Who may open a client account's customer pages, in one place: the account's owner, and the
users the partner added to it (``v3.AccountUser``, with their role). The owner alone answers
for who may operate the account (Settings › Billing › Your solution provider); users see the
account's home page with their role."""

from django.db.models import F, Func, IntegerField, Q, QuerySet, Subquery
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


def count_of(qs: QuerySet) -> Subquery:
    """``(SELECT COUNT(*) ...)`` of ``qs``, to sit in another statement's select list."""
    counted = qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def customer_account_count_subquery(user_id: int) -> Func:
    """How many accounts ``customer_accounts`` holds for the user, as a subquery that reads two
    indexes (the accounts they own, the accounts they were added to and do not own) instead of
    the ``owner OR added`` filter, which neither database can answer from one index and so
    reads every account."""
    owned = ClientAccount.objects.filter(owner_id=user_id)
    added = AccountUser.objects.filter(user_id=user_id).exclude(account__owner_id=user_id)
    return Func(
        count_of(owned),
        count_of(added),
        function="",
        arg_joiner=" + ",
        output_field=IntegerField(),
    )


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
