"""DYNAMIC: dash.js's default strategy (Spiteri, Sitaraman, Sparacio, MMSys 2018, section 5).

A throughput rule (the dash.js dual EWMA times a 0.9 safety factor) drives the decisions while the
buffer is short, where BOLA has too little signal; BOLA-E takes over once the buffer exceeds the
stable buffer time and hands back when it falls to half of it. The hysteresis keeps the two from
trading control at every segment.
"""

from __future__ import annotations

from abr.api import Abr, Context, Decision, Download, Progress
from abr.bola import BolaE
from abr.estimators import DualEwma
from abr.ladder import highest_below


class Dynamic(Abr):
    name = "dynamic"

    def __init__(self, stable_buffer_s: float = 12.0, safety: float = 0.9) -> None:
        self.stable_buffer_s = stable_buffer_s
        self.safety = safety
        self._bola = BolaE(stable_buffer_s=stable_buffer_s, safety=safety)
        self._throughput = DualEwma.dashjs()
        self._use_bola = False

    def on_download(self, download: Download) -> None:
        self._bola.on_download(download)
        self._throughput.add(download)

    def reset(self) -> None:
        self._bola.reset()
        self._use_bola = False

    def choose(self, ctx: Context) -> Decision:
        if self._use_bola:
            self._use_bola = ctx.buffer_s > 0.5 * self.stable_buffer_s
        else:
            self._use_bola = ctx.buffer_s > self.stable_buffer_s
        bola = self._bola.choose(ctx)  # BOLA keeps its state current even while not in charge
        if self._use_bola:
            return bola
        estimate = self._throughput.estimate()
        if estimate is None:
            return Decision(0, "startup")
        return Decision(highest_below(ctx.ladder, estimate * self.safety), "throughput")

    def abandon(self, ctx: Context, progress: Progress) -> int | None:
        return self._bola.abandon(ctx, progress) if self._use_bola else None
