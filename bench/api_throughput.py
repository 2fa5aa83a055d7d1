"""API throughput: the native API's accounts list under a production server.

gunicorn serves the production settings (DEBUG off, the same middleware) with the benchmark's
URLconf (``bench.server_settings``), 2 workers, on 127.0.0.1; ``wrk`` loads one target at a time
with a few seconds of warm-up first:

- the bare endpoint ``/bench/constant``: a Ninja endpoint returning ``{"ok": true}``, without
  authentication, throttling or queries (the ceiling);
- the same behind the API's key check and per-key throttle (``/bench/constant-keyed``), which
  tells what those cost from what the list itself costs;
- ``GET /api/v1/accounts?size=25`` as the big partner's API key (100,000 accounts of 1,000,000):
  the first page, a page 1,000 pages deep (by cursor) and the Referred filter.

The per-key rate limit stays in place (the throttle runs on every request, as in production)
but at a rate no run reaches (``PARTNERHUB_API_RATE``, and the V3 limits per credential). Its count
lives where production keeps it, where the workers share it: the database's counter table, or
Redis when ``PARTNERHUB_CACHE_URL`` names one.

- ``GET /v3/partner/accounts?limit=25`` with V3 credentials of the big partner (``x-api-key``
  and a bearer token).

Goals: the native accounts list at at least 0.25× the bare endpoint's requests per second,
the V3 list at at least 0.3×.

Besides requests per second and latency, the table shows the CPU time that the workers (and,
on PostgreSQL, the database backends serving them) spend per request, read from ``/proc``: on a
machine shared with other work it is steadier than the rates, and bare's CPU per request over a
target's is the rate ratio the server could reach with the machine to itself.

``python -m bench api --engine sqlite|postgres|both [--api-server sync|gthread|both]``.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.engines import BASE_DIR, BENCH_DIR, BENCH_SECRET_KEY, Engine
from bench.timing import loadavg

NAME = "api"
TITLE = "API throughput (/api/v1/accounts under gunicorn, 2 workers)"
GOAL_RATIO = 0.25  # the native accounts list ÷ the bare endpoint
GOAL_RATIO_V3 = 0.3  # the V3 accounts list ÷ the bare endpoint
PAGE_SIZE = 25
DEEP_PAGES = 1_000
BENCH_RATE = "1000000/s"
KEY_NAME = "Benchmark: API throughput"
SETTINGS = "bench.server_settings"
SERVERS = {
    "sync": ["--worker-class", "sync"],
    "gthread": ["--worker-class", "gthread", "--threads", "4"],
}
SERVER_LABELS = {"sync": "sync workers", "gthread": "gthread workers, 4 threads each"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("api")
    group.add_argument(
        "--api-server",
        choices=[*SERVERS, "both"],
        default="sync",
        help="gunicorn worker class (default: %(default)s)",
    )
    group.add_argument(
        "--api-workers", type=int, default=2, help="gunicorn workers (default: %(default)s)"
    )
    group.add_argument(
        "--api-duration", type=int, default=20, help="seconds of load per target (%(default)s)"
    )
    group.add_argument(
        "--api-warmup", type=int, default=3, help="seconds of warm-up per target (%(default)s)"
    )
    group.add_argument(
        "--api-connections", type=int, default=16, help="wrk connections (%(default)s)"
    )
    group.add_argument("--api-threads", type=int, default=2, help="wrk threads (%(default)s)")
    group.add_argument(
        "--api-settings",
        default=SETTINGS,
        metavar="MODULE",
        help="the settings module gunicorn serves, to try a variant (default: %(default)s)",
    )


@dataclass
class Target:
    key: str
    label: str
    path: str
    auth: bool
    v3: bool = False
    shown: int | None = None
    total: int | None = None


@dataclass
class Load:
    """What ``wrk`` measured on one target."""

    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    seconds: float
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    server_cpu_s: float | None = None  # CPU time of the workers during the run
    database_cpu_s: float | None = None  # of the PostgreSQL backends serving them
    load: str = ""  # /proc/loadavg right after the run

    @property
    def cpu_ms_per_request(self) -> float | None:
        """Server CPU per request: gunicorn's workers plus the database's backends."""
        if self.server_cpu_s is None or not self.requests:
            return None
        return (self.server_cpu_s + (self.database_cpu_s or 0.0)) * 1e3 / self.requests

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())


# --- wrk -------------------------------------------------------------------------------------

_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_TIME = r"([\d.]+)(us|ms|s|m|h)"


def _ms(text: str) -> float:
    value, unit = re.fullmatch(_TIME, text).groups()
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str) -> Load:
    """Requests per second, the latency percentiles and the errors from ``wrk --latency``."""

    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise ValueError(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return match

    percentiles = {
        p: _ms(find(rf"^\s+{p}%\s+(\S+)\s*$").group(1)) for p in ("50", "75", "90", "99")
    }
    requests = find(r"^\s+(\d+) requests in " + _TIME)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Load(
        rps=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=percentiles["50"],
        p75_ms=percentiles["75"],
        p90_ms=percentiles["90"],
        p99_ms=percentiles["99"],
        max_ms=_ms(find(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)").group(1)),
        requests=int(requests.group(1)),
        seconds=_ms(requests.group(2) + requests.group(3)) / 1e3,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(
            zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)
        )
        if errors
        else {},
    )


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing the Debian package…", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False).returncode != 0:  # noqa: S603
            subprocess.run(["apt-get", "update", "-q"], check=False)  # noqa: S607
            subprocess.run(install, check=False)  # noqa: S603
        found = shutil.which("wrk")
        if found:
            return found
    raise RuntimeError(
        "this benchmark needs the HTTP load generator wrk: `sudo apt-get install wrk` on "
        "Debian or Ubuntu, `brew install wrk` on macOS, or build it from "
        "https://github.com/wg/wrk"
    )


def _run_wrk(wrk: str, url: str, headers: dict[str, str], seconds: int, options) -> Load:
    command = [
        wrk,
        f"--threads={options.api_threads}",
        f"--connections={options.api_connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# --- CPU accounting (Linux /proc; left out elsewhere) -----------------------------------------


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, list[str]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = fields
    return found


def _local_ports(pids: list[int]) -> set[int]:
    """The local TCP ports of the sockets these processes hold (their database connections)."""
    inodes = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(int(target[8:-1]))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[9]) in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _title(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


class CpuMeter:
    """CPU time that the server's processes, and the PostgreSQL backends serving them (found by
    the client port in their process titles), spend in a block.

    Sampled every half second, so that a worker or a backend that ends in the block (a database
    connection is renewed after CONN_MAX_AGE) still counts up to its last sample, and one that
    starts in it counts from its start.
    """

    INTERVAL = 0.5

    def __init__(self, server_pid: int, database: str | None):
        self.server_pid = server_pid
        self.database = f" {database} " if database else None
        self.titles: dict[int, str] = {}
        self.enabled = Path("/proc/self/stat").exists()

    def _sample(self) -> tuple[dict[int, float], dict[int, float]]:
        processes = _processes()
        server = {
            pid: _cpu_seconds(fields)
            for pid, fields in processes.items()
            if pid == self.server_pid or int(fields[1]) == self.server_pid
        }
        database = {}
        if self.database:
            ports = _local_ports(list(server))
            for pid, fields in processes.items():
                title = self.titles.get(pid)
                if title is None:
                    title = self.titles[pid] = _title(pid)
                client = re.search(r"\((\d+)\)", title)
                if (
                    title.startswith("postgres: ")
                    and self.database in title
                    and client
                    and int(client.group(1)) in ports
                ):
                    database[pid] = _cpu_seconds(fields)
        return server, database

    def _poll(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            for last, now in zip(self.last, self._sample(), strict=True):
                last.update(now)

    def __enter__(self) -> "CpuMeter":
        if not self.enabled:
            return self
        self.start = self._sample()
        self.last = tuple(dict(d) for d in self.start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.enabled:
            return
        self._stop.set()
        self._thread.join()
        for last, now in zip(self.last, self._sample(), strict=True):
            last.update(now)
        self.spent = [
            sum(t - start.get(pid, 0.0) for pid, t in last.items())
            for start, last in zip(self.start, self.last, strict=True)
        ]

    def record(self, load: Load) -> None:
        if self.enabled:
            load.server_cpu_s = self.spent[0]
            load.database_cpu_s = self.spent[1] if self.database else None


# --- The server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict[str, str], timeout: float = 10.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Server:
    """gunicorn on 127.0.0.1 with the bench settings; stopped (with its workers) on exit."""

    def __init__(self, engine: Engine, server: str, workers: int, settings: str = SETTINGS):
        self.engine = engine
        self.settings = settings
        self.server = server
        self.workers = workers
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = BENCH_DIR / f"gunicorn-{engine.name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings,
            "DATABASE_URL": self.engine.url,  # the sized database (see ``Engine.sized``)
            "PARTNERHUB_DEBUG": "0",
            "PARTNERHUB_SECRET_KEY": os.environ.get("PARTNERHUB_SECRET_KEY", BENCH_SECRET_KEY),
            "PARTNERHUB_API_RATE": BENCH_RATE,
            # The V3 limits per credential (4/s, 10,000/day), raised the same way.
            "PARTNERHUB_V3_RATE_PER_SECOND": BENCH_RATE,
            "PARTNERHUB_V3_RATE_PER_DAY": "1000000000/day",
            "PARTNERHUB_VAR_DIR": os.environ.get("PARTNERHUB_VAR_DIR", str(BENCH_DIR)),
        }
        command = [
            sys.executable, "-m", "gunicorn", "partnerhub.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            *SERVERS[self.server],
            "--log-level", "warning",
            "--error-logfile", str(self.log_path),
            "--no-control-socket",
            "--timeout", "60",
        ]  # fmt: skip
        self.log_path.unlink(missing_ok=True)
        # A session of its own, so that stopping it takes the workers along.
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, env=env, start_new_session=True, stdin=subprocess.DEVNULL
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            with contextlib.suppress(OSError):
                status, _ = _get(self.base + "/bench/constant", {}, timeout=2)
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM unwinds like Ctrl+C, so that the ``finally`` blocks stop the server."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- Setup -----------------------------------------------------------------------------------


def _api_key(engine: Engine, partner_id: int, user_id: int) -> str:
    """A read key of the big partner's owner, kept in a file next to the cached database and
    created again when the database no longer knows it."""
    from django.contrib.auth import get_user_model

    from partnerhub.api.keys import api_key_authenticate, api_key_create

    path = BENCH_DIR / f"api-key-{engine.name}-{partner_id}-{engine.database_name[-12:]}.secret"
    path = path.with_name(path.name.replace("/", "_"))
    with contextlib.suppress(OSError):
        secret = path.read_text().strip()
        key = api_key_authenticate(secret)
        if key is not None and key.partner_id == partner_id:
            return secret
    user = get_user_model().objects.get(pk=user_id)
    _key, secret = api_key_create(actor=user, name=KEY_NAME, can_write=False)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


def _targets(partner_id: int, partner_accounts: int) -> list[Target]:
    from urllib.parse import urlencode

    from bench.accounts_list import _deep_cursor, deep_pages_for

    deep_pages = deep_pages_for(partner_accounts)
    deep_offset = PAGE_SIZE * deep_pages
    base = f"/api/v1/accounts?size={PAGE_SIZE}"
    deep = urlencode({"cursor": _deep_cursor(partner_id, deep_offset)})
    return [
        Target("bare", "Bare Ninja endpoint", "/bench/constant", auth=False),
        Target("keyed", "Bare + API key check, throttle", "/bench/constant-keyed", auth=True),
        Target("accounts-first", "Accounts: first page", base, auth=True),
        Target(
            "accounts-deep",
            f"Accounts: page {deep_pages + 1:,} (cursor)",
            f"{base}&{deep}",
            auth=True,
        ),
        Target(
            "accounts-referred", "Accounts: Referred filter", f"{base}&type=referred", auth=True
        ),
        Target(
            "v3-accounts",
            "V3 accounts: first page",
            f"/v3/partner/accounts?limit={PAGE_SIZE}",
            auth=True,
            v3=True,
        ),
    ]


def _v3_headers(user_id: int) -> dict[str, str]:
    """Fresh V3 credentials of the big partner's owner and a bearer token for them."""
    from django.contrib.auth import get_user_model

    from partnerhub.v3.credentials import access_token_issue, v3_client_create

    user = get_user_model().objects.get(pk=user_id)
    client, _secret, api_key = v3_client_create(actor=user, name="Benchmark: API throughput")
    token, _expires = access_token_issue(client)
    return {"x-api-key": api_key, "Authorization": f"Bearer {token}"}


