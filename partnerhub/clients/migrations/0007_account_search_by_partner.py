"""The SQLite account search reads only the partner's rows of its trigram table.

The trigram table of ``0005`` covered every account of the program, so a term found in 12,000
accounts made a partner's search look up all 12,000 to keep its own 1,200. The table now also
holds each account's partner, as a three-character key (``clients.search.partner_key``) that
is one trigram of its own, so a search asks for the partner's key and the term together and
gets the partner's matches only. It keeps its own copy of the three names (an external
content table reads its columns from the accounts, which have no such key). Triggers keep it
in step with the accounts in the same transaction, a move to another partner included.

PostgreSQL is unchanged: its ``pg_trgm`` indexes (``0005``) serve the search as they are.
"""

from django.db import migrations

TABLE = "clients_account_search"
KEY = (
    "CASE WHEN {row}.partner_id IS NULL THEN '' ELSE char("
    "19968 + ({row}.partner_id / 400000000) % 20000, "
    "19968 + ({row}.partner_id / 20000) % 20000, "
    "19968 + {row}.partner_id % 20000) END"
)
COLUMNS = "rowid, partner, organization_name, owner_name, login_name"


def _values(row: str) -> str:
    key = KEY.format(row=row)
    return f"{row}.id, {key}, {row}.organization_name, {row}.owner_name, {row}.login_name"


DROP_0005 = [
    f'DROP TRIGGER IF EXISTS "{TABLE}_au"',
    f'DROP TRIGGER IF EXISTS "{TABLE}_ad"',
    f'DROP TRIGGER IF EXISTS "{TABLE}_ai"',
    f'DROP TABLE IF EXISTS "{TABLE}"',
]
SQLITE_FORWARD = [
    *DROP_0005,
    f"""CREATE VIRTUAL TABLE "{TABLE}" USING fts5(
        partner, organization_name, owner_name, login_name, tokenize='trigram'
    )""",
    f"""CREATE TRIGGER "{TABLE}_ai" AFTER INSERT ON "clients_clientaccount" BEGIN
        INSERT INTO "{TABLE}"({COLUMNS}) VALUES ({_values("new")});
    END""",
    f"""CREATE TRIGGER "{TABLE}_ad" AFTER DELETE ON "clients_clientaccount" BEGIN
        DELETE FROM "{TABLE}" WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER "{TABLE}_au"
    AFTER UPDATE OF partner_id, organization_name, owner_name, login_name
    ON "clients_clientaccount" BEGIN
        DELETE FROM "{TABLE}" WHERE rowid = old.id;
        INSERT INTO "{TABLE}"({COLUMNS}) VALUES ({_values("new")});
    END""",
    f"""INSERT INTO "{TABLE}"({COLUMNS})
        SELECT {_values('"clients_clientaccount"')} FROM "clients_clientaccount"
    """,
]
# Back to the table of 0005.
SQLITE_BACKWARD = [
    *DROP_0005,
    f"""CREATE VIRTUAL TABLE "{TABLE}" USING fts5(
        organization_name, owner_name, login_name,
        content='clients_clientaccount', content_rowid='id', tokenize='trigram'
    )""",
    f"""CREATE TRIGGER "{TABLE}_ai" AFTER INSERT ON "clients_clientaccount" BEGIN
        INSERT INTO "{TABLE}"(rowid, organization_name, owner_name, login_name)
        VALUES (new.id, new.organization_name, new.owner_name, new.login_name);
    END""",
    f"""CREATE TRIGGER "{TABLE}_ad" AFTER DELETE ON "clients_clientaccount" BEGIN
        INSERT INTO "{TABLE}"(
            "{TABLE}", rowid, organization_name, owner_name, login_name
        ) VALUES ('delete', old.id, old.organization_name, old.owner_name, old.login_name);
    END""",
    f"""CREATE TRIGGER "{TABLE}_au"
    AFTER UPDATE OF organization_name, owner_name, login_name ON "clients_clientaccount" BEGIN
        INSERT INTO "{TABLE}"(
            "{TABLE}", rowid, organization_name, owner_name, login_name
        ) VALUES ('delete', old.id, old.organization_name, old.owner_name, old.login_name);
        INSERT INTO "{TABLE}"(rowid, organization_name, owner_name, login_name)
        VALUES (new.id, new.organization_name, new.owner_name, new.login_name);
    END""",
    f"""INSERT INTO "{TABLE}"("{TABLE}") VALUES ('rebuild')""",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_account_group"),
    ]

    operations = [migrations.RunPython(forward, backward)]
