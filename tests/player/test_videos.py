"""Simulator videos from manifests, read by the player's parser: files, and a title on the
reference origin over loopback HTTP with sizes from HEAD requests."""

import functools
import http.server
import json
import socket
import threading
from pathlib import Path

import pytest

from abr.sim.video import VideoError
from app.cli import main
from player.videos import read_manifest_video
from tests.abr.situations import TRACES


def test_dash_and_hls_manifests_give_the_ladder_and_the_sizes_they_state(tmp_path):
    dash = read_manifest_video(str(TRACES / "pensieve_video/Manifest.mpd"))
    assert [r.bitrate_bps for r in dash.ladder] == [300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000]
    assert dash.segment_duration_s == pytest.approx(359408 / 90000)
    assert len(dash.sizes) == 49  # 193.68 s / 3.99 s
    (tmp_path / "v1.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n#EXT-X-BYTERANGE:1000@0\nv1.mp4\n"
        "#EXTINF:4.0,\n#EXT-X-BYTERANGE:1200@1000\nv1.mp4\n#EXT-X-ENDLIST\n")
    (tmp_path / "v2.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\nb.ts\n#EXT-X-ENDLIST\n")
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\nv2.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\nv1.m3u8\n")
    hls = read_manifest_video(str(tmp_path / "master.m3u8"))
    assert [r.bitrate_bps for r in hls.ladder] == [500_000, 2_000_000] and hls.ladder[1].height == 720
    assert hls.sizes == ((1000, 1_000_000), (1200, 1_000_000))  # byte ranges; no file, so nominal
    (tmp_path / "a.ts").write_bytes(bytes(123_456))
    assert read_manifest_video(str(tmp_path / "master.m3u8")).sizes[0] == (1000, 123_456)  # the file's size


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
    video = read_manifest_video(str(tmp_path / "show.mpd"))
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
    video = read_manifest_video(str(tmp_path / "mixed.mpd"))
    assert video.segment_duration_s == 5.0
    # 12 s of ad in two 5 s segments, the second absorbing the rest: 0-5 s holds the first segment and
    # a quarter of the second, evenly spread; then twelve title segments; then the 4 s bumper as one
    assert [row[0] for row in video.sizes] == [600, 1800] + [500_000] * 12 + [999]


def test_a_template_period_of_unknown_length_is_refused_clearly(tmp_path):
    (tmp_path / "open.mpd").write_text(
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
        + _period("p0", "", '<SegmentTemplate timescale="1" duration="4" media="$Number$.m4s"/>'
                  '<Representation id="v" bandwidth="500000"/>') + "</MPD>")
    with pytest.raises(VideoError, match=r"open.mpd AdaptationSet\[0\]/Representation\[0\]: presentation duration "
                                         "unknown, cannot count segments"):
        read_manifest_video(str(tmp_path / "open.mpd"))


def test_a_damaged_or_missing_manifest_is_a_clear_error_naming_the_file(tmp_path):
    (tmp_path / "bad.mpd").write_text('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">' + _period(
        "p", 'duration="PT20S"', '<Representation id="v" bandwidth="fast"><SegmentTemplate duration="4" '
        'media="$Number$.m4s"/></Representation>') + "</MPD>")
    with pytest.raises(VideoError) as error:
        read_manifest_video(str(tmp_path / "bad.mpd"))
    assert str(error.value) == f"{tmp_path / 'bad.mpd'}: Representation@bandwidth is 'fast', not a whole number"
    with pytest.raises(VideoError) as error:
        read_manifest_video(str(tmp_path / "gone.mpd"))
    assert str(error.value) == f"{tmp_path / 'gone.mpd'}: cannot read {tmp_path / 'gone.mpd'}: No such file or directory"


def test_a_timeline_entry_repeated_until_the_period_ends_fills_the_period(tmp_path):
    timeline = ('<SegmentTemplate timescale="10" media="$Number$.m4s"><SegmentTimeline><S t="0" d="20" r="1"/><S d="40" r="-1"/>'
                '</SegmentTimeline></SegmentTemplate><Representation id="v" bandwidth="800000" width="640"/>')
    (tmp_path / "open.mpd").write_text('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
                                       + _period("p", 'duration="PT20S"', timeline) + "</MPD>")
    video = read_manifest_video(str(tmp_path / "open.mpd"))
    assert video.segment_duration_s == 4.0  # 2 x 2 s, then 4 s to 20 s: the two short ones make one
    assert [row[0] for row in video.sizes] == [400_000] * 5


