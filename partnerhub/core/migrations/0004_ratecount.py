from django.db import migrations, models


def unlogged(apps, schema_editor):
    """Counts are worth less than a wait for the log: PostgreSQL keeps this table out of it."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_ratecount SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_outgoing_email")]

    operations = [
        migrations.CreateModel(
            name="RateCount",
            fields=[
                ("key", models.CharField(max_length=100, primary_key=True, serialize=False)),
                (
                    "ends_ms",
                    models.BigIntegerField(
                        help_text="When the window ends, in ms since 1970 (UTC)."
                    ),
                ),
                ("count", models.IntegerField()),
            ],
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
    ]
