"""Authenticated API keys, remembered for a moment by this process.

Checking a key costs more than the query it protects (the key, its partner, its creator and
whether the creator is still in the team). A key that passed the check is kept here, by the
hash of its secret, for at most ``TTL_SECONDS`` (one second): a burst of calls with one key
checks it once a second per server process. Revoking a key forgets it at once in the process
that revoked it; every other process forgets it when the second is up, so a revoked key stops
working everywhere within one second. An expiry is checked on every call, from the kept key.
What the key reads with it (its partner, whether its creator is still in the team, their role
and so what the key may see) is as fresh: a change to any of them reaches the key's calls
within the same second.

V3 calls carry two secrets (the client's ``x-api-key`` and a bearer token): ``v3_clients``
keeps the client by the pair, until the token's expiry at most.

Per process, in memory, on purpose: the shared cache of production is the database cache,
and a lookup there is a query of its own.
"""

import hashlib
import threading
import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

TTL_SECONDS = 1.0
MAX_ENTRIES = 10_000


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyCache:
    def __init__(self, *, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, secret: str):
        """The key kept for this secret, if it was checked less than ``ttl`` ago and has not
        expired since."""
        digest = secret_digest(secret)
        with self._lock:
            entry = self._entries.get(digest)
        if entry is None:
            return None
        until, key = entry
        if self.clock() >= until or not key.is_active(timezone.now()):
            self._drop(digest)
            return None
        return key

    def put(self, secret: str, key) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[secret_digest(secret)] = (self.clock() + self.ttl, key)

    def authenticate(self, secret: str, authenticate: Callable[[str], object | None]):
        """What is kept for ``secret``, or else what ``authenticate`` finds (then kept).
        Refusals are not kept: a wrong or revoked secret is checked every time."""
        key = self.get(secret)
        if key is not None:
            return key
        key = authenticate(secret)
        if key is not None:
            self.put(secret, key)
        return key

    def forget(self, key_id: int) -> None:
        """Drop every entry of the key with this id (it was revoked)."""
        with self._lock:
            for digest in [d for d, (_, k) in self._entries.items() if k.pk == key_id]:
                del self._entries[digest]

    def forget_revoked(self, key_id: int) -> None:
        """In a revoking transaction: this process forgets the key at once, and again once
        committed, in case a call kept it in between; the others within ``ttl``."""
        self.forget(key_id)
        transaction.on_commit(lambda: self.forget(key_id))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop(self, digest: str) -> None:
        with self._lock:
            self._entries.pop(digest, None)


# This process's caches: native API keys, and V3 credentials (a client with one of its tokens).
keys = KeyCache()
v3_clients = KeyCache()


def authenticate_cached(secret: str, authenticate: Callable[[str], object | None]):
    """The native key of ``secret`` (see ``KeyCache.authenticate``)."""
    return keys.authenticate(secret, authenticate)
