"""The player simulation model against live playback of the same trace: real HTTP through the
origin's shaping, the real player and libmpv, versus the same scheduler on a virtual clock.
The tolerance, and why, is in :mod:`app.abr_live`'s docstring."""

from __future__ import annotations

from pathlib import Path

import pytest

from abr.registry import create
from abr.sim.traces import Trace
from app.abr_live import compare_live_run, compare_with_model, play_under_trace
from app.catalog import CatalogClient
from player.sessions import PlayerModel
from player.videos import read_manifest_video

# 2.5 Mbit/s, then 0.45 Mbit/s from 6 s, then 1.2 Mbit/s from 14 s (cooked convention).
STEPS = Trace("steps", (0.0, 6.0, 14.0, 60.0), (0.0, 2.5, 0.45, 1.2), latency_s=0.05)


@pytest.mark.parametrize("algorithm", ["rate", "bola", "marquee"])
def test_live_and_simulated_sessions_agree(backend: str, algorithm: str) -> None:
    with CatalogClient(backend) as catalog:
        titles = [item for row in catalog.home() for item in row.items]
    title = max(titles, key=lambda t: t.duration_s)
    live = play_under_trace(backend, title.id, STEPS, algorithm=algorithm)
    comparison = compare_live_run(live, STEPS, algorithm)
    assert comparison.disagreement is None, comparison.disagreement


def test_the_tolerance_tells_apart_what_the_model_would_not_do(library: Path) -> None:
    """The comparison can fail: a run of another algorithm, or of the trace without its slow
    spell, agrees with none of the model's runs of the trace as live can meet it."""
    video = read_manifest_video(str(library / "media" / "aurora" / "manifest.mpd"))
    unslowed = Trace("unslowed", STEPS.times_s, (0.0, 2.5, 2.5, 2.5), STEPS.latency_s)
    for stranger in (PlayerModel().simulate(create("bola"), STEPS, video),
                     PlayerModel().simulate(create("marquee"), unslowed, video)):
        assert compare_with_model(stranger, STEPS, video, "marquee").disagreement is not None
    itself = PlayerModel().simulate(create("marquee"), STEPS, video)
    assert compare_with_model(itself, STEPS, video, "marquee").disagreement is None
