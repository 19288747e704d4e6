"""Hand-made situations shared by the algorithm tests."""

from __future__ import annotations

import os
from pathlib import Path

from abr.api import Context, Download, Rendition

PENSIEVE_LADDER = tuple(Rendition(kbps * 1000) for kbps in (300, 750, 1200, 1850, 2850, 4300))


def context(buffer_s: float, *, last: int | None = 1, index: int = 5, left: int | None = 30,
            ladder: tuple[Rendition, ...] = PENSIEVE_LADDER, duration_s: float = 4.0,
            target_s: float = 60.0, **extra: object) -> Context:
    return Context(ladder=ladder, buffer_s=buffer_s, buffer_target_s=target_s,
                   segment_duration_s=duration_s, segment_index=index, segments_left=left,
                   last_rendition=last, **extra)


def download_at(throughput_bps: float, *, rendition: int = 1, seconds: float = 2.0,
                latency_s: float = 0.0, duration_s: float = 4.0) -> Download:
    """A download that measured ``throughput_bps`` over ``seconds``."""
    return Download(rendition=rendition, size_bytes=round(throughput_bps * seconds / 8),
                    elapsed_s=seconds, latency_s=latency_s, segment_duration_s=duration_s)

TRACES = Path(os.environ.get("MARQUEE_TRACES", Path(__file__).resolve().parents[3] / "shared" / "traces"))
"""The recorded traces and videos (``../shared/traces`` beside the repository unless overridden)."""
