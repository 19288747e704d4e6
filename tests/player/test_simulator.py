"""The player model: the live scheduler on a virtual clock and a simulated link."""

from __future__ import annotations

import io
import json

import pytest

from abr.api import Abr
from abr.cli import main
from abr.registry import create
from abr.sim.session import Session
from abr.sim.traces import Trace
from abr.sim.video import Video
from player.manifest.model import Manifest, Rendition, SegmentRef, Track
from player.events import RenditionSwitched
from player.simulator import LinkTrace, Simulation, SimulationStuck
from player.sessions import PlayerModel
from tests.abr.situations import TRACES
from tests.player.abrs import Greedy

LADDER_KBPS = (300, 750, 1200, 1850, 2850, 4300)


def manifest(segments: int = 20, audio: bool = True) -> tuple[Manifest, dict[str, list[list[int]]]]:
    def rendition(rid: str, kbps: int) -> Rendition:
        segs = tuple(SegmentRef(f"{rid}/{k}", k * 4.0, 4.0, k) for k in range(segments))
        return Rendition(rid, kbps * 1000, "avc1", segs, SegmentRef(f"{rid}/init"))

    tracks = [Track("video", tuple(rendition(f"v{k}", k) for k in LADDER_KBPS))]
    sizes = {"video": [[kbps * 1000 * 4 // 8] * segments for kbps in LADDER_KBPS]}
    if audio:
        tracks.append(Track("audio", (rendition("a", 128),)))
        sizes["audio"] = [[128 * 1000 * 4 // 8] * segments]
    return Manifest("sim", "dash", segments * 4.0, tuple(tracks)), sizes


def run_cli(*argv: str, models: dict | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", *argv], out=out, err=err, models=models or {"player": PlayerModel()})
    return code, out.getvalue(), err.getvalue()


def constant(mbps: float) -> LinkTrace:
    return LinkTrace((0.0, 1.0), (mbps, mbps))


def test_a_fast_link_climbs_to_the_top_and_never_stalls() -> None:
    m, sizes = manifest()
    result = Simulation(m, sizes, create("rate"), constant(50.0)).run()
    assert result.stalls == 0 and result.rebuffer_s == 0
    assert result.startup_s == pytest.approx(0.08 + (300_000 * 4 / 8 + 64_000) / (50e6 / 8), abs=0.01)
    assert [e.rendition for _, e in result.segments][:2] == [0, 5]
    assert result.played_s == pytest.approx(80.0)
    assert result.switches == 1


def test_a_link_slower_than_the_lowest_rung_stalls_and_counts_it() -> None:
    m, sizes = manifest(segments=5, audio=False)
    result = Simulation(m, sizes, create("rate"), constant(0.15)).run()
    # Each 4 s segment of 300 kbit/s takes 8 s at 150 kbit/s: the viewer waits about 4 s per segment.
    assert result.stalls >= 3
    assert result.rebuffer_s == pytest.approx(result.end_s - result.startup_s - 20.0, abs=1.0)
    assert all(e.rendition == 0 for _, e in result.segments)


def test_bandwidth_is_shared_between_video_and_audio() -> None:
    m, sizes = manifest(segments=1)
    result = Simulation(m, sizes, create("rate"), constant(1.0), latency_s=0.0).run()
    video_bytes, audio_bytes = 150_000, 64_000
    # Both share 1 Mbit/s until audio finishes, then video has it all.
    expected = (2 * audio_bytes + (video_bytes - audio_bytes)) * 8 / 1e6
    assert result.segments[0][1].elapsed_s == pytest.approx(expected, rel=1e-6)


def test_the_trace_loops_and_rates_change_at_their_times() -> None:
    link = LinkTrace((0.0, 2.0, 4.0), (0.0, 8.0, 16.0))
    assert link.rate_at(1.0) == (1e6, 2.0)
    assert link.rate_at(3.0) == (2e6, 4.0)
    assert link.rate_at(5.0) == (1e6, 6.0)


def test_a_loop_whose_length_is_not_exact_in_binary_still_moves_on_at_every_loop_end() -> None:
    times = [0.0]
    for duration in (1.126, 10.126, 3.786, 1.279, 4.698):  # as in a 3G log; 21.015 s per loop
        times.append(times[-1] + duration)
    link = LinkTrace(tuple(times), (0.02,) * len(times))
    period = times[-1]
    # k * period less k loops rounds to the loop's end for some k (27 is one): the next change
    # must still lie ahead, or a simulation standing at that instant never moves on.
    assert all(link.rate_at(k * period)[1] > k * period for k in range(1, 2000))
    m, sizes = manifest(segments=10, audio=False)  # 10 x 150 kB at 20 kbit/s: past 27 loops
    result = Simulation(m, sizes, create("rate"), link).run()
    assert result.played_s == pytest.approx(40.0) and result.end_s > 27 * period


class _StandingLink(LinkTrace):
    """A link whose rate never changes hands on: the clock cannot move past t = 1 s."""

    def rate_at(self, t: float) -> tuple[float, float]:
        return 0.0, max(t, 1.0)


def test_a_simulation_whose_clock_stops_is_an_error_not_a_hang() -> None:
    m, sizes = manifest(segments=2, audio=False)
    with pytest.raises(SimulationStuck, match="stopped at 1.000 s"):
        Simulation(m, sizes, create("rate"), _StandingLink((0.0, 5.0), (0.0, 0.0))).run()


def test_the_player_model_plays_out_a_3g_log_that_once_stood_still_at_a_loop_end() -> None:
    trace = TRACES / "sabre/network/3Glogs/report.2011-02-01_1000CET.json"
    code, out, err = run_cli("--traces", str(trace), "--model", "player", "--algorithms", "rate,marquee",
                             "--video", str(TRACES / "sabre/video/bbb.json"), "--json", "--jobs", "1")
    assert code == 0, err
    rows = json.loads(out)["traces"]
    assert [r["algorithm"] for r in rows] == ["rate", "marquee"]
    assert all(r["rebuffer_ratio"] > 0.5 for r in rows)  # 56 kbit/s on average: mostly waiting


class _StandingModel:
    """The player model over a link that stands still at 1 s."""

    name = "standing"

    def simulate(self, abr: Abr, trace: Trace, video: Video) -> Session:
        m, sizes = manifest(segments=2, audio=False)
        Simulation(m, sizes, abr, _StandingLink((0.0, 5.0), (0.0, 0.0))).run()
        raise AssertionError("unreachable: the simulation stands still")


def test_a_stuck_simulation_is_reported_naming_trace_and_algorithm_not_raised() -> None:
    code, _, err = run_cli("--traces", str(TRACES / "pensieve_hsdpa_test/norway_bus_1"), "--model", "standing",
                           "--algorithms", "bba", "--jobs", "1", models={"standing": _StandingModel()})
    assert code == 2
    assert "norway_bus_1, bba, standing model: the simulated clock stopped at 1.000 s" in err
    assert "Traceback" not in err


def test_same_inputs_same_session() -> None:
    m, sizes = manifest()
    link = LinkTrace((0.0, 5.0, 10.0, 15.0), (0.0, 3.0, 0.8, 6.0))
    runs = [Simulation(m, sizes, create("bola"), link).run() for _ in range(2)]
    assert runs[0].events == runs[1].events


def test_abandonment_advice_is_followed_in_the_simulated_link() -> None:
    m, sizes = manifest(segments=30, audio=False)
    link = LinkTrace((0.0, 10.0, 200.0), (0.0, 40.0, 0.4))  # fast for 10 s, then almost nothing
    result = Simulation(m, sizes, Greedy(), link).run()
    late = [e for t, e in result.segments if t > 10.5]
    assert late and late[0].rendition == 0 and late[0].reason == "abandon"  # the top download was given up
    reasons = {e.reason for _, e in result.events if isinstance(e, RenditionSwitched)}
    assert "abandon" in reasons and result.stalls == 0
