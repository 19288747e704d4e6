"""``marquee``: the player's default rate adaptation, a stochastic dynamic program over the rest of
the video (our design).

Why this shape. The offline optimum on recorded traces ramps up once to a rendition the link sustains
on average, holds it with the buffer absorbing the fluctuations, and drains the buffer towards the end
of the video. Short-horizon controllers (RobustMPC) instead chase each new prediction and oscillate,
and they end sessions with a full, wasted buffer. So ``marquee`` plans to the end (or a long
horizon), closed-loop, against the *spread* of recent throughput rather than one number:

* throughput model: each future download takes the mean recent request latency plus its size over
  a throughput drawn from the last ``window`` measurements (transfer time only, latency excluded,
  so segments of any size are predicted alike), independently per segment; recent measurements
  weigh more (``sample_half_life``), a measurement more than ``change_ratio`` away from their
  harmonic mean starts the memory afresh (the link changed: a slow past must not hold back a fast
  present, nor a fast past hide a collapse; a fall is believed once a second measurement confirms
  it, or at once when its download drained the buffer, see :meth:`Marquee._note_change`), and all
  are scaled down by a margin that grows with their spread (:meth:`Marquee.scale`), counted only
  up to the top rung's bitrate; the controller re-plans after every download;
* state: buffer level on a ``buffer_step_s`` grid (capped at the scheduler's buffer target) and the
  previous rendition; value = expected QoE_lin to the end: bitrate in Mbit/s, minus 4.3 per second of
  rebuffering, minus ``switch_weight`` times each bitrate change (QoE_lin's 1 by default; a larger
  weight damps switches made on noise);
* backward induction over the remaining segments (at most ``horizon``; buffer left over at its end
  is worth nothing, as at the end of the video: the plan is made afresh after every download, and
  valuing the leftover made the controller hoard buffer on slow steady links, through the slow
  spell it could have spent it on), then the best first rendition is taken;
  when the buffer is full (within a segment of the scheduler's target), that first download is
  predicted from the measurements without the margin: the margin guards the buffer, a full buffer
  guards itself for one segment, and throughput it has no room to store would be lost;
* near-ties on a steady link are spent, not banked (:meth:`Marquee.spend`): with a linear reward,
  bits fetched now and bits fetched later are worth the same, so on a steady link the plan often
  values the rendition it holds and the next ones up within a fraction of one switch of each other,
  and taking the lowest banks buffer. Banking pays off only if the link falls; when it rises
  instead, the buffer fills to the target anyway and what was banked is worth nothing. On links
  that fall often (mobile, 3G) the model's small preferences are real, so only a steady link has
  its near-ties spent: with ``spend_from_s`` buffered and the last ``steady_count`` measurements
  within ``steady_spread`` of each other, the highest rendition whose value lies within
  ``spend_tie`` of the best is taken, if its bitrate is at most ``spend_reach`` times the
  predicted throughput (no further: a rung far above a slow link drains a buffer it cannot
  refill). In the ``pensieve`` model this lifted Sabre's ``sd_fs`` and ``hd_fs`` by 2 % and its
  3G set by 0.7 QoE_lin, and cost ``pensieve_train`` 1 % when each trace is played from four
  points. A longer reach lifts the ``fs`` sets further but costs the mobile ones more: at 1.5,
  ``sd_fs`` gains 6 % and ``pensieve_train`` from four points loses 8 %;
* sizes: the real sizes of the next ``exact_sizes`` segments where the scheduler knows them, the
  nominal bitrate times the segment duration beyond (and wherever sizes are unknown), so it works
  with any ladder, segment duration, live streams (no known end) and the real player's Context.

Abandonment: a download in flight is abandoned for the highest lower rendition that would arrive
before the buffer runs out, when the current one will not (:meth:`Marquee.abandon`); a deep buffer
buys time to tell a passing dip from a collapse before the bytes already fetched are thrown away.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from abr.api import Abr, Context, Decision, Download, Progress
from abr.estimators import Ewma
from abr.ladder import segment_bits
from abr.mpc import REBUFFER_PENALTY

DRAINING_SEGMENTS = 2.0
"""A download that took longer than this many segment durations drained the buffer: a fall in
throughput it measured is believed at once."""


class Marquee(Abr):
    name = "marquee"

    def __init__(
        self,
        window: int = 10,
        sample_half_life: float | None = 2.0,
        change_ratio: float | None = 3.0,
        variability_margin: float = 1.0,
        throughput_scale: float = 1.0,
        min_scale: float = 0.5,
        volatility_half_life: float = 30.0,
        prior_volatility: float = 0.1,
        prior_weight: float = 3.0,
        switch_weight: float = 1.0,
        buffer_step_s: float = 2.0,
        horizon: int = 48,
        exact_sizes: int = 5,
        rebuffer_penalty: float = REBUFFER_PENALTY,
        abandon_patience: float = 0.35,
        volatility_ceiling: float | None = 1.0,
        spend_tie: float | None = 1.0,
        spend_from_s: float = 10.0,
        spend_reach: float = 1.2,
        steady_count: int = 5,
        steady_spread: float = 0.1,
    ) -> None:
        """Defaults were tuned on ``pensieve_train`` and the Sabre network sets only (abandonment,
        which Pensieve's model lacks, in the ``player`` model)."""
        if window < 1 or horizon < 1 or buffer_step_s <= 0 or not 0 < throughput_scale <= 1:
            raise ValueError("window and horizon must be >= 1, buffer_step_s > 0, throughput_scale in (0, 1]")
        if volatility_ceiling is not None and volatility_ceiling <= 0:
            raise ValueError("volatility_ceiling must be > 0 (or None to count every change)")
        if (spend_tie is not None and spend_tie < 0) or spend_reach <= 0 or steady_count < 2 or steady_spread < 0:
            raise ValueError("spend_tie must be >= 0 (or None), spend_reach > 0, steady_count >= 2, steady_spread >= 0")
        self.throughput_scale = throughput_scale
        self.variability_margin = variability_margin
        self.min_scale = min_scale
        self.sample_half_life = sample_half_life
        self.change_ratio = change_ratio
        self.switch_weight = switch_weight
        self.buffer_step_s = buffer_step_s
        self.horizon = horizon
        self.exact_sizes = exact_sizes
        self.rebuffer_penalty = rebuffer_penalty
        self.abandon_patience = abandon_patience
        self.volatility_ceiling = volatility_ceiling
        self.spend_tie = spend_tie
        self.spend_from_s = spend_from_s
        self.spend_reach = spend_reach
        self.steady_count = steady_count
        self.steady_spread = steady_spread
        self._ceiling_bps = math.inf  # until a choice names the ladder
        self._samples: deque[float] = deque(maxlen=window)
        self._latencies: deque[float] = deque(maxlen=window)
        self._volatility = Ewma(volatility_half_life)
        self._volatility.add(prior_volatility, prior_weight)  # as if seen a few times already
        self._last_sample: float | None = None
        self._suspect_fall = False

    def on_download(self, download: Download) -> None:
        transfer_s = download.elapsed_s - download.latency_s
        if download.size_bytes > 0 and transfer_s > 0:
            sample = download.size_bytes * 8 / transfer_s
            if self._last_sample is not None:
                usable = min(sample, self._ceiling_bps) / min(self._last_sample, self._ceiling_bps)
                self._volatility.add(abs(math.log(usable)))
            self._last_sample = sample
            drained = download.elapsed_s > DRAINING_SEGMENTS * download.segment_duration_s
            self._note_change(sample, drained)
            self._samples.append(sample)
            self._latencies.append(download.latency_s)

    def choose(self, ctx: Context) -> Decision:
        top_bps = ctx.ladder[-1].bitrate_bps
        if self.volatility_ceiling is not None and top_bps > 0:  # 0: a playlist that states no bitrate
            self._ceiling_bps = self.volatility_ceiling * top_bps
        if not self._samples:
            return Decision(0, "startup")
        values = self.first_step_values(ctx)
        best = int(np.argmax(values))
        spent = self.spend(ctx, values, best)
        return Decision(spent, "spend") if spent > best else Decision(best, "plan")

    def steady(self) -> bool:
        """Whether the last ``steady_count`` measurements lie within ``steady_spread`` of each
        other (a link that changed since, see :meth:`_note_change`, has too few to say)."""
        if len(self._samples) < self.steady_count:
            return False
        last = list(self._samples)[-self.steady_count:]
        return max(last) <= (1.0 + self.steady_spread) * min(last)

    def predicted_bps(self) -> float:
        """The throughput the plan counts on: the weighted harmonic mean of the measurements,
        after the margin."""
        throughput, weights = self.forecast(full=False)
        return float(1.0 / np.sum(weights / throughput))

    def spend(self, ctx: Context, values: np.ndarray, best: int) -> int:
        """The rendition to fetch given the plan's ``values`` and its ``best``: that one, or on a
        steady link with ``spend_from_s`` buffered the highest one within ``spend_tie`` of it and
        at most ``spend_reach`` times the predicted throughput (see the module docstring)."""
        if self.spend_tie is None or ctx.buffer_s < self.spend_from_s or not self.steady():
            return best
        reach = self.spend_reach * self.predicted_bps()
        near = [r for r in range(best + 1, len(values))
                if values[r] >= values[best] - self.spend_tie and ctx.ladder[r].bitrate_bps <= reach]
        return max(near, default=best)

    def _note_change(self, sample: float, drained: bool) -> None:
        """Forget the measurements before one that lies ``change_ratio`` or more away from their
        harmonic mean: the link changed, and a slow past must not hold back a fast present, nor a
        fast past hide a collapse.

        A fall is only suspected at first, unless its download ``drained`` the buffer (it took
        more than ``DRAINING_SEGMENTS`` segment durations): the measurement is remembered like any
        other, and the memory before it is dropped only when the next one is low too. A mobile
        link's one-off fade, absorbed by a deep buffer, would otherwise erase what the link has
        shown for minutes and step the rendition down for nothing; a real collapse costs at most
        one more segment, and one that drains the buffer is believed at once."""
        if self.change_ratio is None or not self._samples:
            return
        typical = len(self._samples) / sum(1.0 / s for s in self._samples)
        if sample / typical >= self.change_ratio:
            self._forget(keep_last=0)
        elif sample / typical <= 1.0 / self.change_ratio:
            if drained or self._suspect_fall:
                self._forget(keep_last=1 if self._suspect_fall else 0)
            else:
                self._suspect_fall = True
        else:
            self._suspect_fall = False

    def _forget(self, keep_last: int) -> None:
        """Drop the remembered measurements but the last ``keep_last`` (the suspected fall that a
        new low measurement confirms)."""
        for memory in (self._samples, self._latencies):
            kept = list(memory)[len(memory) - keep_last:]
            memory.clear()
            memory.extend(kept)
        self._suspect_fall = False

    def scale(self) -> float:
        """Margin applied to the measured throughputs, from the link's volatility: the typical
        size of the change between consecutive measurements (|log ratio|, averaged over the
        session with a ``volatility_half_life`` in downloads, starting from ``prior_volatility``
        as if seen ``prior_weight`` times). A steady link is taken at its word;
        a jittery one, whose drops persist longer than independent draws suggest, is discounted.

        Measurements are clipped at ``volatility_ceiling`` times the top rung's bitrate (the ladder
        of the latest choice) before their changes are counted: a 15-30 Mbit/s link's wavering
        puts no rendition of a 6 Mbit/s ladder at risk, and counted in full it would leave a wide
        margin behind for minutes, so that the next slow spell was taken at far below its rate."""
        volatility = self._volatility.estimate()
        assert volatility is not None, "seeded with the prior"
        return min(self.throughput_scale, max(self.min_scale, 1.0 - self.variability_margin * volatility))

    def sample_weights(self) -> np.ndarray:
        """Probability of each remembered throughput (oldest first): recent ones count more when a
        half-life (in downloads) is set, so a lasting change of the link is believed sooner."""
        count = len(self._samples)
        if self.sample_half_life is None:
            return np.full(count, 1.0 / count)
        weights = 0.5 ** (np.arange(count - 1, -1, -1) / self.sample_half_life)
        return weights / weights.sum()

    def forecast(self, full: bool) -> tuple[np.ndarray, np.ndarray]:
        """The throughputs (bit/s) a download is planned against and their probabilities: the
        remembered measurements after the margin, or as measured when the buffer is ``full`` (see
        the module docstring). The simulators' prediction ceiling replaces this with the truth."""
        measured = np.asarray(self._samples)
        return (measured if full else measured * self.scale()), self.sample_weights()

    def first_step_values(self, ctx: Context) -> np.ndarray:
        """Expected QoE_lin to the end of the plan for each rendition of the next segment."""
        throughput, weights = self.forecast(full=False)
        rates = np.array([r.bitrate_bps / 1e6 for r in ctx.ladder])
        count = len(rates)
        remaining = ctx.segments_left + 1 if ctx.segments_left is not None else self.horizon
        steps = min(remaining, self.horizon)
        cap = max(ctx.buffer_target_s, ctx.segment_duration_s)
        cells = max(2, int(np.ceil(cap / self.buffer_step_s)) + 1)
        grid = np.linspace(0.0, cap, cells)
        switch = self.switch_weight * np.abs(rates[:, None] - rates[None, :])  # [previous, next]
        value = np.zeros((len(grid), count))
        nominal = None
        for k in range(steps - 1, 0, -1):
            if k < self.exact_sizes or nominal is None:
                transition = self._transition(ctx, k, grid, throughput, weights, cap, cells)
                if k >= self.exact_sizes:
                    nominal = transition
            else:
                transition = nominal
            expected = self._expected(transition, value, rates)  # [buffer, next]
            value = (expected[:, None, :] - switch[None, :, :]).max(axis=2)  # [buffer, previous]
        first_throughput, weights = self.forecast(full=ctx.buffer_s >= cap - ctx.segment_duration_s)
        first = self._transition(ctx, 0, np.array([ctx.buffer_s]), first_throughput, weights, cap, cells)
        expected = self._expected(first, value, rates)[0]
        previous = ctx.last_rendition
        return expected if previous is None else expected - switch[previous]

    def _transition(self, ctx: Context, ahead: int, buffer: np.ndarray, throughput: np.ndarray,
                    weights: np.ndarray, cap: float, cells: int) -> tuple[np.ndarray, np.ndarray]:
        """For segment ``ahead`` fetched from each buffer level at each rendition: the mean stall
        [buffer, rendition], and the linear operator [rendition, buffer, cell] giving the expected
        value of the next state from values on the buffer grid (throughput samples with their
        ``weights``, linear interpolation between cells)."""
        ladder = ctx.ladder
        if ahead < self.exact_sizes:
            bits = np.array([segment_bits(ctx, ahead, r) for r in range(len(ladder))])
        else:
            bits = np.array([r.bitrate_bps * ctx.segment_duration_s for r in ladder])
        latency = sum(self._latencies) / len(self._latencies)
        seconds = bits[None, :, None] / throughput[None, None, :] + latency  # [buffer, rendition, sample]
        have = buffer[:, None, None]
        stall = np.maximum(seconds - have, 0.0) @ weights
        after = np.minimum(np.maximum(have - seconds, 0.0) + ctx.segment_duration_s, cap)
        position = after * ((cells - 1) / cap)
        low = np.minimum(position.astype(np.intp), cells - 2)
        upper_weight = (position - low) * weights
        rows, count = len(buffer), len(ladder)
        index = ((np.arange(count)[None, :, None] * rows + np.arange(rows)[:, None, None]) * cells + low).ravel()
        size = count * rows * cells
        operator = (np.bincount(index, (weights - upper_weight).ravel(), size)
                    + np.bincount(index + 1, upper_weight.ravel(), size))
        return stall, operator.reshape(count, rows, cells)

    def _expected(self, transition: tuple[np.ndarray, np.ndarray], value: np.ndarray, rates: np.ndarray) -> np.ndarray:
        """Expected reward plus future value [buffer, rendition] of fetching the next segment."""
        stall, operator = transition
        future = np.einsum("abh,ha->ba", operator, value)
        return rates[None, :] - self.rebuffer_penalty * stall + future

    def abandon(self, ctx: Context, progress: Progress) -> int | None:
        """Judged once a quarter of a segment duration has passed (earlier, the time to first byte
        dominates the rate), and once ``abandon_patience`` times the buffer has: a mobile link's
        second-long fades would otherwise throw away good downloads with half a minute buffered,
        while a real collapse still leaves most of that buffer when it is acted on. Then, if the
        rest cannot arrive before the buffer runs out at the rate seen so far, fetch the highest
        lower rendition that can, else the lowest."""
        if progress.bytes_total is None or progress.rendition == 0:
            return None
        if progress.elapsed_s < max(0.25 * progress.segment_duration_s, self.abandon_patience * ctx.buffer_s):
            return None
        rate = progress.bytes_done / progress.elapsed_s
        if rate <= 0:
            return 0 if progress.elapsed_s >= ctx.buffer_s else None
        if (progress.bytes_total - progress.bytes_done) / rate <= ctx.buffer_s:
            return None
        current_bits = segment_bits(ctx, 0, progress.rendition)
        for lower in range(progress.rendition - 1, 0, -1):
            size = progress.bytes_total * segment_bits(ctx, 0, lower) / current_bits
            if size / rate <= ctx.buffer_s:
                return lower
        return 0
