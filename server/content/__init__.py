"""Marquee's demo content: synthetic clips encoded locally with ffmpeg into CMAF renditions, DASH
and HLS manifests written from the measured segments, generated artwork and a catalog."""

from .build import build
from .errors import ContentError

__all__ = ["ContentError", "build"]
