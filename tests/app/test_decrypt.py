"""``marquee decrypt``: the library's encrypted renditions decrypted back, frames compared with the
clear clip they were made from (decoded by ffmpeg), and every failure one clear line, exit 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]
VIDEO = "480p-1500k"
AUDIO = "audio-aac-128k"


def title_keys(library: Path, title_id: str) -> list[str]:
    """``KID:KEY`` arguments for a title, from the library's key file."""
    doc = json.loads((library / "keys.json").read_text())
    return [f"{k['kid']}:{k['key']}" for k in doc["keys"] if k["title_id"] == title_id]


def protected_clip(library: Path, title_id: str) -> tuple[Path, Path]:
    """(encrypted clip directory, the clear clip directory it was made from)."""
    catalog = json.loads((library / "catalog.json").read_text())
    title = next(t for t in catalog["titles"] if t["id"] == title_id)
    clip = title["clip"]
    source = clip.removesuffix(f"-{title['protection']}")
    return library / "media" / clip, library / "media" / source


def frames(path: Path, stream: str) -> list[str]:
    """Per-frame MD5s of the decoded video or audio of ``path``."""
    result = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", f"0:{stream}", "-f", "framemd5", "-"],
                            capture_output=True, text=True, timeout=60, check=True)
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    assert lines, f"ffmpeg decoded nothing from {path}"
    return [line.split(",")[-1].strip() for line in lines]


def whole_file(rendition: Path, out: Path) -> Path:
    """A rendition's init and segments as one fragmented MP4."""
    segments = sorted(rendition.glob("*.m4s"), key=lambda p: int(p.stem))
    out.write_bytes(b"".join(p.read_bytes() for p in [rendition / "init.mp4", *segments]))
    return out


def run(*args: str | Path) -> int:
    return main(["decrypt", *map(str, args)])


@pytest.mark.parametrize("title_id", ["sealed-orders", "the-cipher-garden"])
def test_segment_with_its_init_decrypts_to_the_clear_frames(
        library: Path, tmp_path: Path, title_id: str) -> None:
    encrypted, clear = protected_clip(library, title_id)
    keys = [a for k in title_keys(library, title_id) for a in ("--key", k)]
    init = encrypted / VIDEO / "init.mp4"
    assert run(*keys, init, tmp_path / "init.mp4") == 0  # the init alone: a whole (empty) file
    assert run(*keys, "--init", init, encrypted / VIDEO / "2.m4s", tmp_path / "2.m4s") == 0
    assert (tmp_path / "2.m4s").read_bytes() != (encrypted / VIDEO / "2.m4s").read_bytes()
    ours = tmp_path / "ours.mp4"
    ours.write_bytes((tmp_path / "init.mp4").read_bytes() + (tmp_path / "2.m4s").read_bytes())
    reference = tmp_path / "reference.mp4"
    reference.write_bytes((clear / VIDEO / "init.mp4").read_bytes() + (clear / VIDEO / "2.m4s").read_bytes())
    assert frames(ours, "v") == frames(reference, "v")


