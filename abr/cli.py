"""``marquee abr ...``: headless ABR comparisons on recorded traces (offline tooling: reads trace
files, writes plots, prints tables; the decision code in :mod:`abr` stays pure).

``marquee abr simulate --traces DIR|FILE... [--video SPEC] [--model pensieve] [--algorithms a,b|all]
[--optimal] [--json] [--plots DIR [--plot-traces NAMES]] [--starts N] [--scale F] [--jobs N]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from abr.registry import NAMES
from abr.sim.compare import CEILING, OPTIMAL, Model, Summary, TraceResult, run, summarise, trace_rows
from abr.sim.pensieve import CHUNKS, PensieveModel
from abr.sim.plots import write_plots
from abr.sim.session import SimulationError
from abr.sim.traces import TraceError, read_traces
from abr.sim.video import PENSIEVE_LADDER_BPS, PENSIEVE_SEGMENT_S, ManifestReader, Video, VideoError, read_video


def _parser(models: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marquee abr", description="Headless ABR evaluation on network traces.")
    commands = parser.add_subparsers(dest="command", required=True)
    sim = commands.add_parser("simulate", help="compare algorithms over recorded traces")
    sim.add_argument("--traces", nargs="+", required=True, metavar="DIR|FILE",
                     help="trace files or directories (Pensieve cooked, Mahimahi or Sabre JSON; auto-detected)")
    sim.add_argument("--video", metavar="SPEC",
                     help="Pensieve size directory, Sabre video JSON, or a DASH/HLS manifest (file or http(s) URL) "
                          "(default: 48 x 4 s segments of Pensieve's ladder at nominal size)")
    sim.add_argument("--model", choices=list(models), default="pensieve",
                     help="simulator semantics: pensieve (Pensieve's chunk-level model)"
                          + (", player (the player core's scheduler on a virtual clock)" if "player" in models else ""))
    sim.add_argument("--algorithms", default="all",
                     help=f"comma-separated, or 'all' ({','.join(NAMES)}); also {CEILING}, marquee's planner "
                          "told the true throughput of the next 12 s (pensieve model only): what perfect "
                          "prediction would buy")
    sim.add_argument("--optimal", action="store_true", help="also compute the offline QoE_lin optimum")
    sim.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    sim.add_argument("--plots", metavar="DIR", help="write PNG plots into DIR")
    sim.add_argument("--plot-traces", metavar="NAMES",
                     help="comma-separated trace names (as in the JSON rows) to draw timelines of with --plots "
                          "(default: the traces at the 10th, 50th and 90th percentile of the first algorithm's QoE)")
    sim.add_argument("--starts", type=int, default=1, metavar="N",
                     help="play each trace from N evenly spaced points of its loop (default 1: its beginning)")
    sim.add_argument("--scale", type=float, default=1.0, metavar="F",
                     help="multiply every trace's throughput by F (default 1): does a ranking hold on a "
                          "network F times as fast?")
    sim.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    return parser


def _comma_list(text: str) -> list[str]:
    """The non-empty, stripped items of a comma-separated option."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _algorithms(text: str) -> list[str]:
    if text == "all":
        return list(NAMES)
    names = _comma_list(text)
    known = (*NAMES, CEILING)
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(f"unknown algorithm(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(known)}")
    return names


def _timeline_traces(text: str | None, plots: str | None, available: Sequence[str]) -> list[str] | None:
    """The trace names of ``--plot-traces`` (None: let the plots pick), checked before any
    simulation runs so that a typo costs no time."""
    if text is None:
        return None
    if plots is None:
        raise ValueError("--plot-traces needs --plots DIR to write the timelines into")
    chosen = _comma_list(text)
    known = set(available)
    unknown = [n for n in chosen if n not in known]
    if unknown or not chosen:
        shown = ", ".join(available[:5]) + (", ..." if len(available) > 5 else "")
        raise ValueError(f"no trace named {', '.join(unknown) or '(none given)'} in this run; its traces: {shown}")
    return chosen


