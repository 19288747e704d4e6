"""Encrypting with drm.encrypt, decrypting with drm.mp4decrypt, and ffmpeg as a second opinion."""

from __future__ import annotations

import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from drm.bmff import (
    BoxError,
    build_box,
    build_full_box,
    find,
    find_all,
    iter_fragments,
    parse_init,
    rewrite_boxes,
    write_fragment,
)
from drm.clearkey import COMMON_SYSTEM_ID
from drm.encrypt import Encryptor, TrackKey
from drm.mp4decrypt import Decryptor, DecryptError, MissingKeyError, decrypt_file_bytes
from drm.protection import ProtectionScheme, Pssh

from .conftest import Media, decoded_md5s, ffmpeg

KID = bytes.fromhex("0f0e0d0c0b0a09080706050403020100")
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
KID2 = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
KEY2 = bytes.fromhex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf")
CONSTANT_IV = bytes.fromhex("d5fbd6b82ed93e4ef98ae40931ee33b7")

VIDEO_KEYS = {
    "cenc": TrackKey("cenc", KID, KEY),
    "cenc-iv16": TrackKey("cenc", KID, KEY, iv_size=16),
    "cens": TrackKey("cens", KID, KEY, crypt_byte_block=1, skip_byte_block=9),
    "cbc1": TrackKey("cbc1", KID, KEY, iv_size=16),
    "cbcs": TrackKey("cbcs", KID, KEY, iv_size=0, constant_iv=CONSTANT_IV, crypt_byte_block=1, skip_byte_block=9),
}
AUDIO_KEYS = {name: replace(key, crypt_byte_block=0, skip_byte_block=0) for name, key in VIDEO_KEYS.items()}


def _split(data: bytes) -> tuple[bytes, bytes]:
    moov = find(data, "moov")
    return data[: moov.end], data[moov.end :]


def _clear_rewrite(init: bytes, media: bytes) -> bytes:
    """What the decryptor should give back: the clear fragments as bmff re-lays them out."""
    parsed = parse_init(init)
    return b"".join(write_fragment(f) for f in iter_fragments(media, parsed))


@pytest.mark.parametrize("name", list(VIDEO_KEYS))
def test_round_trip_every_scheme(media: Media, tmp_path: Path, name: str) -> None:
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS[name], 2: AUDIO_KEYS[name]}, iv_seed=b"seed")
    enc_init, enc_media = encryptor.encrypted_init(), encryptor.encrypt_segment(rest)
    # really protected: encv/enca with the scheme, every sample changed
    parsed = parse_init(enc_init)
    assert [e.format for t in parsed.tracks for e in t.sample_entries] == ["encv", "enca"]
    scheme = ProtectionScheme.parse(parsed.tracks[0].sample_entries[0].sinf)
    assert (scheme.scheme, scheme.original_format, scheme.defaults.kid) == (name[:4], "avc1", KID)
    clear_frags = list(iter_fragments(rest, parse_init(init)))
    enc_frags = list(iter_fragments(enc_media, parsed))
    for clear, enc in zip(clear_frags, enc_frags):
        for track_id in (1, 2):
            pairs = zip(clear.samples(track_id), enc.samples(track_id))
            assert all(bytes(a.data) != bytes(b.data) and a.size == b.size for a, b in pairs)
    decryptor = Decryptor(enc_init, {KID: KEY})
    assert decryptor.kids == (KID,)
    assert decryptor.clear_init() == init
    clear_media = decryptor.decrypt_segment(enc_media)
    assert clear_media == _clear_rewrite(init, rest)
    out = tmp_path / "clear.mp4"
    out.write_bytes(decryptor.clear_init() + clear_media)
    assert decoded_md5s(out) == decoded_md5s(media.av)


