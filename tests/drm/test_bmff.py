"""drm.bmff against ffmpeg-made fragmented MP4 and hand-built edge cases."""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path

import pytest

from drm.bmff import (
    SAMPLE_IS_NON_SYNC,
    AvcConfig,
    BoxError,
    HevcConfig,
    Sample,
    build_box,
    build_full_box,
    find,
    find_all,
    in_band_parameter_sets,
    iter_boxes,
    iter_fragments,
    parse_fragment,
    parse_init,
    rewrite_boxes,
    write_fragment,
)

from .conftest import Media, decoded_md5s, md5, packet_md5s


def u32(*values: int) -> bytes:
    return struct.pack(f">{len(values)}I", *values)


# --- walking ---------------------------------------------------------------------------------


def test_top_level_boxes_tile_the_file(media: Media) -> None:
    data = media.av.read_bytes()
    boxes = list(iter_boxes(data))
    assert [b.type for b in boxes[:3]] == ["ftyp", "moov", "moof"]
    assert boxes[0].offset == 0
    assert all(a.end == b.offset for a, b in zip(boxes, boxes[1:]))
    assert boxes[-1].end == len(data)
    assert {b.type for b in boxes} >= {"moof", "mdat"}


def test_find_paths_wildcards_and_box_roots(media: Media) -> None:
    data = media.av.read_bytes()
    stsd = find(data, "moov/trak/mdia/minf/stbl/stsd")
    assert stsd is not None and stsd.path == "moov/trak/mdia/minf/stbl/stsd"
    assert len(find_all(data, "moov/trak")) == 2
    entries = find_all(data, "moov/trak/mdia/minf/stbl/stsd/*")
    assert [e.type for e in entries] == ["avc1", "mp4a"]
    avcc = find(entries[0], "avcC")
    assert avcc is not None and avcc.path.endswith("stsd/avc1/avcC")
    assert find(data, "moov/trak/mdia/nope") is None
    moofs = find_all(data, "moof")
    assert len(moofs) == len(list(iter_fragments(data)))
    assert len(find_all(data, "moof/traf/trun")) == 2 * len(moofs)


def test_box_header_forms() -> None:
    large = struct.pack(">I4sQ", 1, b"free", 16 + 3) + b"abc"
    user = bytes(range(16))
    uuid = struct.pack(">I4s", 8 + 16 + 2, b"uuid") + user + b"xy"
    to_end = struct.pack(">I4s", 0, b"mdat") + b"payload"
    boxes = list(iter_boxes(large + uuid + to_end))
    assert [(b.type, b.header_size, b.size) for b in boxes] == [("free", 16, 19), ("uuid", 24, 26), ("mdat", 8, 15)]
    assert bytes(boxes[0].payload) == b"abc"
    assert boxes[1].usertype == user and bytes(boxes[1].payload) == b"xy"
    assert bytes(boxes[2].payload) == b"payload"


@pytest.mark.parametrize(
    ("data", "needle", "offset"),
    [
        (b"\x00\x00\x00\x10fre", "truncated box header", 0),
        (u32(8) + b"free" + u32(4) + b"skip", "smaller than its 8-byte header", 8),
        (u32(8) + b"free" + u32(40) + b"skip" + b"1234", "overflows its parent", 8),
        (u32(1) + b"free" + b"\x00\x00", "truncated 64-bit box size", 0),
        (u32(1) + b"free" + struct.pack(">Q", 12), "smaller than its 16-byte header", 0),
        (u32(12) + b"uuid" + b"1234", "truncated uuid", 0),
    ],
)
def test_malformed_headers_name_the_offset(data: bytes, needle: str, offset: int) -> None:
    with pytest.raises(BoxError, match=needle) as info:
        list(iter_boxes(data))
    assert info.value.offset == offset
    assert f"offset {offset}" in str(info.value)


def test_child_overflowing_its_parent_names_the_path() -> None:
    moov = build_box("moov", build_box("trak", u32(50) + b"tkhd"))
    with pytest.raises(BoxError, match="overflows") as info:
        find(moov, "moov/trak/tkhd")
    assert info.value.path == "moov/trak/tkhd"
    assert info.value.offset == 16


