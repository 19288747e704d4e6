"""BOLA and BOLA-E: Lyapunov-optimisation buffer-based adaptation.

BOLA (Spiteri, Urgaonkar, Sitaraman, "BOLA: Near-Optimal Bitrate Adaptation for Online Videos",
INFOCOM 2016) picks, for buffer level ``Q``, the rendition maximising
``(V * (u_m + gamma_p) - Q) / R_m`` with the logarithmic utility ``u_m = ln(R_m / R_0) + 1``.
``V`` and ``gamma_p`` are derived as dash.js's ``BolaRule`` does: the lowest rendition is preferred
up to a 10 s minimum buffer, the highest from the buffer target on (the target is at least
``10 + 2 * len(ladder)`` seconds).

BOLA-E (Spiteri, Sitaraman, Sparacio, "From Theory to Practice: Improving Bitrate Adaptation in the
DASH Reference Player", MMSys 2018, shipped as dash.js's BOLA) adds:

* a *placeholder* buffer: virtual buffer seeded at startup so BOLA starts at the rendition the
  throughput sustains, and grown by time not spent downloading (here inferred from the buffer:
  playback drained more than the downloads explain), so pauses and a full buffer do not make BOLA
  forget how comfortable it is; it is dropped on a rebuffer;
* BOLA-O oscillation control: never switch up beyond what the throughput sustains unless already
  there;
* abandonment: give up a download in flight when restarting at a lower rendition scores better.
"""

from __future__ import annotations

import math

from abr.api import Abr, Context, Decision, Download, Progress
from abr.estimators import DualEwma
from abr.ladder import highest_below

MINIMUM_BUFFER_S = 10.0
MINIMUM_BUFFER_PER_LEVEL_S = 2.0


class BolaParameters:
    """``V`` and ``gamma_p`` for one ladder and buffer target, plus the score function."""

    def __init__(self, bitrates: tuple[int, ...], stable_buffer_s: float) -> None:
        if not bitrates:
            raise ValueError("BOLA needs a ladder of at least one rendition")
        self.bitrates = bitrates
        self.utilities = tuple(math.log(b / bitrates[0]) + 1.0 for b in bitrates)
        buffer_time = max(stable_buffer_s, MINIMUM_BUFFER_S + MINIMUM_BUFFER_PER_LEVEL_S * len(bitrates))
        if len(bitrates) == 1:
            # nothing to choose between: only when to wait is left, at the buffer target
            self.gp = 1.0
            self.vp = buffer_time / (self.utilities[0] + self.gp)
            return
        self.gp = (self.utilities[-1] - 1.0) / (buffer_time / MINIMUM_BUFFER_S - 1.0)
        self.vp = MINIMUM_BUFFER_S / self.gp

    def score(self, rendition: int, buffer_s: float, cost: float | None = None) -> float:
        """BOLA's objective; ``cost`` defaults to the bitrate (the segment size up to a factor)."""
        weight = self.bitrates[rendition] if cost is None else cost
        return (self.vp * (self.utilities[rendition] + self.gp) - buffer_s) / weight

    def best(self, buffer_s: float) -> int:
        scores = [self.score(m, buffer_s) for m in range(len(self.bitrates))]
        return max(range(len(scores)), key=scores.__getitem__)

    def min_buffer_for(self, rendition: int) -> float:
        """Lowest buffer at which BOLA prefers ``rendition`` to every lower one."""
        q_rate, q_util = self.bitrates[rendition], self.utilities[rendition]
        level = 0.0
        for i in range(rendition):
            i_rate, i_util = self.bitrates[i], self.utilities[i]
            level = max(level, self.vp * (self.gp + (q_rate * i_util - i_rate * q_util) / (q_rate - i_rate)))
        return level

    def max_buffer(self) -> float:
        """Buffer above which BOLA would rather wait than fetch even the top rendition."""
        return self.vp * (self.utilities[-1] + self.gp)


