"""The facts about an encoded clip, read back from its files: renditions, their tracks and the
timing and size of every segment.  Manifests and the catalog are written from these."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError
from .mp4 import SegmentTiming, TrackInfo, read_init, read_segment
from .profile import SEGMENT_SECONDS


@dataclass(frozen=True)
class Rendition:
    """One rendition directory: ``init.mp4`` and ``1.m4s`` … ``N.m4s``."""

    id: str
    track: TrackInfo
    segments: tuple[SegmentTiming, ...]

    @property
    def duration(self) -> int:
        """Total duration in the track's timescale."""
        return sum(s.duration for s in self.segments)

    @property
    def duration_s(self) -> float:
        return self.duration / self.track.timescale

    @property
    def peak_bps(self) -> int:
        """The highest segment bitrate: what a link must carry to play without stalling.

        A segment shorter than the nominal length (the last one) counts as if it were nominal:
        with one segment of buffer (the MPD's minBufferTime) it has that long to arrive, and its
        fixed box overhead would otherwise inflate a sliver into a huge rate.
        """
        timescale = self.track.timescale
        return max(math.ceil(s.size * 8 * timescale / max(s.duration, SEGMENT_SECONDS * timescale))
                   for s in self.segments)

    @property
    def average_bps(self) -> int:
        return math.ceil(sum(s.size for s in self.segments) * 8 / self.duration_s)


@dataclass(frozen=True)
class ClipMedia:
    """An encoded clip: its video renditions (lowest first) and its audio rendition."""

    id: str
    video: tuple[Rendition, ...]
    audio: Rendition

    @property
    def duration_s(self) -> float:
        """The presentation's length: the longest track (AAC ends a frame after the video)."""
        return max(r.duration_s for r in (*self.video, self.audio))

    @property
    def video_duration_s(self) -> float:
        return self.video[0].duration_s


def read_rendition(directory: Path) -> Rendition:
    """Read a rendition directory, checking the segments are numbered from 1 and contiguous."""
    track = read_init(directory / "init.mp4")
    count = len(list(directory.glob("*.m4s")))
    if count == 0:
        raise ContentError(f"{directory}: no media segments")
    segments: list[SegmentTiming] = []
    for number in range(1, count + 1):
        path = directory / f"{number}.m4s"
        if not path.is_file():
            raise ContentError(f"{directory}: segment {number}.m4s missing (have {count})")
        timing = read_segment(path, track)
        expected = segments[-1].start + segments[-1].duration if segments else 0
        if timing.start != expected:
            raise ContentError(f"{path}: starts at {timing.start}, expected {expected} "
                               f"(timescale {track.timescale})")
        segments.append(timing)
    return Rendition(directory.name, track, tuple(segments))


def read_clip(clip_id: str, clip_dir: Path, video_ids: list[str], audio_id: str) -> ClipMedia:
    """Read every rendition of a clip and check the video renditions share segment boundaries."""
    video = tuple(read_rendition(clip_dir / rid) for rid in video_ids)
    reference = [(s.start, s.duration) for s in video[0].segments]
    for rendition in video[1:]:
        if rendition.track.timescale != video[0].track.timescale or \
                [(s.start, s.duration) for s in rendition.segments] != reference:
            raise ContentError(f"clip {clip_id!r}: segments of {rendition.id} are not aligned "
                               f"with {video[0].id}")
    audio = read_rendition(clip_dir / audio_id)
    return ClipMedia(clip_id, video, audio)
