"""ABR comparison on every trace set in the Pensieve model with the Pensieve video, and the targets
of issue 3 (``python -m tests.benchmarks.abr_bench``; part of ``make bench``).

For each set: every algorithm on every trace (wall time reported: this is the "seconds, not
minutes" figure), the prediction ceiling (``clairvoyant``: ``marquee``'s planner told the true
mean throughput of the next 12 s; not timed with the algorithms, as no player can run it, and
``marquee``'s share of its QoE_lin printed as a measure of how much of the planner's reach the
forecast leaves behind), then the offline optimum (its achieved schedule and its upper bound). The optimum
costs about a second of CPU per trace, so on the two 1000-trace Sabre sets it runs on every 10th
trace and the share of the optimum is taken on that same subset.

Then a check that the ranking generalises beyond the recorded speeds: each set with every
throughput scaled (``--scale`` of ``marquee abr simulate``), one line per case with the ranking;
and beyond the Pensieve video: the test sets with Sabre's two videos (10 rungs of 0.2-6 Mbit/s and
6 rungs of 1-35 Mbit/s, 3 s segments).

Then the ``player`` model (the live scheduler: video and audio sharing the link, latency,
abandonment) with Sabre's Big Buck Bunny ladder (10 rungs, 3 s segments) on the sets whose traces
differ most, to keep the real player's path honest as well.

Last, what one decision costs each algorithm, timed inside whole sessions of both models: the
player asks once a segment per track, on the player thread, and a Raspberry Pi must keep up.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from abr.api import Abr, Context, Decision, Download, Progress
from abr.cli import format_table
from abr.registry import NAMES, create
from abr.sim.compare import CEILING, OPTIMAL, Model, Summary, run, summarise
from abr.sim.video import read_video
from abr.sim.pensieve import PensieveModel
from abr.sim.traces import read_traces
from player.sessions import PlayerModel

TRACES = Path(os.environ.get("MARQUEE_TRACES", Path(__file__).resolve().parents[3] / "shared" / "traces"))
SETS = ("pensieve_hsdpa_test", "fcc_test_genet", "pensieve_train", "sabre/network/3Glogs",
        "sabre/network/4Glogs", "sabre/network/sd_fs", "sabre/network/hd_fs")
SAMPLE_STRIDE = {"sabre/network/sd_fs": 10, "sabre/network/hd_fs": 10}
"""Every n-th trace of the 1000-trace Sabre sets, for the runs too costly on all (optimum, starts)."""
TARGETS = {"pensieve_hsdpa_test": 46.0, "fcc_test_genet": 53.0}
SCALED = (("pensieve_hsdpa_test", 0.5, 1), ("pensieve_hsdpa_test", 2.0, 1), ("fcc_test_genet", 0.5, 1),
          ("fcc_test_genet", 2.0, 1), ("sabre/network/3Glogs", 2.0, 1), ("sabre/network/4Glogs", 0.05, 1),
          ("sabre/network/sd_fs", 0.5, 10), ("sabre/network/hd_fs", 0.15, 10))
"""(set, throughput factor, every n-th trace) for the generalisation check."""
OTHER_VIDEOS = ("bbb.json", "bbb4k.json")
"""Sabre's videos, for the same check across ladders: nothing was tuned on them in this model."""
OTHER_VIDEO_SETS = ("pensieve_hsdpa_test", "fcc_test_genet", "sabre/network/3Glogs")
PLAYER_MODEL_SCALED = (("pensieve_hsdpa_test", 0.5, 2), ("sabre/network/sd_fs", 0.3, 20),
                       ("sabre/network/hd_fs", 0.15, 20))
PLAYER_MODEL_SETS = ("pensieve_hsdpa_test", "fcc_test_genet", "sabre/network/3Glogs", "sabre/network/4Glogs")


