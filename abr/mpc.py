"""RobustMPC (Yin, Jindal, Sekar, Sinopoli, "A Control-Theoretic Approach for Dynamic Adaptive Video
Streaming over HTTP", SIGCOMM 2015), in the form of Pensieve's reference baseline
(``hongzimao/pensieve`` ``test/mpc.py``).

Throughput is predicted as the harmonic mean of the last five downloads, divided by one plus the
largest relative prediction error of the last five predictions. Every sequence of renditions for
the next five segments is simulated against that prediction (download time = size / prediction,
buffer drained by the download and refilled by one segment duration) and scored with QoE_lin:
bitrate in Mbit/s minus 4.3 per second of rebuffering minus the bitrate change; the first step of the
best sequence is taken (ties go to the last sequence in lexicographic order, as the reference does).

Unlike the reference, the sizes used are those of the segments actually ahead (the reference looks
one chunk further), and the error history starts afresh for each session.
"""

from __future__ import annotations

import itertools
from collections import deque
from functools import lru_cache

import numpy as np

from abr.api import Abr, Context, Decision, Download
from abr.estimators import SlidingHarmonicMean
from abr.ladder import segment_bits

REBUFFER_PENALTY = 4.3
"""QoE_lin's price of one second of rebuffering, in Mbit/s (Pensieve's choice)."""


@lru_cache(maxsize=32)
def sequences(renditions: int, horizon: int) -> np.ndarray:
    """Every rendition sequence of length ``horizon``, in lexicographic order, as (count, horizon)."""
    return np.array(list(itertools.product(range(renditions), repeat=horizon)), dtype=np.intp).reshape(-1, horizon)


def sequence_values(bitrates_mbps: tuple[float, ...], last: int | None, horizon: int, smoothness_penalty: float = 1.0) -> np.ndarray:
    """Bitrate utility minus switching penalty of every sequence (see :func:`sequences`): the part of
    QoE_lin that does not depend on the network, cached per ladder and previous rendition."""
    return _sequence_values(tuple(bitrates_mbps), last, horizon, smoothness_penalty)


@lru_cache(maxsize=256)
def _sequence_values(bitrates_mbps: tuple[float, ...], last: int | None, horizon: int, smoothness_penalty: float) -> np.ndarray:
    rates = np.asarray(bitrates_mbps)[sequences(len(bitrates_mbps), horizon)]
    previous = rates[:, 0] if last is None else np.full(len(rates), bitrates_mbps[last])
    changes = np.abs(rates[:, 0] - previous) + np.abs(np.diff(rates, axis=1)).sum(axis=1)
    values = rates.sum(axis=1) - smoothness_penalty * changes
    values.setflags(write=False)
    return values


def sequence_rebuffers(download_s: np.ndarray, buffer_s: float, segment_duration_s: float) -> np.ndarray:
    """Total rebuffering of every sequence (order of :func:`sequences`) when the k-th segment ahead
    takes ``download_s[k, r]`` seconds at rendition r: the buffer drains during each download and
    gains one segment after it. Evaluated as a tree over prefixes, so each prefix is computed once."""
    buffer = np.array([float(buffer_s)])
    rebuffer = np.zeros(1)
    for times in download_s:
        rebuffer = (rebuffer[:, None] + np.maximum(times[None, :] - buffer[:, None], 0.0)).ravel()
        buffer = (np.maximum(buffer[:, None] - times[None, :], 0.0) + segment_duration_s).ravel()
    return rebuffer


def last_best(scores: np.ndarray) -> int:
    """Index of the last maximal score."""
    return len(scores) - 1 - int(np.argmax(scores[::-1]))


def horizon_for(ctx: Context, horizon: int) -> int:
    if ctx.segments_left is None:
        return horizon
    return max(1, min(horizon, ctx.segments_left + 1))


def download_times(ctx: Context, horizon: int, throughput_bps: float) -> np.ndarray:
    """(horizon, renditions) seconds to fetch each upcoming segment at a constant throughput."""
    bits = np.array([[segment_bits(ctx, k, r) for r in range(len(ctx.ladder))] for k in range(horizon)])
    return bits / throughput_bps


class RobustMpc(Abr):
    name = "robustmpc"

    def __init__(self, horizon: int = 5, window: int = 5, rebuffer_penalty: float = REBUFFER_PENALTY) -> None:
        if horizon < 1:
            raise ValueError(f"horizon must be at least 1, got {horizon}")
        self.horizon = horizon
        self.rebuffer_penalty = rebuffer_penalty
        self._throughput = SlidingHarmonicMean(window)
        self._errors: deque[float] = deque(maxlen=window)
        self._last_prediction: float | None = None

    def on_download(self, download: Download) -> None:
        actual = download.throughput_bps
        if self._last_prediction is not None and actual > 0:
            self._errors.append(abs(self._last_prediction - actual) / actual)
        self._throughput.add(download)

    def predict_bps(self) -> float | None:
        """The discounted (robust) throughput prediction, recording the undiscounted one so the next
        download can measure its error."""
        mean = self._throughput.estimate()
        self._last_prediction = mean
        if mean is None:
            return None
        return mean / (1.0 + max(self._errors, default=0.0))

    def choose(self, ctx: Context) -> Decision:
        prediction = self.predict_bps()
        if prediction is None:
            return Decision(0, "startup")
        horizon = horizon_for(ctx, self.horizon)
        bitrates = tuple(r.bitrate_bps / 1e6 for r in ctx.ladder)
        values = sequence_values(bitrates, ctx.last_rendition, horizon)
        rebuffers = sequence_rebuffers(download_times(ctx, horizon, prediction), ctx.buffer_s, ctx.segment_duration_s)
        best = last_best(values - self.rebuffer_penalty * rebuffers)
        return Decision(int(sequences(len(ctx.ladder), horizon)[best, 0]), "mpc")
