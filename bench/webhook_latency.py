"""Webhook latency: from a change's commit to the first delivery attempt reaching the receiver.

The big partner gets a webhook endpoint for ``plan.changed`` pointing at a real HTTP receiver on
127.0.0.1 (a thread of this process). The product's worker (``partnerhub worker``, production
settings) runs in a process of its own. Then this process makes 1,000 real changes, one
transaction each, through the billing service (``account_plan_change``, which emits
``plan.changed``), paced evenly; each change's commit is stamped the moment its transaction
commits, and the receiver stamps the first request that carries each message id. The latency of
a change is the one minus the other (the same clock: one machine).

The baseline, measured in the same run: the same receiver's answer to a signed POST sent
directly through the product's transport (what an attempt costs without the queue).

Goal: p99 under 1 s with the worker running.

The accounts whose plans change get their plans back afterwards; the endpoint, its events and
the billing events are removed, so that the cached program stays as it was built.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.engines import BASE_DIR, BENCH_DIR, BENCH_SECRET_KEY, Engine
from bench.timing import Stats, loadavg

NAME = "webhooks"
TITLE = "Webhook latency (a change's commit → first delivery attempt)"
GOAL_P99_MS = 1000.0
EVENTS = 1_000
RATE = 20.0  # changes per second
ENDPOINT_DESCRIPTION = "Benchmark: webhook latency"
PLANS = ("BRONZE", "SILVER", "GOLD")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("webhooks")
    group.add_argument(
        "--webhook-events", type=int, default=EVENTS, help="changes made (default: %(default)s)"
    )
    group.add_argument(
        "--webhook-rate", type=float, default=RATE, help="changes per second (default: %(default)s)"
    )


class Receiver:
    """An HTTP server on 127.0.0.1 that answers 204 and stamps each message id's first arrival."""

    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server spelling)
                now = time.time()
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                message_id = self.headers.get("webhook-id") or ""
                with receiver.lock:
                    receiver.arrivals.setdefault(message_id, now)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Worker:
    """``partnerhub worker`` in a process (and session) of its own, on the bench database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.log_path = BENCH_DIR / f"worker-{engine.name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Worker":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "partnerhub.settings",
            "DATABASE_URL": self.engine.url,
            "PARTNERHUB_DEBUG": "0",
            "PARTNERHUB_SECRET_KEY": os.environ.get("PARTNERHUB_SECRET_KEY", BENCH_SECRET_KEY),
            "PARTNERHUB_VAR_DIR": os.environ.get("PARTNERHUB_VAR_DIR", str(BENCH_DIR)),
            "PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE": "1",  # the receiver is on 127.0.0.1
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "partnerhub.cli", "worker"],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *exc) -> None:
        import signal

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def _accounts(partner_id: int, n: int) -> list[tuple[int, str]]:
    """(id, plan) of ``n`` paying, open accounts of the partner."""
    from partnerhub.clients.models import ClientAccount

    return list(
        ClientAccount.objects.filter(
            partner_id=partner_id, billing_status="Open", plan_type__in=PLANS
        )
        .order_by("id")
        .values_list("id", "plan_type")[:n]
    )


def _clean(partner_id: int, prefix: str | None = None) -> None:
    from partnerhub.billing.models import BillingEvent
    from partnerhub.webhooks.models import WebhookEndpoint, WebhookEvent

    endpoints = WebhookEndpoint.objects.filter(
        partner_id=partner_id, description=ENDPOINT_DESCRIPTION
    )
    WebhookEvent.objects.filter(deliveries__endpoint__in=endpoints).delete()
    endpoints.delete()
    BillingEvent.objects.filter(external_id__startswith="bench-webhooks-").delete()


def _direct_baseline(endpoint, n: int = 200) -> list[float]:
    """Signed POSTs sent straight through the product's transport to the receiver."""
    from django.utils import timezone

    from partnerhub.webhooks import transport
    from partnerhub.webhooks.safety import target_parse, target_resolve
    from partnerhub.webhooks.services import sign

    target = target_parse(endpoint.url, require_https=False)
    addresses = target_resolve(target)
    samples = []
    for k in range(n):
        body = '{"type":"bench","data":{}}'
        at = timezone.now()
        message_id = f"bench-direct-{k}"
        start = time.perf_counter_ns()
        transport.post(
            target,
            addresses,
            body=body.encode(),
            headers={
                "content-type": "application/json",
                "webhook-id": message_id,
                "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": sign(endpoint, message_id, at, body),
            },
            deadline=5,
            max_body=1024,
        )
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * share + 0.5) - 1, 0)]


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import dataset
    from partnerhub.billing.services import account_plan_change
    from partnerhub.clients.models import ClientAccount
    from partnerhub.webhooks.models import WebhookEndpoint, WebhookEvent
    from partnerhub.webhooks.services import new_secret

    data = dataset.ensure(engine, console, rebuild=options.rebuild, accounts=options.accounts)
    sized = engine.sized(options.accounts)
    n = options.webhook_events
    accounts = _accounts(data.partner_id, 50)
    original_plans = dict(accounts)
    _clean(data.partner_id)
    settings.PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE = True  # this process's direct baseline
    run_id = uuid.uuid4().hex[:12]
    commits: list[float] = []
    with Receiver() as receiver:
        endpoint = WebhookEndpoint.objects.create(
            partner_id=data.partner_id,
            url=f"http://127.0.0.1:{receiver.port}/hooks",
            description=ENDPOINT_DESCRIPTION,
            event_types=["plan.changed"],
            secret=new_secret(),
        )
        first_event = WebhookEvent.objects.order_by("-id").values_list("id", flat=True).first()
        baseline = _direct_baseline(endpoint)
        connection.close()
        try:
            with Worker(sized) as worker, console.status(f"{n:,} changes, the worker running…"):
                time.sleep(3)  # the worker starts up and takes what its sweeps queue
                plans = dict(original_plans)
                interval = 1 / options.webhook_rate
                started = time.monotonic()
                for k in range(n):
                    account_id = accounts[k % len(accounts)][0]
                    plan = PLANS[(PLANS.index(plans[account_id]) + 1) % len(PLANS)]
                    plans[account_id] = plan
                    with transaction.atomic():
                        # Registered first, so it runs first once the transaction commits.
                        transaction.on_commit(lambda: commits.append(time.time()))
                        account_plan_change(
                            external_id=f"bench-webhooks-{run_id}-{k}",
                            account_id=account_id,
                            plan_type=plan,
                            occurred_at=timezone.now(),
                        )
                    pause = started + (k + 1) * interval - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                message_ids = list(
                    WebhookEvent.objects.filter(
                        partner_id=data.partner_id,
                        event_type="plan.changed",
                        id__gt=first_event or 0,
                    )
                    .order_by("id")
                    .values_list("message_id", flat=True)
                )
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with receiver.lock:
                        if all(m in receiver.arrivals for m in message_ids):
                            break
                    time.sleep(0.2)
                if worker.process.poll() is not None:
                    raise RuntimeError(f"the worker exited; see {worker.log_path}")
        finally:
            for account_id, plan in original_plans.items():
                ClientAccount.objects.filter(pk=account_id).update(plan_type=plan)
            _clean(data.partner_id)
    load = loadavg()
    if len(message_ids) != len(commits):
        raise RuntimeError(f"{len(commits)} changes committed but {len(message_ids)} events")
    latencies = [
        (receiver.arrivals[m] - c) * 1000
        for m, c in zip(message_ids, commits, strict=True)
        if m in receiver.arrivals
    ]
    missing = len(message_ids) - len(latencies)
    stats = Stats.of(latencies) if latencies else None
    p99 = _percentile(latencies, 0.99) if latencies else float("inf")
    base = Stats.of(baseline)
    base_p99 = _percentile(baseline, 0.99)
    ok = stats is not None and not missing and p99 < GOAL_P99_MS

    table = Table(
        title=(
            f"Webhook latency on {engine.label}: {n:,} changes at {options.webhook_rate:g}/s, "
            "commit → first attempt at the receiver, milliseconds"
        ),
        title_justify="left",
        header_style="bold",
    )
    for column in ("Measure", "Median", "p95", "p99", "Max", "Missing", f"p99 < {GOAL_P99_MS:.0f}"):
        table.add_column(column, justify="left" if column == "Measure" else "right")
    if stats is not None:
        table.add_row(
            "Change → first attempt (worker)",
            f"{stats.median:.1f}",
            f"{stats.p95:.1f}",
            f"{p99:.1f}",
            f"{stats.max:.1f}",
            str(missing),
            Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red"),
        )
    table.add_row(
        "Baseline: direct signed POST",
        f"{base.median:.2f}",
        f"{base.p95:.2f}",
        f"{base_p99:.2f}",
        f"{base.max:.2f}",
        "",
        "",
    )
    console.print(table)
    console.print(
        Text(
            "Notes: the worker's webhook threads look for work every "
            f"{settings.PARTNERHUB_WORKER_POLL_SECONDS['webhooks']:g} s (django-tasks database "
            f"backend); load {load}",
            style="dim",
        )
    )
    figure = (
        f"p50 {stats.median:.0f} ms, p99 {p99:.0f} ms, {missing} missing"
        if stats is not None
        else f"no attempt reached the receiver ({missing} missing)"
    )
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "goals": [
            {
                "case": f"change → first webhook attempt ({n:,} events)",
                "figure": figure,
                "baseline": f"direct POST p50 {base.median:.1f} ms, p99 {base_p99:.1f} ms",
                "goal": f"p99 < {GOAL_P99_MS / 1000:.0f} s",
                "ok": ok,
                "load": load,
            }
        ],
        "latency": {**stats.as_dict(), "p99": p99} if stats else None,
        "missing": missing,
        "baseline": {**base.as_dict(), "p99": base_p99},
        "load": load,
    }
