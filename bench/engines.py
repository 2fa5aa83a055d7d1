"""The databases the benchmarks run on: one separate, cached database per engine.

Django reads its database settings once per process, so a process benchmarks one engine;
``bench.__main__`` starts one process per engine when asked for several.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
RESULTS_DIR = BENCH_DIR / "results"

SQLITE_PATH = BENCH_DIR / "partnerhub-bench.sqlite3"
POSTGRES_URL = os.environ.get(
    "PARTNERHUB_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/partnerhub_bench"
)


# The program sizes a run can choose (``--accounts``); each is its own cached database.
ACCOUNT_SIZES = (100_000, 1_000_000)
MAIN_SIZE = 1_000_000


@dataclass(frozen=True)
class Engine:
    name: str  # "sqlite" or "postgres"
    label: str
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    def sized(self, accounts: int) -> "Engine":
        """The engine pointed at the database of the program with ``accounts`` accounts
        (the full size keeps the base database; a smaller one gets a suffix)."""
        if accounts == MAIN_SIZE:
            return self
        suffix = f"{accounts // 1000}k"
        if self.is_sqlite:
            path = SQLITE_PATH.with_name(f"{SQLITE_PATH.stem}-{suffix}{SQLITE_PATH.suffix}")
            return Engine(self.name, self.label, f"sqlite:///{path}")
        parts = urlsplit(self.url)
        return Engine(
            self.name, self.label, urlunsplit(parts._replace(path=f"{parts.path}_{suffix}"))
        )

    @property
    def database_name(self) -> str:
        """Django's ``NAME`` for this engine's database: the file or the database name."""
        path = urlsplit(self.url).path
        return path[1:] if self.is_sqlite else path.lstrip("/")


ENGINES: dict[str, Engine] = {
    "sqlite": Engine("sqlite", "SQLite (file, WAL)", f"sqlite:///{SQLITE_PATH}"),
    "postgres": Engine("postgres", "PostgreSQL", POSTGRES_URL),
}


def _postgres_admin_connect(url: str):
    """A connection to the server's ``postgres`` database, to create or drop the bench one."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def _postgres_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def prepare(engine: Engine, *, rebuild: bool) -> None:
    """Make sure the engine's database exists (empty if ``rebuild``), before Django connects."""
    if engine.is_sqlite:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{engine.database_name}{suffix}").unlink(missing_ok=True)
        return
    from psycopg import sql

    name = _postgres_name(engine.url)
    with _postgres_admin_connect(engine.url) as admin:
        if rebuild:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# With debug off the settings refuse their built-in key; the benchmarks bring one of their own.
BENCH_SECRET_KEY = "partnerhub-benchmarks-only-secret-key"


def configure_django(engine: Engine) -> None:
    """Point the production settings at the engine's bench database and set Django up.

    The settings are the production ones (DEBUG off, the same middleware, templates and
    database options); only ``DATABASE_URL`` and the secret key differ.
    """
    os.environ["DATABASE_URL"] = engine.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "partnerhub.settings"
    os.environ["PARTNERHUB_DEBUG"] = "0"
    os.environ.setdefault("PARTNERHUB_SECRET_KEY", BENCH_SECRET_KEY)
    os.environ.setdefault("PARTNERHUB_VAR_DIR", str(BENCH_DIR))
    import django

    django.setup()
