"""What a simulated session produced, chunk by chunk, and its figures; and what a simulator may
tell an algorithm that no player could (offline tooling)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from abr.qoe import SessionMetrics, session_metrics

FutureRate = Callable[[float], float]
"""``future(span_s)``: the link's mean throughput (bit/s) over the next ``span_s`` seconds."""


@runtime_checkable
class Foresighted(Protocol):
    """An algorithm that a simulator tells the link's future (the prediction ceiling)."""

    def foresee(self, future: FutureRate) -> None: ...


class SimulationError(RuntimeError):
    """A simulation model could not play a session out (a model's bug, not the input's): reported
    naming the trace and algorithm, instead of hanging or crashing the whole comparison."""


@dataclass(frozen=True, slots=True)
class Chunk:
    rendition: int
    bitrate_bps: int
    size_bytes: int
    download_s: float
    rebuffer_s: float
    buffer_s: float
    """Buffer once the chunk is in (and after any sleep that followed)."""
    sleep_s: float
    time_s: float
    """Wall-clock time at which the chunk (and the sleep after it) ended."""

    @property
    def throughput_bps(self) -> float:
        return self.size_bytes * 8 / self.download_s


@dataclass(frozen=True)
class Session:
    trace: str
    algorithm: str
    segment_duration_s: float
    lowest_bps: int
    chunks: tuple[Chunk, ...]
    count_from: int
    """Index of the first chunk that counts towards the figures (the model's convention)."""

    def metrics(self) -> SessionMetrics:
        counted = self.chunks[self.count_from:]
        previous = self.chunks[self.count_from - 1].bitrate_bps if self.count_from else None
        return session_metrics(
            [c.bitrate_bps for c in counted], [c.rebuffer_s for c in counted],
            self.segment_duration_s, self.lowest_bps, startup_delay_s=self.chunks[0].download_s,
            previous_bps=previous,
        )
