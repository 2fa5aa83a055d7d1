"""A member's assigned accounts, in the list's default order, read one index range.

Each assignment keeps a copy of its account's organization name, and an index on (member,
name, account) gives a member's accounts in name order: a page of a member with 2,000 or
20,000 of the partner's 100,000 accounts reads its 26 rows there, instead of walking the
partner's accounts and checking each against the assignments, or reading all of the member's
accounts and sorting them.

The database keeps the copy, so no write can leave it stale: a trigger copies the name on
every insert or update of an assignment, and another copies a renamed account's new name to
its assignments, in the same statement's transaction. On SQLite, a table rebuilt by a later
migration loses its triggers: such a migration must create them again (the tests of
``partnerhub/partners/tests/test_assignment_order.py`` fail without them).
"""

from django.db import migrations, models

ASSIGNMENTS = "partners_accountassignment"
ACCOUNTS = "clients_clientaccount"
COPY = (
    f'UPDATE "{ASSIGNMENTS}" SET organization_name = '
    f'(SELECT organization_name FROM "{ACCOUNTS}" WHERE id = "{ASSIGNMENTS}".account_id)'
)

SQLITE_FORWARD = [
    f"""CREATE TRIGGER "{ASSIGNMENTS}_name_ai" AFTER INSERT ON "{ASSIGNMENTS}" BEGIN
        {COPY} WHERE id = new.id;
    END""",
    f"""CREATE TRIGGER "{ASSIGNMENTS}_name_au"
    AFTER UPDATE OF account_id, organization_name ON "{ASSIGNMENTS}" BEGIN
        {COPY} WHERE id = new.id;
    END""",
    f"""CREATE TRIGGER "{ACCOUNTS}_name_to_assignments"
    AFTER UPDATE OF organization_name ON "{ACCOUNTS}"
    WHEN old.organization_name IS NOT new.organization_name BEGIN
        UPDATE "{ASSIGNMENTS}" SET organization_name = new.organization_name
        WHERE account_id = new.id;
    END""",
]
SQLITE_BACKWARD = [
    f'DROP TRIGGER IF EXISTS "{ASSIGNMENTS}_name_ai"',
    f'DROP TRIGGER IF EXISTS "{ASSIGNMENTS}_name_au"',
    f'DROP TRIGGER IF EXISTS "{ACCOUNTS}_name_to_assignments"',
]
POSTGRES_FORWARD = [
    f"""CREATE FUNCTION "{ASSIGNMENTS}_name_copy"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT organization_name INTO NEW.organization_name
        FROM "{ACCOUNTS}" WHERE id = NEW.account_id;
        RETURN NEW;
    END $$""",
    f"""CREATE TRIGGER "{ASSIGNMENTS}_name_copy" BEFORE INSERT OR UPDATE ON "{ASSIGNMENTS}"
    FOR EACH ROW EXECUTE FUNCTION "{ASSIGNMENTS}_name_copy"()""",
    f"""CREATE FUNCTION "{ACCOUNTS}_name_to_assignments"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE "{ASSIGNMENTS}" SET organization_name = NEW.organization_name
        WHERE account_id = NEW.id;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER "{ACCOUNTS}_name_to_assignments"
    AFTER UPDATE OF organization_name ON "{ACCOUNTS}" FOR EACH ROW
    WHEN (OLD.organization_name IS DISTINCT FROM NEW.organization_name)
    EXECUTE FUNCTION "{ACCOUNTS}_name_to_assignments"()""",
]
POSTGRES_BACKWARD = [
    f'DROP TRIGGER IF EXISTS "{ACCOUNTS}_name_to_assignments" ON "{ACCOUNTS}"',
    f'DROP FUNCTION IF EXISTS "{ACCOUNTS}_name_to_assignments"()',
    f'DROP TRIGGER IF EXISTS "{ASSIGNMENTS}_name_copy" ON "{ASSIGNMENTS}"',
    f'DROP FUNCTION IF EXISTS "{ASSIGNMENTS}_name_copy"()',
]


def forward(apps, schema_editor):
    sqlite = schema_editor.connection.vendor == "sqlite"
    # The names first, then the triggers (on PostgreSQL the copy's trigger would run this
    # statement's lookup again for every row).
    schema_editor.execute(COPY)
    for statement in SQLITE_FORWARD if sqlite else POSTGRES_FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    sqlite = schema_editor.connection.vendor == "sqlite"
    for statement in SQLITE_BACKWARD if sqlite else POSTGRES_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0007_account_search_by_partner"),
        ("partners", "0007_organization_members_see_assigned"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountassignment",
            name="organization_name",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.RunPython(forward, backward),
        migrations.AddIndex(
            model_name="accountassignment",
            index=models.Index(
                fields=["member", "organization_name", "account"], name="assignment_member_name"
            ),
        ),
    ]