def test_a_damaged_hls_variant_is_a_clear_error_naming_the_playlist(tmp_path):
    (tmp_path / "v.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n#EXT-X-BYTERANGE:lots\nv.mp4\n"
                                     "#EXT-X-ENDLIST\n")
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nv.m3u8\n")
    with pytest.raises(VideoError, match=r"v.m3u8 segment 0 \(v.mp4\): bad byte range 'lots'"):
        read_manifest_video(str(tmp_path / "master.m3u8"))
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=0,RESOLUTION=640x360\nv.m3u8\n")
    with pytest.raises(VideoError, match="master.m3u8: EXT-X-STREAM-INF #0 has no BANDWIDTH"):
        read_manifest_video(str(tmp_path / "master.m3u8"))
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nmissing.m3u8\n")
    with pytest.raises(VideoError, match="master.m3u8: cannot read .*missing.m3u8: No such file or directory"):
        read_manifest_video(str(tmp_path / "master.m3u8"))


def test_hls_segments_of_varying_duration_are_recut_onto_the_typical_one(tmp_path):
    durations, sizes = (6, 6, 3, 3, 6, 2), (600, 600, 300, 450, 600, 100)
    for name, factor in (("low", 1), ("high", 2)):
        (tmp_path / f"{name}.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:6\n" + "".join(
            f"#EXTINF:{d}.0,\n#EXT-X-BYTERANGE:{size * factor}\n{name}.mp4\n" for d, size in zip(durations, sizes))
            + "#EXT-X-ENDLIST\n")
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nlow.m3u8\n"
                                          "#EXT-X-STREAM-INF:BANDWIDTH=2000\nhigh.m3u8\n")
    video = read_manifest_video(str(tmp_path / "master.m3u8"))
    assert video.segment_duration_s == 6.0
    # 26 s in 6 s segments: the two 3 s ones make one, and the last 2 s joins the segment before
    assert video.sizes == ((600, 1200), (600, 1200), (750, 1500), (700, 1400))


def _file_sizes(folder: Path) -> list[int]:
    return [(folder / f"{k}.m4s").stat().st_size for k in range(1, 1 + len(list(folder.glob("*.m4s"))))]


@pytest.mark.parametrize("manifest", ["manifest.mpd", "master.m3u8"])
def test_a_title_on_the_origin_is_read_over_http_with_sizes_from_head_requests(backend, library, manifest):
    title = library / "media" / "aurora"
    video = read_manifest_video(f"{backend}/media/aurora/{manifest}")
    rungs = sorted((p for p in title.iterdir() if p.is_dir() and not p.name.startswith("audio")),
                   key=lambda p: int(p.name.split("-")[1].removesuffix("k")))
    assert [tuple(row) for row in zip(*(_file_sizes(rung) for rung in rungs))] == list(video.sizes)
    assert read_manifest_video(str(title / manifest)) == video  # a local copy: the files' sizes on disk
    assert video.segment_duration_s == 4.0 and [r.height for r in video.ladder] == [144, 240, 360, 480, 480]


@pytest.fixture()
def web_root(tmp_path):
    """A plain HTTP server on loopback serving ``tmp_path`` (GET and HEAD, 404 for missing files)."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_a_segment_the_server_does_not_have_weighs_its_nominal_bitrate(web_root):
    root, url = web_root
    (root / "v.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n" + "".join(
        f"#EXTINF:4.0,\n{k}.ts\n" for k in range(3)) + "#EXT-X-ENDLIST\n")
    (root / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nv.m3u8\n")
    (root / "0.ts").write_bytes(bytes(250_000))
    (root / "2.ts").write_bytes(bytes(420_000))
    assert read_manifest_video(f"{url}/master.m3u8").sizes == ((250_000,), (400_000,), (420_000,))


def test_an_unreachable_server_or_a_missing_manifest_is_a_clear_error(web_root):
    _, url = web_root
    with pytest.raises(VideoError, match=r"^" + url + "/nothing.mpd: HTTP 404$"):
        read_manifest_video(f"{url}/nothing.mpd")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(VideoError, match=f"http://127.0.0.1:{port}/show.mpd: .*ConnectError.* after 2 attempts"):
        read_manifest_video(f"http://127.0.0.1:{port}/show.mpd")


def test_marquee_abr_simulate_takes_a_manifest_url(backend, capsys):
    code = main(["abr", "simulate", "--traces", str(TRACES / "pensieve_hsdpa_test" / "norway_bus_1"),
                 "--video", f"{backend}/media/aurora/manifest.mpd", "--model", "player",
                 "--algorithms", "rate,marquee", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads(out)
    for row in report["summary"].values():
        assert 200 <= row["bitrate_kbps_mean"] <= 1600  # within the title's ladder, not Pensieve's default


def test_a_live_playlist_or_a_file_that_is_no_manifest_is_refused_clearly(tmp_path):
    (tmp_path / "v.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n0.ts\n")  # no ENDLIST: live
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nv.m3u8\n")
    with pytest.raises(VideoError, match="a live manifest lists only its window"):
        read_manifest_video(str(tmp_path / "master.m3u8"))
    (tmp_path / "photo.mpd").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(VideoError, match="photo.mpd: neither a DASH MPD nor an HLS playlist"):
        read_manifest_video(str(tmp_path / "photo.mpd"))
