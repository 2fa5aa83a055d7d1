"""Who may act on this account: the check every request on one account makes.

A request on one account (the portal's account page, the API's account calls) finds the
member's partner (``membership_of``), the account within that partner's rows
(``partner_account_get``) and whether the level the customer granted permits the operation
(``access.levels.permits``). This times that check, as the product runs it, over accounts of
the big partner picked at random (a fifth of them another partner's, which are refused), and
beside it one hand-written statement that answers the same question (the baseline).

There is no goal in the issue for this figure: it is reported, median and p99, on each engine.
"""

import argparse
import random

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.engines import Engine
from bench.timing import Stats, loadavg

NAME = "access"
TITLE = "Access check (who may act on this account, per request)"
CHECKS = 2_000

BASELINE_SQL = (
    'SELECT a."access_level" FROM "partners_partnermember" m '
    'JOIN "clients_clientaccount" a ON a."partner_id" = m."partner_id" '
    'WHERE m."user_id" = %s AND a."encoded_account_id" = %s'
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("access")
    group.add_argument(
        "--access-checks", type=int, default=CHECKS, help="checks timed (default: %(default)s)"
    )


def _accounts(partner_id: int, n: int) -> list[tuple[str, bool]]:
    """``n`` (encoded account id, belongs to the partner) pairs, four in five the partner's."""
    from partnerhub.clients.models import ClientAccount

    rng = random.Random(11)
    mine = list(
        ClientAccount.objects.filter(partner_id=partner_id).values_list(
            "encoded_account_id", flat=True
        )
    )
    others = list(
        ClientAccount.objects.exclude(partner_id=partner_id)
        .filter(id__in=[rng.randint(1, len(mine) * 10) for _ in range(n)])
        .values_list("encoded_account_id", flat=True)
    )
    chosen = [(e, True) for e in rng.sample(mine, min(len(mine), n - n // 5))]
    chosen += [(e, False) for e in rng.sample(others, min(len(others), n // 5))]
    rng.shuffle(chosen)
    return chosen


def _product_check(user):
    from partnerhub.access.levels import Operation, permits
    from partnerhub.clients.models import ClientAccount
    from partnerhub.clients.selectors import partner_account_get
    from partnerhub.partners.selectors import membership_of

    def check(encoded: str) -> bool:
        membership = membership_of(user)
        if membership is None:
            return False
        try:
            account = partner_account_get(
                partner_id=membership.partner_id, encoded_account_id=encoded
            )
        except ClientAccount.DoesNotExist:
            return False
        return permits(account.access_level, Operation.MARKETING)

    return check


def _baseline_check(user_id: int):
    from django.db import connection

    from partnerhub.access.levels import Operation, permits

    def check(encoded: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [user_id, encoded])
            row = cursor.fetchone()
        return row is not None and permits(row[0], Operation.MARKETING)

    return check


def _time(fn, items) -> list[float]:
    import time

    samples = []
    for item, _mine in items:
        start = time.perf_counter_ns()
        fn(item)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * 0.99 + 0.5) - 1, 0)]


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.contrib.auth import get_user_model

    from bench import dataset

    data = dataset.ensure(engine, console, rebuild=options.rebuild, accounts=options.accounts)
    user = get_user_model().objects.get(pk=data.user_id)
    items = _accounts(data.partner_id, options.access_checks)
    product, baseline = _product_check(user), _baseline_check(data.user_id)
    # The two must agree on every account before they are timed.
    for encoded, _mine in items:
        if product(encoded) != baseline(encoded):
            raise RuntimeError(f"the product and the baseline disagree on account {encoded}")
    refused = sum(1 for _e, mine in items if not mine)
    with console.status(f"Timing {len(items):,} access checks on {engine.label}…"):
        warm = items[: max(len(items) // 10, 1)]
        _time(product, warm)
        _time(baseline, warm)
        # Interleaved halves, so that a change of the machine's load weighs on both alike.
        half = len(items) // 2
        product_samples = _time(product, items[:half])
        baseline_samples = _time(baseline, items[:half])
        baseline_samples += _time(baseline, items[half:])
        product_samples += _time(product, items[half:])
    load = loadavg()
    p, b = Stats.of(product_samples), Stats.of(baseline_samples)
    p99, b99 = _p99(product_samples), _p99(baseline_samples)

    table = Table(
        title=(
            f"Access check on {engine.label}: {len(items):,} accounts of a partner with "
            f"{data.partner_accounts:,} ({refused:,} another partner's, refused), milliseconds"
        ),
        title_justify="left",
        header_style="bold",
    )
    for column in ("Check", "Median", "p95", "p99", "Max"):
        table.add_column(column, justify="left" if column == "Check" else "right")
    table.add_row("Product: membership, account, level", *_cells(p, p99))
    table.add_row("Baseline: one statement", *_cells(b, b99))
    table.add_row("Ratio (median, p99)", f"{p.median / b.median:.2f}×", "", f"{p99 / b99:.2f}×", "")
    console.print(table)
    console.print(Text(f"Notes: load {load}", style="dim"))
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "goals": [
            {
                "case": "access check per request",
                "figure": f"median {p.median:.2f} ms, p99 {p99:.2f} ms",
                "baseline": f"one statement: median {b.median:.2f} ms, p99 {b99:.2f} ms",
                "goal": "reported (no goal)",
                "ok": None,
                "load": load,
            }
        ],
        "product": {**p.as_dict(), "p99": p99},
        "baseline": {**b.as_dict(), "p99": b99},
        "checks": len(items),
        "refused": refused,
        "load": load,
    }


def _cells(stats: Stats, p99: float) -> list[str]:
    return [f"{stats.median:.2f}", f"{stats.p95:.2f}", f"{p99:.2f}", f"{stats.max:.2f}"]
