"""What a library build produces: the rendition ladders, the clips and the parameters digest.

Everything that changes the bytes of a build lives here, so the digest written to ``.complete``
covers it and a changed parameter forces a rebuild.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

#: Bump when the builder's output changes in a way the parameters below do not show.
FORMAT_VERSION = 3

FRAME_RATE = 24
SEGMENT_SECONDS = 4
AUDIO_BITRATE_K = 128
AUDIO_SAMPLE_RATE = 48000
AUDIO_RENDITION_ID = "audio-aac-128k"


@dataclass(frozen=True)
class Rung:
    """One video rendition of the ladder."""

    width: int
    height: int
    bitrate_k: int

    @property
    def id(self) -> str:
        """Directory name and DASH Representation id, e.g. ``720p-1850k``."""
        return f"{self.height}p-{self.bitrate_k}k"

    @property
    def label(self) -> str:
        """Text burnt into the picture so a screenshot shows which rendition plays."""
        return f"{self.height}p {self.bitrate_k}k"


@dataclass(frozen=True)
class ClipSpec:
    """A clip to synthesise: ``design`` names a picture/sound recipe in :mod:`.designs`."""

    id: str
    name: str
    design: str
    duration_s: int


@dataclass(frozen=True)
class BuildProfile:
    """All parameters of one build."""

    name: str
    ladder: tuple[Rung, ...]
    clips: tuple[ClipSpec, ...]
    preset: str

    @property
    def source_size(self) -> tuple[int, int]:
        """The clip pictures are drawn at the top rung's size and scaled down for the others."""
        top = max(self.ladder, key=lambda r: r.width * r.height)
        return top.width, top.height

    def digest(self) -> str:
        """A stable hash of every parameter and of the clips' recipes, written to ``.complete``."""
        from .designs import source_graph  # the recipes build on this module's constants
        from .protect import parameters as protected_titles

        width, height = self.source_size
        doc = {
            "recipes": [source_graph(c.design, width, height, c.duration_s) for c in self.clips],
            "format": FORMAT_VERSION,
            "profile": asdict(self),
            "fps": FRAME_RATE,
            "segment": SEGMENT_SECONDS,
            "audio": [AUDIO_BITRATE_K, AUDIO_SAMPLE_RATE, AUDIO_RENDITION_ID],
            "protected": protected_titles(),
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


#: The Pensieve ladder.
FULL = BuildProfile(
    name="full",
    ladder=(
        Rung(426, 240, 300),
        Rung(640, 360, 750),
        Rung(854, 480, 1200),
        Rung(1280, 720, 1850),
        Rung(1280, 720, 2850),
        Rung(1920, 1080, 4300),
    ),
    clips=(
        ClipSpec("aurora", "Aurora", "aurora", 60),
        ClipSpec("fractal", "Fractal", "fractal", 42),
        ClipSpec("colony", "Colony", "colony", 36),
        ClipSpec("signal", "Signal", "signal", 30),
    ),
    preset="veryfast",
)

#: A tiny library made in seconds, for tests.
QUICK = BuildProfile(
    name="quick",
    ladder=(
        Rung(256, 144, 200),
        Rung(426, 240, 400),
        Rung(640, 360, 700),
        Rung(854, 480, 1000),
        Rung(854, 480, 1500),
    ),
    clips=(
        ClipSpec("aurora", "Aurora", "aurora", 16),
        ClipSpec("fractal", "Fractal", "fractal", 14),
        ClipSpec("colony", "Colony", "colony", 12),
    ),
    # superfast rather than ultrafast: as fast at these sizes, and keeps B-frames (composition
    # offsets) so the small library has the same stream structure as the full one.
    preset="superfast",
)