class _ProgressBar:
    """A one-line progress bar on a stream, redrawn in place on a terminal; a log or a pipe gets
    only the final line, not a hundred redraws."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width, self.shown = stream, width, -1
        self.live = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // total
        if percent == self.shown or (done < total and not self.live):
            return
        self.shown = percent
        filled = self.width * done // total
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} traces")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def format_table(summary: dict[str, Summary], optimum_mean: float | None,
                 shares: dict[str, float] | None = None) -> str:
    """The comparison table; ``shares`` overrides each algorithm's share of the optimum."""
    header = f"{'algorithm':<11} {'QoE_lin':>8} {'p5':>8} {'kbit/s':>7} {'rebuf %':>8} {'sw/min':>7} {'% opt':>6}"
    lines = [header, "-" * len(header)]
    for name, s in summary.items():
        fraction = shares[name] if shares is not None else s.optimal_share
        share = f"{100 * fraction:6.1f}" if fraction is not None else f"{'-':>6}"
        lines.append(f"{name:<11} {s.qoe_lin_mean:8.2f} {s.qoe_lin_p5:8.2f} {s.bitrate_kbps_mean:7.0f} "
                     f"{100 * s.rebuffer_ratio:8.2f} {s.switches_per_min:7.2f} {share}")
    if optimum_mean is not None:
        lines.append(f"{OPTIMAL:<11} {optimum_mean:8.2f}")
    return "\n".join(lines)


def report(results: Sequence[TraceResult], names: Sequence[str]) -> dict[str, object]:
    """The JSON object of ``--json``."""
    summary = summarise(results, names)
    optimum = [r.metrics[OPTIMAL].qoe_lin for r in results if OPTIMAL in r.metrics]
    return {
        "summary": {name: asdict(s) for name, s in summary.items()},
        "optimal": {"qoe_lin_mean": sum(optimum) / len(optimum) if optimum else None},
        "traces": trace_rows(results),
    }


def simulate_command(args: argparse.Namespace, out: TextIO, err: TextIO, models: Mapping[str, Model],
                     read_manifest: ManifestReader | None = None) -> int:
    names = _algorithms(args.algorithms)
    traces = read_traces(args.traces)
    if not traces:
        raise TraceError(f"{' '.join(args.traces)}: no trace files found")
    traces = [start.scaled(args.scale) for trace in traces for start in trace.start_points(args.starts)]
    timelines = _timeline_traces(args.plot_traces, args.plots, [t.name for t in traces])
    if args.video:
        video = read_video(args.video, read_manifest)
    else:
        video = Video.nominal("pensieve-nominal", list(PENSIEVE_LADDER_BPS), PENSIEVE_SEGMENT_S, CHUNKS)
    started = time.perf_counter()
    results = run(traces, video, names, with_optimal=args.optimal, model=models[args.model], jobs=args.jobs,
                  progress=_ProgressBar(err))
    err.write(f"{len(traces)} traces x {len(names)} algorithms{' + optimum' if args.optimal else ''} "
              f"in {time.perf_counter() - started:.1f} s\n")
    document = report(results, names)
    if args.json:
        json.dump(document, out)
        out.write("\n")
    else:
        summary = summarise(results, names)
        out.write(format_table(summary, document["optimal"]["qoe_lin_mean"]) + "\n")
    if args.plots:
        for path in write_plots(results, traces, names, Path(args.plots), timelines):
            err.write(f"wrote {path}\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None,
         models: Mapping[str, Model] | None = None, read_manifest: ManifestReader | None = None) -> int:
    """Entry point of ``marquee abr simulate``; returns the process exit status. ``out`` and
    ``err`` default to the streams of the moment (not of import time, so they can be redirected).
    ``models`` adds simulation models beyond Pensieve's, and ``read_manifest`` reads ``--video``
    manifests (the app passes the player core's model and parser)."""
    out, err = out or sys.stdout, err or sys.stderr
    models = {"pensieve": PensieveModel(), **(models or {})}
    args = _parser(list(models)).parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return simulate_command(args, out, err, models, read_manifest)
    except (TraceError, VideoError, ValueError, SimulationError) as exc:
        err.write(f"marquee abr: {exc}\n")
        return 2
