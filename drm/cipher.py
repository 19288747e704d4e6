"""Sample encryption per ISO/IEC 23001-7 (Common Encryption), and HLS whole-segment AES-128.

The four schemes differ in cipher mode, pattern and where the IV restarts:

=======  =========  ===========================  ==========================================
scheme   mode       pattern (crypt:skip blocks)  IV and chaining
=======  =========  ===========================  ==========================================
cenc     AES-CTR    none                         keystream runs on across all subsamples
cens     AES-CTR    yes (0:0 = every block)      counter advances on encrypted blocks only
cbc1     AES-CBC    none                         one CBC chain across all subsamples
cbcs     AES-CBC    yes (0:0 = every block)      chain restarts from the IV at each subsample
=======  =========  ===========================  ==========================================

In CTR the counter is the IV's low 64 bits, wrapping without carrying into the high 64 bits
(an 8-byte IV is the high half, the counter starting at zero). In the CBC schemes and in patterns
only whole 16-byte blocks are encrypted; a partial block at the end of a protected range stays
clear, as does everything in ``cenc``/``cens`` outside the protected ranges.

Speed: the protected bytes of a sample are gathered (slices joined, or a numpy boolean mask over
the range viewed as 16-byte rows for patterns), transformed by one ``cryptography`` call and
scattered back. ``cbcs`` decryption, whose chain restarts at each subsample, runs as one ECB
decryption of every encrypted block followed by a numpy XOR with each block's predecessor
(the IV for the first block of a subsample); a single range is one CBC call. Only encrypting
``cbcs`` needs one call per subsample, CBC encryption being sequential by nature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

import numpy as np
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

Buffer = Union[bytes, bytearray, memoryview]
Subsample = tuple[int, int]
"""(BytesOfClearData, BytesOfProtectedData)."""

SCHEMES = ("cenc", "cens", "cbc1", "cbcs")
BLOCK = 16
_COUNTER_SPAN = 1 << 64


class SampleCryptoError(ValueError):
    """A sample that cannot be transformed as described: subsamples that do not cover it,
    a bad IV or key size, an impossible pattern, an unsupported scheme."""


class UnsupportedSchemeError(SampleCryptoError):
    """A protection scheme other than the four of ISO/IEC 23001-7."""


def _check_key(key: bytes) -> None:
    if len(key) != 16:
        raise SampleCryptoError(f"content key has {len(key)} bytes, expected 16")


def _iv16(iv: bytes) -> bytes:
    if len(iv) == 16:
        return bytes(iv)
    if len(iv) == 8:
        return bytes(iv) + bytes(8)
    raise SampleCryptoError(f"IV has {len(iv)} bytes, expected 8 or 16")


def protected_ranges(size: int, subsamples: Sequence[Subsample] | None) -> list[tuple[int, int]]:
    """(start, length) of each protected range of a ``size``-byte sample; no subsamples means
    the whole sample. Raises if the subsamples do not add up to the sample size."""
    if not subsamples:
        return [(0, size)] if size else []
    ranges = []
    pos = 0
    for clear, protected in subsamples:
        pos += clear
        if protected:
            ranges.append((pos, protected))
        pos += protected
    if pos != size:
        raise SampleCryptoError(f"subsamples cover {pos} bytes but the sample has {size}")
    return ranges


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CTR with a 64-bit counter in the IV's low half, which wraps on its own."""
    low = int.from_bytes(iv[8:], "big")
    blocks = -(-len(data) // BLOCK)
    if low + blocks <= _COUNTER_SPAN:
        return _ctr_call(key, iv, data)
    split = (_COUNTER_SPAN - low) * BLOCK
    return _ctr_call(key, iv, data[:split]) + _ctr_call(key, iv[:8] + bytes(8), data[split:])


def _ctr_call(key: bytes, iv: bytes, data: bytes) -> bytes:
    transform = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return transform.update(data) + transform.finalize()


def _cbc(key: bytes, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    transform = cipher.encryptor() if encrypt else cipher.decryptor()
    return transform.update(data) + transform.finalize()


def _ecb_decrypt(key: bytes, data: bytes) -> bytes:
    transform = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    return transform.update(data) + transform.finalize()


def _pattern_rows(arr: np.ndarray, ranges: list[tuple[int, int]], crypt: int, skip: int
                  ) -> list[tuple[np.ndarray, np.ndarray | slice]]:
    """For each range: (its whole blocks as a (n, 16) view, which of them to transform: a
    boolean mask, or a slice of all of them when there is no pattern)."""
    if crypt == 0 and skip:
        raise SampleCryptoError(f"pattern {crypt}:{skip} encrypts nothing")
    rows = []
    for start, length in ranges:
        count = length // BLOCK
        region = arr[start : start + count * BLOCK].reshape(count, BLOCK)
        if crypt == 0 or skip == 0:
            mask: np.ndarray | slice = slice(None)
        else:
            mask = np.arange(count) % (crypt + skip) < crypt
        rows.append((region, mask))
    return rows


def transform_sample(scheme: str, key: bytes, iv: bytes, data: Buffer, subsamples: Sequence[Subsample] | None = None,
                     crypt_byte_block: int = 0, skip_byte_block: int = 0, *, encrypt: bool = False) -> bytes:
    """Encrypt or decrypt one sample, returning a new one; see the module docstring for the rules.

    ``iv`` is the per-sample IV or the constant IV (8 or 16 bytes). The pattern applies to
    ``cens`` and ``cbcs`` only.
    """
    if scheme not in SCHEMES:
        raise UnsupportedSchemeError(f"unsupported protection scheme {scheme!r}")
    _check_key(key)
    iv = _iv16(iv)
    out = bytearray(data)
    ranges = protected_ranges(len(out), subsamples)
    if not ranges:
        return bytes(out)
    unpatterned = crypt_byte_block == skip_byte_block == 0
    if scheme == "cenc" or (scheme == "cens" and unpatterned):
        _contiguous(memoryview(out), ranges, lambda joined: _ctr(key, iv, joined))
    elif scheme == "cbc1":
        whole = [(a, n - n % BLOCK) for a, n in ranges if n >= BLOCK]
        _contiguous(memoryview(out), whole, lambda joined: _cbc(key, iv, joined, encrypt))
    else:
        rows = _pattern_rows(np.frombuffer(out, dtype=np.uint8), ranges, crypt_byte_block, skip_byte_block)
        picked = [region[mask] for region, mask in rows]
        if scheme == "cens":
            done = _blocks(_ctr(key, iv, np.concatenate(picked).tobytes()))
        elif encrypt:
            done = np.concatenate([_blocks(_cbc(key, iv, blocks.tobytes(), True)) for blocks in picked])
        else:
            done = _cbcs_decrypt(key, iv, picked)
        _scatter(rows, picked, done)
    return bytes(out)


def _blocks(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, BLOCK)


def _contiguous(view: memoryview, ranges: list[tuple[int, int]], transform: Callable[[bytes], bytes]) -> None:
    """Join the ranges, transform them in one call, write the result back over them."""
    if not ranges:
        return
    result = transform(b"".join(view[a : a + n] for a, n in ranges))
    pos = 0
    for start, length in ranges:
        view[start : start + length] = result[pos : pos + length]
        pos += length


def _cbcs_decrypt(key: bytes, iv: bytes, picked: list[np.ndarray]) -> np.ndarray:
    """Each subsample's encrypted blocks are a CBC chain from the IV: decrypt every block in one
    ECB call, then XOR each with its predecessor (the IV for a subsample's first block)."""
    gathered = np.concatenate(picked)
    if len(picked) == 1:
        return _blocks(_cbc(key, iv, gathered.tobytes(), False))
    previous = np.empty_like(gathered)
    previous[1:] = gathered[:-1]
    starts = np.cumsum([0] + [len(blocks) for blocks in picked[:-1]])
    previous[starts[starts < len(gathered)]] = np.frombuffer(iv, dtype=np.uint8)
    return _blocks(_ecb_decrypt(key, gathered.tobytes())) ^ previous


def _scatter(rows: list[tuple[np.ndarray, np.ndarray | slice]], picked: list[np.ndarray], done: np.ndarray) -> None:
    pos = 0
    for (region, mask), blocks in zip(rows, picked):
        region[mask] = done[pos : pos + len(blocks)]
        pos += len(blocks)


def decrypt_sample(scheme: str, key: bytes, iv: bytes, data: Buffer, subsamples: Sequence[Subsample] | None = None,
                   crypt_byte_block: int = 0, skip_byte_block: int = 0) -> bytes:
    """The clear sample."""
    return transform_sample(scheme, key, iv, data, subsamples, crypt_byte_block, skip_byte_block)


def encrypt_sample(scheme: str, key: bytes, iv: bytes, data: Buffer, subsamples: Sequence[Subsample] | None = None,
                   crypt_byte_block: int = 0, skip_byte_block: int = 0) -> bytes:
    """The protected sample (for the packager and round-trip tests)."""
    return transform_sample(scheme, key, iv, data, subsamples, crypt_byte_block, skip_byte_block, encrypt=True)


# --- HLS METHOD=AES-128 ---------------------------------------------------------------------------


def hls_sequence_iv(media_sequence: int) -> bytes:
    """The IV HLS implies when ``EXT-X-KEY`` has none: the media sequence number, 16 bytes big-endian."""
    return media_sequence.to_bytes(16, "big")


def decrypt_segment_aes128(data: Buffer, key: bytes, iv: bytes) -> bytes:
    """A whole HLS segment encrypted with AES-128-CBC and PKCS#7 padding.

    A wrong key or IV almost always shows as bad padding, reported as such.
    """
    _check_key(key)
    if len(iv) != 16:
        raise SampleCryptoError(f"AES-128 segment IV has {len(iv)} bytes, expected 16")
    if not len(data) or len(data) % BLOCK:
        raise SampleCryptoError(f"AES-128 segment of {len(data)} bytes is not a whole number of blocks")
    padded = _cbc(key, iv, bytes(data), False)
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise SampleCryptoError("AES-128 segment has bad padding after decryption: wrong key or IV") from None


def encrypt_segment_aes128(data: Buffer, key: bytes, iv: bytes) -> bytes:
    """The HLS AES-128 form of a segment (for the packager)."""
    _check_key(key)
    padder = padding.PKCS7(128).padder()
    return _cbc(key, iv, padder.update(bytes(data)) + padder.finalize(), True)