def test_hevc_cbcs_round_trip(media: Media, tmp_path: Path) -> None:
    init, rest = _split(media.hevc.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cbcs"]})
    enc = encryptor.encrypted_init() + encryptor.encrypt_segment(rest)
    out = tmp_path / "clear.mp4"
    out.write_bytes(decrypt_file_bytes(None, enc, {KID: KEY}))
    assert decoded_md5s(out) == decoded_md5s(media.hevc)


def test_dash_segments_one_by_one(media: Media, tmp_path: Path) -> None:
    init = (media.dash / "init-stream0.m4s").read_bytes()
    chunks = sorted(media.dash.glob("chunk-stream0-*.m4s"))
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cens"]})
    enc_init = encryptor.encrypted_init()
    enc_chunks = [encryptor.encrypt_segment(c.read_bytes()) for c in chunks]
    assert [find(c, "styp") is not None for c in enc_chunks] == [True] * len(chunks)
    decryptor = Decryptor(enc_init, {KID: KEY})
    clear = [decrypt_file_bytes(enc_init, c, {KID: KEY}) for c in enc_chunks]
    assert clear == [decryptor.decrypt_segment(c) for c in enc_chunks]
    joined, original = tmp_path / "clear.mp4", tmp_path / "original.mp4"
    joined.write_bytes(decryptor.clear_init() + b"".join(clear))
    original.write_bytes(init + b"".join(c.read_bytes() for c in chunks))
    assert decoded_md5s(joined) == decoded_md5s(original)


# --- ffmpeg as a second opinion ---------------------------------------------------------------


@pytest.mark.parametrize("faststart", [False, True], ids=["moov-last", "moov-first"])
def test_ffmpeg_encrypted_file_decrypted_by_us(media: Media, tmp_path: Path, faststart: bool) -> None:
    """ffmpeg 5.1 writes non-fragmented cenc (senc/saiz/saio in stbl); we decrypt it in place."""
    encrypted = tmp_path / "ffmpeg-cenc.mp4"
    flags = ["-movflags", "+faststart"] if faststart else []
    ffmpeg("-i", media.av, "-c", "copy", *flags, "-encryption_scheme", "cenc-aes-ctr",
           "-encryption_key", KEY.hex(), "-encryption_kid", KID.hex(), encrypted)
    data = encrypted.read_bytes()
    assert [e.type for e in find_all(data, "moov/trak/mdia/minf/stbl/stsd/*")] == ["encv", "enca"]
    clear = tmp_path / "clear.mp4"
    clear.write_bytes(decrypt_file_bytes(None, data, {KID: KEY}))
    assert decoded_md5s(clear) == decoded_md5s(media.av)
    assert decoded_md5s(clear, "a") == decoded_md5s(media.av, "a")
    with pytest.raises(MissingKeyError):
        decrypt_file_bytes(None, data, {KID2: KEY2})


def _ffmpeg_decrypt(path: Path, key: bytes, stream: str) -> list[str]:
    out = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-decryption_key", key.hex(), "-i",
                          str(path), "-map", f"0:{stream}", "-f", "framemd5", "-"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def test_our_cenc_decrypted_by_ffmpeg(media: Media, tmp_path: Path) -> None:
    """ffmpeg 5.1 decrypts fragmented cenc only for a file's first fragment (its encryption index
    goes wrong past it), so each fragment is handed to it as init + that fragment alone."""
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cenc"], 2: AUDIO_KEYS["cenc"]})
    enc_init = encryptor.encrypted_init()
    enc_frags = list(iter_fragments(encryptor.encrypt_segment(rest), parse_init(enc_init)))
    clear_frags = list(iter_fragments(rest, parse_init(init)))
    assert len(enc_frags) == len(clear_frags) >= 3
    for index, (enc, clear) in enumerate(zip(enc_frags, clear_frags)):
        enc_file, clear_file = tmp_path / f"enc{index}.mp4", tmp_path / f"clear{index}.mp4"
        enc_file.write_bytes(enc_init + bytes(enc.buf[enc.moof.offset : enc.end]))
        clear_file.write_bytes(init + bytes(clear.buf[clear.moof.offset : clear.end]))
        for stream in ("v", "a"):
            assert _ffmpeg_decrypt(enc_file, KEY, stream) == decoded_md5s(clear_file, stream)


# --- keys, groups, leads ------------------------------------------------------------------------


def test_per_track_keys_all_zero_kid_and_pssh(media: Media) -> None:
    init, rest = _split(media.av.read_bytes())
    zero_kid = bytes(16)
    pssh = Pssh(COMMON_SYSTEM_ID, (KID2, zero_kid))
    encryptor = Encryptor(init, {1: replace(VIDEO_KEYS["cbcs"], kid=KID2, key=KEY2),
                                 2: replace(AUDIO_KEYS["cenc"], kid=zero_kid)}, pssh=[pssh])
    enc_init = encryptor.encrypted_init()
    enc_media = encryptor.encrypt_segment(rest)
    decryptor = Decryptor(enc_init)
    assert decryptor.pssh == (pssh,)
    assert set(decryptor.kids) == {KID2, zero_kid}
    with pytest.raises(MissingKeyError) as info:
        decryptor.decrypt_segment(enc_media)
    assert info.value.kid in (KID2, zero_kid)
    decryptor.add_keys({KID2: KEY2, zero_kid: KEY})
    assert decryptor.decrypt_segment(enc_media) == _clear_rewrite(init, rest)
    assert find(decryptor.clear_init(), "moov/pssh") is None


def test_key_rotation_through_seig_groups(media: Media) -> None:
    init = (media.dash / "init-stream0.m4s").read_bytes()
    chunks = [c.read_bytes() for c in sorted(media.dash.glob("chunk-stream0-*.m4s"))]
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cenc"]})
    enc_init = encryptor.encrypted_init()
    rotated = replace(VIDEO_KEYS["cenc"], kid=KID2, key=KEY2)
    enc = [encryptor.encrypt_segment(c, keys={1: rotated} if i % 2 else None) for i, c in enumerate(chunks)]
    assert find(enc[1], "moof/traf/sgpd") is not None and find(enc[0], "moof/traf/sgpd") is None
    decryptor = Decryptor(enc_init, {KID: KEY})
    assert decryptor.kids == (KID,)
    decryptor.decrypt_segment(enc[0])
    with pytest.raises(MissingKeyError, match="a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf") as info:
        decryptor.decrypt_segment(enc[1])
    assert KEY2.hex() not in str(info.value)
    decryptor.add_keys({KID2: KEY2})
    init_model = parse_init(init)
    assert [decryptor.decrypt_segment(e) for e in enc] == [
        b"".join(write_fragment(f, prefix=[b.raw for b in f.prefix if b.type == "styp"])
                 for f in iter_fragments(c, init_model)) for c in chunks]


def test_clear_lead_needs_no_key(media: Media) -> None:
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cbcs"], 2: AUDIO_KEYS["cbcs"]}, clear_lead=1)
    enc_init = encryptor.encrypted_init()
    fragments = list(iter_fragments(encryptor.encrypt_segment(rest), parse_init(enc_init)))
    clear_frags = list(iter_fragments(rest, parse_init(init)))
    lead = write_fragment(fragments[0])
    assert [bytes(s.data) for s in fragments[0].samples(1)] == [bytes(s.data) for s in clear_frags[0].samples(1)]
    keyless = Decryptor(enc_init)
    assert keyless.decrypt_segment(lead) == write_fragment(clear_frags[0])
    with pytest.raises(MissingKeyError):
        keyless.decrypt_segment(write_fragment(fragments[1]))


def test_sample_description_change_to_a_clear_entry(media: Media) -> None:
    """Init with [encv, avc1]; a fragment pointing at entry 2 is clear, one at entry 1 is not."""
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cenc"]})
    enc_init = encryptor.encrypted_init()
    clear_entry = bytes(find(init, "moov/trak/mdia/minf/stbl/stsd/avc1").raw)

    def add_clear_entry(box):
        if box.type == "encv":
            return bytes(box.raw) + clear_entry
        return None

    two_entries = rewrite_boxes(enc_init, add_clear_entry)
    assert [e.format for e in parse_init(two_entries).tracks[0].sample_entries] == ["encv", "avc1"]
    clear_frag = next(iter_fragments(rest, parse_init(init)))
    video = replace(clear_frag.traf(1), sample_description_index=2)
    clear_lead = write_fragment(replace(clear_frag, trafs=(video,)))
    enc_frag = next(iter_fragments(encryptor.encrypt_segment(rest), parse_init(enc_init)))
    protected = write_fragment(replace(enc_frag, trafs=(enc_frag.traf(1),)))
    decryptor = Decryptor(two_entries, {KID: KEY})
    assert decryptor.decrypt_segment(clear_lead) == clear_lead
    out = next(iter_fragments(decryptor.decrypt_segment(protected)))
    assert [bytes(s.data) for s in out.samples(1)] == [bytes(s.data) for s in clear_frag.samples(1)]
    clear_init = decryptor.clear_init()
    assert [e.format for e in parse_init(clear_init).tracks[0].sample_entries] == ["avc1", "avc1"]


def test_aux_info_is_found_by_saio_offset_not_in_senc(media: Media) -> None:
    """The real IVs live in a ``free`` box the saio points at; the senc holds zeros."""
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cenc"]})
    enc_init = encryptor.encrypted_init()
    fragment = next(iter_fragments(encryptor.encrypt_segment(rest), parse_init(enc_init)))
    traf = fragment.traf(1)
    (senc,) = traf.boxes("senc")
    aux = bytes(senc.payload[8:])
    decoy = senc.payload[:8].tobytes() + bytes(len(aux))
    extra = [bytes(b.raw) for b in traf.boxes("saiz")] + [bytes(b.raw) for b in traf.boxes("saio")]
    extra += [build_box("senc", decoy), build_box("free", aux)]
    out = bytearray(write_fragment(replace(fragment, trafs=(traf,)), drop_protection=True, extra_boxes={1: extra}))
    moof = next(iter_fragments(bytes(out))).moof
    free = find(moof, "traf/free")
    saio = find(moof, "traf/saio")
    struct.pack_into(">I", out, saio.payload_offset + 8, free.payload_offset - moof.offset)
    decrypted = next(iter_fragments(Decryptor(enc_init, {KID: KEY}).decrypt_segment(bytes(out))))
    clear = next(iter_fragments(rest, parse_init(init)))
    assert [bytes(s.data) for s in decrypted.samples(1)] == [bytes(s.data) for s in clear.samples(1)]


def test_senc_alone_is_enough(media: Media) -> None:
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {2: AUDIO_KEYS["cenc-iv16"]})
    enc_init = encryptor.encrypted_init()
    fragment = next(iter_fragments(encryptor.encrypt_segment(rest), parse_init(enc_init)))
    senc_only = write_fragment(fragment, drop_protection=True,
                               extra_boxes={2: [bytes(b.raw) for b in fragment.traf(2).boxes("senc")]})
    assert find(senc_only, "moof/traf/saio") is None
    decrypted = next(iter_fragments(Decryptor(enc_init, {KID: KEY}).decrypt_segment(senc_only)))
    clear = next(iter_fragments(rest, parse_init(init)))
    assert [bytes(s.data) for s in decrypted.samples(2)] == [bytes(s.data) for s in clear.samples(2)]


