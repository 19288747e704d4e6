"""Throughput estimators shared by the algorithms.

Two families are in use by real players and papers:

* the dual exponentially weighted moving average of Shaka Player and dash.js, weighted by the
  time each download took, which reacts fast to drops (the fast average) while keeping a
  stable view (the slow one) and reports the smaller of the two;
* the harmonic mean over a sliding window of recent downloads (FESTIVE, RobustMPC, Pensieve's
  baselines), which is dominated by the slow samples and so errs on the safe side.

All figures are bits per second. Estimators keep plain numbers only; the caller feeds them
:class:`~abr.api.Download` records.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

from abr.api import Download


class Ewma:
    """Exponentially weighted moving average with a half-life in units of sample weight.

    A sample of weight ``w`` keeps ``0.5 ** (w / half_life)`` of the previous estimate. The
    estimate is corrected for its zero start (as Shaka does), so the first sample is returned
    unchanged instead of being pulled towards zero.
    """

    def __init__(self, half_life: float) -> None:
        if half_life <= 0:
            raise ValueError(f"half_life must be positive, got {half_life}")
        self._alpha = math.exp(math.log(0.5) / half_life)
        self._estimate = 0.0
        self._total_weight = 0.0

    def add(self, value: float, weight: float = 1.0) -> None:
        if weight <= 0:
            return
        keep = self._alpha**weight
        self._estimate = value * (1.0 - keep) + keep * self._estimate
        self._total_weight += weight

    @property
    def total_weight(self) -> float:
        return self._total_weight

    def estimate(self) -> float | None:
        """The bias-corrected average, or None before the first sample."""
        if self._total_weight <= 0:
            return None
        return self._estimate / (1.0 - self._alpha**self._total_weight)


class DualEwma:
    """Fast and slow EWMAs of download throughput weighted by download time; the estimate is the
    minimum of the two, so a drop shows at once while a spike needs to persist.

    Defaults follow Shaka Player's ``EwmaBandwidthEstimator`` (half-lives 2 s and 5 s, samples
    under 16 kB ignored, trusted only after 128 kB in total); :meth:`dashjs` gives dash.js's
    ``ThroughputModel`` settings (3 s and 8 s, every sample counts).
    """

    def __init__(
        self,
        fast_half_life_s: float = 2.0,
        slow_half_life_s: float = 5.0,
        min_sample_bytes: int = 16_000,
        min_total_bytes: int = 128_000,
    ) -> None:
        self._fast_half_life_s = fast_half_life_s
        self._slow_half_life_s = slow_half_life_s
        self._min_sample_bytes = min_sample_bytes
        self._min_total_bytes = min_total_bytes
        self.reset()

    @classmethod
    def shaka(cls) -> DualEwma:
        return cls()

    @classmethod
    def dashjs(cls) -> DualEwma:
        return cls(fast_half_life_s=3.0, slow_half_life_s=8.0, min_sample_bytes=0, min_total_bytes=0)

    def reset(self) -> None:
        self._fast = Ewma(self._fast_half_life_s)
        self._slow = Ewma(self._slow_half_life_s)
        self._bytes = 0

    def add(self, download: Download) -> None:
        if download.size_bytes < self._min_sample_bytes:
            return
        self._bytes += download.size_bytes
        weight = max(download.elapsed_s, 1e-3)
        self._fast.add(download.throughput_bps, weight)
        self._slow.add(download.throughput_bps, weight)

    def estimate(self) -> float | None:
        """min(fast, slow) in bit/s, or None until enough bytes were seen."""
        fast, slow = self._fast.estimate(), self._slow.estimate()
        if fast is None or slow is None or self._bytes < self._min_total_bytes:
            return None
        return min(fast, slow)


def harmonic_mean(values: Iterable[float]) -> float:
    """Harmonic mean of positive values (ValueError on an empty or non-positive input)."""
    values = list(values)
    if not values or min(values) <= 0:
        raise ValueError("harmonic mean needs at least one positive value")
    return len(values) / sum(1.0 / v for v in values)


class SlidingHarmonicMean:
    """Harmonic mean of the throughput of the last ``window`` downloads."""

    def __init__(self, window: int = 5) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self._samples: deque[float] = deque(maxlen=window)

    def add(self, download: Download) -> None:
        self.add_sample(download.throughput_bps)

    def add_sample(self, throughput_bps: float) -> None:
        if throughput_bps > 0:
            self._samples.append(throughput_bps)

    @property
    def samples(self) -> tuple[float, ...]:
        return tuple(self._samples)

    def reset(self) -> None:
        self._samples.clear()

    def estimate(self) -> float | None:
        """Harmonic mean in bit/s, or None before the first download."""
        return harmonic_mean(self._samples) if self._samples else None
