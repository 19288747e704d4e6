"""Videos as simulators see them: a ladder and the byte size of every segment at every rendition
(offline tooling: reads files).

Readers for Pensieve size files (a directory of ``video_size_<q>`` files, one size in bytes per
line, q = 0 lowest) and Sabre video JSON are here. DASH and HLS manifests are read by the player's
own parser (:mod:`player.videos`), so a simulation sees the ladder and segments that playback
would; :func:`read_video` is handed that reader by the command line, as ``abr`` imports nothing
from the player.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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

    @classmethod
    def from_columns(cls, name: str, ladder: Sequence[Rendition], columns: Sequence[Sequence[int]],
                     durations: Sequence[Sequence[float]], part_starts_s: Sequence[float] = ()) -> Video:
        """A video from each rendition's segment sizes and durations (``columns[r][k]``,
        ``durations[r][k]``; ladder ascending). Simulators assume one segment duration, so a
        rendition cut otherwise (segments of unequal length, a pre-roll cut differently from the
        title) is re-cut onto the typical duration of the lowest one (:func:`_regrid`), afresh
        from each of ``part_starts_s`` (where periods begin), so a period cut on that duration
        keeps its segments exactly."""
        if not columns or not all(len(c) and len(c) == len(d) for c, d in zip(columns, durations, strict=True)):
            raise VideoError(f"video {name}: every rendition needs segments, each with a duration")
        if not all(d > 0 and math.isfinite(d) for spans in durations for d in spans):
            raise VideoError(f"video {name}: a segment has no positive duration")
        segment_s = _typical(durations[0])
        recut = [list(c) if _uniform(d, segment_s) else _regrid(c, d, segment_s, part_starts_s)
                 for c, d in zip(columns, durations)]
        count = min(len(c) for c in recut)
        return cls(name, segment_s, tuple(ladder), tuple(tuple(c[k] for c in recut) for k in range(count)))


def _typical(durations: Sequence[float]) -> float:
    """The grid a video is cut to: the longest duration at least half the segments reach (the upper
    median), so a short last segment or a few short ones around an ad do not set it."""
    return float(statistics.median_high(durations))


def _uniform(durations: Sequence[float], segment_s: float) -> bool:
    """Whether segments of ``durations`` already are ``segment_s`` long; the last may be shorter,
    as media rarely ends on a segment boundary."""
    *body, last = durations
    return all(math.isclose(d, segment_s, rel_tol=0.02) for d in body) and last <= segment_s * 1.02


def _regrid(sizes: Sequence[int], durations: Sequence[float], segment_s: float,
            part_starts_s: Sequence[float]) -> list[int]:
    """Sizes of segments of ``durations`` re-cut into segments of ``segment_s``, starting afresh at
    each of ``part_starts_s``: each segment's bytes are spread evenly over its time and summed
    over the new ones. Bytes are kept exactly and each part's playing time to within half a
    segment (its last segment absorbs the remainder); only the points where the ABR decides move."""
    own_bounds = np.concatenate(([0.0], np.cumsum(durations, dtype=float)))
    total_s = float(own_bounds[-1])
    edges = [0.0, *sorted(t for t in set(part_starts_s) if 0.0 < t < total_s), total_s]
    bounds = [0.0]
    for start, end in itertools.pairwise(edges):
        pieces = max(1, round((end - start) / segment_s))
        bounds.extend(start + k * segment_s for k in range(1, pieces))
        bounds.append(end)
    carried = np.concatenate(([0.0], np.cumsum(sizes, dtype=float)))
    return [int(size) for size in np.diff(np.round(np.interp(bounds, own_bounds, carried)))]


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


ManifestReader = Callable[[str], Video]
"""Reads a DASH or HLS manifest (a path or an http(s) URL) as a video; raises VideoError."""

_MANIFEST = re.compile(r"https?://|.*\.(mpd|m3u8)$", re.IGNORECASE)


def read_video(spec: str | Path, read_manifest: ManifestReader | None = None) -> Video:
    """Pensieve size directory (or one of its files), Sabre JSON, or a DASH/HLS manifest (a file
    or a URL), which ``read_manifest`` reads."""
    if _MANIFEST.match(str(spec)):
        if read_manifest is None:
            raise VideoError(f"{spec}: manifests are read by the player's parser; run `marquee abr simulate`")
        return read_manifest(str(spec))
    path = Path(spec)
    if path.is_dir():
        return read_pensieve_sizes(path)
    if not path.is_file():
        raise VideoError(f"{path}: no such file or directory")
    if path.suffix == ".json":
        return read_sabre_video(path)
    if re.fullmatch(r"video_size_\d+", path.name):
        return read_pensieve_sizes(path.parent)
    raise VideoError(f"{path}: unknown video description (expected a size directory, .json, .mpd or .m3u8)")
