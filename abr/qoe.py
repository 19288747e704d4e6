"""Quality-of-experience scores of a played session, from numbers only.

The three QoE variants of Pensieve (Mao, Netravali, Alizadeh, "Neural Adaptive Video Streaming with
Pensieve", SIGCOMM 2017, section 5.1) share one form over the counted segments n:

    QoE = sum q(R_n) - mu * sum T_n - sum |q(R_{n+1}) - q(R_n)|

with R_n the bitrate of segment n and T_n the rebuffering before it; they differ in q and mu:

* QoE_lin: q(R) = R in Mbit/s, mu = 4.3;
* QoE_log: q(R) = ln(R / R_min), mu = 2.66;
* QoE_hd: the 300/750/1200/1850/2850/4300 kbit/s ladder scores 1/2/3/12/15/20, mu = 8 (other
  bitrates are interpolated linearly, and extrapolated proportionally above 4300 kbit/s).

Beside these, :class:`SessionMetrics` carries what a viewer notices directly: startup delay,
rebuffering ratio, switch count and rate, and mean bitrate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HD_SCORES: tuple[tuple[float, float], ...] = (
    (300e3, 1.0), (750e3, 2.0), (1200e3, 3.0), (1850e3, 12.0), (2850e3, 15.0), (4300e3, 20.0),
)


def hd_utility(bitrate_bps: float) -> float:
    """QoE_hd's score of a bitrate (Pensieve's table, interpolated between and beyond its rungs)."""
    (low_rate, low_score), (top_rate, top_score) = HD_SCORES[0], HD_SCORES[-1]
    if bitrate_bps <= low_rate:
        return low_score * bitrate_bps / low_rate
    if bitrate_bps >= top_rate:
        return top_score * bitrate_bps / top_rate
    for (r0, s0), (r1, s1) in zip(HD_SCORES, HD_SCORES[1:]):
        if bitrate_bps <= r1:
            return s0 + (s1 - s0) * (bitrate_bps - r0) / (r1 - r0)
    raise AssertionError("unreachable: bitrate inside the table")


@dataclass(frozen=True, slots=True)
class QoeModel:
    """One of the QoE variants: a utility of bitrate and a price per second of rebuffering."""

    name: str
    rebuffer_penalty: float

    def utility(self, bitrate_bps: float, lowest_bps: float) -> float:
        if self.name == "lin":
            return bitrate_bps / 1e6
        if self.name == "log":
            return math.log(bitrate_bps / lowest_bps)
        if self.name == "hd":
            return hd_utility(bitrate_bps)
        raise ValueError(f"unknown QoE model {self.name!r}")

    def score(
        self,
        bitrates_bps: Sequence[float],
        rebuffers_s: Sequence[float],
        lowest_bps: float,
        previous_bps: float | None = None,
    ) -> float:
        """QoE of consecutive segments; ``previous_bps`` is the segment before the first counted
        one (its switch counts), None when the first counted segment is the first played."""
        if len(bitrates_bps) != len(rebuffers_s):
            raise ValueError("one rebuffer figure per segment is needed")
        utilities = [self.utility(b, lowest_bps) for b in bitrates_bps]
        before = utilities[:1] if previous_bps is None else [self.utility(previous_bps, lowest_bps)]
        chain = before + utilities
        changes = sum(abs(b - a) for a, b in zip(chain, chain[1:]))
        return sum(utilities) - self.rebuffer_penalty * sum(rebuffers_s) - changes


QOE_LIN = QoeModel("lin", 4.3)
QOE_LOG = QoeModel("log", 2.66)
QOE_HD = QoeModel("hd", 8.0)


@dataclass(frozen=True, slots=True)
class SessionMetrics:
    qoe_lin: float
    qoe_log: float
    qoe_hd: float
    bitrate_kbps_mean: float
    rebuffer_s: float
    rebuffer_ratio: float
    """Rebuffering time over rebuffering plus played media time."""
    switches: int
    switches_per_min: float
    """Switches per minute of played media."""
    startup_delay_s: float


def session_metrics(
    bitrates_bps: Sequence[float],
    rebuffers_s: Sequence[float],
    segment_duration_s: float,
    lowest_bps: float,
    startup_delay_s: float,
    previous_bps: float | None = None,
) -> SessionMetrics:
    """Every figure of one session over its counted segments (see :meth:`QoeModel.score`)."""
    if not bitrates_bps:
        raise ValueError("a session needs at least one counted segment")
    played_s = segment_duration_s * len(bitrates_bps)
    stalled = float(sum(rebuffers_s))
    chain = ([previous_bps] if previous_bps is not None else []) + list(bitrates_bps)
    switches = sum(1 for a, b in zip(chain, chain[1:]) if a != b)
    args = (bitrates_bps, rebuffers_s, lowest_bps, previous_bps)
    return SessionMetrics(
        qoe_lin=QOE_LIN.score(*args),
        qoe_log=QOE_LOG.score(*args),
        qoe_hd=QOE_HD.score(*args),
        bitrate_kbps_mean=sum(bitrates_bps) / len(bitrates_bps) / 1e3,
        rebuffer_s=stalled,
        rebuffer_ratio=stalled / (stalled + played_s),
        switches=switches,
        switches_per_min=switches / (played_s / 60.0),
        startup_delay_s=startup_delay_s,
    )
