"""Rate-based adaptation: pick the highest rendition the predicted throughput sustains.

The prediction is the harmonic mean of the last five downloads (FESTIVE, Jiang et al., CoNEXT
2012; the "RB" baseline of Yin et al., SIGCOMM 2015 and of Pensieve, Mao et al., SIGCOMM 2017),
multiplied by a safety factor so that a rendition right at the estimate is not taken.
"""

from __future__ import annotations

from abr.api import Abr, Context, Decision, Download
from abr.estimators import SlidingHarmonicMean
from abr.ladder import highest_below


class RateBased(Abr):
    name = "rate"

    def __init__(self, window: int = 5, safety: float = 0.9, initial_bps: float | None = None) -> None:
        """``initial_bps`` is the estimate used before any download (None: start at the lowest
        rendition)."""
        if not 0 < safety <= 1:
            raise ValueError(f"safety must be in (0, 1], got {safety}")
        self.safety = safety
        self.initial_bps = initial_bps
        self._estimator = SlidingHarmonicMean(window)

    def on_download(self, download: Download) -> None:
        self._estimator.add(download)

    def estimate_bps(self) -> float | None:
        return self._estimator.estimate()

    def choose(self, ctx: Context) -> Decision:
        estimate = self._estimator.estimate()
        if estimate is None:
            if self.initial_bps is None:
                return Decision(0, "startup")
            estimate = self.initial_bps
        return Decision(highest_below(ctx.ladder, estimate * self.safety), "throughput")
