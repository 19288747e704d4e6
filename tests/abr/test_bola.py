import math

import pytest

from abr.api import Progress
from abr.bola import Bola, BolaE, BolaParameters
from tests.abr.situations import PENSIEVE_LADDER, context, download_at

BITRATES = tuple(r.bitrate_bps for r in PENSIEVE_LADDER)


def test_parameters_prefer_lowest_below_minimum_and_top_at_target():
    params = BolaParameters(BITRATES, stable_buffer_s=12.0)
    target = max(12.0, 10 + 2 * len(BITRATES))  # 22 s
    assert params.utilities[0] == 1.0
    assert params.utilities[-1] == pytest.approx(1 + math.log(4300 / 300))
    assert params.vp * params.gp == pytest.approx(10.0)
    assert params.best(5.0) == 0
    assert params.best(target) == len(BITRATES) - 1


def test_a_single_rendition_ladder_leaves_only_when_to_wait():
    params = BolaParameters((2_000_000,), stable_buffer_s=12.0)
    assert [params.best(b) for b in (0.0, 5.0, 30.0)] == [0, 0, 0]
    assert params.max_buffer() == pytest.approx(12.0)  # waits above the buffer target, never before
    assert BolaE().choose(context(3.0, last=0, ladder=PENSIEVE_LADDER[:1])).rendition == 0


def test_choice_never_falls_as_buffer_grows_and_matches_min_buffer_levels():
    params = BolaParameters(BITRATES, stable_buffer_s=12.0)
    choices = [params.best(b / 10) for b in range(0, 400)]
    assert choices == sorted(choices)
    for q in range(1, len(BITRATES)):
        level = params.min_buffer_for(q)
        assert params.best(level + 1e-6) >= q > params.best(level - 1e-6)


def test_bola_uses_the_buffer_only():
    abr = Bola()
    abr.on_download(download_at(100e6))
    assert abr.choose(context(2.0)).rendition == 0
    assert abr.choose(context(40.0)).rendition == 5


def test_bola_e_starts_at_the_throughput_rendition_not_the_buffer_one():
    abr = BolaE()
    for _ in range(3):
        abr.on_download(download_at(2.5e6, seconds=2.0))
    decision = abr.choose(context(0.0, last=None, startup=True))
    assert (decision.rendition, decision.reason) == (3, "startup")  # 1850 <= 0.9 * 2500


def test_bola_e_placeholder_keeps_quality_after_idle_time():
    abr, plain = BolaE(), Bola()
    for _ in range(5):
        abr.on_download(download_at(5e6, seconds=2.0))
    abr.choose(context(0.0, last=None, startup=True))  # placeholder seeded for the safe rendition
    abr.on_download(download_at(5e6, seconds=2.0))
    first = abr.choose(context(4.0, last=4))
    # with a small real buffer BOLA alone would drop to the lowest rendition
    assert plain.choose(context(4.0, last=4)).rendition == 0
    assert first.rendition >= 3
    # the scheduler then idled: the buffer is 10 s lower than the download alone explains
    abr.on_download(download_at(5e6, seconds=1.0))
    expected_without_idle = 4.0 - 1.0 + 4.0
    after_idle = abr.choose(context(expected_without_idle - 5.0, last=first.rendition))
    assert after_idle.rendition >= first.rendition


def test_bola_e_placeholder_is_dropped_on_rebuffering():
    abr = BolaE()
    for _ in range(5):
        abr.on_download(download_at(5e6, seconds=2.0))
    abr.choose(context(0.0, last=None, startup=True))
    abr.on_download(download_at(5e6, seconds=2.0))
    assert abr.choose(context(4.0, last=4)).rendition >= 3
    abr.on_download(download_at(5e6, seconds=2.0))
    assert abr.choose(context(0.0, last=4, rebuffering=True)).rendition == 0


def test_bola_e_does_not_switch_up_beyond_sustainable_throughput():
    abr = BolaE()
    for _ in range(10):
        abr.on_download(download_at(1.0e6, seconds=4.0))
    abr.choose(context(0.0, last=None, startup=True))  # safe rendition: 750 kbit/s
    abr.on_download(download_at(1.0e6, seconds=3.0))
    decision = abr.choose(context(30.0, last=1))  # BOLA alone would pick the top here
    assert decision.rendition == 1
    assert decision.reason == "oscillation-guard"


def test_bola_e_abandons_a_slow_download_when_the_buffer_is_short():
    abr = BolaE()
    ctx = context(3.0, last=5)
    slow = Progress(rendition=5, bytes_done=50_000, bytes_total=2_150_000, elapsed_s=2.0, segment_duration_s=4.0)
    assert abr.abandon(ctx, slow) is not None
    assert abr.abandon(ctx, slow) < 5
    nearly_done = Progress(rendition=5, bytes_done=2_100_000, bytes_total=2_150_000, elapsed_s=2.0, segment_duration_s=4.0)
    assert abr.abandon(ctx, nearly_done) is None
    unknown_size = Progress(rendition=5, bytes_done=50_000, bytes_total=None, elapsed_s=2.0, segment_duration_s=4.0)
    assert abr.abandon(ctx, unknown_size) is None
