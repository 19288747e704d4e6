"""Schema-valid sessions made up from a seeded random generator, for the collector's tests, the
dashboard's screenshots and the ingest bench (real played sessions are slow to make by the
hundred). The summary is computed from the generated events with the same definitions as
``app.report``."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

LADDER = (214, 414, 722, 1024, 1533)


@dataclass
class MadeSession:
    session: dict[str, Any]
    events: list[dict[str, Any]]

    @property
    def summary(self) -> dict[str, Any]:
        return self.events[-1]["summary"]


def make_session(rng: random.Random, title_id: str, started_at_ms: float, *, duration_s: float = 60.0,
                 stalls: int | None = None, heartbeat_s: float = 10.0) -> MadeSession:
    """A played session: start, switches every so often, ``stalls`` stalls, heartbeats, end."""
    sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    events: list[dict[str, Any]] = []
    clock = started_at_ms

    def add(kind: str, **fields: Any) -> None:
        events.append({"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "seq": len(events),
                       "type": kind, "ts": round(clock, 1), **fields})

    add("play_requested", start_s=0.0, format="dash")
    clock += rng.uniform(40, 120)
    add("manifest_loaded", elapsed_ms=round(clock - started_at_ms, 1), format="dash", duration_s=duration_s,
        video_kbps=list(LADDER), audio_kbps=[136])
    startup = rng.lognormvariate(6.3, 0.45)
    clock = started_at_ms + startup
    add("first_frame", startup_ms=round(startup, 1), position_s=0.0)
    stalls = rng.choice((0, 0, 0, 1, 2)) if stalls is None else stalls
    stall_at = sorted(rng.uniform(5, duration_s - 5) for _ in range(stalls))
    rung = 0
    entered = [LADDER[0]]
    kbps_seconds = 0.0
    rebuffer_s = 0.0
    add("rendition_switch", media="video", from_kbps=None, to_kbps=LADDER[0], width=256, height=144,
        reason="startup: lowest rendition", position_s=0.0, buffer_s=0.0)
    position = 0.0
    next_heartbeat = heartbeat_s
    step = 1.0
    while position < duration_s - 1e-9:
        advance = min(step, duration_s - position)
        kbps_seconds += advance * LADDER[rung]
        position += advance
        clock += advance * 1000
        if stall_at and position >= stall_at[0]:
            stall_at.pop(0)
            add("stall_start", position_s=round(position, 3), buffer_s=0.0)
            length = rng.uniform(0.4, 3.0)
            clock += length * 1000
            rebuffer_s += round(length, 4)
            add("stall_end", position_s=round(position, 3), duration_ms=round(length * 1000, 1), buffer_s=4.0)
            if rung > 0:
                add("rendition_switch", media="video", from_kbps=LADDER[rung], to_kbps=LADDER[rung - 1],
                    width=640, height=360, reason="throughput fell", position_s=round(position, 3), buffer_s=4.0)
                rung -= 1
                entered.append(LADDER[rung])
        elif rung < len(LADDER) - 1 and rng.random() < 0.12:
            add("rendition_switch", media="video", from_kbps=LADDER[rung], to_kbps=LADDER[rung + 1],
                width=854, height=480, reason="throughput allows more", position_s=round(position, 3),
                buffer_s=round(rng.uniform(6, 20), 2))
            rung += 1
            entered.append(LADDER[rung])
        if position >= next_heartbeat:
            next_heartbeat += heartbeat_s
            add("heartbeat", position_s=round(position, 3), buffer_s=round(rng.uniform(8, 30), 2),
                throughput_bps=round(rng.uniform(1.5e6, 6e6)), video_kbps=LADDER[rung], width=854, height=480,
                codec="h264", dropped_frames=rng.randrange(3), decoded_frames=int(position * 24),
                buffered_bytes=rng.randrange(1_000_000, 5_000_000))
    switches = len(entered) - 1
    add("session_end", reason="ended", position_s=round(position, 3), summary={
        "startup_ms": round(startup, 1),
        "played_s": round(position, 3),
        "rebuffer_count": stalls,
        "rebuffer_s": round(rebuffer_s, 3),
        "rebuffer_ratio": round(rebuffer_s / (position + rebuffer_s), 5),
        "bitrate_mean_kbps": round(sum(entered) / len(entered), 1),
        "bitrate_time_weighted_kbps": round(kbps_seconds / position, 1),
        "switches": switches,
        "switches_per_minute": round(switches * 60 / position, 3),
        "exited_before_start": False,
        "start_failed": False,
        "decode_errors": 0,
    })
    session = {"session_id": sid, "title_id": title_id, "app_version": "0.1.0",
               "platform": "Linux-6.1-x86_64 CPython 3.11.7", "ui_mode": "desktop",
               "player_config_digest": f"{rng.getrandbits(64):016x}", "started_at": round(started_at_ms, 1)}
    return MadeSession(session, events)


def batch(made: MadeSession, events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"schema_version": 1, "session": made.session, "events": made.events if events is None else events}
