"""Decryption speed per scheme, beside this machine's own ``openssl speed`` for the same cipher.

Three figures per scheme, all in MB/s of media (clear bytes out): one sample at a time through
``drm.cipher`` (a video-like 64 KiB sample with four subsamples), and a whole fragmented MP4
(720p H.264 + AAC made by ffmpeg, encrypted by ``drm.encrypt``) through ``drm.mp4decrypt``, which
adds parsing, aux info and re-writing. ``cens``/``cbcs`` video uses the 1:9 pattern, so only a
tenth of its protected bytes go through AES: they can beat openssl's raw rate.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from drm.bmff import find
from drm.cipher import decrypt_sample
from drm.encrypt import Encryptor, TrackKey
from drm.mp4decrypt import Decryptor

KID, KEY = bytes(range(16)), bytes(range(16, 32))
VIDEO = {
    "cenc": TrackKey("cenc", KID, KEY),
    "cens": TrackKey("cens", KID, KEY, crypt_byte_block=1, skip_byte_block=9),
    "cbc1": TrackKey("cbc1", KID, KEY, iv_size=16),
    "cbcs": TrackKey("cbcs", KID, KEY, iv_size=0, constant_iv=bytes(range(16)), crypt_byte_block=1, skip_byte_block=9),
}
CIPHER = {"cenc": "aes-128-ctr", "cens": "aes-128-ctr", "cbc1": "aes-128-cbc", "cbcs": "aes-128-cbc"}
SECONDS = 1.5


def _rate(size: int, call: Callable[[], object]) -> float:
    """MB/s of ``size`` bytes per call, best of repeated timing over about ``SECONDS``."""
    call()
    best = float("inf")
    deadline = time.perf_counter() + SECONDS
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return size / best / 1e6


def openssl_speed(cipher: str) -> float:
    """openssl's MB/s for 16 KiB blocks of ``cipher`` (``openssl speed -evp``)."""
    out = subprocess.run(["openssl", "speed", "-seconds", "1", "-bytes", "16384", "-evp", cipher],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    match = re.search(rf"^{re.escape(cipher.upper())}\s+([\d.]+)k", out, re.MULTILINE | re.IGNORECASE)
    if match is None:
        raise RuntimeError(f"cannot read openssl speed output for {cipher}")
    return float(match.group(1)) * 1000 / 1e6


def _media(directory: Path) -> Path:
    path = directory / "bench.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "6",
                    "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "6M", "-g", "60", "-c:a", "aac",
                    "-movflags", "+frag_keyframe+empty_moov+default_base_moof", str(path)], check=True, timeout=300)
    return path


def main() -> None:
    sample = os.urandom(64 * 1024)
    head = [(40, 16000), (8, 16384), (120, 16000)]
    subsamples = [*head, (24, len(sample) - 24 - sum(c + p for c, p in head))]
    with tempfile.TemporaryDirectory() as tmp:
        data = _media(Path(tmp)).read_bytes()
    moov = find(data, "moov")
    init, rest = data[: moov.end], data[moov.end :]
    print(f"media: {len(data) / 1e6:.1f} MB fragmented MP4 (720p H.264 6 Mb/s + AAC)")
    print(f"{'scheme':8}{'sample MB/s':>14}{'file MB/s':>12}{'openssl MB/s':>15}")
    for scheme, video in VIDEO.items():
        audio = TrackKey(scheme, KID, KEY, video.iv_size, video.constant_iv)
        encryptor = Encryptor(init, {1: video, 2: audio})
        enc_init, enc_media = encryptor.encrypted_init(), encryptor.encrypt_segment(rest)
        decryptor = Decryptor(enc_init, {KID: KEY})
        iv = video.constant_iv or bytes(video.iv_size)
        per_sample = _rate(len(sample), lambda: decrypt_sample(scheme, KEY, iv, sample, subsamples,
                                                               video.crypt_byte_block, video.skip_byte_block))
        whole = _rate(len(rest), lambda: decryptor.decrypt_segment(enc_media))
        cipher = CIPHER[scheme]
        print(f"{scheme:8}{per_sample:14.0f}{whole:12.0f}{openssl_speed(cipher):15.0f} ({cipher})", flush=True)


if __name__ == "__main__":
    main()
