"""The quick library's media: DASH and HLS manifests parsed back with mpegdash and m3u8, their
segment lists against the files, timing, real bitrates, and decoding with ffmpeg's tools."""

from __future__ import annotations

import json
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import httpx
import m3u8
import pytest
from mpegdash.parser import MPEGDASHParser

from server.content.errors import ContentError
from server.content.mp4 import iter_boxes, read_init
from server.content.profile import QUICK

from .conftest import ServerProcess

CLIPS = [c.id for c in QUICK.clips]
LADDER = QUICK.ladder
AUDIO = "audio-aac-128k"


def _catalog(library: Path) -> dict:
    return json.loads((library / "catalog.json").read_text())


def _segment_files(directory: Path) -> list[str]:
    return sorted((p.name for p in directory.glob("*.m4s")), key=lambda n: int(n.split(".")[0]))


def _timeline(template) -> list[tuple[int, int]]:
    """(start, duration) of every segment a SegmentTimeline describes."""
    out: list[tuple[int, int]] = []
    t = 0
    for s in template.segment_timelines[0].Ss:
        t = s.t if s.t is not None else t
        for _ in range((s.r or 0) + 1):
            out.append((t, s.d))
            t += s.d
    return out


def _ffprobe_json(args: list[str], data: bytes | None = None) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args], input=data,
                            capture_output=True, check=True, timeout=60)
    return json.loads(result.stdout)


@pytest.mark.parametrize("clip", CLIPS)
def test_dash_manifest_matches_the_files(quick_library: Path, clip: str) -> None:
    clip_dir = quick_library / "media" / clip
    mpd = MPEGDASHParser.parse(str(clip_dir / "manifest.mpd"))
    duration = _catalog(quick_library)["clips"][clip]["duration_s"]
    assert mpd.type == "static" and mpd.media_presentation_duration == f"PT{duration:.3f}S"
    assert len(mpd.periods) == 1
    video, audio = mpd.periods[0].adaptation_sets
    assert (video.content_type, video.mime_type) == ("video", "video/mp4")
    assert (audio.content_type, audio.mime_type) == ("audio", "audio/mp4")
    assert [r.id for r in video.representations] == [r.id for r in LADDER]
    assert [r.id for r in audio.representations] == [AUDIO]

    for adaptation, limit in ((video, 0), (audio, 1024)):
        template = adaptation.segment_templates[0]
        assert template.media == "$RepresentationID$/$Number$.m4s" and template.start_number == 1
        timeline = _timeline(template)
        total = Fraction(sum(d for _, d in timeline), template.timescale)
        # Video lasts the clip exactly; AAC ends within one frame before it.
        assert 0 <= duration - total <= Fraction(limit, template.timescale) + Fraction(1, 1000)
        for rep in adaptation.representations:
            files = _segment_files(clip_dir / rep.id)
            assert files == [f"{n}.m4s" for n in range(1, len(timeline) + 1)]
            track = read_init(clip_dir / rep.id / "init.mp4")
            assert track.timescale == template.timescale
            assert rep.codecs == track.codec
            for (start, _), name in zip(timeline, files):
                tfdt = _tfdt(clip_dir / rep.id / name)
                assert tfdt == start, (rep.id, name)
    for rep, rung in zip(video.representations, LADDER):
        assert (rep.width, rep.height) == (rung.width, rung.height)
        assert rep.codecs.startswith("avc1.64")  # High profile
        assert float(rep.frame_rate) == 24
    assert audio.representations[0].codecs == "mp4a.40.2"
    assert int(audio.representations[0].audio_sampling_rate) == 48000


def _tfdt(path: Path) -> int:
    data = path.read_bytes()
    for kind, payload, end in iter_boxes(data):
        if kind == b"moof":
            for traf_kind, traf, traf_end in iter_boxes(data, payload, end):
                if traf_kind == b"traf":
                    for box, body, _ in iter_boxes(data, traf, traf_end):
                        if box == b"tfdt":
                            fmt = ">Q" if data[body] == 1 else ">I"
                            return struct.unpack_from(fmt, data, body + 4)[0]
    raise AssertionError(f"{path}: no tfdt")


@pytest.mark.parametrize("clip", CLIPS)
def test_hls_playlists_match_the_files_and_the_mpd(quick_library: Path, clip: str) -> None:
    clip_dir = quick_library / "media" / clip
    master = m3u8.load(str(clip_dir / "master.m3u8"))
    assert master.is_variant and master.is_independent_segments
    (audio,) = master.media
    assert (audio.type, audio.group_id, audio.default, audio.uri) == \
        ("AUDIO", "audio", "YES", f"{AUDIO}/playlist.m3u8")
    assert [p.uri for p in master.playlists] == [f"{r.id}/playlist.m3u8" for r in LADDER]
    mpd = MPEGDASHParser.parse(str(clip_dir / "manifest.mpd"))
    dash_video = {r.id: r for r in mpd.periods[0].adaptation_sets[0].representations}
    for variant, rung in zip(master.playlists, LADDER):
        info = variant.stream_info
        assert info.resolution == (rung.width, rung.height)
        assert info.frame_rate == 24.0 and info.audio == "audio"
        assert info.codecs == f"{dash_video[rung.id].codecs},mp4a.40.2"
        assert info.bandwidth >= info.average_bandwidth > rung.bitrate_k * 1000 * 0.6

    for rendition in [r.id for r in LADDER] + [AUDIO]:
        playlist = m3u8.load(str(clip_dir / rendition / "playlist.m3u8"))
        assert playlist.version == 7 and playlist.playlist_type == "vod" and playlist.is_endlist
        assert playlist.is_independent_segments
        assert playlist.segment_map[0].uri == "init.mp4"
        assert [s.uri for s in playlist.segments] == _segment_files(clip_dir / rendition)
        assert all(round(s.duration) <= playlist.target_duration for s in playlist.segments)
        adaptation = mpd.periods[0].adaptation_sets[1 if rendition == AUDIO else 0]
        template = adaptation.segment_templates[0]
        expected = [d / template.timescale for _, d in _timeline(template)]
        assert [s.duration for s in playlist.segments] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("clip", CLIPS)