def bench_set(name: str, video) -> list[str]:
    traces = read_traces([TRACES / name])
    started = time.perf_counter()
    results = run(traces, video, NAMES)
    elapsed = time.perf_counter() - started
    results = [replace(r, metrics={**r.metrics, **c.metrics})
               for r, c in zip(results, run(traces, video, [CEILING]), strict=True)]
    summary = summarise(results, (*NAMES, CEILING))
    stride = SAMPLE_STRIDE.get(name, 1)
    subset = traces[::stride]
    started = time.perf_counter()
    optimum = run(subset, video, [], with_optimal=True)
    optimum_elapsed = time.perf_counter() - started
    best = np.array([r.metrics[OPTIMAL].qoe_lin for r in optimum])
    bound = np.array([r.optimal_upper_bound for r in optimum])
    by_trace = {r.trace: r for r in results}
    shares = {}
    for algorithm in summary:
        mean = np.mean([by_trace[r.trace].metrics[algorithm].qoe_lin for r in optimum])
        shares[algorithm] = mean / best.mean()
    lines = [f"--- {name}: {len(traces)} traces, {len(NAMES)} algorithms in {elapsed:.1f} s; "
             f"optimum on {len(subset)} traces in {optimum_elapsed:.1f} s ---",
             *format_table(summary, None, shares).splitlines(),
             f"optimal     {best.mean():8.2f}   (upper bound {bound.mean():.2f}, "
             f"gap {100 * (bound.mean() / best.mean() - 1):.2f} %; % opt is over these {len(subset)} traces)"]
    marquee, robust = summary["marquee"].qoe_lin_mean, summary["robustmpc"].qoe_lin_mean
    checks = [f"marquee >= robustmpc: {'yes' if marquee >= robust else 'NO'} ({marquee:.2f} vs {robust:.2f})",
              f"marquee >= 90 % of optimum: {'yes' if shares['marquee'] >= 0.9 else 'NO'} ({100 * shares['marquee']:.1f} %)"]
    if name in TARGETS:
        checks.append(f"marquee >= {TARGETS[name]}: {'yes' if marquee >= TARGETS[name] else 'NO'}")
    lines.append("targets: " + "; ".join(checks))
    ceiling = summary[CEILING].qoe_lin_mean
    lines.append(f"marquee / {CEILING}: " + (f"{100 * marquee / ceiling:.1f} % of the ceiling's QoE_lin"
                                            if min(marquee, ceiling) > 0 else "not a share (a score <= 0)"))
    return lines


def _ranked(summary: dict[str, Summary]) -> list[str]:
    """Algorithm names, best mean QoE_lin first."""
    return sorted(NAMES, key=lambda a: summary[a].qoe_lin_mean, reverse=True)


def bench_starts(name: str, video, stride: int = 1, starts: int = 4) -> str:
    """Mean QoE_lin with every ``stride``-th trace played from ``starts`` points of its loop: on
    mobile sets a handful of outages decide the one-start mean, and every Sabre ``fs`` trace starts
    with its slow minute, so this is the steadier comparison."""
    traces = [s for t in read_traces([TRACES / name])[::stride] for s in t.start_points(starts)]
    summary = summarise(run(traces, video, NAMES), NAMES)
    return (f"{name}, {starts} starts per trace ({len(traces)} sessions), best first: "
            + ", ".join(f"{a} {summary[a].qoe_lin_mean:.2f}" for a in _ranked(summary)))


def bench_scaled(name: str, factor: float, stride: int, video, model: Model = PensieveModel()) -> str:
    """One line: every algorithm's mean QoE_lin on ``name`` with throughput times ``factor``."""
    traces = [t.scaled(factor) for t in read_traces([TRACES / name])[::stride]]
    return _rank_line(f"{name} x{factor:g} ({len(traces)} traces)", traces, video, model)


def bench_video(name: str, video) -> str:
    """One line: every algorithm's mean QoE_lin on ``name`` with another ``video`` than the one
    tuned on (its ladder, segment duration and sizes)."""
    traces = read_traces([TRACES / name])
    return _rank_line(f"{name} with {video.name} ({len(traces)} traces)", traces, video, PensieveModel())


def _rank_line(label: str, traces, video, model: Model) -> str:
    """``label``, then where ``marquee`` ranks among all algorithms and the best other one."""
    summary = summarise(run(traces, video, NAMES, model=model), NAMES)
    ranked = _ranked(summary)
    other = next(a for a in ranked if a != "marquee")
    return (f"{label}: marquee ranks {ranked.index('marquee') + 1} of {len(NAMES)}, "
            f"{summary['marquee'].qoe_lin_mean:.2f} vs {other} {summary[other].qoe_lin_mean:.2f}")


