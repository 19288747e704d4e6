import json

import pytest

from abr.sim.manifest import read_video
from abr.sim.traces import TraceError, read_trace, read_traces, trace_files
from abr.sim.video import VideoError
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


def test_videos_from_every_description(tmp_path):
    pensieve = read_video(TRACES / "pensieve_video")
    assert [r.bitrate_bps for r in pensieve.ladder] == [300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000]
    assert len(pensieve.sizes) == 49 and pensieve.sizes[0][0] == 181801
    sabre = read_video(TRACES / "sabre/video/bbb.json")
    assert sabre.segment_duration_s == 3.0 and len(sabre.ladder) == 10 and len(sabre.sizes) == 199
    assert sabre.sizes[0][0] == 886360 // 8
    dash = read_video(TRACES / "pensieve_video/Manifest.mpd")
    assert [r.bitrate_bps for r in dash.ladder] == [r.bitrate_bps for r in pensieve.ladder]
    assert dash.segment_duration_s == pytest.approx(359408 / 90000)
    assert len(dash.sizes) == 49  # 193.68 s / 3.99 s
    (tmp_path / "v1.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n#EXT-X-BYTERANGE:1000@0\nv1.mp4\n"
        "#EXTINF:4.0,\n#EXT-X-BYTERANGE:1200@1000\nv1.mp4\n#EXT-X-ENDLIST\n")
    (tmp_path / "v2.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\nb.ts\n#EXT-X-ENDLIST\n")
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\nv2.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\nv1.m3u8\n")
    hls = read_video(tmp_path / "master.m3u8")
    assert [r.bitrate_bps for r in hls.ladder] == [500_000, 2_000_000]
    assert hls.sizes == ((1000, 1_000_000), (1200, 1_000_000))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(VideoError, match="unknown video description"):
        read_video(tmp_path / "notes.txt")


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


def _period(period_id, attributes, representations):
    return f'<Period id="{period_id}" {attributes}><AdaptationSet mimeType="video/mp4">{representations}</AdaptationSet></Period>'


def test_an_mpd_with_a_pre_roll_plays_its_periods_in_order_on_the_longest_periods_ladder(tmp_path):
    ad = "".join(
        f'<Representation id="ad{b}" bandwidth="{b}" width="640" height="360"><SegmentList timescale="1" duration="4">'
        + "".join(f'<SegmentURL mediaRange="{k * size}-{(k + 1) * size - 1}"/>' for k in range(2))
        + "</SegmentList></Representation>"
        for b, size in ((400_000, 150_000), (1_500_000, 700_000)))
    title = ('<SegmentTemplate timescale="1000" duration="4000" media="$RepresentationID$/$Number$.m4s"/>'
             + "".join(f'<Representation id="t{b}" bandwidth="{b}" width="{w}" height="{h}"/>'
                       for b, w, h in ((300_000, 480, 270), (800_000, 960, 540), (2_000_000, 1920, 1080))))
    (tmp_path / "show.mpd").write_text(
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT28S">'
        + _period("ad", 'start="PT0S"', ad) + _period("title", 'start="PT8S"', title) + "</MPD>")
    video = read_video(tmp_path / "show.mpd")
    assert [r.bitrate_bps for r in video.ladder] == [300_000, 800_000, 2_000_000]
    assert video.ladder[2].height == 1080 and video.segment_duration_s == 4.0
    assert len(video.sizes) == 2 + 5  # 8 s of ad, then 20 s of title
    assert video.sizes[:2] == ((150_000, 150_000, 700_000),) * 2  # each rung: the richest ad rendition not above it
    assert video.sizes[2] == (150_000, 400_000, 1_000_000)


def test_a_period_cut_into_other_segment_durations_is_recut_onto_the_main_periods_grid(tmp_path):
    def ad(sizes):  # 4 s segments with byte ranges
        ranges, start = [], 0
        for size in sizes:
            ranges.append(f'<SegmentURL mediaRange="{start}-{start + size - 1}"/>')
            start += size
        return ('<Representation id="ad" bandwidth="500000" width="640" height="360">'
                f'<SegmentList timescale="1" duration="4">{"".join(ranges)}</SegmentList></Representation>')
    title = ('<SegmentTemplate timescale="1" duration="5" media="$Number$.m4s"/>'
             '<Representation id="v" bandwidth="800000" width="640" height="360"/>')
    (tmp_path / "mixed.mpd").write_text(
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
        + _period("ad", 'duration="PT12S"', ad([400, 800, 1200])) + _period("title", 'duration="PT60S"', title)
        + _period("bumper", 'duration="PT4S"', ad([999])) + "</MPD>")
    video = read_video(tmp_path / "mixed.mpd")
    assert video.segment_duration_s == 5.0
    # 12 s of ad in two 5 s segments, the second absorbing the rest: 0-5 s holds the first segment and
    # a quarter of the second, evenly spread; then twelve title segments; then the 4 s bumper as one
    assert [row[0] for row in video.sizes] == [600, 1800] + [500_000] * 12 + [999]


