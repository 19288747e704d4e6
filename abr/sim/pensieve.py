"""The ``pensieve`` model: Pensieve's chunk-level simulator semantics (offline tooling).

This reproduces the behaviour of ``fixed_env.py`` in ``hongzimao/pensieve`` (the environment behind
the paper's simulation results), written independently:

* the video is fetched chunk after chunk with no pause, except when the buffer exceeds 60 s: then
  the player sleeps in 500 ms steps until it is back under the cap, and the sleep advances the trace
  clock;
* a chunk of S bytes moves at 95 % of the trace throughput (packet payload share), walking the
  piecewise-constant trace, looping it from index 1 / time 0 when exhausted;
* each download then takes 80 ms more (the link RTT), which stalls or drains the buffer but does
  *not* advance the trace clock;
* the first chunk is always fetched at rendition 1 (the reference's default quality) before the
  algorithm is asked anything, and QoE counts chunks 1..47 of the 48;
* time is kept in milliseconds with the same operations as the reference, so results agree to the
  last bit where the algorithm does.

Each trace is one session, starting at the trace's beginning with an empty buffer. An algorithm
that can be told the future (:class:`~abr.sim.session.Foresighted`) is given the trace's true
rate ahead of the session's position.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from abr.api import Abr, Context, Download
from abr.sim.session import Chunk, Foresighted, Session
from abr.sim.traces import Trace
from abr.sim.video import Video

CHUNKS = 48
DEFAULT_RENDITION = 1
RTT_MS = 80.0
PAYLOAD_SHARE = 0.95
BUFFER_CAP_MS = 60_000.0
SLEEP_STEP_MS = 500.0
COUNT_FROM = 1


@dataclass(frozen=True)
class PensieveModel:
    """Parameters of the model; the defaults are Pensieve's."""

    chunks: int = CHUNKS
    default_rendition: int = DEFAULT_RENDITION
    rtt_ms: float = RTT_MS
    payload_share: float = PAYLOAD_SHARE
    buffer_cap_ms: float = BUFFER_CAP_MS
    sleep_step_ms: float = SLEEP_STEP_MS
    count_from: int = COUNT_FROM

    name = "pensieve"

    def simulate(self, abr: Abr, trace: Trace, video: Video) -> Session:
        """One session under this model (the interface every simulation model offers)."""
        return simulate(abr, trace, video, self)

    def first_rendition(self, video: Video) -> int:
        """The rendition of the first chunk, which no algorithm chooses: Pensieve's default, or the
        top of a ladder too short to have it."""
        return min(self.default_rendition, len(video.ladder) - 1)


class TraceClock:
    """Position in a looping trace, advanced by transfers and sleeps as the reference does."""

    __slots__ = ("times", "bytes_per_s", "ptr", "now")

    def __init__(self, trace: Trace) -> None:
        self.times = trace.times_s
        self.bytes_per_s = tuple(m * 1e6 / 8.0 for m in trace.mbps)
        self.ptr = 1
        self.now = self.times[0]

    def _step(self) -> None:
        self.now = self.times[self.ptr]
        self.ptr += 1
        if self.ptr >= len(self.times):
            self.ptr = 1
            self.now = 0.0

    def transfer(self, size: float, share: float) -> float:
        """Seconds to move ``size`` bytes at ``share`` of the trace rate; advances the clock."""
        sent = 0.0
        elapsed = 0.0
        times, rates = self.times, self.bytes_per_s
        while True:
            rate = rates[self.ptr]
            duration = times[self.ptr] - self.now
            payload = rate * duration * share
            if sent + payload > size:
                fraction = (size - sent) / rate / share
                elapsed += fraction
                self.now += fraction
                return elapsed
            sent += payload
            elapsed += duration
            self._step()

    def mean_bps(self, span_s: float, share: float) -> float:
        """Mean payload rate (bit/s) at ``share`` of the trace over the next ``span_s`` seconds,
        leaving the clock where it is: what only a simulator can know."""
        probe = copy.copy(self)  # walks the loop exactly as the session will
        moved, left = 0.0, span_s
        while (duration := probe.times[probe.ptr] - probe.now) < left:
            moved += probe.bytes_per_s[probe.ptr] * duration
            left -= duration
            probe._step()
        moved += probe.bytes_per_s[probe.ptr] * left
        return moved * share * 8.0 / span_s

    def sleep(self, ms: float) -> None:
        while True:
            duration = self.times[self.ptr] - self.now
            if duration > ms / 1000.0:
                self.now += ms / 1000.0
                return
            ms -= duration * 1000.0
            self._step()


def simulate(abr: Abr, trace: Trace, video: Video, model: PensieveModel = PensieveModel()) -> Session:
    """Play ``video`` over ``trace`` with ``abr`` choosing from the second chunk on."""
    chunks = min(model.chunks, len(video.sizes))
    if chunks <= model.count_from:
        raise ValueError(f"video {video.name} has too few segments for the pensieve model")
    ladder = video.ladder
    duration_ms = video.segment_duration_s * 1000.0
    sizes = video.sizes
    clock = TraceClock(trace)
    if isinstance(abr, Foresighted):
        abr.foresee(lambda span_s: clock.mean_bps(span_s, model.payload_share))
    buffer_ms = 0.0
    wall_ms = 0.0
    rendition = model.first_rendition(video)
    played: list[Chunk] = []
    for index in range(chunks):
        size = sizes[index][rendition]
        delay_ms = clock.transfer(size, model.payload_share) * 1000.0 + model.rtt_ms
        rebuffer_ms = max(delay_ms - buffer_ms, 0.0)
        buffer_ms = max(buffer_ms - delay_ms, 0.0) + duration_ms
        sleep_ms = 0.0
        if buffer_ms > model.buffer_cap_ms:
            sleep_ms = math.ceil((buffer_ms - model.buffer_cap_ms) / model.sleep_step_ms) * model.sleep_step_ms
            buffer_ms -= sleep_ms
            clock.sleep(sleep_ms)
        wall_ms += delay_ms + sleep_ms
        played.append(Chunk(rendition, ladder[rendition].bitrate_bps, size, delay_ms / 1000.0,
                            rebuffer_ms / 1000.0, buffer_ms / 1000.0, sleep_ms / 1000.0, wall_ms / 1000.0))
        if index + 1 == chunks:
            break
        abr.on_download(Download(rendition, size, delay_ms / 1000.0, model.rtt_ms / 1000.0,
                                 video.segment_duration_s))
        ctx = Context(
            ladder=ladder,
            buffer_s=buffer_ms / 1000.0,
            buffer_target_s=model.buffer_cap_ms / 1000.0,
            segment_duration_s=video.segment_duration_s,
            segment_index=index + 1,
            segments_left=chunks - index - 2,
            last_rendition=rendition,
            next_sizes=sizes[index + 1:chunks],
        )
        rendition = abr.choose(ctx).rendition
        if not 0 <= rendition < len(ladder):
            raise ValueError(f"{abr.name} chose rendition {rendition} outside the ladder of {len(ladder)}")
    return Session(trace.name, abr.name, video.segment_duration_s, ladder[0].bitrate_bps,
                   tuple(played), model.count_from)
