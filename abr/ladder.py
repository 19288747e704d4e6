"""Small helpers every algorithm uses to map a rate or a utility onto the ladder."""

from __future__ import annotations

from abr.api import Context, Rendition


def highest_below(ladder: tuple[Rendition, ...], rate_bps: float) -> int:
    """Index of the highest rendition whose nominal bitrate is at most ``rate_bps`` (0 if none)."""
    best = 0
    for index, rendition in enumerate(ladder):
        if rendition.bitrate_bps <= rate_bps:
            best = index
    return best


def segment_bits(ctx: Context, ahead: int, rendition: int) -> float:
    """Size in bits of segment ``ctx.segment_index + ahead`` at ``rendition``: the real size where
    the scheduler knows it, else the nominal bitrate times the segment duration."""
    sizes = ctx.next_sizes
    if sizes is not None and ahead < len(sizes) and rendition < len(sizes[ahead]):
        return sizes[ahead][rendition] * 8.0
    return ctx.ladder[rendition].bitrate_bps * ctx.segment_duration_s
