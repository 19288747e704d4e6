"""Small real media made with ffmpeg for the player's tests: two H.264 renditions of one clip,
packaged the way common packagers do (parameter sets only in the init segment's ``avcC``)."""

from __future__ import annotations

import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from drm import bmff


@dataclass(frozen=True)
class Rendition:
    init: bytes
    segments: list[bytes]


def encode_rendition(out: Path, name: str, *, size: str, kbps: int, timescale: int, profile: str,
                     seconds: int = 8, codec: str = "libx264") -> Rendition:
    """Encode ``seconds`` of a test pattern as 2-second CMAF segments with ffmpeg's DASH muxer
    (H.264 by default; ``codec="libx265"`` gives HEVC tagged ``hvc1``)."""
    folder = out / name
    folder.mkdir(parents=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=s={size}:r=24", "-t", str(seconds),
         "-c:v", codec, "-preset", "ultrafast", "-profile:v", profile, "-b:v", f"{kbps}k",
         *(["-tag:v", "hvc1", "-x265-params", "log-level=error:keyint=48:min-keyint=48:scenecut=0:open-gop=0"]
           if codec == "libx265" else []),
         "-g", "48", "-keyint_min", "48", "-sc_threshold", "0", "-video_track_timescale", str(timescale),
         "-f", "dash", "-seg_duration", "2", "-init_seg_name", "init.mp4", "-media_seg_name", "$Number$.m4s",
         str(folder / "manifest.mpd")],
        check=True,
    )
    count = len(list(folder.glob("*.m4s")))
    return Rendition((folder / "init.mp4").read_bytes(),
                     [(folder / f"{n}.m4s").read_bytes() for n in range(1, count + 1)])


def decode(stream: bytes, tmp: Path) -> tuple[int, list[str], set[str]]:
    """Decode a byte stream with ffmpeg: (frames decoded, error lines, frame sizes seen)."""
    path = tmp / "joined.mp4"
    path.write_bytes(stream)
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", "showinfo", "-f", "null", "-"],
        capture_output=True, text=True,
    )
    info = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=width,height",
         "-of", "csv=p=0", str(path)], capture_output=True, text=True,
    )
    sizes = {",".join(line.split(",")[:2]) for line in info.stdout.splitlines() if line.strip()}
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    frames = len([line for line in info.stdout.splitlines() if line.strip()])
    return frames, errors, sizes


def with_track_id(rendition: Rendition, track_id: int) -> Rendition:
    """The same media renumbered to ``track_id`` (``tkhd``, ``trex``, ``tfhd``), as packagers
    that number tracks differently per rendition write it."""

    def renumber(box: bmff.Box) -> bytes | None:
        if box.type == "tkhd":
            version = box.payload[0]
            raw = bytearray(box.raw)
            position = box.header_size + 4 + (16 if version == 1 else 8)  # after the times
            struct.pack_into(">I", raw, position, track_id)
            return bytes(raw)
        if box.type in ("trex", "tfhd"):
            raw = bytearray(box.raw)
            struct.pack_into(">I", raw, box.header_size + 4, track_id)
            return bytes(raw)
        return None

    return Rendition(bmff.rewrite_boxes(rendition.init, renumber),
                     [bmff.rewrite_boxes(s, renumber) for s in rendition.segments])
