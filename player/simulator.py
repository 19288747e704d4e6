"""The ``player`` simulation model: the real scheduler on a virtual clock and a simulated link.

The scheduler and ABR here are the very objects live playback runs; only the outside world is
modelled:

* the link replays a recorded throughput trace (piecewise constant, looping), adds a fixed
  latency before the first byte of each request, and shares its bandwidth equally between the
  requests in flight (video and audio download side by side, as they do live);
* the playhead stands in for mpv: it starts when every track has its first segment, advances in
  real time while every track has media, stops when one starves, and resumes once
  ``resume_buffer_s`` is buffered again (mpv's ``cache-pause-wait``);
* the playhead is reported to the scheduler every ``poll_s``, as the live driver polls mpv.

Everything is deterministic: same inputs, same session, thousands of times faster than real time.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from abr.api import Abr
from abr.sim.session import SimulationError
from player.events import PlayerEvent, RenditionSwitched, SegmentLoaded, StallEnded
from player.manifest.model import Manifest
from player.scheduler import Fetch, Scheduler, SchedulerConfig

POLL_S = 0.25  # the live driver's poll interval
_TIME_EPSILON_S = 1e-9
"""Instants closer than this are one (well above the rounding of times up to days)."""


_STANDSTILL_STEPS = 10_000
"""Steps in a row without the clock moving after which a simulation is declared stuck: a few at
one instant are normal (a completion starts the next request), thousands are a bug."""


class SimulationStuck(SimulationError):
    """The virtual clock stopped advancing: an error to report, not a hang."""


@dataclass(frozen=True, slots=True)
class LinkTrace:
    """Throughput over time: ``mbps[i]`` holds on ``(times_s[i-1], times_s[i]]``; loops forever."""

    times_s: tuple[float, ...]
    mbps: tuple[float, ...]

    def rate_at(self, t: float) -> tuple[float, float]:
        """(bytes per second at time ``t``, time at which that rate changes: always after ``t``).

        ``t`` less whole loops can round to the loop's very end (the loop length is rarely exact in
        binary): that instant belongs to the next loop, or the change would be ``t`` itself and
        the simulation would stand still."""
        start, end = self.times_s[0], self.times_s[-1]
        period = end - start
        loops = math.floor((t - start) / period) if t >= start else 0
        local = t - loops * period
        if local >= end - _TIME_EPSILON_S:
            loops += 1
            local -= period
        i = min(max(bisect.bisect_right(self.times_s, local + _TIME_EPSILON_S), 1), len(self.times_s) - 1)
        return self.mbps[i] * 1e6 / 8, self.times_s[i] + loops * period


@dataclass(slots=True)
class _Transfer:
    fetch: Fetch
    size: int
    started: float
    first_byte: float
    remaining: float


@dataclass
class SimulationResult:
    startup_s: float | None = None
    events: list[tuple[float, PlayerEvent]] = field(default_factory=list)
    """(virtual time, event): the events the live player would have emitted."""
    rebuffer_s: float = 0.0
    stalls: int = 0
    played_s: float = 0.0
    end_s: float = 0.0

    @property
    def segments(self) -> list[tuple[float, SegmentLoaded]]:
        """Video segments as they arrived, with their arrival times."""
        return [(t, e) for t, e in self.events if isinstance(e, SegmentLoaded) and e.kind == "video"]

    @property
    def switches(self) -> int:
        return sum(1 for _, e in self.events if isinstance(e, RenditionSwitched) and e.from_kbps is not None)


class Simulation:
    """One session of ``manifest`` over ``link``; segment sizes come from ``sizes[kind][r][i]``."""

    def __init__(
        self,
        manifest: Manifest,
        sizes: dict[str, list[list[int]]],
        abr: Abr,
        link: LinkTrace,
        *,
        latency_s: float = 0.08,
        config: SchedulerConfig | None = None,
        resume_buffer_s: float = 1.0,
        start_s: float = 0.0,
        max_time_s: float = 24 * 3600,
    ) -> None:
        self.scheduler = Scheduler(manifest, abr, config)
        self.sizes = sizes
        self.link = link
        self.latency_s = latency_s
        self.resume_buffer_s = resume_buffer_s
        self.start_s = start_s
        self.max_time_s = max_time_s
        self.manifest = manifest

    def run(self) -> SimulationResult:
        s = self.scheduler
        result = SimulationResult()
        now = 0.0
        position = self.start_s
        transfers: dict[int, _Transfer] = {}
        playing = False
        next_poll = POLL_S
        end = self.manifest.duration_s

        def start(actions: list) -> None:
            for action in actions:
                if isinstance(action, Fetch):
                    size = self.sizes[action.kind][action.rendition][action.index]
                    transfers[action.request_id] = _Transfer(action, size, now, now + self.latency_s, float(size))

        start(s.start(position))
        standstill = 0
        while now < self.max_time_s:
            if s.complete and position >= end - 1e-9:
                break
            # The next moment anything changes: a first byte, a completion, a rate change, a poll,
            # or the playhead reaching the end of what is buffered.
            active = [t for t in transfers.values() if t.first_byte <= now + 1e-12]
            rate, rate_until = self.link.rate_at(now)
            share = rate / len(active) if active else 0.0
            horizon = min(next_poll, rate_until)
            horizon = min([horizon, *(t.first_byte for t in transfers.values() if t.first_byte > now + 1e-12)])
            if active and share > 0:
                horizon = min(horizon, now + min(t.remaining for t in active) / share)
            buffered_end = s.buffered_end_s()
            if playing:
                horizon = min(horizon, now + max(min(buffered_end, end) - position, 0.0))
            dt = max(horizon - now, 0.0)
            standstill = standstill + 1 if dt == 0 else 0
            if standstill > _STANDSTILL_STEPS:
                raise SimulationStuck(f"the simulated clock stopped at {now:.3f} s")
            for t in active:
                t.remaining -= share * dt
            if playing:
                step = min(dt, max(buffered_end - position, 0.0), max(end - position, 0.0))
                position += step
                result.played_s += step
            now += dt
            # Completed downloads.
            for rid, t in sorted(transfers.items()):
                if t.first_byte <= now + 1e-12 and t.remaining <= 1e-6:
                    del transfers[rid]
                    actions = s.on_fetch_complete(rid, t.size, now - t.started, self.latency_s)
                    track = s.manifest.first("video") if t.fetch.kind == "video" else s.audio_track()
                    assert track is not None
                    result.events.append((now, SegmentLoaded(
                        t.fetch.kind, t.fetch.index, t.fetch.rendition,  # type: ignore[arg-type]
                        track.renditions[t.fetch.rendition].bandwidth_bps, t.size, now - t.started,
                        s.buffer_s(), t.fetch.reason)))
                    start(actions)
            # The playhead: start, starve, resume.
            buffered_end = s.buffered_end_s()
            if not playing and result.startup_s is None and s.every_track_started():
                playing = True
                result.startup_s = now
                s.on_first_frame()
            elif playing and position >= buffered_end - 1e-9 and not s.complete:
                playing = False
            elif not playing and result.startup_s is not None and (
                buffered_end - position >= self.resume_buffer_s or s.complete
            ):
                playing = True
            if now + 1e-12 >= next_poll:
                next_poll = now + POLL_S
                for rid, t in list(transfers.items()):  # abandonment advice, as the live driver asks
                    if t.fetch.kind == "video" and t.first_byte <= now:
                        replacement = s.on_fetch_progress(rid, int(t.size - t.remaining), t.size, now - t.started)
                        if replacement is not None:
                            del transfers[rid]
                            start([replacement])
                actions, events = s.on_playback(now, position, playing=True)
                for event in events:
                    result.events.append((now, event))
                    if isinstance(event, StallEnded):
                        result.stalls += 1
                        result.rebuffer_s += event.duration_s
                start(actions)
        result.end_s = now
        return result
