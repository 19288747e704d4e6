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
from collections.abc import Awaitable, Callable
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
    fetcher = Fetcher(retries=1) if remote else None
    try:
        manifest = await load_manifest(_text_reader(fetcher), url, _range_reader(fetcher))
        if manifest.live:
            raise VideoError(f"{spec}: a live manifest lists only its window; simulate a recording of known length")
        track = manifest.first("video") or (manifest.tracks[0] if manifest.tracks else None)
        if track is None:
            raise VideoError(f"{spec}: no track to play")
        size_of = _size_reader(fetcher)
        columns = [await _sizes(rendition, size_of) for rendition in track.renditions]
    except ManifestError as exc:
        raise VideoError(_named(str(exc), remote)) from None
    except FetchError as exc:  # it names the URL that failed: the manifest's, or one it led to
        raise VideoError(str(exc) if exc.url == spec else f"{spec}: {exc}") from None
    except OSError as exc:
        raise VideoError(f"{spec}: cannot read {exc.filename or 'a file'}: {exc.strerror or exc}") from None
    finally:
        if fetcher is not None:
            await fetcher.aclose()
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


async def _sizes(rendition: Rendition, size_of: Callable[[str], Awaitable[int | None]]) -> list[int]:
    """Bytes of each of ``rendition``'s segments (see the module docstring for where they come from)."""
    gate = asyncio.Semaphore(HEAD_REQUESTS)

    async def size(segment: SegmentRef) -> int:
        if segment.byte_range is not None:
            return segment.byte_range.length
        known = None
        if not segment.gap:  # a gap's URL holds no media and must not be loaded
            async with gate:
                known = await size_of(segment.url)
        return known if known is not None else round(rendition.bandwidth_bps * segment.duration_s / 8)

    return list(await asyncio.gather(*map(size, rendition.segments)))


def _named(message: str, remote: bool) -> str:
    """``message`` with local files named by their paths, as the user gave them, not as URLs."""
    return message if remote else unquote(message.replace("file://", ""))


def _local(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _text_reader(fetcher: Fetcher | None) -> Callable[[str], Awaitable[str]]:
    async def read(url: str) -> str:
        if fetcher is None:
            return _local(url).read_text(errors="replace")  # the parser names what is wrong
        return (await fetcher.get(url)).data.decode("utf-8", errors="replace")

    return read


def _range_reader(fetcher: Fetcher | None) -> Callable[[str, ByteRange], Awaitable[bytes]]:
    async def read(url: str, byte_range: ByteRange) -> bytes:
        if fetcher is None:
            with _local(url).open("rb") as file:
                file.seek(byte_range.first)
                return file.read(byte_range.length)
        return (await fetcher.get(url, byte_range)).data

    return read


def _size_reader(fetcher: Fetcher | None) -> Callable[[str], Awaitable[int | None]]:
    """A segment's size from its file: None when a local file is missing or a server does not
    say (HTTP 4xx, no ``Content-Length``). A server that cannot be reached is an error."""
    async def size(url: str) -> int | None:
        if fetcher is None:
            path = _local(url)
            return path.stat().st_size if path.is_file() else None
        try:
            return await fetcher.size(url)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None
            raise

    return size