# --- errors --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def protected(media: Media) -> tuple[bytes, bytes]:
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cenc"], 2: AUDIO_KEYS["cenc"]})
    return encryptor.encrypted_init(), encryptor.encrypt_segment(rest)


def test_truncated_and_unparsable_input(protected: tuple[bytes, bytes]) -> None:
    enc_init, enc_media = protected
    with pytest.raises(BoxError, match="overflows"):
        decrypt_file_bytes(enc_init, enc_media[:-100], {KID: KEY})
    with pytest.raises(BoxError, match="no moov"):
        decrypt_file_bytes(None, enc_media, {KID: KEY})
    with pytest.raises(BoxError):
        decrypt_file_bytes(enc_init[:-7], enc_media, {KID: KEY})


def test_unsupported_scheme_and_lying_subsamples(protected: tuple[bytes, bytes]) -> None:
    enc_init, enc_media = protected
    with pytest.raises(DecryptError, match="'abcd'"):
        Decryptor(enc_init.replace(b"cenc", b"abcd"))
    fragment = next(iter_fragments(enc_media, parse_init(enc_init)))
    (senc,) = fragment.traf(1).boxes("senc")
    broken = bytearray(fragment.buf[fragment.moof.offset : fragment.end])
    # grow the first subsample's clear byte count: the subsamples no longer fit the sample
    at = senc.payload_offset - fragment.moof.offset + 8 + 8 + 2
    struct.pack_into(">H", broken, at, struct.unpack_from(">H", broken, at)[0] + 1)
    with pytest.raises(DecryptError, match="track 1, sample 0 .* subsamples cover"):
        Decryptor(enc_init, {KID: KEY}).decrypt_segment(bytes(broken))