def _check(server: Server, target: Target, headers: dict[str, str]) -> None:
    """One request first: the answer must be a 200 of the expected shape."""
    status, body = _get(server.base + target.path, headers)
    if status != 200:
        raise RuntimeError(
            f"{target.path} answered {status}: {body[:300]!r}\n{server.log()}".rstrip()
        )
    data = json.loads(body)
    if target.v3:
        target.shown = len(data["site_owner_list"])
        if target.shown != PAGE_SIZE or "next" not in data["_links"]:
            raise RuntimeError(f"{target.path} returned {target.shown} rows: {body[:300]!r}")
        return
    if not target.key.startswith("accounts"):
        if data != {"ok": True}:
            raise RuntimeError(f"{target.path} answered {data!r}")
        return
    target.shown, target.total = len(data["items"]), data["total"]
    if target.shown != PAGE_SIZE or not data["next"]:
        raise RuntimeError(f"{target.path} returned {target.shown} rows, next={data['next']!r}")


# --- Run -------------------------------------------------------------------------------------


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.db import connection

    from bench import dataset

    wrk = _wrk()
    data = dataset.ensure(engine, console, rebuild=options.rebuild, accounts=options.accounts)
    engine = engine.sized(options.accounts)
    secret = _api_key(engine, data.partner_id, data.user_id)
    v3_headers = _v3_headers(data.user_id)
    targets = _targets(data.partner_id, data.partner_accounts)
    database = None if engine.is_sqlite else connection.settings_dict["NAME"]
    connection.close()  # the server's workers have the database to themselves

    auth = {"Authorization": f"Bearer {secret}"}
    servers = list(SERVERS) if options.api_server == "both" else [options.api_server]
    total_seconds = len(servers) * len(targets) * (options.api_warmup + options.api_duration)
    console.print(
        f"{len(servers)} × {len(targets)} targets × ({options.api_warmup} s warm-up + "
        f"{options.api_duration} s), {options.api_connections} connections on "
        f"{options.api_threads} wrk threads: about {total_seconds / 60:.1f} min."
    )
    load_before = os.getloadavg()[0]
    runs: dict[str, dict[str, Load]] = {}
    with _terminate_as_interrupt():
        for server_name in servers:
            runs[server_name] = {}
            with (
                console.status(f"Starting gunicorn ({SERVER_LABELS[server_name]})…") as status,
                Server(engine, server_name, options.api_workers, options.api_settings) as server,
            ):
                for target in targets:
                    headers = v3_headers if target.v3 else auth if target.auth else {}
                    _check(server, target, headers)
                    url = server.base + target.path
                    status.update(f"{target.label}: warming up ({SERVER_LABELS[server_name]})")
                    if options.api_warmup > 0:
                        _run_wrk(wrk, url, headers, options.api_warmup, options)
                    status.update(
                        f"{target.label}: {options.api_duration} s of load "
                        f"({SERVER_LABELS[server_name]})"
                    )
                    with CpuMeter(server.process.pid, database) as cpu:
                        load = _run_wrk(wrk, url, headers, options.api_duration, options)
                    cpu.record(load)
                    load.load = loadavg()
                    runs[server_name][target.key] = load
                failures = server.log()
                if "Traceback" in failures:
                    console.print(Text(f"gunicorn logged errors:\n{failures}", style="red"))
    load = (load_before, os.getloadavg()[0])
    for server_name in servers:
        _print(console, engine, server_name, targets, runs[server_name], options)
    console.print(
        Text(
            f"Notes: wrk runs on the same machine as the server ({os.cpu_count()} CPUs) and takes "
            f"some of its CPU; 1-minute load average {load[0]:.2f} before, {load[1]:.2f} after "
            f"(other work on the machine shows in the figures). CPU ms/req: CPU time of the "
            f"gunicorn workers (and of the PostgreSQL backends serving them) per request; "
            f"÷ bare (CPU) is the rate ratio that cost allows with the server alone on the "
            f"machine. Throttle on, at {BENCH_RATE}.",
            style="dim",
        )
    )
    return _as_json(engine, data, servers, targets, runs, options, load)


