"""Simulator videos from DASH and HLS manifests, read by the player's own parser.

``marquee abr simulate --video MANIFEST`` sees the ladder and the segments that playback would:
the same periods joined the same way, the same rendition chosen for each rung of a pre-roll. A
manifest is a local file or an http(s) URL.

Segment sizes, best first: the byte range the manifest states (DASH ``mediaRange``, a segment
index ``sidx``, HLS ``EXT-X-BYTERANGE``); the size of the segment's file (a local file's, or the
``Content-Length`` of a HEAD request); else the rendition's nominal bitrate times the segment's
duration, for a segment whose file is missing or whose server does not say. Init segments are
not counted: simulators fetch media segments only.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from urllib.parse import unquote, urlsplit

from abr.api import Rendition as Rung
from abr.sim.video import Video, VideoError
from player.fetcher import Fetcher, FetchError
from player.manifest import (
    ByteRange,
    ManifestError,
    Rendition,
    SegmentRef,
    load_manifest,
)

HEAD_REQUESTS = 16
"""HEAD requests in flight at once: a two-hour ladder has thousands of segments."""


def read_manifest_video(spec: str) -> Video:
    """The video of the manifest at ``spec`` (a path or an http(s) URL); a VideoError names what
    is wrong with it."""
    return asyncio.run(_read(spec))


async def _read(spec: str) -> Video:
    remote = urlsplit(spec).scheme in ("http", "https")
    url = spec if remote else Path(spec).resolve().as_uri()
    source = _Web() if remote else _Files()
    try:
        manifest = await load_manifest(source.text, url, source.range)
        if manifest.live:
            raise VideoError(f"{spec}: a live manifest lists only its window; simulate a recording of known length")
        track = manifest.first("video") or (manifest.tracks[0] if manifest.tracks else None)
        if track is None:
            raise VideoError(f"{spec}: no track to play")
        gate = asyncio.Semaphore(HEAD_REQUESTS)
        columns = await asyncio.gather(*(_sizes(rendition, source, gate) for rendition in track.renditions))
    except ManifestError as exc:
        raise VideoError(_named(str(exc), remote)) from None
    except FetchError as exc:  # it names the URL that failed: the manifest's, or one it led to
        raise VideoError(str(exc) if exc.url == spec else f"{spec}: {exc}") from None
    except OSError as exc:
        raise VideoError(f"{spec}: cannot read {exc.filename or 'a file'}: {exc.strerror or exc}") from None
    finally:
        await source.aclose()
    ladder = [Rung(r.bandwidth_bps, r.width, r.height) for r in track.renditions]
    durations = [[s.duration_s for s in r.segments] for r in track.renditions]
    name = Path(urlsplit(spec).path).stem or spec
    return Video.from_columns(name, ladder, columns, durations, _part_starts(track.renditions[0]))


def _part_starts(rendition: Rendition) -> list[float]:
    """Where each part of ``rendition`` after the first begins, in seconds of playing time: a DASH
    period's segments carry their own init and timestamp offset, an HLS discontinuity starts
    afresh."""
    starts, elapsed = [], 0.0
    for previous, segment in itertools.pairwise(rendition.segments):
        elapsed += previous.duration_s
        if segment.discontinuity or (segment.init, segment.time_offset_s) != (previous.init, previous.time_offset_s):
            starts.append(elapsed)
    return starts


async def _sizes(rendition: Rendition, source: _Files | _Web, gate: asyncio.Semaphore) -> list[int]:
    """Bytes of each of ``rendition``'s segments (see the module docstring for where they come
    from); ``gate`` bounds the size lookups in flight across all renditions."""

    async def size(segment: SegmentRef) -> int:
        if segment.byte_range is not None:
            return segment.byte_range.length
        known = None
        if not segment.gap:  # a gap's URL holds no media and must not be loaded
            async with gate:
                known = await source.size(segment.url)
        return known if known is not None else round(rendition.bandwidth_bps * segment.duration_s / 8)

    return list(await asyncio.gather(*map(size, rendition.segments)))


def _named(message: str, remote: bool) -> str:
    """``message`` with local files named by their paths, as the user gave them, not as URLs."""
    return message if remote else unquote(message.replace("file://", ""))


class _Files:
    """A manifest on disk: its ``file://`` URLs read as files."""

    @staticmethod
    def _path(url: str) -> Path:
        return Path(unquote(urlsplit(url).path))

    async def text(self, url: str) -> str:
        return self._path(url).read_text(errors="replace")  # the parser names what is wrong

    async def range(self, url: str, byte_range: ByteRange) -> bytes:
        with self._path(url).open("rb") as file:
            file.seek(byte_range.first)
            return file.read(byte_range.length)

    async def size(self, url: str) -> int | None:
        """The file's size; None when it is missing."""
        path = self._path(url)
        return path.stat().st_size if path.is_file() else None

    async def aclose(self) -> None:
        """Nothing to release: files are closed as they are read."""


class _Web:
    """A manifest on an http(s) server, read with the player's fetcher."""

    def __init__(self) -> None:
        self._fetcher = Fetcher(retries=1)

    async def text(self, url: str) -> str:
        return (await self._fetcher.get(url)).data.decode("utf-8", errors="replace")

    async def range(self, url: str, byte_range: ByteRange) -> bytes:
        return (await self._fetcher.get(url, byte_range)).data

    async def size(self, url: str) -> int | None:
        """``Content-Length`` of a HEAD request; None when the server does not say (4xx, no
        length). A server that cannot be reached is an error."""
        try:
            return await self._fetcher.size(url)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None
            raise

    async def aclose(self) -> None:
        await self._fetcher.aclose()
