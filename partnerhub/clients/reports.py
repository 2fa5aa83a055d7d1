"""*My accounts* as a CSV file: the rows of exactly the filtered view, in its order, written
as they are read so that 100,000 accounts never sit in memory at once."""

from collections.abc import Iterator

from partnerhub.clients.models import ClientAccount
from partnerhub.clients.selectors import AccountListQuery, group_paths, partner_accounts_iter
from partnerhub.core import csvfiles

CSV_COLUMNS = [
    "account_id",
    "organization",
    "type",
    "access",
    "owner",
    "owner_email",
    "login_name",
    "status",
    "plan",
    "contacts",
    "last_login",
    "moved_in",
]


def _row(account: ClientAccount) -> tuple:
    return (
        account.encoded_account_id,
        account.organization_name,
        account.get_partnership_kind_display(),
        # The level the customer granted; empty while referred.
        account.get_access_level_display() if account.access_level else "",
        account.owner_name,
        account.contact_email,
        account.login_name,
        account.status_label,
        account.get_plan_type_display(),
        account.contact_count,
        account.last_login_at,
        account.partnered_on,
    )


def accounts_csv(
    *, partner_id: int, query: AccountListQuery, with_groups: bool = False
) -> Iterator[str]:
    """With ``with_groups`` (an organization's file) each row also names the account's group,
    after its organization."""
    accounts = partner_accounts_iter(partner_id=partner_id, query=query)
    if not with_groups:
        return csvfiles.stream(CSV_COLUMNS, (_row(a) for a in accounts))
    paths = group_paths(partner_id=partner_id)
    columns = [*CSV_COLUMNS[:2], "group", *CSV_COLUMNS[2:]]
    return csvfiles.stream(
        columns, ((*(row := _row(a))[:2], paths.get(a.group_id, ""), *row[2:]) for a in accounts)
    )