def _ratio(runs: dict[str, Load], key: str) -> float:
    return runs[key].rps / runs["bare"].rps if runs["bare"].rps else 0.0


def _cpu_ratio(runs: dict[str, Load], key: str) -> float | None:
    """The rate ratio the CPU cost per request allows: bare's CPU per request over this one's."""
    bare, this = runs["bare"].cpu_ms_per_request, runs[key].cpu_ms_per_request
    return bare / this if bare and this else None


def _cpu_text(load: Load) -> str:
    value = load.cpu_ms_per_request
    return "" if value is None else f"{value:.2f}"


def _cpu_ratio_text(runs: dict[str, Load], key: str) -> str:
    value = _cpu_ratio(runs, key)
    return "" if value is None else f"{value:.2f}"


def _verdict(ok: bool) -> Text:
    return Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red")


def _print(console, engine, server_name, targets, runs, options) -> None:
    table = Table(
        title=(
            f"{engine.label} · gunicorn, {options.api_workers} {SERVER_LABELS[server_name]} · "
            f"wrk {options.api_threads} threads, {options.api_connections} connections, "
            f"{options.api_duration} s"
            + ("" if options.api_settings == SETTINGS else f" · settings {options.api_settings}")
        ),
        title_justify="left",
        header_style="bold",
    )
    table.add_column("Target")
    table.add_column("Rows", justify="right")
    table.add_column("Requests/s", justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p99 ms", justify="right")
    table.add_column("Max ms", justify="right")
    table.add_column("Requests", justify="right")
    table.add_column("Errors", justify="right")
    table.add_column("CPU ms/req", justify="right")
    table.add_column("÷ bare (CPU)", justify="right")
    table.add_column("÷ bare", justify="right")
    table.add_column(f"Goal ≥ {GOAL_RATIO:g}× (V3 {GOAL_RATIO_V3:g}×)", justify="center")
    for target in targets:
        load = runs[target.key]
        bare = target.key == "bare"
        listing = target.key.startswith(("accounts", "v3"))
        ratio = _ratio(runs, target.key)
        goal = GOAL_RATIO_V3 if target.v3 else GOAL_RATIO
        table.add_row(
            target.label,
            (f"{target.shown} of {target.total:,}" if target.total else f"{target.shown}")
            if listing
            else "",
            f"{load.rps:,.0f}",
            f"{load.p50_ms:.1f}",
            f"{load.p99_ms:.1f}",
            f"{load.max_ms:.0f}",
            f"{load.requests:,}",
            Text(str(load.errors), style="bold red" if load.errors else ""),
            _cpu_text(load),
            "1.00" if bare else _cpu_ratio_text(runs, target.key),
            "1.00" if bare else f"{ratio:.2f}",
            _verdict(ratio >= goal and not load.errors) if listing else "",
        )
    console.print(table)


def _as_json(engine, data, servers, targets, runs, options, load) -> dict:
    goals = []
    for server_name in servers:
        r = runs[server_name]
        for target in targets:
            if not target.key.startswith(("accounts", "v3")):
                continue
            ratio = _ratio(r, target.key)
            goal = GOAL_RATIO_V3 if target.v3 else GOAL_RATIO
            goals.append({
                "case": f"{target.label} ({server_name})",
                "figure": (
                    f"{r[target.key].rps:,.0f} req/s = {ratio:.2f}× bare; "
                    f"p99 {r[target.key].p99_ms:.1f} ms"
                    + (
                        f"; CPU allows {cpu:.2f}×"
                        if (cpu := _cpu_ratio(r, target.key)) is not None
                        else ""
                    )
                ),
                "baseline": f"bare {r['bare'].rps:,.0f} req/s",
                "goal": f"≥ {goal:g}× bare",
                "ok": ratio >= goal and not r[target.key].errors,
                "load": r[target.key].load,
            })  # fmt: skip
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "dataset": {"accounts": data.accounts, "partner_accounts": data.partner_accounts},
        "goals": goals,
        "settings": {
            "workers": options.api_workers,
            "wrk_threads": options.api_threads,
            "connections": options.api_connections,
            "duration_s": options.api_duration,
            "warmup_s": options.api_warmup,
            "rate": BENCH_RATE,
            "settings_module": options.api_settings,
        },
        "targets": [asdict(t) for t in targets],
        "runs": {
            server_name: {
                key: {**asdict(load), "cpu_ms_per_request": load.cpu_ms_per_request}
                for key, load in runs[server_name].items()
            }
            for server_name in servers
        },
        "load_average": load,
    }
