"""The offline optimum of QoE_lin in the pensieve model: the best any algorithm could do knowing the
whole future throughput (offline tooling).

Forward dynamic programming over segments. A state after segment k is (rendition, trace clock t,
total stall S, utility U = bitrate sum minus switch sum); the buffer follows from S, because the time
at which the buffer would run dry is a per-segment constant plus S. Each state branches into every
rendition of the next segment with the model's exact transition (vectorised over states).

Two facts about the model's future value V make pruning sound: starting a download earlier never
ends it later (the link is FIFO), so V never rises with a later clock; and a buffer larger by d
seconds can save at most d seconds of stall, so V(S + d) <= V(S) + 4.3 d. Hence a state A is at least
as good as B when t_A <= t_B, U_A >= U_B and U_A - 4.3 S_A >= U_B - 4.3 S_B.

Two passes use that, on a grid of clock cells of ``resolution_s``:

* the schedule: per (rendition, cell) the real state with the best score survives, then dominated
  states are dropped; the winning path is replayed through :func:`abr.sim.pensieve.simulate`, so its
  QoE is achieved, a lower bound on the optimum;
* the upper bound: per (rendition, cell) one optimistic state takes the earliest clock, least stall
  and highest utility of its members, which by the facts above no member can beat.

The optimum lies between the two. The 500 ms sleep steps at the 60 s cap can round a clock up by
less than one step, the one place the first fact holds only approximately. Tests check equality with
brute force on short videos; on the recorded trace sets the mean bound is 0.8-1.6 % above the mean
schedule at the default 0.1 s cells (3.9 % on the Sabre 3G logs); finer cells tighten it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abr.api import Abr, Context, Decision
from abr.mpc import REBUFFER_PENALTY
from abr.sim.pensieve import PensieveModel, simulate
from abr.sim.session import Session
from abr.sim.traces import Trace
from abr.sim.video import Video


DEFAULT_RESOLUTION_S = 0.1


class UnrolledTrace:
    """Cumulative payload of a looping trace on an unrolled time axis, for vectorised transfer
    times: moving S bytes from time t ends where the cumulative payload has grown by S.

    The trace is unrolled far enough to move ``total_bytes`` and then idle ``idle_s`` more.
    """

    def __init__(self, trace: Trace, share: float, total_bytes: float, idle_s: float) -> None:
        times = np.asarray(trace.times_s, dtype=float)
        rates = np.asarray(trace.mbps, dtype=float) * 1e6 / 8.0 * share
        period = times[-1]
        per_loop = float(np.sum(rates[1:] * np.diff(np.concatenate(([0.0], times[1:])))))
        loops = int(np.ceil(total_bytes / per_loop + idle_s / period)) + 2
        offsets = np.repeat(np.arange(1, loops + 1) * period, len(times) - 1)
        self.x = np.concatenate((times, offsets + np.tile(times[1:], loops)))
        self.rate = np.tile(rates[1:], loops + 1)  # rate of segment (x[i], x[i+1]]
        self.payload = np.concatenate(([0.0], np.cumsum(self.rate * np.diff(self.x))))

    def finish(self, start: np.ndarray, size: np.ndarray) -> np.ndarray:
        target = np.interp(start, self.x, self.payload) + size
        if target.max() > self.payload[-1]:
            raise ValueError("trace unrolled too short for this transfer")
        index = np.maximum(np.searchsorted(self.payload, target, side="left"), 1)
        return self.x[index - 1] + (target - self.payload[index - 1]) / self.rate[index - 1]


@dataclass(frozen=True)
class Optimum:
    qoe_lin: float
    """QoE_lin of the best schedule found, as the simulator scores it: a lower bound."""
    upper_bound: float
    """No schedule scores more than this (up to the sleep rounding noted in the module)."""
    renditions: tuple[int, ...]
    session: Session


class Replay(Abr):
    """Plays a fixed schedule (renditions of segments 1, 2, ...)."""

    name = "optimal"

    def __init__(self, renditions: tuple[int, ...]) -> None:
        self._renditions = renditions

    def choose(self, ctx: Context) -> Decision:
        return Decision(self._renditions[ctx.segment_index], "planned")


class _Problem:
    """One trace and video in the model, with vectorised transitions between states.

    A state after segment k is (rendition, trace clock t, total stall S, utility U) where U is the
    bitrate sum minus the switch sum; the buffer follows from S because the time at which the
    buffer would run dry is a per-segment constant plus S.
    """

    def __init__(self, trace: Trace, video: Video, model: PensieveModel) -> None:
        self.chunks = min(model.chunks, len(video.sizes))
        self.sizes = np.asarray(video.sizes[:self.chunks], dtype=float)
        self.rates = np.array([r.bitrate_bps / 1e6 for r in video.ladder])
        self.seg_s = video.segment_duration_s
        self.rtt = model.rtt_ms / 1000.0
        self.cap, self.step = model.buffer_cap_ms / 1000.0, model.sleep_step_ms / 1000.0
        self.first = model.first_rendition(video)
        # no schedule moves more than every top segment or sleeps longer than all media plus the cap
        self.link = UnrolledTrace(trace, model.payload_share, float(self.sizes.max(axis=1).sum()),
                                  self.chunks * self.seg_s + self.cap)
        end = self.link.finish(np.array([trace.times_s[0]]), self.sizes[0, self.first:self.first + 1])
        self.t0, self.b0 = self.sleep(end, np.array([self.seg_s]))

    def sleep(self, t: np.ndarray, buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nap = np.where(buffer > self.cap, np.ceil((buffer - self.cap) / self.step) * self.step, 0.0)
        return t + nap, buffer - nap

    def expand(self, k: int, t, buffer, stall, utility, last):
        """Every state after segment k reached from the given states after k - 1."""
        count = len(self.rates)
        start = np.repeat(t, count)
        have = np.repeat(buffer, count)
        rendition = np.tile(np.arange(count), len(t))
        end = self.link.finish(start, self.sizes[k][rendition])
        delay = end - start + self.rtt
        new_stall = np.repeat(stall, count) + np.maximum(delay - have, 0.0)
        new_t, new_buffer = self.sleep(end, np.maximum(have - delay, 0.0) + self.seg_s)
        gain = self.rates[rendition] - np.abs(self.rates[rendition] - self.rates[np.repeat(last, count)])
        return rendition, new_t, new_buffer, new_stall, np.repeat(utility, count) + gain


def optimal(trace: Trace, video: Video, model: PensieveModel = PensieveModel(),
            resolution_s: float = DEFAULT_RESOLUTION_S) -> Optimum:
    """Best QoE_lin schedule for ``video`` over ``trace``, and an upper bound on any schedule."""
    problem = _Problem(trace, video, model)
    renditions = _best_schedule(problem, resolution_s)
    session = simulate(Replay(renditions), trace, video, model)
    return Optimum(session.metrics().qoe_lin, _upper_bound(problem, resolution_s), renditions, session)


def _cells(rendition: np.ndarray, t: np.ndarray, resolution_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Sort order grouping states by (rendition, clock cell), and the start of each group in it."""
    cell = np.floor(t / resolution_s).astype(np.int64)
    order = np.lexsort((cell, rendition))
    r, c = rendition[order], cell[order]
    starts = np.flatnonzero(np.concatenate(([True], (r[1:] != r[:-1]) | (c[1:] != c[:-1]))))
    return order, starts


