"""Manifest parsing: DASH and HLS into one model (see :mod:`player.manifest.model`)."""

from player.manifest.loader import load_manifest
from player.manifest.model import (
    ByteRange,
    Manifest,
    ManifestError,
    Rendition,
    SegmentRef,
    Track,
)

__all__ = ["ByteRange", "Manifest", "ManifestError", "Rendition", "SegmentRef", "Track", "load_manifest"]
