"""Played sessions in the ABR tooling's terms, from the player's own events.

Live playback and the ``player`` simulation model both emit :class:`SegmentLoaded` and stall
events; one conversion turns either stream into an :class:`abr.sim.session.Session`, so the same
QoE figures come out of a simulated and a live run and they can be compared like for like.
"""

from __future__ import annotations

from collections.abc import Iterable

from abr.api import Abr
from abr.sim.session import Chunk, Session
from abr.sim.traces import Trace
from abr.sim.video import Video
from player.events import PlayerEvent, SegmentLoaded, StallEnded
from player.manifest.model import Manifest, Rendition, SegmentRef, Track
from player.simulator import LinkTrace, Simulation

AUDIO_BPS = 128_000
DEFAULT_LATENCY_S = 0.08


def session_from_events(events: Iterable[tuple[float, PlayerEvent]], *, trace: str, algorithm: str,
                        segment_duration_s: float, lowest_bps: int) -> Session:
    """Video segments in arrival order; each stall is charged to the last segment that arrived
    before it ended (the download the viewer was waiting for)."""
    chunks: list[dict[str, float]] = []
    for time_s, event in events:
        if isinstance(event, SegmentLoaded) and event.kind == "video":
            chunks.append({"rendition": event.rendition, "bitrate_bps": event.bitrate_bps,
                           "size_bytes": event.size_bytes, "download_s": event.elapsed_s, "rebuffer_s": 0.0,
                           "buffer_s": event.buffer_s, "time_s": time_s})
        elif isinstance(event, StallEnded) and chunks:
            chunks[-1]["rebuffer_s"] += event.duration_s
    played = tuple(
        Chunk(int(c["rendition"]), int(c["bitrate_bps"]), int(c["size_bytes"]), c["download_s"], c["rebuffer_s"],
              c["buffer_s"], 0.0, c["time_s"])
        for c in chunks
    )
    return Session(trace, algorithm, segment_duration_s, lowest_bps, played, count_from=0)


def manifest_for(video: Video) -> tuple[Manifest, dict[str, list[list[int]]]]:
    """A presentation with ``video``'s ladder and segment sizes, plus a 128 kbit/s audio track."""
    count, duration = len(video.sizes), video.segment_duration_s

    def rendition(rid: str, bitrate: int) -> Rendition:
        segments = tuple(SegmentRef(f"sim:{rid}/{k}", k * duration, duration, k) for k in range(count))
        return Rendition(rid, bitrate, "", segments, SegmentRef(f"sim:{rid}/init"))

    video_track = Track("video", tuple(rendition(f"v{r}", rung.bitrate_bps) for r, rung in enumerate(video.ladder)))
    audio_track = Track("audio", (rendition("a", AUDIO_BPS),))
    sizes = {
        "video": [[video.sizes[k][r] for k in range(count)] for r in range(len(video.ladder))],
        "audio": [[round(AUDIO_BPS * duration / 8)] * count],
    }
    return Manifest(f"sim:{video.name}", "dash", count * duration, (video_track, audio_track)), sizes


class PlayerModel:
    """The ``player`` simulation model for the ABR tooling: the live scheduler on a virtual
    clock, video and audio sharing a link that replays the trace (see :mod:`player.simulator`)."""

    name = "player"

    def simulate(self, abr: Abr, trace: Trace, video: Video) -> Session:
        manifest, sizes = manifest_for(video)
        latency = trace.latency_s if trace.latency_s is not None else DEFAULT_LATENCY_S
        result = Simulation(manifest, sizes, abr, LinkTrace(trace.times_s, trace.mbps), latency_s=latency).run()
        return session_from_events(result.events, trace=trace.name, algorithm=abr.name,
                                   segment_duration_s=video.segment_duration_s,
                                   lowest_bps=video.ladder[0].bitrate_bps)
