"""Protected media end to end: the quick library's clip encrypted with each CENC scheme (our own
packager code) and with HLS AES-128, served over HTTP and played through libmpv."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.report import PlaybackReport
from drm.cipher import encrypt_segment_aes128
from drm.encrypt import Encryptor, TrackKey
from drm.keys import format_kid
from tests.player.origin import serve
from tests.playing import play_to_end

VIDEO_KID, VIDEO_KEY = bytes.fromhex("11" * 16), bytes.fromhex("a1" * 16)
AUDIO_KID, AUDIO_KEY = bytes.fromhex("22" * 16), bytes.fromhex("b2" * 16)
KEYS = {VIDEO_KID: VIDEO_KEY, AUDIO_KID: AUDIO_KEY}
SCHEMES = {
    "cenc": dict(iv_size=8),
    "cens": dict(iv_size=16, crypt_byte_block=1, skip_byte_block=9),
    "cbc1": dict(iv_size=16),
    "cbcs": dict(iv_size=0, constant_iv=bytes(range(16)), crypt_byte_block=1, skip_byte_block=9),
}


def track_key(scheme: str, kid: bytes, key: bytes, audio: bool) -> TrackKey:
    options = dict(SCHEMES[scheme])
    if audio and scheme in ("cens", "cbcs"):
        options.update(crypt_byte_block=0, skip_byte_block=0)  # whole-sample audio: 0:0 pattern
    return TrackKey(scheme, kid, key, **options)


def clip(library: Path, out: Path) -> Path:
    source = next(p for p in sorted((library / "media").iterdir()) if (p / "manifest.mpd").exists())
    shutil.copytree(source, out)
    return out


def encrypt_clip(folder: Path, scheme: str) -> None:
    """Encrypt every rendition in place; audio gets its own KID."""
    for rendition in (p for p in folder.iterdir() if p.is_dir()):
        audio = rendition.name.startswith("audio")
        init = rendition / "init.mp4"
        kid, key = (AUDIO_KID, AUDIO_KEY) if audio else (VIDEO_KID, VIDEO_KEY)
        encryptor = Encryptor(init.read_bytes(), {1: track_key(scheme, kid, key, audio)}, iv_seed=b"s" * 16)
        init.write_bytes(encryptor.encrypted_init())
        for segment in sorted(rendition.glob("*.m4s"), key=lambda p: int(p.stem)):
            segment.write_bytes(encryptor.encrypt_segment(segment.read_bytes()))


def play(url: str, keys: dict[bytes, bytes] | None) -> PlaybackReport:
    return play_to_end(url, keys=keys)


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_each_cenc_scheme_plays_clean_across_switches(library: Path, tmp_path: Path, scheme: str) -> None:
    folder = clip(library, tmp_path / "clip")
    encrypt_clip(folder, scheme)
    with serve(folder) as base:
        summary = play(base + "manifest.mpd", KEYS).as_dict()
    assert summary["errors"] == [] and summary["ended"]
    assert len(summary["renditions"]) >= 2 and summary["decode_errors"] == 0


def test_a_missing_key_stops_with_a_clear_error(library: Path, tmp_path: Path) -> None:
    folder = clip(library, tmp_path / "clip")
    encrypt_clip(folder, "cbcs")
    with serve(folder) as base:
        report = play(base + "manifest.mpd", {VIDEO_KID: VIDEO_KEY})
    assert not report.ended and report.startup_ms is None
    assert len(report.errors) == 1
    assert report.errors[0].startswith("drm-no-key") and format_kid(AUDIO_KID) in report.errors[0]
    assert AUDIO_KEY.hex() not in report.errors[0] and VIDEO_KEY.hex() not in report.errors[0]


def test_hls_aes128_segments(library: Path, tmp_path: Path) -> None:
    folder = clip(library, tmp_path / "clip")
    key, iv = bytes.fromhex("c3" * 16), bytes.fromhex("0f" * 16)
    (folder / "key.bin").write_bytes(key)
    for playlist in [p for p in folder.rglob("*.m3u8") if "#EXT-X-MAP" in p.read_text()]:
        for segment in playlist.parent.glob("*.m4s"):
            segment.write_bytes(encrypt_segment_aes128(segment.read_bytes(), key, iv))
        text = playlist.read_text()
        depth = "../" * (len(playlist.relative_to(folder).parts) - 1)
        tag = f'#EXT-X-KEY:METHOD=AES-128,URI="{depth}key.bin",IV=0x{iv.hex()}'
        playlist.write_text(re.sub(r"(#EXT-X-MAP:[^\n]*\n)", lambda m: m.group(1) + tag + "\n", text, count=1))
    with serve(folder) as base:
        summary = play(base + "master.m3u8", None).as_dict()
    assert summary["errors"] == [] and summary["ended"] and len(summary["renditions"]) >= 2
