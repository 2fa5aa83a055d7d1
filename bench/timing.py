"""Timing helpers: run a callable, drop the warm-up runs, summarise the rest."""

import gc
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Stats:
    """Wall-clock times of ``n`` runs, in milliseconds."""

    n: int
    median: float
    p95: float
    mean: float
    min: float
    max: float

    @classmethod
    def of(cls, samples_ms: list[float]) -> "Stats":
        ordered = sorted(samples_ms)
        # Nearest-rank 95th percentile: the smallest sample that 95% of samples do not exceed.
        p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]
        return cls(
            n=len(ordered),
            median=statistics.median(ordered),
            p95=p95,
            mean=statistics.fmean(ordered),
            min=ordered[0],
            max=ordered[-1],
        )

    def as_dict(self) -> dict:
        return asdict(self)


def measure(fn: Callable[[], object], *, warmup: int, repeat: int) -> Stats:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times timed."""
    for _ in range(warmup):
        fn()
    gc.collect()
    samples: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return Stats.of(samples)


def measure_interleaved(
    groups: list[list[Callable[[], object]]], *, warmup: int, repeat: int
) -> list[list[list[float]]]:
    """Time several groups of callables round by round: each round runs every group in turn,
    and each group's callables one after the other (as a request runs its queries), so that a
    change in the machine's load during the run weighs on every group alike.

    Returns, per group, the timed rounds: for each round, the milliseconds of each callable.
    """
    for _ in range(warmup):
        for group in groups:
            for fn in group:
                fn()
    gc.collect()
    rounds: list[list[list[float]]] = [[] for _ in groups]
    for _ in range(repeat):
        for g, group in enumerate(groups):
            times = []
            for fn in group:
                start = time.perf_counter_ns()
                fn()
                times.append((time.perf_counter_ns() - start) / 1e6)
            rounds[g].append(times)
    return rounds


def measure_rounds(
    fns: list[Callable[[], object]], *, warmup: int, repeat: int
) -> list[list[float]]:
    """Run several callables one after the other as a unit, as a request runs its queries.
    Returns, for each timed round, the time of each callable in milliseconds."""
    return measure_interleaved([fns], warmup=warmup, repeat=repeat)[0]


def column_stats(rounds: list[list[float]], columns: list[int]) -> Stats:
    """Stats of the per-round sum of some columns of ``measure_rounds``."""
    return Stats.of([sum(r[i] for i in columns) for r in rounds])


def loadavg() -> str:
    """The machine's load as ``/proc/loadavg`` gives it (1, 5 and 15 minutes), with the CPUs;
    printed beside every figure, since other work on the machine shows in the timings."""
    try:
        with open("/proc/loadavg") as f:
            one, five, fifteen = f.read().split()[:3]
    except OSError:
        one, five, fifteen = (f"{x:.2f}" for x in os.getloadavg())
    return f"{one} {five} {fifteen} on {os.cpu_count()} CPUs"
