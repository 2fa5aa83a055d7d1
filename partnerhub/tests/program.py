"""The rows the migrations write (the program's first terms and price book, the close's lock
row), written again for transactional tests: those start from empty tables, because the
database is emptied after each of them."""

import importlib

from django.apps import apps


def migration_rows_restore() -> None:
    """Write the migrations' rows again; rows still there are left as they are."""
    importlib.import_module("partnerhub.earnings.migrations.0002_initial_terms").create_terms(
        apps, None
    )
    importlib.import_module("partnerhub.earnings.migrations.0003_close_lock").create_lock_row(
        apps, None
    )
    importlib.import_module("partnerhub.pricing.migrations.0002_first_price_book").create_book(
        apps, None
    )