def test_build_box_and_full_box() -> None:
    box = build_full_box("mfhd", 1, 0x020001, u32(7))
    assert box == u32(16) + b"mfhd" + bytes((1, 2, 0, 1)) + u32(7)
    (parsed,) = iter_boxes(box)
    version, flags, reader = parsed.full_header()
    assert (version, flags, reader.u32()) == (1, 0x020001, 7)
    assert build_box("free", [b"ab", b"cd"]) == u32(12) + b"freeabcd"
    with pytest.raises(ValueError):
        build_box("toolong", b"")


def test_rewrite_boxes_resizes_parents_and_counts_entries(media: Media) -> None:
    data = media.av.read_bytes()
    init = data[: find(data, "moov").end]

    def edit(box):
        if box.type == "mp4a":
            return b""
        if box.type == "avc1":
            return None
        if box.path.endswith("avc1/avcC"):
            return build_box("free", b"x" * 3) + box.raw.tobytes()
        return None

    out = rewrite_boxes(init, edit)
    stsds = find_all(out, "moov/trak/mdia/minf/stbl/stsd")
    counts = [struct.unpack_from(">I", s.payload, 4)[0] for s in stsds]
    assert counts == [1, 0]
    assert [c.type for c in find(out, "moov/trak/mdia/minf/stbl/stsd/avc1").children()][:2] == ["free", "avcC"]
    assert len(out) == len(init) + 11 - find(data, "moov/trak/mdia/minf/stbl/stsd/mp4a").size
    assert rewrite_boxes(init, lambda box: None) == init


# --- init segments ---------------------------------------------------------------------------


def test_init_tracks_entries_and_avcc(media: Media) -> None:
    init = parse_init(media.av.read_bytes())
    video, audio = init.tracks
    assert (video.track_id, video.handler, audio.track_id, audio.handler) == (1, "vide", 2, "soun")
    assert audio.timescale == 48000 and video.timescale > 0
    assert video.trex is not None and video.trex.track_id == 1
    entry = video.sample_entries[0]
    assert (entry.format, entry.original_format, entry.width, entry.height) == ("avc1", "avc1", 128, 72)
    assert not entry.protected
    assert audio.sample_entries[0].sample_rate == 48000
    config = entry.codec_config
    assert isinstance(config, AvcConfig)
    (sps,), (pps,) = config.sps, config.pps
    assert sps[0] & 0x1F == 7 and pps[0] & 0x1F == 8
    assert (config.profile, config.level) == (sps[1], sps[3])
    assert config.length_size == 4
    assert config.to_box() == bytes(find(entry.box, "avcC").raw)
    prefix = in_band_parameter_sets(config)
    assert prefix == u32(len(sps)) + sps + u32(len(pps)) + pps


def test_hvcc_arrays_round_trip(media: Media) -> None:
    init = parse_init(media.hevc.read_bytes())
    entry = init.tracks[0].sample_entries[0]
    config = entry.codec_config
    assert isinstance(config, HevcConfig) and entry.format == "hvc1"
    assert [len(config.vps), len(config.sps), len(config.pps)] == [1, 1, 1]
    assert [(u[0] >> 1) & 0x3F for u in config.vps + config.sps + config.pps] == [32, 33, 34]
    assert config.length_size == 4
    assert config.to_box() == bytes(find(entry.box, "hvcC").raw)


def test_encv_entry_reports_original_format_from_frma() -> None:
    fields = bytes(24) + struct.pack(">HH", 320, 240) + bytes(50)
    sinf = build_box("sinf", [build_box("frma", b"hvc1"), build_full_box("schm", 0, 0, b"cbcs" + u32(0x10000))])
    stsd = build_full_box("stsd", 0, 0, [u32(1), build_box("encv", [fields, sinf])])
    (entry_box,) = find_all(build_box("stbl", stsd), "stbl/stsd/encv")
    from drm.bmff import parse_sample_entry

    entry = parse_sample_entry(entry_box)
    assert (entry.format, entry.original_format, entry.width, entry.height) == ("encv", "hvc1", 320, 240)
    assert entry.protected and entry.sinf.type == "sinf"


