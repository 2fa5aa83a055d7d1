from django.db import connection

from partnerhub.clients.models import ClientAccount
from partnerhub.notices.models import Notice
from partnerhub.partners.selectors import restricted_member_id, teams_for_request
from partnerhub.pricing.selectors import billing_menu
from partnerhub.v3.models import AccountUser


def header_counts(user) -> tuple[int, int]:
    """(the accounts whose customer pages the user may open, their unread notices), in one
    statement: the header is on every page. Written out, since building it with the ORM costs
    more than running it; ``customer_accounts`` and ``unread_count`` say the same in ORM terms
    (``portal/tests/test_header.py`` holds them together)."""
    q = connection.ops.quote_name
    accounts = q(ClientAccount._meta.db_table)
    account_users = q(AccountUser._meta.db_table)
    notices = q(Notice._meta.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {accounts} WHERE {q('owner_id')} = %s)"  # noqa: S608
        f" + (SELECT COUNT(*) FROM {account_users} au INNER JOIN {accounts} a"
        f" ON a.{q('id')} = au.{q('account_id')} WHERE au.{q('user_id')} = %s"
        f" AND (a.{q('owner_id')} IS NULL OR a.{q('owner_id')} <> %s)),"
        f" (SELECT COUNT(*) FROM {notices} WHERE {q('user_id')} = %s"
        f" AND {q('read_at')} IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * 4)
        customer_accounts, unread = cursor.fetchone()
    return customer_accounts, unread


def navigation(request):
    """What the header shows: the team the user works in now (and their other teams, to
    switch to), that they own accounts, and, for someone who is both, which of the two the
    page belongs to (``nav_area``: "organization"
    for the partner portal, "account" for the customer pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    teams = teams_for_request(request)
    membership = getattr(request, "membership", None) or teams.current
    teams = teams.all if membership is not None else []
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name or "") if match else ""
    area = ""
    if url_name.startswith("partner-"):
        area = "organization"
    elif url_name.startswith("customer-"):
        area = "account"
    count, unread_count = header_counts(user)
    billing = {}
    if membership is not None and restricted_member_id(membership) is None:
        billing = billing_menu(membership.partner)
    return {
        "nav_membership": membership,
        # The teams the header's switcher offers (only when there is a choice).
        "nav_teams": teams if len(teams) > 1 else [],
        "nav_is_customer": count > 0,
        "nav_customer_accounts": count,
        "nav_area": area,
        "nav_unread": unread_count,
        "nav_pricing": billing.get("pricing", False),
        "nav_statements": billing.get("statements", False),
    }
