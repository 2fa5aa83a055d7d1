from django.db import migrations

CLOSE_LOCK = "earnings.month_close"


def create_lock_row(apps, schema_editor):
    """The row a close locks. ``lock_named`` would create it on first use, but a run that
    creates it cannot be refused at once by another (the insert waits instead)."""
    apps.get_model("core", "NamedLock").objects.get_or_create(name=CLOSE_LOCK)


class Migration(migrations.Migration):
    dependencies = [("earnings", "0002_initial_terms"), ("core", "0001_initial")]
    operations = [migrations.RunPython(create_lock_row, migrations.RunPython.noop)]
