"""Fetching a manifest and everything its parse needs (HLS media playlists), then parsing it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from player.manifest import hls
from player.manifest.dash import parse_mpd
from player.manifest.model import Manifest, ManifestError

GetText = Callable[[str], Awaitable[str]]


async def load_manifest(get_text: GetText, url: str) -> Manifest:
    """Fetch ``url`` with ``get_text`` and parse it as DASH or HLS, whichever it is."""
    text = await get_text(url)
    head = text.lstrip()[:16]
    if head.startswith("#EXTM3U"):
        urls = hls.media_playlist_urls(text, url)
        bodies = await asyncio.gather(*(get_text(u) for u in urls))
        return hls.parse_hls(text, url, dict(zip(urls, bodies, strict=True)))
    if "<MPD" in text[:4096]:
        return parse_mpd(text, url)
    raise ManifestError(f"{url}: neither a DASH MPD nor an HLS playlist")
