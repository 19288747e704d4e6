"""Fuzzing the decryptor: damaged protected files raise BoxError or DecryptError, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drm.bmff import BoxError, find
from drm.encrypt import Encryptor, TrackKey
from drm.mp4decrypt import DecryptError, decrypt_file_bytes

from .conftest import Media, ffmpeg

KID, KEY = bytes(range(16)), bytes(range(16, 32))
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", params=["cenc-fragmented", "cbcs-fragmented", "ffmpeg-cenc"])
def seed(request: pytest.FixtureRequest, media: Media, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if request.param == "ffmpeg-cenc":
        out = tmp_path_factory.mktemp("fuzz") / "cenc.mp4"
        ffmpeg("-i", media.tiny, "-c", "copy", "-encryption_scheme", "cenc-aes-ctr", "-encryption_key", KEY.hex(),
               "-encryption_kid", KID.hex(), out)
        return out.read_bytes()
    return _fragmented(media, request.param.split("-")[0])


def _fragmented(media: Media, scheme: str) -> bytes:
    """The tiny fragmented file, encrypted with our own encryptor in ``scheme``."""
    data = media.tiny.read_bytes()
    moov = find(data, "moov")
    key = (TrackKey("cenc", KID, KEY) if scheme == "cenc"
           else TrackKey("cbcs", KID, KEY, iv_size=0, constant_iv=bytes(16), crypt_byte_block=1, skip_byte_block=9))
    encryptor = Encryptor(data[: moov.end], {1: key}, iv_seed=b"fuzz")
    return encryptor.encrypted_init() + encryptor.encrypt_segment(data[moov.end :])


def _check(data: bytes) -> None:
    try:
        decrypt_file_bytes(None, data, {KID: KEY})
    except (BoxError, DecryptError):
        pass


def test_seed_decrypts(seed: bytes) -> None:
    assert decrypt_file_bytes(None, seed, {KID: KEY}) != seed


def test_a_trun_claiming_more_samples_than_the_file_holds_is_refused_before_any_table_is_built(media: Media) -> None:
    """With no size column, nothing in a trun bounds its count: 2^27 samples once took 24 GB."""
    data = bytearray(_fragmented(media, "cbcs"))
    trun = find(bytes(data), "moof/traf/trun")
    assert trun is not None
    flags_at = trun.offset + 8
    data[flags_at : flags_at + 4] = (0x000001).to_bytes(4, "big")  # version 0, data_offset only
    data[flags_at + 4 : flags_at + 8] = (1 << 27).to_bytes(4, "big")  # sample_count
    with pytest.raises(BoxError, match=f"trun claims {1 << 27} samples, more than the {len(data)} bytes"):
        decrypt_file_bytes(None, bytes(data), {KID: KEY})


@pytest.mark.timeout(240)
@FUZZ
@given(cut=st.integers(min_value=0, max_value=1 << 20))
def test_truncated(seed: bytes, cut: int) -> None:
    _check(seed[: cut % (len(seed) + 1)])


@pytest.mark.timeout(240)
@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1,
                      max_size=6))
def test_random_bytes_changed(seed: bytes, edits: list[tuple[int, int]]) -> None:
    data = bytearray(seed)
    for at, value in edits:
        data[at % len(data)] = value
    _check(bytes(data))


@pytest.mark.timeout(240)
@FUZZ
@given(at=st.integers(min_value=0), value=st.sampled_from([0, 1, 2, 7, 8, 16, 255, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]))
def test_lying_words(seed: bytes, at: int, value: int) -> None:
    """Overwrite one 32-bit word with a boundary value: counts, sizes, offsets and flags lie."""
    data = bytearray(seed)
    pos = at % (len(data) - 4)
    data[pos : pos + 4] = value.to_bytes(4, "big")
    _check(bytes(data))
