"""Rate limits count where every process sees one number, and the count holds under
concurrency: the database's counter table (both engines), Redis where it is installed, and the
native API under gunicorn with two workers."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings

from partnerhub.api.keys import api_key_create
from partnerhub.core import ratelimit
from partnerhub.core.models import RateCount
from partnerhub.core.ratelimit import Rate
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory

REPO = Path(__file__).resolve().parents[3]


# --- Rates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("600/min", Rate(600, 60)),
        ("60/m", Rate(60, 60)),
        ("5/15min", Rate(5, 900)),
        ("10/h", Rate(10, 3600)),
        ("3/hour", Rate(3, 3600)),
        ("100/day", Rate(100, 86400)),
        ("1000000/s", Rate(1_000_000, 1)),
    ],
)
def test_a_rate_reads_as_hits_per_window(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "600", "600/fortnight", "ten/min", "-1/min", "5/min/h"])
def test_a_malformed_rate_is_refused(text):
    with pytest.raises(ValueError, match="not a rate"):
        Rate.parse(text)


# --- One count, many clients ----------------------------------------------------------------


def _hammer(hits_per_client: int, clients: int, rate: Rate) -> list[bool]:
    """``clients`` threads, each with its own database connection (as separate processes
    have), hit the same key at the same moment; returns every answer."""
    barrier = threading.Barrier(clients)
    answers: list[bool] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait(timeout=10)
            mine = [ratelimit.hit("test", "one-key", rate).allowed for _ in range(hits_per_client)]
            with lock:
                answers.extend(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def _counted(scope: str, ident: str) -> int:
    return RateCount.objects.get(key=ratelimit._key(scope, ident)).count


@pytest.mark.django_db(transaction=True)
def test_clients_on_separate_connections_share_one_count_in_the_database():
    # When four clients, each on its own connection, make 50 hits each against 60/min at once
    answers = _hammer(50, 4, Rate(60, 60))

    # Then exactly 60 of the 200 got through, and the table counted every hit
    assert len(answers) == 200
    assert answers.count(True) == 60
    assert _counted("test", "one-key") == 200


@pytest.mark.django_db
def test_a_hit_is_one_statement_and_counting_keeps_the_window_end(django_assert_num_queries):
    # Given a window opened by a first hit
    ratelimit.hit("test", "window", Rate(5, 60))
    ends = RateCount.objects.get(key=ratelimit._key("test", "window")).ends_ms

    # When it is counted again, twice at once with another key, and one hit is taken back
    with django_assert_num_queries(1):
        again = ratelimit.hit("test", "window", Rate(5, 60))
    both = ratelimit.hits([("test", "window", Rate(5, 60)), ("other", "window", Rate(1, 1))])
    ratelimit.give_back("test", "window")

    # Then the counts went on in one window, each key its own, and its end did not move
    assert again.count == 2
    assert [h.count for h in both] == [3, 1]
    assert ratelimit.count("test", "window") == 2
    assert RateCount.objects.get(key=ratelimit._key("test", "window")).ends_ms == ends


@pytest.mark.django_db
def test_ended_windows_are_swept_and_live_ones_kept(monkeypatch):
    ratelimit.hit("test", "short", Rate(5, 1))
    ratelimit.hit("test", "long", Rate(5, 3600))
    later = time.time() + 2
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)

    assert ratelimit.count("test", "short") == 0
    assert ratelimit.ended_sweep() == 1
    assert list(RateCount.objects.values_list("key", flat=True)) == [ratelimit._key("test", "long")]


def test_a_database_cache_is_refused_as_the_counting_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"}
    }
    settings.PARTNERHUB_RATELIMIT_CACHE = "default"

    assert [e.id for e in ratelimit.check_rates()] == ["core.E002"]


@pytest.mark.django_db
def test_a_window_that_ended_starts_again(settings):
    # Given a limit of 2 per second, used up
    assert [ratelimit.hit("test", "ends", Rate(2, 1)).allowed for _ in range(3)] == [
        True,
        True,
        False,
    ]

    # When the second has passed
    time.sleep(1.1)

    # Then the count starts from one
    assert ratelimit.hit("test", "ends", Rate(2, 1)) == ratelimit.Hit(1, True, 0)


@pytest.mark.django_db
def test_a_refused_hit_says_when_the_window_ends():
    for _ in range(3):
        ratelimit.hit("test", "retry", Rate(3, 60))

    refused = ratelimit.hit("test", "retry", Rate(3, 60))

    assert (refused.count, refused.allowed) == (4, False)
    assert 59 <= refused.retry_after <= 60


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
def redis_url(tmp_path):
    pytest.importorskip("redis", reason="the redis package is not installed (pip install redis)")
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no redis-server on this machine")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_clients_share_one_count_in_redis(redis_url):
    # Given Redis as the cache
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
            }
        },
        PARTNERHUB_RATELIMIT_CACHE="default",
    ):
        # When four clients make 50 hits each against 60/min at once
        answers = _hammer_without_database(50, 4, Rate(60, 60))

        # Then exactly 60 got through
        assert answers.count(True) == 60
        assert caches["default"].get(ratelimit._key("test", "one-key")) == 200


def _hammer_without_database(hits_per_client: int, clients: int, rate: Rate) -> list[bool]:
    with ThreadPoolExecutor(clients) as pool:
        runs = [
            pool.submit(
                lambda: [
                    ratelimit.hit("test", "one-key", rate).allowed for _ in range(hits_per_client)
                ]
            )
            for _ in range(clients)
        ]
        return [answer for run in runs for answer in run.result()]


# --- The native API under gunicorn ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def _database_url() -> str:
    """The test database, as a URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _get(url: str, key: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_under_gunicorn_with_two_workers_a_60_per_minute_key_gets_exactly_60(tmp_path):
    # Given an API key and the production settings served by gunicorn with two workers
    owner = MemberFactory(role=PartnerRole.OWNER)
    _key, secret = api_key_create(actor=owner.user, name="Sync tool", can_write=False)
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")},
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings",
        "DATABASE_URL": _database_url(),
        "PARTNERHUB_SECRET_KEY": "gunicorn-rate-test-secret-key",
        "PARTNERHUB_API_RATE": "60/min",
        "PARTNERHUB_VAR_DIR": str(tmp_path),
    }
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "partnerhub.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(port)
        url = f"http://127.0.0.1:{port}/api/v1/requests"

        # When the key's tool makes 200 calls, eight at a time
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _get(url, secret), range(200)))
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=30)

    # Then exactly 60 were answered and the other 140 refused, whichever worker took them
    assert {s: statuses.count(s) for s in set(statuses)} == {200: 60, 429: 140}, errors


