"""Videos as simulators see them: a ladder and the byte size of every segment at every rendition
(offline tooling: reads files).

Readers for Pensieve size files (a directory of ``video_size_<q>`` files, one size in bytes per
line, q = 0 lowest) and Sabre video JSON are here; manifests are read by :mod:`abr.sim.manifest`,
and :func:`abr.sim.manifest.read_video` picks the reader from the path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from abr.api import Rendition

PENSIEVE_LADDER_BPS = (300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000)
PENSIEVE_SEGMENT_S = 4.0


class VideoError(ValueError):
    """A video description that cannot be read; the message names the file (and line)."""


@dataclass(frozen=True)
class Video:
    name: str
    segment_duration_s: float
    ladder: tuple[Rendition, ...]
    sizes: tuple[tuple[int, ...], ...]
    """``sizes[k][r]``: bytes of segment k at rendition r."""

    def __post_init__(self) -> None:
        if not self.ladder or not self.sizes:
            raise VideoError(f"video {self.name}: empty ladder or no segments")
        if any(len(row) != len(self.ladder) for row in self.sizes):
            raise VideoError(f"video {self.name}: every segment needs one size per rendition")
        rates = [r.bitrate_bps for r in self.ladder]
        if rates != sorted(rates):
            raise VideoError(f"video {self.name}: ladder must ascend")

    def truncated(self, segments: int) -> Video:
        return Video(self.name, self.segment_duration_s, self.ladder, self.sizes[:segments])

    @classmethod
    def nominal(cls, name: str, bitrates_bps: list[int], segment_duration_s: float, segments: int) -> Video:
        """A video whose segments all weigh exactly their nominal bitrate."""
        row = tuple(round(b * segment_duration_s / 8) for b in bitrates_bps)
        return cls(name, segment_duration_s, tuple(Rendition(b) for b in bitrates_bps), (row,) * segments)


def read_pensieve_sizes(directory: Path) -> Video:
    files = sorted(directory.glob("video_size_*"), key=lambda p: int(p.name.rsplit("_", 1)[1]))
    if not files:
        raise VideoError(f"{directory}: no video_size_<q> files")
    columns: list[list[int]] = []
    for path in files:
        sizes = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                sizes.append(int(line.split()[0]))
            except ValueError:
                raise VideoError(f"{path}:{number}: {line.split()[0]!r} is not a byte count") from None
        columns.append(sizes)
    count = min(len(c) for c in columns)
    if len(files) == len(PENSIEVE_LADDER_BPS):
        bitrates = list(PENSIEVE_LADDER_BPS)
    else:
        bitrates = [round(sum(c[:count]) * 8 / count / PENSIEVE_SEGMENT_S, -3) for c in columns]
    return Video(directory.name, PENSIEVE_SEGMENT_S, tuple(Rendition(int(b)) for b in bitrates),
                 tuple(tuple(c[k] for c in columns) for k in range(count)))


def read_sabre_video(path: Path) -> Video:
    try:
        data = json.loads(path.read_text())
        duration = data["segment_duration_ms"] / 1000.0
        bitrates = [int(b * 1000) for b in data["bitrates_kbps"]]
        sizes = tuple(tuple(round(bits / 8) for bits in row) for row in data["segment_sizes_bits"])
    except json.JSONDecodeError as exc:
        raise VideoError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (KeyError, TypeError) as exc:
        raise VideoError(f"{path}:1: not a Sabre video description ({exc})") from None
    return Video(path.stem, duration, tuple(Rendition(b) for b in bitrates), sizes)