def test_init_without_moov_is_an_error() -> None:
    with pytest.raises(BoxError, match="no moov"):
        parse_init(build_box("ftyp", b"isom"))


# --- fragments against ffmpeg's own demuxer ---------------------------------------------------


@pytest.mark.parametrize(("name", "stream", "track_id"), [("av", "v", 1), ("av", "a", 2), ("hevc", "v", 1)])
def test_samples_match_ffmpeg_packets(media: Media, name: str, stream: str, track_id: int) -> None:
    data = getattr(media, name).read_bytes()
    init = parse_init(data)
    samples = [s for f in iter_fragments(data, init) for s in f.samples(track_id)]
    packets = packet_md5s(getattr(media, name), stream)
    assert [(s.size, md5(s.data)) for s in samples] == [(size, digest) for _, size, digest in packets]
    assert [s.duration for s in samples[1:-1]] == [d for d, _, _ in packets[1:-1]]
    if stream == "v":
        assert samples[0].is_sync and not samples[1].is_sync
        assert any(s.cto for s in samples)


def test_dash_segments_parse_with_their_init(media: Media) -> None:
    for stream in ("0", "1"):
        init = parse_init((media.dash / f"init-stream{stream}.m4s").read_bytes())
        track_id = init.tracks[0].track_id
        expected_time = 0
        chunks = sorted(media.dash.glob(f"chunk-stream{stream}-*.m4s"))
        assert len(chunks) >= 4
        for chunk in chunks:
            data = chunk.read_bytes()
            fragments = list(iter_fragments(data, init))
            assert fragments
            for fragment in fragments:
                traf = fragment.traf(track_id)
                assert traf.base_media_decode_time == expected_time
                expected_time += sum(s.duration for s in traf.samples)
                assert traf.samples[0].offset >= fragment.mdats[0].payload_offset
                assert traf.samples[-1].offset + traf.samples[-1].size <= fragment.mdats[-1].end
            assert fragments[-1].end == len(data)


def test_rewritten_fragments_decode_to_the_same_frames(media: Media, tmp_path: Path) -> None:
    data = media.av.read_bytes()
    init = parse_init(data)
    out = data[: init.moov.end] + b"".join(write_fragment(f) for f in iter_fragments(data, init))
    target = tmp_path / "rewritten.mp4"
    target.write_bytes(out)
    assert packet_md5s(target, "v") == packet_md5s(media.av, "v")
    assert decoded_md5s(target) == decoded_md5s(media.av)
    again = list(iter_fragments(out, init))
    assert [f.sequence_number for f in again] == [f.sequence_number for f in iter_fragments(data, init)]


def _with_track_id_and_timescale(init: bytes, old_id: int, new_id: int, timescale: int) -> bytes:
    """The init with a track renumbered and its media timescale changed (what a remuxer does)."""

    def edit(box):
        if box.type == "tkhd":
            raw = bytearray(box.raw)
            at = 8 + 4 + (16 if raw[8] == 1 else 8)
            assert struct.unpack_from(">I", raw, at)[0] == old_id
            struct.pack_into(">I", raw, at, new_id)
            return raw
        if box.type == "trex":
            raw = bytearray(box.raw)
            struct.pack_into(">I", raw, 12, new_id)
            return raw
        if box.type == "mdhd":
            raw = bytearray(box.raw)
            struct.pack_into(">I", raw, 8 + 4 + (16 if raw[8] == 1 else 8), timescale)
            return raw
        return None

    return rewrite_boxes(init, edit)