def _prefix_argmax(values: np.ndarray) -> np.ndarray:
    """For each position i, the index of the largest value among positions before i (-1 for i=0)."""
    running = np.maximum.accumulate(values)
    attained = values >= np.concatenate(([-np.inf], running[:-1]))
    arg = np.maximum.accumulate(np.where(attained, np.arange(len(values)), 0))
    return np.concatenate(([-1], arg[:-1]))


def _undominated(rendition: np.ndarray, t: np.ndarray, utility: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Indexes of states not shown dominated by an earlier-clock state of the same rendition with
    at least the utility and at least the score (a sufficient condition for a future at least as
    good, module docstring). Only the best-score and best-utility predecessors are tried, which is
    enough to drop every dominated state when nobody stalled and keeps the test vectorised."""
    order = np.lexsort((-utility, -score, t, rendition))
    r, u, sc = rendition[order], utility[order], score[order]
    keep = np.ones(len(order), dtype=bool)
    bounds = np.searchsorted(r, np.arange(r[-1] + 2)) if len(r) else np.zeros(1, dtype=np.intp)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi - lo < 2:
            continue
        uu, ss = u[lo:hi], sc[lo:hi]
        dominated = np.zeros(hi - lo, dtype=bool)
        for arg in (_prefix_argmax(ss), _prefix_argmax(uu)):
            valid = arg >= 0
            a = np.where(valid, arg, 0)
            dominated |= valid & (uu[a] >= uu) & (ss[a] >= ss)
        keep[lo:hi] = ~dominated
    return order[keep]


def _best_schedule(problem: _Problem, resolution_s: float) -> tuple[int, ...]:
    """Forward DP keeping, per (rendition, clock cell), the real state with the best score."""
    t, buffer = problem.t0, problem.b0
    stall, utility, last = np.zeros(1), np.zeros(1), np.array([problem.first])
    parents: list[np.ndarray] = []
    choices: list[np.ndarray] = []
    count = len(problem.rates)
    for k in range(1, problem.chunks):
        rendition, t, buffer, stall, utility = problem.expand(k, t, buffer, stall, utility, last)
        score = utility - REBUFFER_PENALTY * stall
        order, starts = _cells(rendition, t, resolution_s)
        # within each cell the best score (highest clock-ordered index wins nothing: ties keep the first)
        best_in_cell = np.maximum.reduceat(score[order], starts)
        is_best = score[order] >= np.repeat(best_in_cell, np.diff(np.append(starts, len(order))))
        first_best = np.flatnonzero(is_best)
        keep = order[first_best[np.searchsorted(first_best, starts)]]
        keep = keep[_undominated(rendition[keep], t[keep], utility[keep], score[keep])]
        parents.append(keep // count)
        choices.append(rendition[keep])
        t, buffer, stall, utility, last = t[keep], buffer[keep], stall[keep], utility[keep], rendition[keep]
    best = int(np.argmax(utility - REBUFFER_PENALTY * stall))
    path = []
    for parent, choice in zip(reversed(parents), reversed(choices)):
        path.append(int(choice[best]))
        best = int(parent[best])
    return (problem.first, *reversed(path))


def _upper_bound(problem: _Problem, resolution_s: float) -> float:
    """Forward DP over optimistic states: each (rendition, clock cell) holds the earliest clock,
    the least stall and the highest utility of its members. The future value never rises with a
    later clock or with more stall net of its penalty (module docstring), so no member can beat it."""
    t, buffer = problem.t0, problem.b0
    stall, utility, last = np.zeros(1), np.zeros(1), np.array([problem.first])
    drain_offset = float(problem.t0[0] + problem.b0[0])  # run-dry time minus stall, before segment 1
    for k in range(1, problem.chunks):
        rendition, t, buffer, stall, utility = problem.expand(k, t, buffer, stall, utility, last)
        drain_offset += problem.seg_s - problem.rtt
        order, starts = _cells(rendition, t, resolution_s)
        t = np.minimum.reduceat(t[order], starts)
        stall = np.minimum.reduceat(stall[order], starts)
        utility = np.maximum.reduceat(utility[order], starts)
        last = rendition[order][starts]
        kept = _undominated(last, t, utility, utility - REBUFFER_PENALTY * stall)
        t, stall, utility, last = t[kept], stall[kept], utility[kept], last[kept]
        buffer = np.maximum(drain_offset + stall - t, 0.0)
    return float(np.max(utility - REBUFFER_PENALTY * stall))