def test_renditions_differ_in_real_bitrate(quick_library: Path, clip: str) -> None:
    duration = _catalog(quick_library)["clips"][clip]["duration_s"]
    rates = []
    for rung in LADDER:
        size = sum(p.stat().st_size for p in (quick_library / "media" / clip / rung.id).glob("*.m4s"))
        rates.append(size * 8 / duration)
        assert 0.6 * rung.bitrate_k * 1000 < rates[-1] < 1.3 * rung.bitrate_k * 1000, rung.id
    assert rates == sorted(rates) and len(set(rates)) == len(rates)


@pytest.mark.parametrize("rendition", [r.id for r in LADDER] + [AUDIO])
def test_ffprobe_decodes_a_segment_of_each_rendition(quick_library: Path, rendition: str) -> None:
    directory = quick_library / "media" / "aurora" / rendition
    data = (directory / "init.mp4").read_bytes() + (directory / "2.m4s").read_bytes()
    probe = _ffprobe_json(["-count_frames", "-show_entries",
                           "stream=codec_name,profile,width,height,channels,sample_rate,nb_read_frames",
                           "-"], data)
    (stream,) = probe["streams"]
    if rendition == AUDIO:
        assert (stream["codec_name"], stream["profile"], stream["channels"]) == ("aac", "LC", 2)
        assert stream["sample_rate"] == "48000"
        assert int(stream["nb_read_frames"]) in (187, 188)  # ~4 s of 1024-sample frames
    else:
        rung = next(r for r in LADDER if r.id == rendition)
        assert (stream["codec_name"], stream["profile"]) == ("h264", "High")
        assert (stream["width"], stream["height"]) == (rung.width, rung.height)
        assert int(stream["nb_read_frames"]) == 96


@pytest.mark.parametrize("rendition", [r.id for r in LADDER])
def test_each_segment_is_one_closed_gop_without_in_band_parameter_sets(
        quick_library: Path, rendition: str) -> None:
    directory = quick_library / "media" / "fractal" / rendition
    for name in _segment_files(directory):
        data = (directory / name).read_bytes()
        nal_types = []
        for kind, payload, end in iter_boxes(data):
            if kind == b"mdat":
                pos = payload
                while pos < end:  # AVC samples: 4-byte length-prefixed NAL units
                    length = struct.unpack_from(">I", data, pos)[0]
                    nal_types.append(data[pos + 4] & 0x1F)
                    pos += 4 + length
        assert nal_types.count(5) == 1, name  # exactly one IDR picture, and it is the first
        assert next(t for t in nal_types if t in (1, 5)) == 5, name
        assert not {7, 8} & set(nal_types), f"{name}: SPS/PPS in band"


def test_ffmpeg_plays_the_hls_master_and_the_mpd_over_http(server: ServerProcess,
                                                           quick_library: Path) -> None:
    duration = _catalog(quick_library)["clips"]["fractal"]["duration_s"]
    for manifest in ("master.m3u8", "manifest.mpd"):
        url = f"{server.url}/media/fractal/{manifest}"
        probe = _ffprobe_json(["-show_entries", "stream=codec_type:format=duration", url])
        kinds = [s["codec_type"] for s in probe["streams"]]
        assert kinds.count("video") == len(LADDER) and kinds.count("audio") >= 1
        assert float(probe["format"]["duration"]) == pytest.approx(duration, abs=0.1)
    result = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", f"{server.url}/media/fractal/master.m3u8",
                             "-map", "0:v:0", "-map", "0:a:0", "-f", "null", "-"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr.strip() == ""


def test_manifests_are_served_with_cors(http: httpx.Client) -> None:
    for path in ("/media/aurora/manifest.mpd", "/media/aurora/master.m3u8",
                 "/media/aurora/audio-aac-128k/playlist.m3u8"):
        assert http.get(path).headers["access-control-allow-origin"] == "*"


def test_mp4_reader_rejects_truncated_boxes() -> None:
    with pytest.raises(ContentError, match="bad size"):
        list(iter_boxes(struct.pack(">I4s", 64, b"moof") + b"\0" * 8))
    with pytest.raises(ContentError, match="truncated"):
        list(iter_boxes(b"\0\0\0"))
