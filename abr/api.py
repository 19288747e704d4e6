"""The one interface between a scheduler and every rate-adaptation algorithm.

The live player and every simulator drive an ABR through exactly these types, so the algorithm that
ships is the algorithm that is simulated. Nothing here reads a clock or a socket: the scheduler
reports what happened (a download finished after so many seconds, the buffer holds so much) and
asks for a decision.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Rendition:
    """One rung of the ladder, as declared by the manifest."""

    bitrate_bps: int
    width: int = 0
    height: int = 0


@dataclass(frozen=True, slots=True)
class Download:
    """A finished segment download, as measured by the fetcher (or the simulated link).

    ``elapsed_s`` runs from sending the request to the last byte, so it includes ``latency_s``
    (the time to the first byte).
    """

    rendition: int
    size_bytes: int
    elapsed_s: float
    latency_s: float
    segment_duration_s: float

    @property
    def throughput_bps(self) -> float:
        """Goodput over the whole request, latency included: what the next segment will see."""
        return self.size_bytes * 8 / max(self.elapsed_s, 1e-6)


@dataclass(frozen=True, slots=True)
class Context:
    """What the scheduler knows when it asks for the next segment's rendition."""

    ladder: tuple[Rendition, ...]
    """Renditions in ascending bitrate order; decisions are indexes into it."""
    buffer_s: float
    """Media buffered ahead of the playhead, in seconds."""
    buffer_target_s: float
    """The scheduler's buffer goal: it does not request beyond this."""
    segment_duration_s: float
    segment_index: int
    segments_left: int | None = None
    """Segments after this one until the end, None for live or unknown."""
    last_rendition: int | None = None
    """Rendition of the previous segment of this track, None at start or after a seek."""
    next_sizes: tuple[tuple[int, ...], ...] | None = None
    """Byte sizes of upcoming segments, ``next_sizes[k][r]`` for segment ``segment_index + k`` at
    rendition ``r``, where the manifest or a simulator knows them."""
    startup: bool = False
    """True until playback has started (first frame) or restarts after a seek."""
    rebuffering: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    rendition: int
    reason: str
    """Short machine-friendly cause (``"throughput"``, ``"buffer-low"``, ``"startup"``...), shown in
    the statistics overlay and carried by switch telemetry."""


@dataclass(frozen=True, slots=True)
class Progress:
    """A download still in flight, for abandonment advice."""

    rendition: int
    bytes_done: int
    bytes_total: int | None
    elapsed_s: float
    segment_duration_s: float


class Abr(ABC):
    """Base class of every algorithm. Subclasses document the paper or player they follow."""

    name: ClassVar[str]

    @abstractmethod
    def choose(self, ctx: Context) -> Decision:
        """Pick the rendition of segment ``ctx.segment_index``."""

    def on_download(self, download: Download) -> None:
        """Learn from a finished download (throughput estimators live here)."""

    def abandon(self, ctx: Context, progress: Progress) -> int | None:
        """Advise abandoning the download in flight: return the rendition to fetch instead, or
        None to let it finish. The default never abandons."""
        return None

    def reset(self) -> None:
        """Forget per-position state after a seek; throughput knowledge may be kept."""
