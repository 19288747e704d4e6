"""Fetching a manifest and everything its parse needs (HLS media playlists), then parsing it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

from player.manifest import hls
from player.manifest import dash
from player.manifest.model import ByteRange, Manifest, ManifestError, Rendition
from player.manifest.sidx import parse_sidx

GetText = Callable[[str], Awaitable[str]]
GetBytes = Callable[[str, ByteRange], Awaitable[bytes]]


async def load_manifest(get_text: GetText, url: str, get_range: GetBytes | None = None,
                        previous: Manifest | None = None) -> Manifest:
    """Fetch ``url`` with ``get_text`` and parse it as DASH or HLS, whichever it is.

    ``get_range`` fetches byte ranges: DASH SegmentBase representations need their ``sidx``.
    ``previous`` is the last load of a live presentation being reloaded.
    """
    text = await get_text(url)
    head = text.lstrip()[:16]
    if head.startswith("#EXTM3U"):
        urls = hls.media_playlist_urls(text, url)
        bodies = await asyncio.gather(*(get_text(u) for u in urls))
        return hls.parse_hls(text, url, dict(zip(urls, bodies, strict=True)), previous)
    if "<MPD" in text[:4096]:
        return dash.to_manifest(await _load_indexes(dash.parse_mpd(text, url), get_range), previous)
    raise ManifestError(f"{url}: neither a DASH MPD nor an HLS playlist")


async def _load_indexes(document: dash.Document, get_range: GetBytes | None) -> dash.Document:
    """Fill in the segments of renditions whose index (``sidx``) lives in the media file."""
    pending = [r for p in document.periods for t in p.tracks for r in t.renditions if r.index is not None]
    if not pending:
        return document
    if get_range is None:
        raise ManifestError(f"{document.url}: SegmentBase needs byte-range requests")

    async def resolve(rendition: Rendition) -> Rendition:
        index = rendition.index
        assert index is not None and index.byte_range is not None
        data = await get_range(index.url, index.byte_range)
        return dataclasses.replace(rendition, segments=tuple(parse_sidx(data, index)), index=None)

    resolved = dict(zip(map(id, pending), await asyncio.gather(*map(resolve, pending)), strict=True))
    periods = tuple(
        dataclasses.replace(p, tracks=tuple(
            dataclasses.replace(t, renditions=tuple(resolved.get(id(r), r) for r in t.renditions))
            for t in p.tracks
        ))
        for p in document.periods
    )
    return dataclasses.replace(document, periods=periods)
