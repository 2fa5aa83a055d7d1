"""Django's database cache, with an increment that holds under concurrency.

Django's ``DatabaseCache.incr`` reads the value and writes it back: two processes counting
the same key at once lose one of the hits. Rate limits count in the cache from every server
process, so here the row is locked while its count changes (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the IMMEDIATE transaction holds the database's write lock). The entry
keeps its expiry, so a counting window ends when it began plus its length, however many hits
it takes.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # A count is worth less than the wait for its commit to reach the disk: on its own
        # transaction (never inside another one, whose writes must stay durable) PostgreSQL
        # acknowledges the commit before flushing it. A crash may lose the last counts.
        asynchronous = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic(using=db), connection.cursor() as cursor:
            if asynchronous:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            # Expired as Django's own add() and set() see it (they compare whole seconds):
            # otherwise, for the rest of the second an entry expires in, incr() would find it
            # gone while add() still finds it there, and the count could not go on.
            if row is None or self._expires(connection, row[1]) < now().replace(microsecond=0):
                raise ValueError(f"Key '{key}' not found")
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",  # noqa: S608
                [encoded, key],
            )
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)

    @staticmethod
    def _expires(connection, value):
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            value = converter(value, expression, connection)
        return value
