"""The full-text index of published articles, in each engine's own form (see help/search.py)."""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE help_search USING fts5(title, body, tokenize = 'porter unicode61')"
)
POSTGRES_CREATE = [
    """
    CREATE TABLE help_search (
        article_id bigint PRIMARY KEY,
        title text NOT NULL,
        body text NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', title), 'A') ||
            setweight(to_tsvector('english', body), 'B')
        ) STORED
    )
    """,
    "CREATE INDEX help_search_document ON help_search USING GIN (document)",
]


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)
    else:
        schema_editor.execute(SQLITE_CREATE)


def drop_index(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS help_search")


class Migration(migrations.Migration):
    dependencies = [("help", "0001_articles_versions_feedback")]
    operations = [migrations.RunPython(create_index, drop_index)]