def test_remux_renumber_rescale_and_in_band_parameter_sets(media: Media, tmp_path: Path) -> None:
    """A rendition switch as the player does it: parameter sets in band, track 1 -> 5, and
    the timescale 12288 -> 90000, then ffmpeg decodes the same frames at the same times."""
    init_bytes = (media.dash / "init-stream0.m4s").read_bytes()
    init = parse_init(init_bytes)
    old = init.tracks[0]
    config = old.sample_entries[0].codec_config
    prefix = in_band_parameter_sets(config)
    scale = 90000 / old.timescale
    out = [_with_track_id_and_timescale(init_bytes, old.track_id, 5, 90000)]
    for chunk in sorted(media.dash.glob("chunk-stream0-*.m4s")):
        fragment = parse_fragment(chunk.read_bytes(), init)
        traf = fragment.traf(old.track_id)
        samples = [
            Sample(round(s.duration * scale), s.flags, round(s.cto * scale),
                   prefix + bytes(s.data) if i == 0 else s.data)
            for i, s in enumerate(fragment.samples(old.track_id))
        ]
        assert samples[0].is_sync
        new_traf = replace(traf, track_id=5, base_media_decode_time=round(traf.base_media_decode_time * scale))
        out.append(write_fragment(replace(fragment, trafs=(new_traf,)), {5: samples}))
    target = tmp_path / "remuxed.mp4"
    target.write_bytes(b"".join(out))
    original = tmp_path / "original.mp4"
    original.write_bytes(init_bytes + b"".join(p.read_bytes() for p in sorted(media.dash.glob("chunk-stream0-*.m4s"))))
    assert decoded_md5s(target) == decoded_md5s(original)
    sizes = [size for _, size, _ in packet_md5s(target, "v")]
    assert sizes[0] == [size for _, size, _ in packet_md5s(original, "v")][0] + len(prefix)
    parsed = parse_init(target.read_bytes())
    assert parsed.tracks[0].track_id == 5 and parsed.tracks[0].timescale == 90000


# --- hand-built fragments: every tfhd/trun form -----------------------------------------------


def _trex_init(track_id: int, duration: int, size: int, flags: int) -> bytes:
    tkhd = build_full_box("tkhd", 0, 3, [u32(0, 0, track_id, 0, 0), bytes(60)])
    mdhd = build_full_box("mdhd", 0, 0, [u32(0, 0, 1000, 0), bytes(4)])
    hdlr = build_full_box("hdlr", 0, 0, [u32(0), b"soun", bytes(13)])
    stsd = build_full_box("stsd", 0, 0, u32(0))
    trak = build_box("trak", [tkhd, build_box("mdia", [mdhd, hdlr, build_box("minf", build_box("stbl", stsd))])])
    trex = build_full_box("trex", 0, 0, u32(track_id, 1, duration, size, flags))
    return build_box("moov", [trak, build_box("mvex", trex)])


def test_trex_defaults_follow_on_runs_and_first_sample_flags() -> None:
    init = parse_init(_trex_init(3, duration=10, size=4, flags=SAMPLE_IS_NON_SYNC))
    tfhd = build_full_box("tfhd", 0, 0x020000, u32(3))
    run1 = build_full_box("trun", 0, 0x000005, u32(2) + struct.pack(">i", 0) + u32(0))  # data_offset + first flags
    run2 = build_full_box("trun", 0, 0x000200, u32(2, 6, 2))  # follows on, sizes given
    traf = build_box("traf", [tfhd, build_full_box("tfdt", 1, 0, struct.pack(">Q", 1 << 40)), run1, run2])
    mfhd = build_full_box("mfhd", 0, 0, u32(9))
    moof_len = 8 + len(mfhd) + len(traf)
    # patch run1's data_offset to point just past the mdat header
    traf = traf.replace(u32(2) + struct.pack(">i", 0), u32(2) + struct.pack(">i", moof_len + 8), 1)
    payload = b"AAAABBBBCCCCCCDD"
    data = build_box("styp", b"msdh") + build_box("moof", [mfhd, traf]) + build_box("mdat", payload)
    fragment = parse_fragment(data, init)
    assert [b.type for b in fragment.prefix] == ["styp"] and fragment.sequence_number == 9
    t = fragment.traf(3)
    assert t.base_media_decode_time == 1 << 40 and len(t.runs) == 2
    assert [(s.size, s.duration, s.flags) for s in t.samples] == [
        (4, 10, 0), (4, 10, SAMPLE_IS_NON_SYNC), (6, 10, SAMPLE_IS_NON_SYNC), (2, 10, SAMPLE_IS_NON_SYNC)]
    assert [bytes(s.data) for s in fragment.samples(3)] == [b"AAAA", b"BBBB", b"CCCCCC", b"DD"]
    # written back with explicit fields, the fragment reads the same without any init
    again = parse_fragment(write_fragment(fragment))
    assert [tuple(s[:3]) + (bytes(s.data),) for s in again.samples(3)] == [
        tuple(s[:3]) + (bytes(s.data),) for s in fragment.samples(3)]
    assert again.traf(3).base_media_decode_time == 1 << 40


