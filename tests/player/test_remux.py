"""Rendition switches decode cleanly: the remuxer carries parameter sets in band and normalises
timescales, so one continuous stream with one init plays across any switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from drm import bmff
from player.remux import Remuxer, RemuxError
from tests.player.media import Rendition, decode, encode_rendition, with_track_id


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rendition, Rendition]:
    out = tmp_path_factory.mktemp("ladder")
    low = encode_rendition(out, "low", size="320x180", kbps=300, timescale=12288, profile="baseline")
    high = encode_rendition(out, "high", size="640x360", kbps=900, timescale=90000, profile="high")
    return low, high


def _plan(low: Rendition, high: Rendition) -> list[tuple[int, Rendition, int]]:
    """Low, high, high, low: two switches, the second back to the stream's first rendition."""
    return [(0, low, 0), (1, high, 1), (1, high, 2), (0, low, 3)]


def test_switch_without_remux_is_broken(ladder: tuple[Rendition, Rendition], tmp_path: Path) -> None:
    """The failure the remuxer exists for: naive concatenation garbles the frames after a switch."""
    low, high = ladder
    stream = low.init + b"".join(r.segments[i] for _, r, i in _plan(low, high))
    frames, errors, sizes = decode(stream, tmp_path)
    assert errors, "plain concatenation unexpectedly decoded the switch cleanly"


def test_switches_decode_every_frame(ladder: tuple[Rendition, Rendition], tmp_path: Path) -> None:
    low, high = ladder
    remuxer = Remuxer("video")
    stream = b"".join(
        remuxer.push(str(index), r.init, r.segments[i]) for index, r, i in _plan(low, high)
    )
    frames, errors, sizes = decode(stream, tmp_path)
    assert errors == []
    assert frames == 4 * 48
    assert sizes == {"320,180", "640,360"}


def test_timescale_is_normalised_to_the_first_init(ladder: tuple[Rendition, Rendition]) -> None:
    low, high = ladder
    remuxer = Remuxer("video")
    remuxer.push("low", low.init, low.segments[0])
    out = remuxer.push("high", high.init, high.segments[1])
    fragment = next(bmff.iter_fragments(out))
    traf = fragment.trafs[0]
    assert traf.base_media_decode_time == 2 * 12288
    assert sum(s.duration for s in traf.samples) == 2 * 12288
    first = fragment.samples_of(traf)[0]
    sps = bmff.parse_init(high.init).tracks[0].sample_entries[0].codec_config.sps[0]
    assert bytes(first.data[4 : 4 + len(sps)]) == sps


def test_same_rendition_passes_through_untouched(ladder: tuple[Rendition, Rendition]) -> None:
    low, _ = ladder
    remuxer = Remuxer("video")
    assert remuxer.push("low", low.init, low.segments[0]) == low.init + low.segments[0]
    assert remuxer.push("low", None, low.segments[1]) is low.segments[1]


def test_errors_are_clear(ladder: tuple[Rendition, Rendition]) -> None:
    low, high = ladder
    with pytest.raises(RemuxError, match="needs its init"):
        Remuxer("video").push("low", None, low.segments[0])
    remuxer = Remuxer("video")
    remuxer.push("low", low.init, low.segments[0])
    with pytest.raises(RemuxError, match="without its init"):
        remuxer.push("high", None, high.segments[1])
    with pytest.raises(RemuxError):
        remuxer.push("high", high.init, high.segments[1][:100])


def test_time_offset_moves_every_timestamp(ladder: tuple[Rendition, Rendition]) -> None:
    low, _ = ladder
    remuxer = Remuxer("video")
    out = remuxer.push("low", low.init, low.segments[1], time_offset_s=10.0)
    fragment = next(bmff.iter_fragments(out[len(low.init):]))
    assert fragment.trafs[0].base_media_decode_time == (2 + 10) * 12288


def test_switches_across_track_ids_decode_every_frame(ladder: tuple[Rendition, Rendition], tmp_path: Path) -> None:
    low, high = ladder
    high = with_track_id(high, 7)
    assert bmff.parse_init(high.init).tracks[0].track_id == 7
    remuxer = Remuxer("video")
    stream = b"".join(remuxer.push(str(index), r.init, r.segments[i]) for index, r, i in _plan(low, high))
    frames, errors, sizes = decode(stream, tmp_path)
    assert errors == [] and frames == 4 * 48 and sizes == {"320,180", "640,360"}


def test_hevc_switches_with_out_of_band_parameter_sets(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    out = tmp_path_factory.mktemp("hevc")
    low = encode_rendition(out, "low", size="320x180", kbps=200, timescale=12288, profile="main", codec="libx265")
    high = encode_rendition(out, "high", size="640x360", kbps=600, timescale=90000, profile="main", codec="libx265")
    assert bmff.parse_init(low.init).tracks[0].sample_entries[0].format == "hvc1"
    naive = low.init + b"".join(r.segments[i] for _, r, i in _plan(low, high))
    assert decode(naive, tmp_path)[1], "plain concatenation unexpectedly decoded the switch cleanly"
    remuxer = Remuxer("video")
    stream = b"".join(remuxer.push(str(index), r.init, r.segments[i]) for index, r, i in _plan(low, high))
    frames, errors, sizes = decode(stream, tmp_path)
    assert errors == [] and frames == 4 * 48 and sizes == {"320,180", "640,360"}
