"""``clairvoyant``: ``marquee``'s planner told the link's true mean throughput over the next
``foresight_s`` seconds (offline tooling: a diagnostic, not an algorithm a player can run).

Why. The offline optimum says how far an algorithm is from the best schedule, but not why: the gap
mixes what was mispredicted with what was mis-planned. This algorithm plans exactly as ``marquee``
does, with the one thing no player has: the trace's real throughput ahead. Its share of the optimum
is the prediction ceiling of the planner (what a perfect predictor of that span would buy), in the
spirit of "MPC with perfect prediction" in Yin et al. (SIGCOMM 2015). An algorithm close to it loses
mostly to what cannot be foreseen; one far below it has room in its planning or its estimator.

The foresight is one mean, believed to hold for the rest of the plan, so a longer one is not a
better ceiling: it averages the link's next changes into a rate that never comes. Of the spans tried
(4 to 24 s), 12 s (three Pensieve chunks) came within half a point of the best share of the
optimum on every trace set but Sabre's 3G, whose outages reward seeing 20 s ahead.

A simulator that knows the future hands it over through :meth:`Clairvoyant.foresee` (the
``pensieve`` model does); without it, the algorithm refuses to choose rather than guess.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abr.marquee import Marquee
from abr.sim.session import FutureRate, SimulationError

SLOWEST_BPS = 1.0
"""Floor of a foreseen rate: a span of pure outage plans as a link of 1 bit/s, not a division by 0."""


class Clairvoyant(Marquee):
    name = "clairvoyant"

    def __init__(self, foresight_s: float = 12.0, spend_tie: float | None = None, **options: Any) -> None:
        """``spend_tie`` is off by default: spending near-ties is a bet on a future this algorithm
        sees. Other ``options`` are ``marquee``'s."""
        if foresight_s <= 0:
            raise ValueError("foresight_s must be > 0")
        super().__init__(spend_tie=spend_tie, **options)
        self.foresight_s = foresight_s
        self._future: FutureRate | None = None

    def foresee(self, future: FutureRate) -> None:
        """Called by the simulator once per session, before any choice; ``future`` reads the
        session's live position in the trace."""
        self._future = future

    def forecast(self, full: bool) -> tuple[np.ndarray, np.ndarray]:
        """The true mean of the next ``foresight_s`` seconds, with certainty, and no margin."""
        if self._future is None:
            raise SimulationError("clairvoyant needs a simulator that knows the link's future (the pensieve model)")
        return np.array([max(self._future(self.foresight_s), SLOWEST_BPS)]), np.ones(1)