def test_tfhd_defaults_base_offset_negative_cto_and_implicit_traf_bases() -> None:
    # traf 1: explicit base_data_offset + tfhd default size/duration/flags, trun v1 with negative ctos
    tfhd1 = build_full_box("tfhd", 0, 0x00003B, [u32(1), struct.pack(">Q", 0), u32(1, 7, 3, 0)])
    run1 = build_full_box("trun", 1, 0x000801, u32(2) + struct.pack(">iii", 0, -5, 5))
    # traf 2: no base flags at all: its data follows traf 1's data
    tfhd2 = build_full_box("tfhd", 0, 0x000018, u32(2, 20, 2))
    run2 = build_full_box("trun", 0, 0x000000, u32(3))
    mfhd = build_full_box("mfhd", 0, 0, u32(1))
    moof = build_box("moof", [mfhd, build_box("traf", [tfhd1, run1]), build_box("traf", [tfhd2, run2])])
    head = build_box("ftyp", b"iso6")
    data_start = len(head) + len(moof) + 8
    # base_data_offset is absolute in the buffer
    moof = moof.replace(struct.pack(">Q", 0), struct.pack(">Q", data_start), 1)
    data = head + moof + build_box("mdat", b"aaabbb" + b"112233")
    fragment = parse_fragment(data)
    t1, t2 = fragment.trafs
    assert t1.base_data_offset == data_start and t1.sample_description_index == 1
    assert [(s.offset, s.size, s.duration, s.cto) for s in t1.samples] == [
        (data_start, 3, 7, -5), (data_start + 3, 3, 7, 5)]
    assert [bytes(s.data) for s in fragment.samples(2)] == [b"11", b"22", b"33"]
    assert all(s.duration == 20 for s in t2.samples)
    out = parse_fragment(write_fragment(fragment))
    assert [s.cto for s in out.samples(1)] == [-5, 5]
    assert out.traf(1).runs[0].version == 1 and out.traf(1).default_base_is_moof


def _one_run_fragment(trun: bytes, mdat_payload: bytes, tfhd_flags: int = 0x020008, tfhd_extra: bytes = u32(1)) -> bytes:
    traf = build_box("traf", [build_full_box("tfhd", 0, tfhd_flags, u32(1) + tfhd_extra), trun])
    return build_box("moof", [build_full_box("mfhd", 0, 0, u32(1)), traf]) + build_box("mdat", mdat_payload)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (_one_run_fragment(build_full_box("trun", 0, 0x000201, u32(1000, 0) + u32(4)), b"abcd"), "sample table of 1000"),
        (_one_run_fragment(build_full_box("trun", 0, 0x000201, u32(1, 60, 4)), b"abcd"), "not inside this fragment's mdat"),
        (_one_run_fragment(build_full_box("trun", 0, 0x000201, u32(1, 52, 40)), b"abcd"), "not inside"),
        (_one_run_fragment(build_full_box("trun", 0, 0x000001, u32(1, 52)), b"abcd"), "no sample size"),
        (_one_run_fragment(build_full_box("trun", 0, 0x000001, u32(1)), b"abcd"), "data_offset needs 4 bytes"),
        (_one_run_fragment(build_full_box("trun", 0, 0x000201, u32(1, 52, 4)), b"abcd", 0x020008, b""), "default_sample_duration needs 4 bytes"),
        (build_box("moof", build_box("traf", b"")), "missing 'mfhd'"),
        (build_box("moof", build_full_box("mfhd", 0, 0, u32(1)) + build_box("traf", b"")), "missing 'tfhd'"),
    ],
    ids=["count-lies", "offset-past-mdat", "size-past-mdat", "no-size", "truncated-trun", "truncated-tfhd",
         "no-mfhd", "no-tfhd"],
)
def test_lying_fragments_raise_box_errors(data: bytes, needle: str) -> None:
    with pytest.raises(BoxError, match=needle):
        for fragment in iter_fragments(data):
            fragment.samples(1)


