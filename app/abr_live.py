"""``marquee abr live``: the real player, real HTTP and libmpv, under a recorded network trace.

The reference origin shapes its media responses to follow the trace (latency, then the trace's
rate, one shared link for video and audio); the player plays a title headless with the chosen ABR;
the session's events become the same QoE report as ``marquee abr simulate`` gives, so a simulated
and a live run of the same trace can be compared like for like.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from abr.sim.session import Session
from abr.sim.traces import Trace
from app.catalog import CatalogClient
from app.report import PlaybackReport
from player import Player
from player.events import PlayerEvent
from player.manifest.model import Manifest
from player.sessions import DEFAULT_LATENCY_S, session_from_events


class LiveRunError(RuntimeError):
    """The live run could not be made (origin refused shaping, playback failed)."""


@dataclass
class LiveRun:
    session: Session
    report: PlaybackReport
    manifest: Manifest


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
