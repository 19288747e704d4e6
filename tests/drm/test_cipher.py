"""drm.cipher against block-by-block reference implementations of ISO/IEC 23001-7 and openssl."""

from __future__ import annotations

import os
import random
import subprocess

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from drm.cipher import (
    SCHEMES,
    SampleCryptoError,
    UnsupportedSchemeError,
    decrypt_sample,
    decrypt_segment_aes128,
    encrypt_sample,
    encrypt_segment_aes128,
    hls_sequence_iv,
    protected_ranges,
)

KEY = bytes.fromhex("3f2a1b0c4d5e6f708192a3b4c5d6e7f8")


def _aes_block(block: bytes) -> bytes:
    return Cipher(algorithms.AES(KEY), modes.ECB()).encryptor().update(block)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def reference_encrypt(scheme: str, iv: bytes, data: bytes, subsamples, crypt: int, skip: int) -> bytes:
    """The spec read literally: one block at a time, state carried as the scheme says."""
    iv = iv + bytes(16 - len(iv))
    out = bytearray(data)
    ranges = protected_ranges(len(data), subsamples)
    counter = int.from_bytes(iv[8:], "big")
    if scheme == "cenc" or (scheme == "cens" and crypt == skip == 0):
        # one keystream over the protected bytes joined: a subsample may start mid-block
        joined = b"".join(data[a : a + n] for a, n in ranges)
        keystream = b"".join(_aes_block(iv[:8] + ((counter + i) % (1 << 64)).to_bytes(8, "big"))
                             for i in range(-(-len(joined) // 16)))
        joined = _xor(joined, keystream)
        for start, length in ranges:
            out[start : start + length], joined = joined[:length], joined[length:]
        return bytes(out)
    chain = iv
    for start, length in ranges:
        if scheme == "cbcs":
            chain = iv  # restarts at every subsample
        blocks = [(start + i * 16, min(16, length - i * 16)) for i in range(-(-length // 16))]
        for index, (pos, size) in enumerate(blocks):
            in_pattern = scheme == "cbc1" or crypt == skip == 0 or index % (crypt + skip) < crypt
            if not in_pattern:
                continue
            if size < 16:
                continue  # a partial block stays clear in patterns and in CBC
            elif scheme == "cens":
                keystream = _aes_block(iv[:8] + counter.to_bytes(8, "big"))
                counter = (counter + 1) % (1 << 64)
                out[pos : pos + 16] = _xor(data[pos : pos + 16], keystream)
            else:
                chain = _aes_block(_xor(data[pos : pos + 16], chain))
                out[pos : pos + 16] = chain
    return bytes(out)


LAYOUTS = {
    "whole": None,
    "one": [(5, 200)],
    "several": [(3, 37), (0, 160), (20, 0), (7, 99), (1, 16)],
    "clear-only": [(300, 0)],
}
PATTERNS = {"cenc": [(0, 0)], "cbc1": [(0, 0)], "cens": [(0, 0), (1, 9), (2, 1)], "cbcs": [(0, 0), (1, 9), (5, 5)]}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("iv_size", [8, 16])
def test_matches_the_block_by_block_reference(scheme: str, layout: str, iv_size: int) -> None:
    rng = random.Random(f"{scheme}{layout}{iv_size}")
    subsamples = LAYOUTS[layout]
    size = sum(c + p for c, p in subsamples) if subsamples else 333
    data = rng.randbytes(size)
    iv = rng.randbytes(iv_size)
    for crypt, skip in PATTERNS[scheme]:
        expected = reference_encrypt(scheme, iv, data, subsamples, crypt, skip)
        encrypted = encrypt_sample(scheme, KEY, iv, data, subsamples, crypt, skip)
        assert encrypted == expected
        assert decrypt_sample(scheme, KEY, iv, encrypted, subsamples, crypt, skip) == data
        if layout != "clear-only":
            assert encrypted != data
        clear_at = [i for i in range(size) if not any(a <= i < a + n for a, n in protected_ranges(size, subsamples))]
        assert bytes(encrypted[i] for i in clear_at) == bytes(data[i] for i in clear_at)


def test_ctr_counter_wraps_in_its_low_64_bits() -> None:
    iv = bytes.fromhex("0102030405060708fffffffffffffffe")
    data = os.urandom(80)
    assert encrypt_sample("cenc", KEY, iv, data) == reference_encrypt("cenc", iv, data, None, 0, 0)
    # not what a 128-bit counter would give
    carried = Cipher(algorithms.AES(KEY), modes.CTR(iv)).encryptor().update(data)
    assert encrypt_sample("cenc", KEY, iv, data) != carried


def test_cbcs_audio_pattern_leaves_partial_block_clear() -> None:
    data = os.urandom(16 * 4 + 7)
    iv = os.urandom(16)
    encrypted = encrypt_sample("cbcs", KEY, iv, data, None, 0, 0)
    assert encrypted[-7:] == data[-7:]
    assert encrypted[:64] == Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor().update(data[:64])


def _openssl(args: list[str], data: bytes) -> bytes:
    return subprocess.run(["openssl", "enc", *args], input=data, capture_output=True, check=True, timeout=60).stdout


def test_cenc_full_sample_equals_openssl_ctr() -> None:
    data = os.urandom(1000)
    iv = bytes.fromhex("00000000000000aa0000000000000000")
    ours = encrypt_sample("cenc", KEY, iv, data)
    assert ours == _openssl(["-aes-128-ctr", "-K", KEY.hex(), "-iv", iv.hex()], data)


def test_hls_aes128_against_openssl_and_wrong_key() -> None:
    data = os.urandom(5000)
    iv = hls_sequence_iv(7)
    assert iv == bytes(15) + b"\x07"
    encrypted = _openssl(["-aes-128-cbc", "-K", KEY.hex(), "-iv", iv.hex()], data)
    assert encrypt_segment_aes128(data, KEY, iv) == encrypted
    assert decrypt_segment_aes128(encrypted, KEY, iv) == data
    wrong = bytes(16)
    tampered = encrypted[:-16] + bytes(16)
    with pytest.raises(SampleCryptoError, match="bad padding"):
        decrypt_segment_aes128(tampered, KEY, iv)
    with pytest.raises(SampleCryptoError, match="whole number of blocks"):
        decrypt_segment_aes128(encrypted[:-3], wrong, iv)


@pytest.mark.parametrize(
    ("call", "error", "needle"),
    [
        (lambda: decrypt_sample("cenc", KEY, bytes(8), b"abc", [(1, 1)]), SampleCryptoError, "cover 2 bytes"),
        (lambda: decrypt_sample("cenc", KEY, bytes(12), b"abc"), SampleCryptoError, "IV has 12 bytes"),
        (lambda: decrypt_sample("cenc", b"short", bytes(8), b"abc"), SampleCryptoError, "5 bytes"),
        (lambda: decrypt_sample("cbc2", KEY, bytes(8), b"abc"), UnsupportedSchemeError, "'cbc2'"),
        (lambda: decrypt_sample("cbcs", KEY, bytes(16), bytes(64), None, 0, 3), SampleCryptoError, "encrypts nothing"),
    ],
)
def test_bad_arguments_are_clear_errors(call, error, needle) -> None:
    with pytest.raises(error, match=needle):
        call()
