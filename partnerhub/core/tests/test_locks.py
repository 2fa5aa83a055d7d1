"""``lock_one`` locks the row it returns and nothing it joined."""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from partnerhub.core.locks import lock_one
from partnerhub.partners.models import Partner
from partnerhub.partnerships.services import open_partnership_lock
from partnerhub.tests.world import build_world

ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.skipif(ON_SQLITE, reason="row locks need PostgreSQL; SQLite queues all writers")
@pytest.mark.django_db(transaction=True)
def test_two_accounts_of_one_partner_change_at_the_same_time():
    # Given one transaction holding the partnership row of Blue Bakery (and reading its partner)
    world = build_world()
    held = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def hold_first_account():
        try:
            with transaction.atomic():
                open_partnership_lock(account_id=world.account.pk)
                held.set()
                release.wait(timeout=10)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_first_account)
    thread.start()
    assert held.wait(timeout=10)
    try:
        # When another connection locks the other account's partnership of the same partner,
        # with a lock timeout so a wait on the partner's row fails instead of hanging
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            partnership = open_partnership_lock(account_id=world.managed_account.pk)
            partner = lock_one(Partner.objects.all(), pk=world.other_partner.pk)
    finally:
        release.set()
        thread.join(timeout=10)

    # Then it got its row at once, while the first still held its own
    assert partnership.partner_id == world.partner.pk
    assert partner.pk == world.other_partner.pk
    assert errors == []
