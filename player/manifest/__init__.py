"""Manifest parsing: DASH and HLS into one model (see :mod:`player.manifest.model`)."""

from player.manifest.model import (
    ByteRange,
    Manifest,
    ManifestError,
    Rendition,
    SegmentRef,
    Track,
)

__all__ = ["ByteRange", "Manifest", "ManifestError", "Rendition", "SegmentRef", "Track", "parse"]


def parse(text: str, url: str) -> Manifest:
    """Parse a manifest fetched from ``url``, choosing DASH or HLS by its content."""
    head = text.lstrip()[:512]
    if head.startswith("#EXTM3U"):
        from player.manifest.hls import parse_hls

        return parse_hls(text, url)
    if "<MPD" in text[:4096]:
        from player.manifest.dash import parse_mpd

        return parse_mpd(text, url)
    raise ManifestError(f"{url}: neither a DASH MPD nor an HLS playlist")
