"""drm.protection: pssh, tenc and seig boxes, and sample groups that point into the init."""

from __future__ import annotations

import struct

import pytest

from drm.bmff import BoxError, build_full_box, find, iter_boxes, iter_fragments, parse_init, rewrite_boxes
from drm.clearkey import CLEARKEY_SYSTEM_ID, COMMON_SYSTEM_ID
from drm.encrypt import Encryptor, TrackKey
from drm.keys import ZERO_KID
from drm.mp4decrypt import Decryptor, MissingKeyError
from drm.protection import EncryptionParams, ProtectionScheme, Pssh, build_seig_group, parse_seig_group

from .conftest import Media

KID = bytes.fromhex("0f0e0d0c0b0a09080706050403020100")
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
KID2 = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
KEY2 = bytes.fromhex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf")


def _box(data: bytes):
    (box,) = iter_boxes(data)
    return box


@pytest.mark.parametrize("pssh", [Pssh(CLEARKEY_SYSTEM_ID, data=b"opaque"), Pssh(COMMON_SYSTEM_ID, (KID, ZERO_KID))])
def test_pssh_round_trip(pssh: Pssh) -> None:
    raw = pssh.to_box()
    assert raw[8] == (1 if pssh.kids else 0)
    assert Pssh.parse(_box(raw)) == pssh


def test_pssh_lying_kid_count() -> None:
    raw = bytearray(Pssh(COMMON_SYSTEM_ID, (KID,)).to_box())
    struct.pack_into(">I", raw, 8 + 4 + 16, 0xFFFFFFFF)
    with pytest.raises(BoxError, match="KID needs 16 bytes"):
        Pssh.parse(_box(bytes(raw)))


@pytest.mark.parametrize(
    "params",
    [
        EncryptionParams(True, 8, KID),
        EncryptionParams(True, 16, KID, crypt_byte_block=1, skip_byte_block=9),
        EncryptionParams(True, 0, KID, bytes(range(16)), 1, 9),
        EncryptionParams(True, 0, KID, bytes(range(8))),
        EncryptionParams(False, 0, ZERO_KID),
    ],
)
def test_tenc_and_seig_round_trip(params: EncryptionParams) -> None:
    tenc = _box(params.to_tenc())
    version, _, reader = tenc.full_header()
    assert version == (1 if params.has_pattern else 0)
    assert EncryptionParams.read(reader, version) == params
    assert parse_seig_group(_box(build_seig_group([params, params]))) == (params, params)


def test_seig_group_with_entries_of_different_lengths() -> None:
    entries = [EncryptionParams(True, 16, KID), EncryptionParams(True, 0, KID2, bytes(16), 1, 9)]
    group = build_seig_group(entries)
    assert struct.unpack_from(">I", group, 16)[0] == 0  # default_length 0: each entry has its own
    assert parse_seig_group(_box(group)) == tuple(entries)
    assert parse_seig_group(_box(build_full_box("sgpd", 1, 0, b"roll" + struct.pack(">II", 2, 0)))) is None


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (bytes((0, 0, 1, 5)) + KID, "Per_Sample_IV_Size is 5"),
        (bytes((0, 0, 2, 8)) + KID, "isProtected is 2"),
        (bytes((0, 0, 1, 0)) + KID + bytes((4,)) + bytes(4), "constant_IV_size is 4"),
        (bytes((0, 0, 1, 0)) + KID + bytes((16,)) + bytes(3), "constant_IV needs 16 bytes"),
        (bytes((0, 0, 1)), "encryption parameters needs 20 bytes"),
    ],
)
def test_bad_tenc(payload: bytes, needle: str) -> None:
    _, _, reader = _box(build_full_box("tenc", 1, 0, payload)).full_header()
    with pytest.raises(BoxError, match=needle):
        EncryptionParams.read(reader)


def test_sample_groups_pointing_into_the_init(media: Media) -> None:
    """``sbgp`` index 1 names the init's ``stbl/sgpd`` entry (indexes above 0x10000 are local)."""
    init = (media.dash / "init-stream0.m4s").read_bytes()
    chunk = next(iter(sorted(media.dash.glob("chunk-stream0-*.m4s")))).read_bytes()
    encryptor = Encryptor(init, {1: TrackKey("cenc", KID, KEY)})
    rotated = TrackKey("cenc", KID2, KEY2)
    enc_init = encryptor.encrypted_init()
    segment = bytearray(encryptor.encrypt_segment(chunk, keys={1: rotated}))
    sbgp, sgpd = find(bytes(segment), "moof/traf/sbgp"), find(bytes(segment), "moof/traf/sgpd")
    struct.pack_into(">I", segment, sbgp.payload_offset + 16, 1)  # first entry's group_description_index
    segment[sgpd.offset + 4 : sgpd.offset + 8] = b"free"
    group = build_seig_group([rotated.params()])
    with_group = rewrite_boxes(enc_init, lambda box: bytes(box.raw) + group if box.type == "stsd" else None)
    decryptor = Decryptor(with_group, {KID: KEY})
    assert decryptor.kids == (KID, KID2)
    with pytest.raises(MissingKeyError, match="a0a1a2a3"):
        decryptor.decrypt_segment(bytes(segment))
    decryptor.add_keys({KID2: KEY2})
    clear = next(iter_fragments(decryptor.decrypt_segment(bytes(segment))))
    original = next(iter_fragments(chunk, parse_init(init)))
    assert [bytes(s.data) for s in clear.samples(1)] == [bytes(s.data) for s in original.samples(1)]
    assert find(decryptor.clear_init(), "moov/trak/mdia/minf/stbl/sgpd") is None


@pytest.mark.parametrize(("scheme", "version"), [("cenc", 0), ("cbc1", 0), ("cens", 1), ("cbcs", 1)])
def test_sinf_tenc_version_follows_the_scheme(scheme: str, version: int) -> None:
    audio = EncryptionParams(True, 0, KID, bytes(16)) if scheme == "cbcs" else EncryptionParams(True, 16, KID)
    sinf = ProtectionScheme(scheme, 0x10000, "mp4a", audio)
    raw = sinf.to_sinf()
    assert find(raw, "sinf/schi/tenc").payload[0] == version
    assert ProtectionScheme.parse(_box(raw)) == sinf
    with pytest.raises(ValueError, match="version 0 cannot carry a pattern"):
        EncryptionParams(True, 8, KID, crypt_byte_block=1, skip_byte_block=9).to_tenc(0)