def test_a_template_period_of_unknown_length_is_refused_clearly(tmp_path):
    (tmp_path / "open.mpd").write_text(
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
        + _period("p0", "", '<SegmentTemplate timescale="1" duration="4" media="$Number$.m4s"/>'
                  '<Representation id="v" bandwidth="500000"/>') + "</MPD>")
    with pytest.raises(VideoError, match="period 'p0' has no duration, so its segments cannot be counted"):
        read_video(tmp_path / "open.mpd")


@pytest.mark.parametrize(("representation", "message"), [
    ('<Representation id="v" bandwidth="fast" width="640"><SegmentTemplate duration="4"/></Representation>',
     "Representation@bandwidth is 'fast', not a positive number"),
    ('<Representation id="v" bandwidth="-5" width="640"><SegmentTemplate duration="4"/></Representation>',
     "Representation@bandwidth is '-5', not a positive number"),
    ('<Representation id="v" bandwidth="9000" width="wide"><SegmentTemplate duration="4"/></Representation>',
     "Representation@width is 'wide', not a non-negative number"),
    ('<Representation id="v" bandwidth="9000" width="640"><SegmentTemplate timescale="0" duration="4"/></Representation>',
     "SegmentTemplate@timescale is '0', not a positive number"),
    ('<Representation id="v" bandwidth="9000" width="640"><SegmentTemplate duration="soon"/></Representation>',
     "SegmentTemplate@duration is 'soon', not a non-negative number"),
    ('<Representation id="v" bandwidth="9000" width="640"><SegmentList duration="4">'
     '<SegmentURL mediaRange="100-10"/></SegmentList></Representation>',
     "SegmentURL@mediaRange is '100-10', not a byte range first-last"),
    ('<Representation id="v" bandwidth="9000" width="640"><SegmentTemplate><SegmentTimeline><S d="x"/>'
     '</SegmentTimeline></SegmentTemplate></Representation>',
     "S@d is 'x', not a positive number"),
])
def test_a_damaged_mpd_number_is_a_clear_error_naming_the_file_and_attribute(tmp_path, representation, message):
    (tmp_path / "bad.mpd").write_text('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
                                      + _period("p", 'duration="PT20S"', representation) + "</MPD>")
    with pytest.raises(VideoError) as error:
        read_video(tmp_path / "bad.mpd")
    assert str(error.value) == f"{tmp_path / 'bad.mpd'}: {message}"


def test_a_timeline_entry_repeated_until_the_period_ends_fills_the_period(tmp_path):
    timeline = ('<SegmentTemplate timescale="10"><SegmentTimeline><S t="0" d="20" r="1"/><S d="40" r="-1"/>'
                '</SegmentTimeline></SegmentTemplate><Representation id="v" bandwidth="800000" width="640"/>')
    (tmp_path / "open.mpd").write_text('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
                                       + _period("p", 'duration="PT20S"', timeline) + "</MPD>")
    video = read_video(tmp_path / "open.mpd")
    assert video.segment_duration_s == 4.0  # 2 x 2 s, then 4 s to 20 s: the two short ones make one
    assert [row[0] for row in video.sizes] == [400_000] * 5


def test_a_damaged_hls_variant_is_a_clear_error_naming_the_playlist(tmp_path):
    (tmp_path / "v.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n#EXT-X-BYTERANGE:lots\nv.mp4\n"
                                     "#EXT-X-ENDLIST\n")
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nv.m3u8\n")
    with pytest.raises(VideoError, match=r"v.m3u8: EXT-X-BYTERANGE 'lots' is not length\[@offset\]"):
        read_video(tmp_path / "master.m3u8")
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=0,RESOLUTION=640x360\nv.m3u8\n")
    with pytest.raises(VideoError, match="master.m3u8: variant v.m3u8 has no positive BANDWIDTH"):
        read_video(tmp_path / "master.m3u8")
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=640x360\nv.m3u8\n")
    with pytest.raises(VideoError, match="master.m3u8: a tag lacks its BANDWIDTH attribute"):
        read_video(tmp_path / "master.m3u8")


def test_hls_segments_of_varying_duration_are_recut_onto_the_typical_one(tmp_path):
    durations, sizes = (6, 6, 3, 3, 6, 2), (600, 600, 300, 450, 600, 100)
    for name, factor in (("low", 1), ("high", 2)):
        (tmp_path / f"{name}.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:6\n" + "".join(
            f"#EXTINF:{d}.0,\n#EXT-X-BYTERANGE:{size * factor}\n{name}.mp4\n" for d, size in zip(durations, sizes))
            + "#EXT-X-ENDLIST\n")
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nlow.m3u8\n"
                                          "#EXT-X-STREAM-INF:BANDWIDTH=2000\nhigh.m3u8\n")
    video = read_video(tmp_path / "master.m3u8")
    assert video.segment_duration_s == 6.0
    # 26 s in 6 s segments: the two 3 s ones make one, and the last 2 s joins the segment before
    assert video.sizes == ((600, 1200), (600, 1200), (750, 1500), (700, 1400))
