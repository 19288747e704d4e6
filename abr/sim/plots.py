"""PNG plots of a comparison run (offline tooling: writes files, uses matplotlib's Agg backend)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from abr.sim.compare import TraceResult  # noqa: E402
from abr.sim.traces import Trace  # noqa: E402

LEGEND_COLUMNS = 7
"""Legend entries per row of a timeline: all seven algorithms fit on one row of its width."""


def qoe_cdf(results: Sequence[TraceResult], names: Sequence[str], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in names:
        values = np.sort([r.metrics[name].qoe_lin for r in results])
        ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post", label=name)
    ax.set_xlabel("QoE_lin per session")
    ax.set_ylabel("share of traces")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def session_timeline(result: TraceResult, trace: Trace, names: Sequence[str], path: Path) -> Path:
    """Bitrate, buffer and link throughput over time for one trace."""
    fig, (rate_ax, buffer_ax, link_ax) = plt.subplots(3, 1, figsize=(8, 7.5), sharex=True)
    end = 0.0
    for name in names:
        chunks = result.sessions[name].chunks
        times = [c.time_s for c in chunks]
        end = max(end, times[-1])
        rate_ax.step(times, [c.bitrate_bps / 1e3 for c in chunks], where="pre", label=name)
        buffer_ax.plot(times, [c.buffer_s for c in chunks], label=name)
    link_t, link_mbps = _looped(trace, end)
    link_ax.step(link_t, link_mbps, where="pre", color="black")
    rate_ax.set_ylabel("bitrate (kbit/s)")
    buffer_ax.set_ylabel("buffer (s)")
    link_ax.set_ylabel("link (Mbit/s)")
    link_ax.set_xlabel("time (s)")
    link_ax.set_xlim(0.0, end)  # the trace may run on past the session: only what the session met
    fig.suptitle(f"trace {result.trace}")
    # above the plots, not on them (a legend inside hides the very steps it names), in rows of at
    # most LEGEND_COLUMNS so that it never spills past the figure's edge
    rows = math.ceil(len(names) / LEGEND_COLUMNS)
    fig.legend(*rate_ax.get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.96),
               ncol=math.ceil(len(names) / rows), fontsize="small", frameon=False)
    for ax in (rate_ax, buffer_ax, link_ax):
        ax.grid(alpha=0.3)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 0.985 - 0.03 * rows))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _looped(trace: Trace, until_s: float) -> tuple[list[float], list[float]]:
    """The trace's samples repeated (as the simulator loops it) until ``until_s``."""
    times, rates = list(trace.times_s), list(trace.mbps)
    offset = trace.times_s[-1]
    while times[-1] < until_s:
        times.extend(offset + t for t in trace.times_s[1:])
        rates.extend(trace.mbps[1:])
        offset = times[-1]
    return times, rates


def write_plots(results: Sequence[TraceResult], traces: Sequence[Trace], names: Sequence[str],
                directory: Path, timelines: Sequence[str] | None = None, chosen: int = 3) -> list[Path]:
    """The QoE CDF, and timelines for the traces named in ``timelines``, or by default for
    ``chosen`` traces spread from the 10th to the 90th percentile of the first algorithm's QoE."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [qoe_cdf(results, names, directory / "qoe_cdf.png")]
    by_name = {t.name: t for t in traces}
    if timelines is None:
        ranked = sorted(range(len(results)), key=lambda i: (results[i].metrics[names[0]].qoe_lin, results[i].trace))
        picks = sorted({ranked[min(len(ranked) - 1, int(q * len(ranked)))] for q in np.linspace(0.1, 0.9, chosen)})
    else:
        index = {r.trace: i for i, r in enumerate(results)}
        picks = [index[name] for name in dict.fromkeys(timelines)]
    for pick in picks:
        result = results[pick]
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", result.trace)
        written.append(session_timeline(result, by_name[result.trace], names, directory / f"trace_{safe}.png"))
    return written
