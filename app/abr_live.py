"""``marquee abr live``: the real player, real HTTP and libmpv, under a recorded network trace.

The reference origin shapes its media responses to follow the trace (latency, then the trace's
rate, one shared link for video and audio); the player plays a title headless with the chosen ABR;
the session's events become the same QoE report as ``marquee abr simulate`` gives, so a simulated
and a live run of the same trace can be compared like for like (:func:`compare_with_model`).

How closely they can agree. Live playback meets the trace a little differently from the ``player``
model: it reaches the trace's steps up to a few hundred milliseconds later (the manifest and init
requests, mpv's start, a loaded machine), and its requests pay HTTP and scheduling overheads the
model does not, so it sees a few per cent less throughput. A sharp step in a short trace puts some
decisions on a knife edge, where that is enough to tip one choice and every later one with it. So
the live run is held against the model's runs of the trace as live playback can meet it (up to
10 % slower, its steps up to 0.4 s late), and agrees with the model when it matches one of them:
decisions that differ by one rung on at most one segment, a mean bitrate within 15 % and stalls
within 1.5 s in total.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from abr.registry import create
from abr.sim.session import Session
from abr.sim.traces import Trace
from abr.sim.video import Video
from app.catalog import CatalogClient
from app.report import PlaybackReport
from player import Player
from player.events import PlayerEvent
from player.manifest.model import Manifest
from player.sessions import DEFAULT_LATENCY_S, PlayerModel, session_from_events
from player.videos import read_manifest_video

SLOWER = (1.0, 0.95, 0.9)
"""Throughput factors live playback may meet a trace at (its HTTP and scheduling overheads)."""
LATER_S = (0.0, 0.2, 0.4)
"""How late live playback may meet a trace's steps (manifest, init requests, mpv's start)."""


class LiveRunError(RuntimeError):
    """The live run could not be made (origin refused shaping, playback failed)."""


@dataclass
class LiveRun:
    session: Session
    report: PlaybackReport
    manifest: Manifest


@dataclass
class Comparison:
    """The ``player`` model's run of the trace a live run played, and whether the two agree."""

    model: Session
    disagreement: str | None
    """None when the live run agrees with the model (see the module docstring), else why not."""


class _Recorder:
    """Every event with the seconds since the run started."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.events: list[tuple[float, PlayerEvent]] = []
        self._lock = threading.Lock()

    def __call__(self, event: PlayerEvent) -> None:
        with self._lock:
            self.events.append((time.monotonic() - self.started, event))


def shape(catalog_url: str, trace: Trace, mode: str = "shared") -> None:
    latency = trace.latency_s if trace.latency_s is not None else DEFAULT_LATENCY_S
    body = {"times_s": list(trace.times_s), "mbps": list(trace.mbps), "latency_ms": latency * 1000, "mode": mode}
    response = httpx.put(f"{catalog_url}/api/v1/shaping", json=body, timeout=10)
    if response.status_code != 200:
        raise LiveRunError(f"the origin refused shaping: HTTP {response.status_code} {response.text[:200]}")


def unshape(catalog_url: str) -> None:
    httpx.delete(f"{catalog_url}/api/v1/shaping", timeout=10)


def play_under_trace(catalog_url: str, target: str, trace: Trace, *, algorithm: str = "marquee",
                     fmt: str | None = None, timeout_s: float = 600.0) -> LiveRun:
    """Play ``target`` (title id or manifest URL on that backend) to the end under ``trace``."""
    if target.startswith(("http://", "https://")):
        url = target
    else:
        with CatalogClient(catalog_url) as catalog:
            url = catalog.playback(target).manifest(fmt)
    report, recorder = PlaybackReport(), _Recorder()
    player = Player(video_output="null", audio_output="null", abr=algorithm)
    player.add_listener(report)
    player.add_listener(recorder)
    shape(catalog_url, trace)
    try:
        recorder.started = time.monotonic()
        player.open(url)
        if not report.finished.wait(timeout_s):
            raise LiveRunError(f"playback did not end within {timeout_s:.0f} s")
        session = player.session
        manifest = session.manifest if session is not None else None
    finally:
        player.close()
        unshape(catalog_url)
    if manifest is None or not report.ended:
        raise LiveRunError("playback failed: " + "; ".join(report.errors or ["no manifest"]))
    video = manifest.first("video")
    assert video is not None
    played = session_from_events(recorder.events, trace=trace.name, algorithm=algorithm,
                                 segment_duration_s=video.renditions[0].segments[0].duration_s,
                                 lowest_bps=video.renditions[0].bandwidth_bps)
    return LiveRun(played, report, manifest)


def as_live_can_meet(trace: Trace) -> list[Trace]:
    """``trace`` itself first, then slowed by each of ``SLOWER`` with its steps late by ``LATER_S``."""
    return [
        Trace(trace.name, (trace.times_s[0], *(t + late for t in trace.times_s[1:])),
              tuple(b * speed for b in trace.mbps), trace.latency_s)
        for speed in SLOWER for late in LATER_S
    ]


def disagreement(live: Session, model: Session) -> str | None:
    """Why ``live`` does not agree with ``model``'s run, or None when it does: decisions that
    differ by one rung on at most one segment, mean bitrates within 15 %, stalls within 1.5 s."""
    ours, theirs = [c.rendition for c in live.chunks], [c.rendition for c in model.chunks]
    if len(ours) != len(theirs):
        return f"{len(ours)} segments live, {len(theirs)} in the model"
    differing = [(a, b) for a, b in zip(ours, theirs) if a != b]
    if len(differing) > 1 or any(abs(a - b) > 1 for a, b in differing):
        return f"renditions {ours} live, {theirs} in the model"
    stalls = sum(c.rebuffer_s for c in live.chunks), sum(c.rebuffer_s for c in model.chunks)
    if abs(stalls[0] - stalls[1]) > 1.5:
        return f"stalls {stalls[0]:.2f} s live, {stalls[1]:.2f} s in the model"
    kbps = live.metrics().bitrate_kbps_mean, model.metrics().bitrate_kbps_mean
    if abs(kbps[0] - kbps[1]) > 0.15 * kbps[1]:
        return f"mean bitrate {kbps[0]:.0f} kbit/s live, {kbps[1]:.0f} in the model"
    return None


def compare_with_model(live: Session, trace: Trace, video: Video, algorithm: str) -> Comparison:
    """The model's run of ``trace`` on ``video`` beside the ``live`` run of it; they agree when the
    live run matches any of the model's runs of the trace as live playback can meet it."""
    runs = [PlayerModel().simulate(create(algorithm), met, video) for met in as_live_can_meet(trace)]
    reasons = [disagreement(live, run) for run in runs]
    return Comparison(runs[0], None if None in reasons else reasons[0])


def compare_live_run(run: LiveRun, trace: Trace, algorithm: str) -> Comparison:
    """:func:`compare_with_model` on the video the live run played, read from its manifest."""
    return compare_with_model(run.session, trace, read_manifest_video(run.manifest.url), algorithm)
