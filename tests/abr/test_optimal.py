import itertools

import pytest

from abr.api import Rendition
from abr.sim.video import read_video
from abr.sim.optimal import Replay, optimal
from abr.sim.pensieve import PensieveModel, simulate
from abr.sim.traces import Trace, read_trace
from abr.sim.video import Video
from tests.abr.situations import TRACES



def brute_force(trace: Trace, video: Video, model: PensieveModel) -> float:
    chunks = min(model.chunks, len(video.sizes))
    best = float("-inf")
    for tail in itertools.product(range(len(video.ladder)), repeat=chunks - 1):
        schedule = (model.default_rendition, *tail)
        best = max(best, simulate(Replay(schedule), trace, video, model).metrics().qoe_lin)
    return best


@pytest.mark.parametrize("name", ["pensieve_hsdpa_test/norway_bus_1", "pensieve_hsdpa_test/norway_tram_10",
                                  "fcc_test_genet/trace_10322_http---edition.cnn.com_0"])
def test_matches_brute_force_on_the_first_five_segments_of_real_traces(name):
    video = read_video(TRACES / "pensieve_video").truncated(5)
    trace = read_trace(TRACES / name)
    model = PensieveModel(chunks=5)
    found = optimal(trace, video, model)
    exact = brute_force(trace, video, model)
    assert found.qoe_lin == pytest.approx(exact, abs=1e-9)
    assert exact <= found.upper_bound + 1e-9
    assert found.session.metrics().qoe_lin == found.qoe_lin


def test_matches_brute_force_when_the_buffer_cap_forces_sleeps():
    # a fast-then-slow link and a 6 s cap: the sleeps push downloads into the slow part
    times = tuple(float(t) for t in range(200))
    trace = Trace("fast-then-slow", times, tuple(6.0 if t < 12 else 0.7 for t in times))
    video = Video("v", 4.0, tuple(Rendition(b) for b in (300_000, 1_200_000, 4_300_000)),
                  tuple((150_000, 600_000, 2_150_000) for _ in range(7)))
    model = PensieveModel(chunks=7, buffer_cap_ms=6000.0)
    found = optimal(trace, video, model, resolution_s=0.001)
    exact = brute_force(trace, video, model)
    assert any(c.sleep_s > 0 for c in found.session.chunks)
    assert found.qoe_lin == pytest.approx(exact, abs=1e-9)
    assert exact <= found.upper_bound + 1e-9


def test_upper_bound_is_tight_on_a_full_trace():
    video = read_video(TRACES / "pensieve_video")
    found = optimal(read_trace(TRACES / "pensieve_hsdpa_test/norway_bus_10"), video)
    assert found.qoe_lin <= found.upper_bound <= found.qoe_lin * 1.01
    assert len(found.renditions) == 48
