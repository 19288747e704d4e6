"""BBA-0: buffer-based rate adaptation (Huang et al., "A Buffer-Based Approach to Rate
Adaptation: Evidence from a Large Video Streaming Service", SIGCOMM 2014).

Below a *reservoir* of buffered media the lowest rendition is fetched; above reservoir plus
*cushion* the highest; in between the rendition rises linearly with the buffer. The map is linear
in ladder index, as in Pensieve's BBA baseline (``test/bb.py``: reservoir 5 s, cushion 10 s), which
is the form the published comparisons use. Throughput is never consulted.
"""

from __future__ import annotations

from abr.api import Abr, Context, Decision


class Bba(Abr):
    name = "bba"

    def __init__(self, reservoir_s: float = 5.0, cushion_s: float = 10.0) -> None:
        if reservoir_s < 0 or cushion_s <= 0:
            raise ValueError("reservoir must be >= 0 and cushion > 0 seconds")
        self.reservoir_s = reservoir_s
        self.cushion_s = cushion_s

    def choose(self, ctx: Context) -> Decision:
        top = len(ctx.ladder) - 1
        if ctx.buffer_s < self.reservoir_s:
            return Decision(0, "buffer-low")
        if ctx.buffer_s >= self.reservoir_s + self.cushion_s:
            return Decision(top, "buffer-high")
        fraction = (ctx.buffer_s - self.reservoir_s) / self.cushion_s
        return Decision(int(top * fraction), "buffer")
