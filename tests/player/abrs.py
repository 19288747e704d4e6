"""ABR algorithms made for tests of the scheduling machinery (real implementations of the
interface, with decisions simple enough to predict)."""

from __future__ import annotations

from abr.api import Abr, Context, Decision, Download, Progress


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


class Faulty(Abr):
    """The lowest rendition, until the ``fail_after``-th measurement, which it cannot digest: a bug
    in an algorithm, as the player meets it."""

    name = "faulty"

    def __init__(self, fail_after: int = 3) -> None:
        self.fail_after = fail_after
        self.measured = 0

    def on_download(self, download: Download) -> None:
        self.measured += 1
        if self.measured >= self.fail_after:
            raise ZeroDivisionError("float division by zero")

    def choose(self, ctx: Context) -> Decision:
        return Decision(0, "lowest")