class Bola(Abr):
    """BOLA-BASIC: the score rule on the real buffer only."""

    name = "bola"

    def __init__(self, stable_buffer_s: float = 12.0) -> None:
        self.stable_buffer_s = stable_buffer_s
        self._params: BolaParameters | None = None

    def parameters(self, ctx: Context) -> BolaParameters:
        bitrates = tuple(r.bitrate_bps for r in ctx.ladder)
        if self._params is None or self._params.bitrates != bitrates:
            self._params = BolaParameters(bitrates, self.stable_buffer_s)
        return self._params

    def choose(self, ctx: Context) -> Decision:
        return Decision(self.parameters(ctx).best(ctx.buffer_s), "buffer")


class BolaE(Bola):
    """BOLA with placeholder buffer, throughput startup, BOLA-O and abandonment (dash.js BOLA)."""

    name = "bola-e"

    def __init__(self, stable_buffer_s: float = 12.0, safety: float = 0.9) -> None:
        super().__init__(stable_buffer_s)
        self.safety = safety
        self._throughput = DualEwma.dashjs()
        self.reset()

    def reset(self) -> None:
        self._placeholder_s = 0.0
        self._steady = False
        self._expected_buffer_s: float | None = None
        self._last: int | None = None

    def on_download(self, download: Download) -> None:
        self._throughput.add(download)
        if self._expected_buffer_s is not None:
            self._expected_buffer_s = max(self._expected_buffer_s - download.elapsed_s, 0.0)
            self._expected_buffer_s += download.segment_duration_s

    def _safe_rendition(self, ctx: Context) -> int | None:
        estimate = self._throughput.estimate()
        return None if estimate is None else highest_below(ctx.ladder, estimate * self.safety)

    def choose(self, ctx: Context) -> Decision:
        params = self.parameters(ctx)
        if ctx.rebuffering:
            self._placeholder_s = 0.0
        elif self._expected_buffer_s is not None and ctx.buffer_s < self._expected_buffer_s:
            # the buffer drained by more than the downloads took: that much time passed idle
            self._placeholder_s += self._expected_buffer_s - ctx.buffer_s
        safe = self._safe_rendition(ctx)
        if ctx.startup or self._last is None:
            self._steady = False
        elif ctx.buffer_s >= ctx.segment_duration_s:
            self._steady = True
        if not self._steady:
            decision = self._choose_startup(ctx, params, safe)
        else:
            decision = self._choose_steady(ctx, params, safe)
        self._last = decision.rendition
        self._expected_buffer_s = ctx.buffer_s
        return decision

    def _choose_startup(self, ctx: Context, params: BolaParameters, safe: int | None) -> Decision:
        rendition = 0 if safe is None else safe
        self._placeholder_s = max(0.0, params.min_buffer_for(rendition) - ctx.buffer_s)
        return Decision(rendition, "startup")

    def _choose_steady(self, ctx: Context, params: BolaParameters, safe: int | None) -> Decision:
        # BOLA never wants more than max_buffer(): more placeholder than that would be meaningless
        self._placeholder_s = max(0.0, min(self._placeholder_s, params.max_buffer() - ctx.buffer_s))
        level = ctx.buffer_s + self._placeholder_s
        rendition = params.best(level)
        reason = "buffer"
        last = self._last if self._last is not None else 0
        if safe is not None and rendition > last and rendition > safe:
            rendition = max(safe, last)
            reason = "oscillation-guard"
        # spend placeholder instead of overfilling with a rendition BOLA would delay for
        excess = max(0.0, level - params.min_buffer_for(rendition))
        self._placeholder_s = max(0.0, self._placeholder_s - excess)
        return Decision(rendition, reason)

    def abandon(self, ctx: Context, progress: Progress) -> int | None:
        if progress.bytes_total is None or progress.rendition == 0 or progress.bytes_done <= 0:
            return None
        if progress.elapsed_s <= 0:
            return None
        params = self.parameters(ctx)
        rate = progress.bytes_done / progress.elapsed_s
        remaining = progress.bytes_total - progress.bytes_done
        if remaining / rate <= ctx.buffer_s * 0.5:
            return None  # will land well before the buffer runs low
        level = ctx.buffer_s + self._placeholder_s
        best = progress.rendition
        best_score = params.score(progress.rendition, level, remaining)
        for lower in range(progress.rendition):
            size = progress.bytes_total * params.bitrates[lower] / params.bitrates[progress.rendition]
            score = params.score(lower, level, size)
            if score > best_score:
                best, best_score = lower, score
        return None if best == progress.rendition else best
