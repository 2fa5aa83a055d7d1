"""``python -m bench [BENCHMARK ...] [--engine sqlite|postgres|both]``: run the benchmarks.

Each benchmark is a module of this package listed in ``BENCHMARKS`` with:

- ``NAME`` and ``TITLE``;
- ``add_arguments(parser)``: its own options;
- ``run(engine, options, console) -> dict``: measures on the configured engine, prints its
  tables and returns its results, with a ``goals`` list of
  ``{case, figure, baseline, goal, ok, load}``: the figure beside its baseline measured in the
  same run, and the machine's load (``/proc/loadavg``) when it was measured.

Django reads its database settings once per process, so one process runs one engine; with
``--engine both`` this script runs itself once per engine and then prints every goal.
Results are also written to ``var/bench/results/<benchmark>-<engine>.json``.
"""

import argparse
import importlib
import json
import shutil
import subprocess
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.engines import ACCOUNT_SIZES, ENGINES, RESULTS_DIR, configure_django, prepare
from bench.timing import loadavg

# Name on the command line -> module.
BENCHMARKS = {
    "accounts": "bench.accounts_list",
    "api": "bench.api_throughput",
    "assigned": "bench.assigned",
    "close": "bench.earnings_close",
    "import": "bench.import_files",
    "webhooks": "bench.webhook_latency",
    "access": "bench.access_check",
    "bulk": "bench.bulk_requests",
    "help": "bench.help_search",
    "rollup": "bench.rollup",
    "statement": "bench.statement",
}


def _console() -> Console:
    console = Console()
    if not console.is_terminal or console.width < 120:
        console = Console(width=max(shutil.get_terminal_size((160, 40)).columns, 160))
    return console


def _parser(modules) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of PartnerHub on large, cached data sets.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="BENCHMARK",
        help=f"which benchmarks to run: {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument(
        "--engine", choices=[*ENGINES, "both"], default="both", help="default: %(default)s"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the cached data set from scratch"
    )
    parser.add_argument(
        "--accounts",
        type=int,
        choices=ACCOUNT_SIZES,
        default=ACCOUNT_SIZES[-1],
        help="accounts in the program (default: %(default)s; each size is built once and cached)",
    )
    parser.add_argument("--repeat", type=int, default=40, help="timed runs per case (%(default)s)")
    parser.add_argument("--warmup", type=int, default=8, help="untimed runs first (%(default)s)")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a goal is missed"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    for module in modules.values():
        module.add_arguments(parser)
    return parser


def _result_path(name: str, engine: str):
    return RESULTS_DIR / f"{name}-{engine}.json"


def _run_engine(engine_name: str, names: list[str], modules, options, console) -> None:
    engine = ENGINES[engine_name]
    prepare(engine, rebuild=False)
    configure_django(engine)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for name in names:
        console.rule(f"[bold]{modules[name].TITLE}[/] · {engine.label}")
        result = modules[name].run(engine, options, console)
        result.setdefault("load", loadavg())
        _result_path(name, engine_name).write_text(json.dumps(result, indent=2, default=str))


def _verdict(ok: bool | None) -> Text:
    if ok is None:
        return Text("info", style="dim")
    return Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red")


def _load_text(load) -> str:
    """A load as the summary prints it: as given, or "before …, after …" for a pair."""
    if isinstance(load, dict):
        return ", ".join(f"{when} {_load_text(value)}" for when, value in load.items())
    if isinstance(load, list | tuple):
        return " ".join(f"{value:.2f}" for value in load)
    if isinstance(load, float):
        return f"{load:.2f}"
    return str(load or "")


def _summary(console: Console, results: list[dict]) -> bool:
    table = Table(title="Goals", title_justify="left", header_style="bold")
    table.add_column("Benchmark")
    table.add_column("Engine")
    table.add_column("Case")
    table.add_column("Figure", justify="right")
    table.add_column("Baseline (same run)", justify="right")
    table.add_column("Goal")
    table.add_column("Result", justify="center")
    table.add_column("Load (1, 5, 15 min)")
    all_ok = True
    for result in results:
        for goal in result["goals"]:
            if goal["ok"] is not None:  # None: a figure reported without a goal
                all_ok &= goal["ok"]
            table.add_row(
                result["benchmark"],
                result["engine_label"],
                goal["case"],
                goal["figure"],
                goal.get("baseline", ""),
                goal["goal"],
                _verdict(goal["ok"]),
                _load_text(goal.get("load") or result.get("load")),
            )
    console.print(table)
    return all_ok


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    modules = {name: importlib.import_module(path) for name, path in BENCHMARKS.items()}
    parser = _parser(modules)
    options = parser.parse_intermixed_args(argv)
    names = options.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    console = _console()
    engines = list(ENGINES) if options.engine == "both" else [options.engine]

    if options.child or len(engines) == 1:
        for name in names:
            _result_path(name, engines[0]).unlink(missing_ok=True)
        _run_engine(engines[0], names, modules, options, console)
        if options.child:
            return 0
    else:
        for engine in engines:
            for name in names:
                _result_path(name, engine).unlink(missing_ok=True)
            command = [sys.executable, "-m", "bench", *argv, "--engine", engine, "--child"]
            if subprocess.run(command, check=False).returncode != 0:  # noqa: S603
                console.print(f"[bold red]The benchmarks on {engine} failed.[/]")
    results = [
        json.loads(_result_path(name, engine).read_text())
        for engine in engines
        for name in names
        if _result_path(name, engine).exists()
    ]
    console.rule(f"[bold]Summary[/] · load now {loadavg()}")
    all_ok = _summary(console, results)
    complete = len(results) == len(engines) * len(names)
    if not complete:
        return 2
    return 1 if options.strict and not all_ok else 0


if __name__ == "__main__":
    sys.exit(main())