def test_fragment_track_must_be_in_the_init(media: Media) -> None:
    data = media.av.read_bytes()
    other = parse_init(_trex_init(9, 1, 1, 0))
    with pytest.raises(BoxError, match="track_ID 1 is not in the init"):
        next(iter_fragments(data, other))


def test_protection_boxes_kept_with_saio_repointed_or_dropped() -> None:
    senc = build_full_box("senc", 0, 0, u32(2) + b"IV000001" + b"IV000002")
    saiz = build_full_box("saiz", 0, 0, bytes((8,)) + u32(2))
    saio = build_full_box("saio", 0, 0, u32(1, 99999))
    sgpd = build_full_box("sgpd", 1, 0, b"seig" + u32(20, 1) + bytes(20))
    roll = build_full_box("sgpd", 1, 0, b"roll" + u32(2, 1) + b"\xff\xff")
    tfhd = build_full_box("tfhd", 0, 0x020018, u32(1, 1, 2))
    trun = build_full_box("trun", 0, 0x000001, u32(2, 0))
    traf = build_box("traf", [tfhd, saiz, saio, senc, sgpd, roll, trun])
    moof = build_box("moof", [build_full_box("mfhd", 0, 0, u32(1)), build_full_box("pssh", 0, 0, bytes(20)), traf])
    moof = moof.replace(u32(2, 0), u32(2, len(moof) + 8))
    fragment = parse_fragment(moof + build_box("mdat", b"xxyy"))
    kept = write_fragment(fragment, {1: [Sample(1, 0, 0, b"longer"), Sample(1, 0, 0, b"z")]})
    out = parse_fragment(kept)
    assert [bytes(s.data) for s in out.samples(1)] == [b"longer", b"z"]
    (new_saio,) = out.traf(1).boxes("saio")
    (new_senc,) = out.traf(1).boxes("senc")
    offset = struct.unpack_from(">I", new_saio.payload, 8)[0]
    assert kept[out.moof.offset + offset : out.moof.offset + offset + 8] == b"IV000001"
    assert new_senc.payload.tobytes() == senc[8:]
    assert len(out.pssh) == 1
    clear = parse_fragment(write_fragment(fragment, drop_protection=True))
    assert [b.type for b in clear.traf(1).box.children()] == ["tfhd", "sgpd", "trun"]
    assert clear.pssh == () and [bytes(s.data) for s in clear.samples(1)] == [b"xx", b"yy"]


def test_udta_terminator_and_quicktime_meta_survive_rewrites() -> None:
    udta = build_box("udta", [build_box("name", b"x"), bytes(4)])  # QuickTime's zero terminator
    qt_meta = build_box("meta", [build_full_box("hdlr", 0, 0, bytes(20)), build_box("keys", b"")])
    iso_meta = build_full_box("meta", 0, 0, [build_full_box("hdlr", 0, 0, bytes(20)), build_box("ilst", b"")])
    moov = build_box("moov", [udta, qt_meta, iso_meta])
    assert rewrite_boxes(moov, lambda box: None) == moov
    assert [b.type for b in find_all(moov, "moov/meta/*")] == ["hdlr", "keys", "hdlr", "ilst"]
