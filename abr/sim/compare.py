"""Run algorithms (and optionally the offline optimum) over many traces and summarise them
(offline tooling: uses worker processes).

Each trace is an independent session, so traces are spread over a process pool; results come back
in trace order and every algorithm is deterministic, so a run is identical whatever the number of
workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from typing import Protocol

import numpy as np

from abr.api import Abr
from abr.qoe import SessionMetrics
from abr.registry import create
from abr.sim.clairvoyant import Clairvoyant
from abr.sim.optimal import optimal
from abr.sim.pensieve import PensieveModel
from abr.sim.session import Session, SimulationError
from abr.sim.traces import Trace
from abr.sim.video import Video

OPTIMAL = "optimal"
CEILING = Clairvoyant.name
"""The prediction ceiling: an algorithm only a simulator can run, so it is named here, not in the
registry of algorithms a player may use."""


def _create(name: str) -> Abr:
    """A fresh instance of the registered algorithm or of the prediction ceiling."""
    return Clairvoyant() if name == CEILING else create(name)


class Model(Protocol):
    """A simulation model: how a session of an algorithm over a trace plays out.

    :class:`PensieveModel` is Pensieve's chunk-level semantics; the player core offers a
    ``player`` model (its own scheduler on a virtual clock) through the same interface.
    """

    name: str

    def simulate(self, abr: Abr, trace: Trace, video: Video) -> Session: ...


@dataclass(frozen=True)
class TraceResult:
    trace: str
    metrics: dict[str, SessionMetrics]
    """Per algorithm (and ``"optimal"`` when asked for)."""
    sessions: dict[str, Session]
    optimal_upper_bound: float | None = None


@dataclass(frozen=True)
class Summary:
    qoe_lin_mean: float
    qoe_lin_p5: float
    bitrate_kbps_mean: float
    rebuffer_ratio: float
    """Mean over traces of each session's rebuffering ratio."""
    switches_per_min: float
    optimal_share: float | None
    """Mean QoE_lin over the optimum's mean QoE_lin, when the optimum was computed."""


_video: Video | None = None
_model: Model | None = None


def _init(video: Video, model: Model) -> None:
    global _video, _model
    _video, _model = video, model


def _run_one(job: tuple[Trace, tuple[str, ...], bool]) -> TraceResult:
    trace, algorithms, with_optimal = job
    assert _video is not None and _model is not None, "worker not initialised"
    sessions = {}
    for name in algorithms:
        try:
            sessions[name] = _model.simulate(_create(name), trace, _video)
        except SimulationError as exc:
            raise SimulationError(f"{trace.name}, {name}, {_model.name} model: {exc}") from None
    bound = None
    if with_optimal:
        # The optimum is defined over Pensieve's chunk-level semantics, whatever the model.
        best = optimal(trace, _video, _model if isinstance(_model, PensieveModel) else PensieveModel())
        sessions[OPTIMAL] = best.session
        bound = best.upper_bound
    metrics = {name: session.metrics() for name, session in sessions.items()}
    return TraceResult(trace.name, metrics, sessions, bound)


def run(
    traces: Sequence[Trace],
    video: Video,
    algorithms: Sequence[str],
    *,
    with_optimal: bool = False,
    model: Model = PensieveModel(),
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[TraceResult]:
    """Simulate every algorithm on every trace; results in trace order."""
    for name in algorithms:
        _create(name)  # unknown names fail here, before any worker starts
    if CEILING in algorithms and not isinstance(model, PensieveModel):
        raise ValueError(f"{CEILING} needs the pensieve model: only it tells an algorithm the link's future")
    work = [(trace, tuple(algorithms), with_optimal) for trace in traces]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(work)))
    results: list[TraceResult] = []
    if jobs == 1:
        _init(video, model)
        for result in map(_run_one, work):
            results.append(result)
            if progress:
                progress(len(results), len(work))
        return results
    with get_context("fork").Pool(jobs, initializer=_init, initargs=(video, model)) as pool:
        for result in pool.imap(_run_one, work, chunksize=max(1, len(work) // (jobs * 16))):
            results.append(result)
            if progress:
                progress(len(results), len(work))
    return results


def summarise(results: Sequence[TraceResult], names: Sequence[str]) -> dict[str, Summary]:
    """Per algorithm (and the optimum if present) over all traces."""
    optimum = [r.metrics[OPTIMAL].qoe_lin for r in results if OPTIMAL in r.metrics]
    optimum_mean = float(np.mean(optimum)) if optimum and len(optimum) == len(results) else None
    summary = {}
    for name in names:
        rows = [r.metrics[name] for r in results]
        qoe = np.array([m.qoe_lin for m in rows])
        summary[name] = Summary(
            qoe_lin_mean=float(qoe.mean()),
            qoe_lin_p5=float(np.percentile(qoe, 5)),
            bitrate_kbps_mean=float(np.mean([m.bitrate_kbps_mean for m in rows])),
            rebuffer_ratio=float(np.mean([m.rebuffer_ratio for m in rows])),
            switches_per_min=float(np.mean([m.switches_per_min for m in rows])),
            optimal_share=float(qoe.mean() / optimum_mean) if optimum_mean else None,
        )
    return summary


def trace_rows(results: Sequence[TraceResult]) -> list[dict[str, object]]:
    """One flat row per (trace, algorithm), for JSON output."""
    rows: list[dict[str, object]] = []
    for result in results:
        for name, metrics in result.metrics.items():
            row: dict[str, object] = {"trace": result.trace, "algorithm": name, **asdict(metrics)}
            if name == OPTIMAL:
                row["upper_bound"] = result.optimal_upper_bound
            rows.append(row)
    return rows