def bench_player_model(name: str, video) -> list[str]:
    traces = read_traces([TRACES / name])
    started = time.perf_counter()
    summary = summarise(run(traces, video, NAMES, model=PlayerModel()), NAMES)
    ranked = _ranked(summary)
    return [f"--- player model, {video.name}, {name}: {len(traces)} traces, {len(NAMES)} algorithms "
            f"in {time.perf_counter() - started:.1f} s ---",
            *format_table(summary, None).splitlines(),
            f"best: {ranked[0]}; marquee ranks {ranked.index('marquee') + 1} of {len(NAMES)}"]


class _Timed(Abr):
    """Passes every call to ``inner``, adding the time of each decision to ``seconds``."""

    name = "timed"

    def __init__(self, inner: Abr, seconds: list[float]) -> None:
        self.inner = inner
        self.seconds = seconds

    def choose(self, ctx: Context) -> Decision:
        started = time.perf_counter()
        decision = self.inner.choose(ctx)
        self.seconds.append(time.perf_counter() - started)
        return decision

    def on_download(self, download: Download) -> None:
        self.inner.on_download(download)

    def abandon(self, ctx: Context, progress: Progress) -> int | None:
        return self.inner.abandon(ctx, progress)

    def reset(self) -> None:
        self.inner.reset()


def bench_decision_cost(traces_name: str, video, model: Model, sessions: int = 5) -> str:
    """Median and 95th-percentile time of one ``choose`` per algorithm over a few whole sessions
    (one process, so the figures are per core)."""
    traces = read_traces([TRACES / traces_name])[:sessions]
    parts = []
    for algorithm in NAMES:
        seconds: list[float] = []
        for trace in traces:  # a fresh instance per session, as the simulators and the player make
            model.simulate(_Timed(create(algorithm), seconds), trace, video)
        ms = np.array(seconds) * 1e3
        parts.append(f"{algorithm} {np.median(ms):.2f}/{np.percentile(ms, 95):.2f}")
    return (f"{type(model).__name__}, {video.name} ({len(video.ladder)} rungs), {len(traces)} {traces_name} "
            f"sessions: ms per decision, median/p95: " + ", ".join(parts))


def main() -> None:
    video = read_video(TRACES / "pensieve_video")
    started = time.perf_counter()
    for name in SETS:
        for line in bench_set(name, video):
            print(line, flush=True)
        print(flush=True)
    for name in ("pensieve_train", "sabre/network/3Glogs", "pensieve_hsdpa_test", "fcc_test_genet",
                 "sabre/network/sd_fs", "sabre/network/hd_fs"):
        print(bench_starts(name, video, SAMPLE_STRIDE.get(name, 1)), flush=True)
    print(flush=True)
    print("--- scaled networks, pensieve model ---", flush=True)
    for name, factor, stride in SCALED:
        print(bench_scaled(name, factor, stride, video), flush=True)
    print(flush=True)
    print("--- other videos, pensieve model ---", flush=True)
    for video_name in OTHER_VIDEOS:
        other_video = read_video(TRACES / "sabre" / "video" / video_name)
        for name in OTHER_VIDEO_SETS:
            print(bench_video(name, other_video), flush=True)
    print(flush=True)
    bbb = read_video(TRACES / "sabre" / "video" / "bbb.json")
    for name in PLAYER_MODEL_SETS:
        for line in bench_player_model(name, bbb):
            print(line, flush=True)
        print(flush=True)
    print(f"--- scaled networks, player model, {bbb.name} ---", flush=True)
    for name, factor, stride in PLAYER_MODEL_SCALED:
        print(bench_scaled(name, factor, stride, bbb, PlayerModel()), flush=True)
    print(flush=True)
    print("--- decision cost ---", flush=True)
    print(bench_decision_cost("pensieve_hsdpa_test", video, PensieveModel()), flush=True)
    print(bench_decision_cost("pensieve_hsdpa_test", bbb, PlayerModel()), flush=True)
    print(flush=True)
    print(f"total wall time {time.perf_counter() - started:.1f} s on {os.cpu_count()} cores", flush=True)


if __name__ == "__main__":
    main()
