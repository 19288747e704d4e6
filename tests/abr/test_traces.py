import json

import pytest

from abr.sim.traces import TraceError, read_trace, read_traces, trace_files
from abr.sim.video import Video, VideoError, read_video
from tests.abr.situations import TRACES


def test_cooked_format(tmp_path):
    path = tmp_path / "cooked"
    path.write_text("0.0 1.5\n1.0 2.5\n\n3.0 0.5\n")
    trace = read_trace(path)
    assert trace.times_s == (0.0, 1.0, 3.0) and trace.mbps == (1.5, 2.5, 0.5)
    assert trace.mean_mbps() == pytest.approx((2.5 * 1 + 0.5 * 2) / 3)
    assert trace.latency_s is None


def test_mahimahi_format_is_binned_per_second(tmp_path):
    path = tmp_path / "trace.down"
    # 3 packets in the first second, 1 in the second
    path.write_text("5\n200\n999\n1500\n")
    trace = read_trace(path)
    assert trace.times_s == (0.0, 1.0, 2.0)
    assert trace.mbps[1:] == pytest.approx((3 * 12000 / 1e6, 1 * 12000 / 1e6))


def test_sabre_format_keeps_latency(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps([{"duration_ms": 1000, "bandwidth_kbps": 2000, "latency_ms": 100},
                                {"duration_ms": 500, "bandwidth_kbps": 500, "latency_ms": 100}]))
    trace = read_trace(path)
    assert trace.times_s == (0.0, 1.0, 1.5) and trace.mbps[1:] == (2.0, 0.5)
    assert trace.latency_s == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("0 1\n1 x\n", 2, "not a number"),
        ("0 1\n1 2 3\n", 2, "expected 'seconds Mbit/s'"),
        ("0 1\n2 1\n1 1\n", 3, "goes back"),
        ("0 1\n1 -2\n", 2, "non-negative"),
        ("10\n20\nabc\n", 3, "integer millisecond"),
        ('[\n {"duration_ms": 1000, "bandwidth_kbps": 100},\n {"duration_ms": 1000}\n]', 3, "bandwidth_kbps"),
        ('[\n {"duration_ms": 1000, "bandwidth_kbps": 100},\n', 3, "invalid JSON"),
    ],
)
def test_malformed_traces_name_file_and_line(tmp_path, content, line, fragment):
    path = tmp_path / "bad"
    path.write_text(content)
    with pytest.raises(TraceError) as excinfo:
        read_trace(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}:{line}:")
    assert fragment in message


def test_empty_and_zero_traces_are_refused(tmp_path):
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "dead").write_text("0 0\n1 0\n")
    for name in ("empty", "dead"):
        with pytest.raises(TraceError, match=f"{name}:1:"):
            read_trace(tmp_path / name)


def test_directories_are_walked_in_sorted_order_without_readmes(tmp_path):
    (tmp_path / "b").write_text("0 1\n1 1\n")
    (tmp_path / "a").write_text("0 1\n1 1\n")
    (tmp_path / "README.md").write_text("# notes\n")
    assert [p.name for p in trace_files([tmp_path])] == ["a", "b"]
    assert [t.name for t in read_traces([tmp_path])] == ["a", "b"]
    with pytest.raises(TraceError, match="no such file"):
        trace_files([tmp_path / "missing"])


def test_videos_from_size_files_and_sabre_json(tmp_path):
    pensieve = read_video(TRACES / "pensieve_video")
    assert [r.bitrate_bps for r in pensieve.ladder] == [300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000]
    assert len(pensieve.sizes) == 49 and pensieve.sizes[0][0] == 181801
    assert read_video(TRACES / "pensieve_video" / "video_size_0") == pensieve
    sabre = read_video(TRACES / "sabre/video/bbb.json")
    assert sabre.segment_duration_s == 3.0 and len(sabre.ladder) == 10 and len(sabre.sizes) == 199
    assert sabre.sizes[0][0] == 886360 // 8
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(VideoError, match="unknown video description"):
        read_video(tmp_path / "notes.txt")


def test_a_manifest_needs_the_reader_it_is_handed(tmp_path):
    with pytest.raises(VideoError, match="manifests are read by the player's parser"):
        read_video(tmp_path / "show.mpd")
    seen = []
    video = Video.nominal("stand-in", [500_000], 4.0, 3)
    assert read_video("https://cdn.example/show/master.m3u8", lambda spec: seen.append(spec) or video) is video
    assert seen == ["https://cdn.example/show/master.m3u8"]


def test_a_trace_entered_later_keeps_its_loop():
    trace = read_trace(TRACES / "pensieve_hsdpa_test" / "norway_bus_10")
    later = trace.starting_at(10)
    assert later.duration_s == pytest.approx(trace.duration_s)
    assert later.mean_mbps() == pytest.approx(trace.mean_mbps())
    assert later.mbps[1:] == trace.mbps[11:] + trace.mbps[1:11]
    assert later.times_s[1] == pytest.approx(trace.times_s[11] - trace.times_s[10])
    assert later.name == f"norway_bus_10@{trace.times_s[10]:g}s"
    assert trace.starting_at(0) is trace


def test_a_scaled_trace_is_the_same_network_so_many_times_as_fast():
    trace = read_trace(TRACES / "sabre" / "network" / "network_example.json")
    half = trace.scaled(0.5)
    assert half.mean_mbps() == pytest.approx(trace.mean_mbps() / 2)
    assert half.times_s == trace.times_s and half.latency_s == trace.latency_s
    assert half.name == "network_example.jsonx0.5"
    assert trace.scaled(1) is trace
    for factor in (0, -2, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive number"):
            trace.scaled(factor)


def test_start_points_are_spread_over_the_loop():
    trace = read_trace(TRACES / "pensieve_hsdpa_test" / "norway_bus_10")
    starts = trace.start_points(4)
    assert len(starts) == 4 and starts[0] is trace
    offsets = [float(t.name.rsplit("@", 1)[1][:-1]) for t in starts[1:]]
    assert offsets == sorted(offsets) and offsets[0] > 0 and offsets[-1] < trace.duration_s
    short = read_trace(TRACES / "sabre" / "network" / "network_example.json")
    assert len(short.start_points(10)) == len(short.times_s) - 1  # never the same start twice
    with pytest.raises(ValueError, match="at least 1"):
        trace.start_points(0)
    with pytest.raises(ValueError, match="outside"):
        trace.starting_at(len(trace.times_s) - 1)
