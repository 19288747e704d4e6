"""Subtitle conversion: WebVTT (with HLS timestamp maps), TTML/IMSC1, and text tracks in MP4."""

from __future__ import annotations

import struct

import pytest

from drm.bmff import build_box, build_full_box
from player.subtitles import Cue, SubtitleError, parse_text_mp4, parse_ttml, parse_webvtt, to_webvtt


def test_webvtt_cues_and_timestamp_map() -> None:
    text = ("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\nintro\n"
            "00:01.000 --> 00:02.500 align:start\n<i>Hi</i>\nthere\n\n01:00:00.000 --> 01:00:01.000\nLate\n")
    cues = parse_webvtt(text, "x.vtt", shift_s=-1.0)
    assert cues == [Cue(10.0, 11.5, "<i>Hi</i>\nthere", "align:start"), Cue(3609.0, 3610.0, "Late")]


def test_ttml_times_in_every_form() -> None:
    ttml = b"""<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
      ttp:tickRate="10"><body><div begin="10s">
      <p begin="00:00:01.5" end="00:00:03">One<br/>two</p>
      <p begin="40t" dur="500ms">Three <span>four</span></p></div></body></tt>"""
    assert parse_ttml(ttml, "t") == [Cue(11.5, 13.0, "One\ntwo"), Cue(14.0, 14.5, "Three four")]
    with pytest.raises(SubtitleError, match="without end or dur"):
        parse_ttml(b'<tt xmlns="http://www.w3.org/ns/ttml"><body><p begin="1s">x</p></body></tt>', "t")
    with pytest.raises(SubtitleError, match="bad TTML time"):
        parse_ttml(b'<tt xmlns="http://www.w3.org/ns/ttml"><body><p begin="soon" end="2s">x</p></body></tt>', "t")


def _init(entry: bytes, timescale: int = 1000) -> bytes:
    u32 = struct.Struct(">I").pack
    mdhd = build_full_box("mdhd", 0, 0, [u32(0), u32(0), u32(timescale), u32(0), b"\x55\xc4\x00\x00"])
    hdlr = build_full_box("hdlr", 0, 0, [u32(0), b"text", bytes(12), b"\x00"])
    stsd = build_full_box("stsd", 0, 0, [u32(1), entry])
    stbl = build_box("stbl", [stsd, build_full_box("stts", 0, 0, u32(0)), build_full_box("stsc", 0, 0, u32(0)),
                              build_full_box("stsz", 0, 0, u32(0) + u32(0)), build_full_box("stco", 0, 0, u32(0))])
    minf = build_box("minf", [build_full_box("nmhd", 0, 0, b""), stbl])
    tkhd = build_full_box("tkhd", 0, 3, [u32(0), u32(0), u32(1), u32(0), u32(0), bytes(60), u32(0), u32(0)])
    trak = build_box("trak", [tkhd, build_box("mdia", [mdhd, hdlr, minf])])
    trex = build_full_box("trex", 0, 0, [u32(1), u32(1), u32(0), u32(0), u32(0)])
    mvhd = build_full_box("mvhd", 0, 0, [u32(0), u32(0), u32(1000), u32(0), bytes(80)])
    return build_box("ftyp", b"iso6\x00\x00\x00\x00") + build_box("moov", [mvhd, trak, build_box("mvex", trex)])


def _fragment(decode_time: int, samples: list[tuple[int, bytes]]) -> bytes:
    u32 = struct.Struct(">I").pack
    tfhd = build_full_box("tfhd", 0, 0x020000, u32(1))
    tfdt = build_full_box("tfdt", 0, 0, u32(decode_time))
    rows = b"".join(u32(d) + u32(len(data)) for d, data in samples)
    trun_size = 12 + 8 + len(rows)
    traf_size = 8 + len(tfhd) + len(tfdt) + trun_size
    moof_size = 8 + 16 + traf_size
    trun = build_full_box("trun", 0, 0x000301, [u32(len(samples)), u32(moof_size + 8), rows])
    moof = build_box("moof", [build_full_box("mfhd", 0, 0, u32(1)), build_box("traf", [tfhd, tfdt, trun])])
    assert len(moof) == moof_size
    return moof + build_box("mdat", b"".join(data for _, data in samples))


def test_wvtt_samples_become_cues() -> None:
    init = _init(build_box("wvtt", [bytes(6), b"\x00\x01", build_box("vttC", b"WEBVTT")]))
    cue = build_box("vttc", [build_box("sttg", b"line:0"), build_box("payl", "Grüße".encode())])
    segment = _fragment(2000, [(1500, cue), (500, build_box("vtte"))])
    assert parse_text_mp4(init, [segment], "subs", shift_s=10.0) == [Cue(12.0, 13.5, "Grüße", "line:0")]


def test_stpp_samples_become_cues() -> None:
    init = _init(build_box("stpp", [bytes(6), b"\x00\x01", b"http://www.w3.org/ns/ttml\x00\x00\x00"]))
    doc = b'<tt xmlns="http://www.w3.org/ns/ttml"><body><p begin="4s" end="5s">Boxed</p></body></tt>'
    assert parse_text_mp4(init, [_fragment(4000, [(2000, doc)])], "subs") == [Cue(4.0, 5.0, "Boxed")]


def test_broken_text_mp4_is_a_clear_error() -> None:
    init = _init(build_box("wvtt", [bytes(6), b"\x00\x01"]))
    with pytest.raises(SubtitleError, match="subs"):
        parse_text_mp4(init, [_fragment(0, [(10, b"x")])[:-3] + b"\xff\xff\xff"], "subs")


def test_webvtt_output_is_sorted_and_shifted() -> None:
    out = to_webvtt([Cue(5.0, 6.0, "b"), Cue(1.25, 2.0, "a", "align:end"), Cue(3.0, 3.0, "empty")], shift_s=0.5)
    assert out == "WEBVTT\n\n00:00:01.750 --> 00:00:02.500 align:end\na\n\n00:00:05.500 --> 00:00:06.500\nb\n"
    with pytest.raises(SubtitleError, match="not a WebVTT"):
        parse_webvtt("hello", "x.vtt")