@pytest.mark.parametrize("rendition", [VIDEO, AUDIO])
def test_whole_fragmented_file_round_trip_through_the_command(
        library: Path, tmp_path: Path, rendition: str) -> None:
    """The installed command in its own process; cbcs video (1:9 pattern) and audio (whole blocks)."""
    encrypted, clear = protected_clip(library, "the-cipher-garden")
    keys = [a for k in title_keys(library, "the-cipher-garden") for a in ("--key", k)]
    source = whole_file(encrypted / rendition, tmp_path / "protected.mp4")
    command = [sys.executable, "-m", "app.cli", "decrypt", *keys, str(source), str(tmp_path / "clear.mp4")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    stream = "a" if rendition == AUDIO else "v"
    assert frames(tmp_path / "clear.mp4", stream) == frames(whole_file(clear / rendition, tmp_path / "ref.mp4"), stream)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("marquee: decrypt: ")
    return lines[0]


def test_a_missing_key_names_the_kid(library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    encrypted, _ = protected_clip(library, "sealed-orders")
    video_key, audio_key = title_keys(library, "sealed-orders")
    out = tmp_path / "clear.mp4"
    assert run("--key", audio_key, whole_file(encrypted / VIDEO, tmp_path / "in.mp4"), out) == 1
    line = one_error_line(capsys)
    kid = video_key.split(":")[0]
    assert "no key for KID" in line and f"{kid[:8]}-{kid[8:12]}" in line and "--key KID:KEY" in line
    assert video_key.split(":")[1] not in line and audio_key.split(":")[1] not in line
    assert not out.exists() and not list(tmp_path.glob("*.part"))  # nothing half-written


def test_truncated_and_unparsable_files(library: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    encrypted, _ = protected_clip(library, "sealed-orders")
    keys = [a for k in title_keys(library, "sealed-orders") for a in ("--key", k)]
    whole = whole_file(encrypted / VIDEO, tmp_path / "in.mp4").read_bytes()
    segment = (encrypted / VIDEO / "1.m4s").read_bytes()
    cases = {
        "truncated.mp4": (None, whole[: len(whole) // 2]),
        "truncated.m4s": (encrypted / VIDEO / "init.mp4", segment[:-100]),
        "garbage.mp4": (None, b"\x00\x00\x00\x10junk" + bytes(range(200))),
        "overflow.m4s": (encrypted / VIDEO / "init.mp4", (2**31).to_bytes(4, "big") + segment[4:]),
    }
    for name, (init, data) in cases.items():
        (tmp_path / name).write_bytes(data)
        init_args = ["--init", init] if init else []
        assert run(*keys, *init_args, tmp_path / name, tmp_path / "out.mp4") == 1, name
        line = one_error_line(capsys)
        assert f"{tmp_path / name} does not parse as MP4 (truncated or corrupt)" in line, line
    assert not (tmp_path / "out.mp4").exists()
    # A broken init is named as the culprit, not the segment.
    (tmp_path / "bad-init.mp4").write_bytes((encrypted / VIDEO / "init.mp4").read_bytes()[:300])
    assert run(*keys, "--init", tmp_path / "bad-init.mp4", encrypted / VIDEO / "1.m4s", tmp_path / "out.mp4") == 1
    assert f"{tmp_path / 'bad-init.mp4'} does not parse" in one_error_line(capsys)
    (tmp_path / "empty-init.mp4").write_bytes(b"\x00\x00\x00\x08moov")
    assert run(*keys, "--init", tmp_path / "empty-init.mp4", encrypted / VIDEO / "1.m4s", tmp_path / "out.mp4") == 1
    assert f"{tmp_path / 'empty-init.mp4'}: the init segment describes no tracks" in one_error_line(capsys)
    # An init where a media segment belongs.
    assert run(*keys, "--init", encrypted / VIDEO / "init.mp4", encrypted / VIDEO / "init.mp4", tmp_path / "o") == 1
    assert "holds no media fragment (moof)" in one_error_line(capsys)


def test_unreadable_input_unwritable_output_and_bad_keys(library: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    encrypted, _ = protected_clip(library, "sealed-orders")
    keys = [a for k in title_keys(library, "sealed-orders") for a in ("--key", k)]
    segment, init = encrypted / VIDEO / "1.m4s", encrypted / VIDEO / "init.mp4"
    assert run(*keys, tmp_path / "absent.mp4", tmp_path / "out.mp4") == 1
    assert f"cannot read input {tmp_path / 'absent.mp4'}: No such file or directory" in one_error_line(capsys)
    assert run(*keys, "--init", tmp_path / "absent-init.mp4", segment, tmp_path / "out.mp4") == 1
    assert "cannot read init segment" in one_error_line(capsys)
    assert run(*keys, "--init", init, segment, tmp_path / "no-such-dir" / "out.m4s") == 1
    assert f"cannot write {tmp_path / 'no-such-dir' / 'out.m4s'}" in one_error_line(capsys)
    (tmp_path / "a-directory").mkdir()
    assert run(*keys, "--init", init, segment, tmp_path / "a-directory") == 1
    assert f"cannot write {tmp_path / 'a-directory'}: Is a directory" in one_error_line(capsys)
    assert not list(tmp_path.rglob("*.part"))
    assert run("--key", "not-a-key", "--init", init, segment, tmp_path / "out.m4s") == 1
    assert "--key: expected KID:KEY" in one_error_line(capsys)
    assert run("--key", f"{'00' * 16}:{'zz' * 16}", "--init", init, segment, tmp_path / "out.m4s") == 1
    line = one_error_line(capsys)
    assert "content key is not hexadecimal" in line and "zz" * 16 not in line
