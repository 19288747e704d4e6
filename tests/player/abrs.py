"""ABR algorithms made for tests of the scheduling machinery (real implementations of the
interface, with decisions simple enough to predict)."""

from __future__ import annotations

from abr.api import Abr, Context, Decision, Progress


class Greedy(Abr):
    """Always the top rendition; advises the lowest once a download runs slower than real time."""

    name = "greedy"

    def choose(self, ctx: Context) -> Decision:
        return Decision(len(ctx.ladder) - 1, "greedy")

    def abandon(self, ctx: Context, progress: Progress) -> int | None:
        if progress.bytes_total is None or progress.rendition == 0:
            return None
        expected_s = progress.segment_duration_s * progress.bytes_done / progress.bytes_total
        return 0 if progress.elapsed_s > expected_s else None
