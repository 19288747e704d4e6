"""The player simulation model against live playback of the same trace: real HTTP through the
origin's shaping, the real player and libmpv, versus the same scheduler on a virtual clock.

Tolerance: live requests pay HTTP and scheduling overheads the model does not (a few ms each),
the origin paces in 20 ms pieces, and live playback reaches the trace's steps up to a few hundred
milliseconds later than the model does (the manifest and init requests, mpv's start, a loaded
machine). So decisions may differ by one rung on at most one segment, the mean bitrate by 15 %,
and a stall that straddles a step of the trace by up to 1.5 s in total.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from abr.registry import create
from abr.sim.traces import Trace
from app.abr_live import play_under_trace
from app.catalog import CatalogClient
from player.sessions import PlayerModel
from player.videos import read_manifest_video


@pytest.mark.parametrize("algorithm", ["rate", "bola", "marquee"])
def test_live_and_simulated_sessions_agree(backend: str, library: Path, algorithm: str) -> None:
    with CatalogClient(backend) as catalog:
        titles = [item for row in catalog.home() for item in row.items]
    title = max(titles, key=lambda t: t.duration_s)
    # 2.5 Mbit/s, then 0.45 Mbit/s from 6 s, then 1.2 Mbit/s from 14 s (cooked convention).
    trace = Trace("steps", (0.0, 6.0, 14.0, 60.0), (0.0, 2.5, 0.45, 1.2), latency_s=0.05)
    live = play_under_trace(backend, title.id, trace, algorithm=algorithm)
    played = library / urlsplit(live.manifest.url).path.lstrip("/")  # the title's manifest in the library
    simulated = PlayerModel().simulate(create(algorithm), trace, read_manifest_video(str(played)))

    live_renditions = [c.rendition for c in live.session.chunks]
    sim_renditions = [c.rendition for c in simulated.chunks]
    assert len(live_renditions) == len(sim_renditions)
    differing = [(a, b) for a, b in zip(live_renditions, sim_renditions) if a != b]
    assert len(differing) <= 1 and all(abs(a - b) <= 1 for a, b in differing), (live_renditions, sim_renditions)
    live_stall = sum(c.rebuffer_s for c in live.session.chunks)
    sim_stall = sum(c.rebuffer_s for c in simulated.chunks)
    assert live_stall == pytest.approx(sim_stall, abs=1.5)
    live_kbps, sim_kbps = live.session.metrics().bitrate_kbps_mean, simulated.metrics().bitrate_kbps_mean
    assert live_kbps == pytest.approx(sim_kbps, rel=0.15)