# --- Settings and addresses -----------------------------------------------------------------


def test_a_rate_setting_that_is_not_a_rate_stops_the_start(settings):
    settings.PARTNERHUB_PASSWORD_RESET_RATE_PER_EMAIL = "three an hour"

    errors = ratelimit.check_rates()

    assert [(e.id, e.msg) for e in errors] == [
        (
            "core.E001",
            "PARTNERHUB_PASSWORD_RESET_RATE_PER_EMAIL: not a rate (like 600/min): 'three an hour'",
        )
    ]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy: the header is the client's own word
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "203.0.113.9, 192.0.2.1", "192.0.2.1"),  # the client's own entry comes first
        (2, "192.0.2.1, 10.0.0.9", "192.0.2.1"),
        (2, "192.0.2.1", "10.0.0.2"),  # fewer entries than proxies
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(rf, settings, proxies, forwarded, address):
    settings.PARTNERHUB_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert ratelimit.client_address(request) == address


def test_a_window_that_ends_while_another_process_opens_it_is_counted_again(monkeypatch):
    """Short windows: this process finds no count, another one opens the window, and it has
    ended again before this process counts in it. The hit opens a fresh window (no error)."""

    class Racing:
        def __init__(self):
            self.store = {}
            self.misses = 2  # the first two increments find the window gone

        def incr(self, key):
            if self.misses or key not in self.store:
                self.misses = max(self.misses - 1, 0)
                raise ValueError(key)
            self.store[key] += 1
            return self.store[key]

        def add(self, key, value, timeout):
            if self.misses:  # the other process won the race to open it
                return False
            self.store[key] = value
            return True

        def set(self, key, value, timeout):
            self.store[key] = value

        def get(self, key, default=None):
            return self.store.get(key, default)

    racing = Racing()
    monkeypatch.setattr(ratelimit, "_cache", lambda: racing)  # a cache that counts

    hit = ratelimit.hit("api", "some-key", Rate(5, 1))

    assert (hit.count, hit.allowed) == (1, True)
    assert ratelimit.hit("api", "some-key", Rate(5, 1)).count == 2
