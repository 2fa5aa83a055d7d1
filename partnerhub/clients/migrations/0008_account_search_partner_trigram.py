"""PostgreSQL's account search reads only the partner's rows of its trigram indexes.

The ``pg_trgm`` indexes of ``0005`` covered every account of the program: a partner's search
found the term's matches among all of them (12,000 for a common word) and intersected them
with all of the partner's rows, read from the partner index (100,000 for a large partner),
before it could keep its own 1,200. Each index now leads with the account's partner
(``btree_gin``), so the index itself gives the partner's matches. A GIN index serves any of
its columns alone as well as both, so a search across all accounts still uses it.

``btree_gin`` has no cross-type operators: the search compares the partner with a ``bigint``
value (``clients.search.partner_filter``) for the index to serve it. SQLite is unchanged: its
trigram table holds the partner since ``0007``.
"""

from django.db import migrations

SEARCHED = ("organization_name", "owner_name", "login_name")


def _index(column: str, *, by_partner: bool) -> str:
    name = f"acct_trgm_{column.split('_')[0]}"
    partner = '"partner_id", ' if by_partner else ""
    return (
        f'CREATE INDEX "{name}" ON "clients_clientaccount" '
        f'USING gin ({partner}(UPPER("{column}"::text)) gin_trgm_ops)'
    )


def _drop(column: str) -> str:
    return f'DROP INDEX IF EXISTS "acct_trgm_{column.split("_")[0]}"'


FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    *(statement for c in SEARCHED for statement in (_drop(c), _index(c, by_partner=True))),
]
BACKWARD = [
    *(statement for c in SEARCHED for statement in (_drop(c), _index(c, by_partner=False))),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0007_account_search_by_partner"),
    ]

    operations = [migrations.RunPython(forward, backward)]
