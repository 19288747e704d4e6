"""The prediction ceiling: marquee's planner told the trace's true throughput ahead."""

import pytest

from abr.registry import create
from abr.sim.clairvoyant import Clairvoyant
from abr.sim.compare import run
from abr.sim.pensieve import TraceClock, simulate
from abr.sim.session import SimulationError
from abr.sim.traces import Trace
from abr.sim.video import Video
from player.sessions import PlayerModel
from tests.abr.situations import context, download_at

LADDER_BPS = [300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000]


def test_the_trace_clock_tells_the_mean_rate_ahead_without_moving():
    # (0, 1] at 8 Mbit/s, (1, 2] dead, (2, 3] at 4 Mbit/s, then the loop starts again at 8
    clock = TraceClock(Trace("t", (0.0, 1.0, 2.0, 3.0), (8.0, 8.0, 0.0, 4.0)))
    assert clock.mean_bps(2.0, 1.0) == pytest.approx(4e6)
    assert clock.mean_bps(4.0, 0.95) == pytest.approx(0.95 * (8 + 0 + 4 + 8) / 4 * 1e6)  # looped
    assert (clock.ptr, clock.now) == (1, 0.0)
    clock.transfer(0.5e6, 1.0)  # half a second of the fast part
    assert clock.mean_bps(1.0, 1.0) == pytest.approx(4e6)  # half fast, half dead


def test_knowing_a_collapse_ahead_avoids_the_stall_marquee_walks_into():
    # 6 Mbit/s for 100 s, then 0.3 Mbit/s: nothing in the past warns of the fall
    times = tuple(float(t) for t in range(400))
    trace = Trace("fall", times, tuple(6.0 if t <= 100 else 0.3 for t in times))
    video = Video.nominal("v", LADDER_BPS, 4.0, 48)
    blind = simulate(create("marquee"), trace, video).metrics()
    seeing = simulate(Clairvoyant(), trace, video).metrics()
    assert blind.rebuffer_s > 20
    assert seeing.rebuffer_s < 1 and seeing.qoe_lin > blind.qoe_lin + 100


def test_the_ceiling_refuses_to_guess_without_a_model_that_knows_the_future():
    abr = Clairvoyant()
    abr.on_download(download_at(3e6))
    with pytest.raises(SimulationError, match="knows the link's future"):
        abr.choose(context(10.0))
    video = Video.nominal("v", LADDER_BPS, 4.0, 10)
    trace = Trace("flat", (0.0, 1.0), (2.0, 2.0))
    with pytest.raises(ValueError, match="needs the pensieve model"):
        run([trace], video, ["clairvoyant"], model=PlayerModel(), jobs=1)
    with pytest.raises(ValueError, match="foresight_s"):
        Clairvoyant(foresight_s=0)