def test_two_runs_with_saio_offsets_per_run(media: Media) -> None:
    """One ``trun`` per sample, their data in reverse order in the ``mdat``, and a version-1
    ``saio`` with one offset per run: every sample still gets its own IV and subsamples."""
    init, rest = _split(media.av.read_bytes())
    encryptor = Encryptor(init, {1: VIDEO_KEYS["cenc"]})
    enc_init = encryptor.encrypted_init()
    fragment = next(iter_fragments(encryptor.encrypt_segment(rest), parse_init(enc_init)))
    traf = fragment.traf(1)
    first, second = fragment.samples(1)[:2]
    (saiz,) = traf.boxes("saiz")
    (senc,) = traf.boxes("senc")
    # saiz payload: version/flags, default_sample_info_size, sample_count, then sizes if no default
    default_size = saiz.payload[4]
    aux_sizes = [default_size] * 2 if default_size else list(bytes(saiz.payload[9:11]))
    aux = bytes(senc.payload[8 : 8 + sum(aux_sizes)])
    new_senc = build_full_box("senc", 0, 2, [struct.pack(">I", 2), aux])
    new_saiz = build_full_box("saiz", 0, 0, [bytes((0,)), struct.pack(">I", 2), bytes(aux_sizes)])

    def moof(saio_offsets: tuple[int, int], data_offsets: tuple[int, int]) -> bytes:
        runs = [build_full_box("trun", 0, 0x000701, [struct.pack(">IiIII", 1, offset, s.duration, s.size, s.flags)])
                for s, offset in zip((first, second), data_offsets)]
        saio = build_full_box("saio", 1, 0, [struct.pack(">IQQ", 2, *saio_offsets)])
        tfhd = build_full_box("tfhd", 0, 0x020000, struct.pack(">I", 1))
        traf_box = build_box("traf", [tfhd, new_saiz, saio, new_senc, *runs])
        return build_box("moof", [build_full_box("mfhd", 0, 0, struct.pack(">I", 1)), traf_box])

    draft = moof((0, 0), (0, 0))
    size = len(draft)
    aux_at = find(draft, "moof/traf/senc").payload_offset + 8  # after version/flags and sample_count
    data = moof((aux_at, aux_at + aux_sizes[0]), (size + 8 + second.size, size + 8))
    data += build_box("mdat", [bytes(second.data), bytes(first.data)])
    parsed = next(iter_fragments(data, parse_init(enc_init)))
    assert [len(run.samples) for run in parsed.traf(1).runs] == [1, 1]
    decrypted = next(iter_fragments(Decryptor(enc_init, {KID: KEY}).decrypt_segment(data)))
    clear = next(iter_fragments(rest, parse_init(init)))
    assert [bytes(s.data) for s in decrypted.samples(1)] == [bytes(s.data) for s in clear.samples(1)[:2]]
