"""A substring index for the account search, per engine.

The search matches a term anywhere in the organization, owner or login name. Without an index
every search walks all of the partner's rows. SQLite: an FTS5 table with the trigram tokenizer
over those three columns, external content (it stores only the index; the rows stay in
``clients_clientaccount``), kept in step by triggers in the same transaction as each write.
PostgreSQL: ``pg_trgm`` GIN indexes on the upper-cased columns, the very expressions Django's
``icontains`` compares. See ``partnerhub.clients.search``.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE "clients_account_search" USING fts5(
        organization_name, owner_name, login_name,
        content='clients_clientaccount', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER "clients_account_search_ai" AFTER INSERT ON "clients_clientaccount" BEGIN
        INSERT INTO "clients_account_search"(rowid, organization_name, owner_name, login_name)
        VALUES (new.id, new.organization_name, new.owner_name, new.login_name);
    END""",
    """CREATE TRIGGER "clients_account_search_ad" AFTER DELETE ON "clients_clientaccount" BEGIN
        INSERT INTO "clients_account_search"(
            "clients_account_search", rowid, organization_name, owner_name, login_name
        ) VALUES ('delete', old.id, old.organization_name, old.owner_name, old.login_name);
    END""",
    """CREATE TRIGGER "clients_account_search_au"
    AFTER UPDATE OF organization_name, owner_name, login_name ON "clients_clientaccount" BEGIN
        INSERT INTO "clients_account_search"(
            "clients_account_search", rowid, organization_name, owner_name, login_name
        ) VALUES ('delete', old.id, old.organization_name, old.owner_name, old.login_name);
        INSERT INTO "clients_account_search"(rowid, organization_name, owner_name, login_name)
        VALUES (new.id, new.organization_name, new.owner_name, new.login_name);
    END""",
    """INSERT INTO "clients_account_search"("clients_account_search") VALUES ('rebuild')""",
]
SQLITE_BACKWARD = [
    'DROP TRIGGER IF EXISTS "clients_account_search_au"',
    'DROP TRIGGER IF EXISTS "clients_account_search_ad"',
    'DROP TRIGGER IF EXISTS "clients_account_search_ai"',
    'DROP TABLE IF EXISTS "clients_account_search"',
]

SEARCHED = ("organization_name", "owner_name", "login_name")
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f'CREATE INDEX IF NOT EXISTS "acct_trgm_{column.split("_")[0]}" '
        f'ON "clients_clientaccount" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        for column in SEARCHED
    ),
]
POSTGRES_BACKWARD = [
    f'DROP INDEX IF EXISTS "acct_trgm_{column.split("_")[0]}"' for column in SEARCHED
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_provisioning_details"),
    ]

    operations = [migrations.RunPython(forward, backward)]
