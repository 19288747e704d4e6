"""Manifest shapes from other packagers, played end to end through the player core and libmpv.

Each test lays media out as a common packager would (ffmpeg's DASH and HLS muxers, single-file
representations with byte ranges, a ``sidx``-indexed file) and serves it over real HTTP."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from drm import bmff
from player.videos import read_manifest_video
from tests.player.origin import serve
from tests.playing import play_to_end

SOURCE = ["-f", "lavfi", "-i", "testsrc2=s=640x360:r=24", "-f", "lavfi", "-i", "sine=f=300:sample_rate=48000",
          "-t", "8", "-filter_complex", "[0:v]split=2[a][b];[b]scale=320:180[b2]",
          "-map", "[a]", "-map", "[b2]", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
          "-g", "48", "-keyint_min", "48", "-sc_threshold", "0", "-b:v:0", "1000k", "-b:v:1", "300k", "-c:a", "aac"]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def play(url: str) -> dict:
    return play_to_end(url).as_dict()


def assert_clean(summary: dict, *, renditions: int = 2) -> None:
    assert summary["errors"] == [] and summary["ended"]
    assert len(summary["renditions"]) >= renditions
    assert summary["played_s"] == pytest.approx(8.0, abs=0.6)


@pytest.fixture(scope="module")
def dash_timeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("timeline")
    ffmpeg(*SOURCE, "-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "1",
           "-hls_playlist", "1", "-adaptation_sets", "id=0,streams=v id=1,streams=a", str(out / "manifest.mpd"))
    return out


def test_dash_segment_template_with_timeline(dash_timeline: Path) -> None:
    with serve(dash_timeline) as base:
        assert_clean(play(base + "manifest.mpd"))


def test_hls_fmp4_from_ffmpeg(dash_timeline: Path) -> None:
    with serve(dash_timeline) as base:
        assert_clean(play(base + "master.m3u8"))


def test_dash_number_template_without_timeline(tmp_path: Path) -> None:
    ffmpeg(*SOURCE, "-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "0",
           "-adaptation_sets", "id=0,streams=v id=1,streams=a", str(tmp_path / "manifest.mpd"))
    assert "SegmentTimeline" not in (tmp_path / "manifest.mpd").read_text()
    with serve(tmp_path) as base:
        assert_clean(play(base + "manifest.mpd"))


def test_dash_single_file_segment_list_with_byte_ranges(tmp_path: Path) -> None:
    ffmpeg(*SOURCE, "-f", "dash", "-seg_duration", "2", "-single_file", "1",
           "-adaptation_sets", "id=0,streams=v id=1,streams=a", str(tmp_path / "manifest.mpd"))
    assert "mediaRange" in (tmp_path / "manifest.mpd").read_text()
    with serve(tmp_path) as base:
        assert_clean(play(base + "manifest.mpd"))


def test_dash_segment_base_indexed_by_sidx(tmp_path: Path) -> None:
    flags = "+frag_keyframe+empty_moov+default_base_moof+global_sidx+skip_trailer"
    reps, media_bytes = [], []
    for name, size, kbps in (("lo", "320x180", 300), ("hi", "640x360", 1000)):
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={size}:r=24", "-t", "8", "-c:v", "libx264", "-preset", "ultrafast",
               "-b:v", f"{kbps}k", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0", "-movflags", flags,
               "-f", "mp4", str(tmp_path / f"{name}.mp4"))
        boxes = {b.type: b for b in bmff.iter_boxes((tmp_path / f"{name}.mp4").read_bytes())}
        moov, sidx = boxes["moov"], boxes["sidx"]
        media_bytes.append((tmp_path / f"{name}.mp4").stat().st_size - sidx.end)  # the fragments after the index
        reps.append(
            f'<Representation id="{name}" bandwidth="{kbps * 1000}" codecs="avc1.42c01e" width="{size.split("x")[0]}"'
            f' height="{size.split("x")[1]}"><BaseURL>{name}.mp4</BaseURL><SegmentBase indexRange="{sidx.offset}-'
            f'{sidx.end - 1}"><Initialization range="0-{moov.end - 1}"/></SegmentBase></Representation>'
        )
    (tmp_path / "manifest.mpd").write_text(
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT8S"><Period><AdaptationSet contentType="video" mimeType="video/mp4">'
        + "".join(reps) + "</AdaptationSet></Period></MPD>"
    )
    with serve(tmp_path) as base:
        assert_clean(play(base + "manifest.mpd"))
        video = read_manifest_video(base + "manifest.mpd")  # simulators read the sizes from the index too
    assert len(video.sizes) == 4 and [sum(column) for column in zip(*video.sizes)] == media_bytes


def test_dash_multi_period_plays_back_to_back(tmp_path: Path) -> None:
    """Two periods whose media both start at time zero, with different sizes and timescales."""
    periods = []
    for name, size, timescale, pattern in (("p1", "640x360", 12288, "testsrc2"), ("p2", "480x270", 90000, "smptebars")):
        folder = tmp_path / name
        folder.mkdir()
        ffmpeg("-f", "lavfi", "-i", f"{pattern}=s={size}:r=24", "-f", "lavfi", "-i", "sine=f=500:sample_rate=48000",
               "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-keyint_min", "48",
               "-sc_threshold", "0", "-video_track_timescale", str(timescale), "-c:a", "aac",
               "-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "1",
               "-adaptation_sets", "id=0,streams=v id=1,streams=a", str(folder / "manifest.mpd"))
        text = (folder / "manifest.mpd").read_text()
        body = text[text.index("<Period"):text.index("</Period>") + len("</Period>")]
        periods.append(body.replace('start="PT0.0S"', "").replace("<Period ", '<Period duration="PT6S" '
                                                                          ).replace('id="0"', f'id="{name}"', 1)
                       .replace('initialization="', f'initialization="{name}/').replace('media="', f'media="{name}/'))
    (tmp_path / "manifest.mpd").write_text(
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT12S" profiles="urn:mpeg:dash:profile:isoff-live:2011">'
        + "".join(periods) + "</MPD>")
    with serve(tmp_path) as base:
        summary = play(base + "manifest.mpd")
    assert summary["errors"] == [] and summary["ended"]
    assert summary["played_s"] == pytest.approx(12.0, abs=0.6)


def _hls_ladder(out: Path, segment_type: str, *extra: str, segment_name: str = "v%v_%03d") -> None:
    ffmpeg(*SOURCE, *extra, "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
           "-hls_segment_type", segment_type, "-master_pl_name", "master.m3u8",
           "-var_stream_map", "v:0,agroup:aud v:1,agroup:aud a:0,agroup:aud",
           "-hls_segment_filename", str(out / (segment_name + (".ts" if segment_type == "mpegts" else ".m4s"))),
           str(out / "v%v.m3u8"))


def test_hls_mpeg_ts_segments(tmp_path: Path) -> None:
    _hls_ladder(tmp_path, "mpegts")
    assert list(tmp_path.glob("*.ts"))
    with serve(tmp_path) as base:
        assert_clean(play(base + "master.m3u8"))


def test_hls_fmp4_whose_timestamps_do_not_start_at_zero(tmp_path: Path) -> None:
    _hls_ladder(tmp_path, "fmp4", "-output_ts_offset", "10")
    with serve(tmp_path) as base:
        assert_clean(play(base + "master.m3u8"))


def test_dash_base_url_failover_to_a_working_host(dash_timeline: Path) -> None:
    text = (dash_timeline / "manifest.mpd").read_text()
    with serve(dash_timeline) as base:
        mirrored = text.replace("<Period", f"<BaseURL>http://127.0.0.1:9/dead/</BaseURL><BaseURL>{base}</BaseURL><Period", 1)
        (dash_timeline / "mirrored.mpd").write_text(mirrored)
        assert_clean(play(base + "mirrored.mpd"))


def test_hls_discontinuity_with_timestamps_starting_afresh(tmp_path: Path) -> None:
    parts = []
    for name, pattern in (("a", "testsrc2"), ("b", "smptebars")):
        ffmpeg("-f", "lavfi", "-i", f"{pattern}=s=320x180:r=24", "-t", "4", "-c:v", "libx264", "-preset",
               "ultrafast", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0", "-f", "hls", "-hls_time", "2",
               "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", f"{name}-init.mp4",
               "-hls_segment_filename", str(tmp_path / f"{name}%d.m4s"), str(tmp_path / f"{name}.m3u8"))
        lines = (tmp_path / f"{name}.m3u8").read_text().splitlines()
        parts.append([line for line in lines if line.startswith(("#EXT-X-MAP", "#EXTINF")) or line.endswith(".m4s")])
    playlist = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:2", "#EXT-X-PLAYLIST-TYPE:VOD",
                *parts[0], "#EXT-X-DISCONTINUITY", *parts[1], "#EXT-X-ENDLIST"]
    (tmp_path / "joined.m3u8").write_text("\n".join(playlist) + "\n")
    with serve(tmp_path) as base:
        summary = play(base + "joined.m3u8")
    assert summary["errors"] == [] and summary["ended"]
    assert summary["played_s"] == pytest.approx(8.0, abs=0.6)


def test_hls_single_file_with_byte_ranges(tmp_path: Path) -> None:
    _hls_ladder(tmp_path, "fmp4", "-hls_flags", "single_file", segment_name="v%v")
    assert "#EXT-X-BYTERANGE" in (tmp_path / "v0.m3u8").read_text()
    with serve(tmp_path) as base:
        assert_clean(play(base + "master.m3u8"))
