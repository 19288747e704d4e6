import pytest

from abr.api import Decision, Progress, Rendition
from abr.marquee import Marquee
from tests.abr.situations import PENSIEVE_LADDER, context, download_at

BBB_LADDER = tuple(Rendition(kbps * 1000) for kbps in (230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000))
"""Sabre's Big Buck Bunny ladder: a long title's, with 3 s segments."""


def fed(*rates_bps: float, **options) -> Marquee:
    abr = Marquee(**options)
    for rate in rates_bps:
        abr.on_download(download_at(rate))
    return abr


def test_starts_lowest_without_measurements():
    assert Marquee().choose(context(0.0, last=None, startup=True)).rendition == 0


def test_fast_steady_network_gives_top_rendition():
    assert fed(*(20e6,) * 10).choose(context(30.0, last=5)).rendition == 5


def test_slow_network_and_short_buffer_give_lowest_rendition():
    assert fed(*(0.4e6,) * 10).choose(context(2.0, last=3)).rendition == 0


def test_rendition_tracks_sustainable_throughput():
    # a steady 2.5 Mbit/s sustains 1850 but not 2850 kbit/s for the rest of a long video
    assert fed(*(2.5e6,) * 10).choose(context(10.0, last=3, left=40)).rendition == 3


def test_spends_the_buffer_at_the_end_of_the_video():
    abr = fed(*(2.0e6,) * 10)
    middle = abr.choose(context(20.0, last=5, left=40)).rendition
    last = abr.choose(context(20.0, last=5, left=1)).rendition
    assert last == 5  # each 4300 kbit/s segment takes 10.75 s at 1.6 Mbit/s: 20 s of buffer covers both
    assert middle < last


@pytest.mark.parametrize("left", [150, None])
def test_a_long_title_spends_the_buffer_on_a_slow_steady_link_rather_than_hoarding_it(left):
    # 1.5 Mbit/s, jittering by 5 %: after the margin (0.9) the plan counts on 1.35 Mbit/s, so
    # 1427 kbit/s drains the buffer slowly and 991 kbit/s refills it. Far from the end (or live),
    # buffer left at the horizon is worth nothing of its own: what is held is spent on the next
    # segments, while a thin buffer is still refilled first.
    abr = fed(*(1.43e6, 1.58e6) * 5)
    situation = {"last": 4, "left": left, "ladder": BBB_LADDER, "duration_s": 3.0, "target_s": 30.0}
    assert abr.choose(context(18.0, **situation)).rendition == 5
    assert abr.choose(context(6.0, **situation)).rendition == 4


def test_volatile_link_is_treated_more_carefully_than_a_steady_one_of_equal_mean():
    steady = fed(*(2.0e6,) * 10).choose(context(8.0, last=3)).rendition
    volatile = fed(*(1.2e6, 2.8e6) * 5).choose(context(8.0, last=3)).rendition
    assert volatile < steady


def test_margin_grows_with_jitter_between_measurements():
    steady, jittery = fed(*(2.0e6,) * 20), fed(*(1.5e6, 2.5e6) * 10)
    assert steady.scale() > 0.97  # the 0.1 prior has faded under twenty identical measurements
    assert jittery.scale() < 0.7  # |log(2.5 / 1.5)| = 0.51 between every pair
    assert Marquee().scale() == pytest.approx(0.9)  # prior volatility 0.1 before any measurement


def test_a_lasting_change_of_the_link_replaces_the_memory():
    slow_then_fast = fed(*(0.5e6,) * 9, 20e6)
    assert slow_then_fast.choose(context(10.0, last=1)).rendition == 5
    fast_then_slow = fed(*(20e6,) * 9, 0.5e6)
    assert fast_then_slow.choose(context(10.0, last=5)).rendition <= 1
    kept = fed(*(2e6,) * 9, 5e6, change_ratio=None)
    assert kept.choose(context(10.0, last=3)).rendition < 5


def test_a_one_off_fade_is_suspected_and_a_second_low_measurement_or_a_drained_buffer_confirms_it():
    steady = [download_at(3.5e6) for _ in range(9)]
    situation = context(20.0, last=4)

    def after(*downloads) -> Marquee:
        abr = Marquee()
        for download in downloads:
            abr.on_download(download)
        return abr

    fade = after(*steady, download_at(0.8e6))  # 0.8 s of a 4 s segment's worth in 2 s: absorbed
    assert len(fade._samples) == 10  # remembered beside minutes of 3.5 Mbit/s, not instead of them
    confirmed = after(*steady, download_at(0.8e6), download_at(0.8e6))
    assert list(confirmed._samples) == [pytest.approx(0.8e6)] * 2
    drained = after(*steady, download_at(0.8e6, seconds=9.0))  # took over two segment durations
    assert list(drained._samples) == [pytest.approx(0.8e6)]
    assert fade.choose(situation).rendition > confirmed.choose(situation).rendition
    assert fade.choose(situation).rendition > drained.choose(situation).rendition
    recovered = after(*steady, download_at(0.8e6), download_at(3.5e6), download_at(0.8e6))
    assert len(recovered._samples) == 10  # two fades with a good measurement between: still suspects


def test_holds_the_rendition_a_noisy_link_sustains():
    # a link wavering around 3.5 Mbit/s: 2850 kbit/s holds, dropping would only cost a switch
    values = fed(*(3.7e6, 3.4e6) * 5).first_step_values(context(15.0, last=3))
    assert int(values.argmax()) in (3, 4)
    assert values[3] > values[2]


def test_a_full_buffer_takes_the_link_at_its_measured_rate_for_the_next_segment():
    # a link wavering between 2.0 and 2.4 Mbit/s: the margin takes it at 0.84 times that, so with
    # room in the buffer 1850 kbit/s is all it risks; with the buffer full, throughput it cannot
    # store would be lost, and one 2850 kbit/s segment (5.2 s at 2.2 Mbit/s) costs 1.2 s of 60
    abr = fed(*(2.0e6, 2.4e6) * 5)
    assert abr.scale() == pytest.approx(0.84, abs=0.01)
    assert abr.choose(context(50.0, last=3, left=40)).rendition == 3
    assert abr.choose(context(60.0, last=3, left=40)).rendition == 4


def test_jitter_above_the_top_rung_leaves_no_margin_behind_for_the_next_slow_spell():
    # A 15-30 Mbit/s link wavers by a factor of two between measurements, yet every measurement
    # carries the top rung (4.3 Mbit/s) twice over: the wavering puts no rendition at risk.
    def after_a_fast_jittery_spell(**options) -> Marquee:
        abr = Marquee(**options)
        abr.choose(context(0.0, last=None, startup=True))  # names the ladder
        for rate in (15e6, 30e6) * 10 + (3.2e6,) * 4:
            abr.on_download(download_at(rate))
        return abr

    clipped, counted = after_a_fast_jittery_spell(), after_a_fast_jittery_spell(volatility_ceiling=None)
    assert clipped.scale() > 0.95  # only the fall to 3.2 Mbit/s (from 4.3, not from 30) counted
    assert counted.scale() == pytest.approx(0.5)  # the floor
    # the slow spell that follows is taken at nearly its rate: 2850 kbit/s, not 1850
    assert clipped.choose(context(20.0, last=3, left=40)).rendition == 4
    assert counted.choose(context(20.0, last=3, left=40)).rendition == 3


def test_a_steady_link_with_a_deep_buffer_spends_a_near_tie_rather_than_banking_it():
    # A steady 1.65 Mbit/s with 20 s buffered and 30 segments to go: the plan values 1200 and
    # 1850 kbit/s within a fraction of one switch of each other (the buffer covers 1850's drain
    # to the end either way). Alone it keeps 1200 and banks buffer, which is worth nothing if the
    # link rises; on a link this steady the near-tie is spent instead.
    situation = context(20.0, last=2, left=30)
    assert fed(*(1.65e6,) * 10).choose(situation) == Decision(3, "spend")
    assert fed(*(1.65e6,) * 10, spend_tie=None).choose(situation) == Decision(2, "plan")


def test_the_buffer_is_spent_only_when_deep_and_on_a_steady_link():
    situation = context(20.0, last=2, left=30)
    assert fed(*(1.65e6,) * 10, spend_from_s=25.0).choose(situation).rendition == 2
    wavering = (1.7e6, 2.0e6) * 5  # 18 % apart: not steady by the default 10 %
    assert fed(*wavering).choose(situation).rendition == 2
    assert fed(*wavering, steady_spread=0.2).choose(situation).rendition == 3


def test_spending_never_reaches_far_above_the_link():
    # At 0.39 Mbit/s the plan values 300 and 750 kbit/s alike, but each 750 kbit/s segment takes
    # 7.7 s to fetch: 1.9 times the link, beyond the reach of 1.2.
    situation = context(15.0, last=0, left=30)
    assert fed(*(0.39e6,) * 10).choose(situation).rendition == 0
    assert fed(*(0.39e6,) * 10, spend_reach=3.0).choose(situation).rendition == 1


def test_known_segment_sizes_are_used():
    tiny = tuple((1000,) * len(PENSIEVE_LADDER) for _ in range(5))
    assert fed(*(0.5e6,) * 10).choose(context(1.0, last=5, left=4, next_sizes=tiny)).rendition == 5


def test_works_live_with_any_ladder_and_segment_duration():
    abr = fed(*(4e6,) * 10)
    decision = abr.choose(context(12.0, last=6, left=None, ladder=BBB_LADDER, duration_s=2.0, target_s=30.0))
    assert decision.rendition in (6, 7)  # 2056 or 2962 kbit/s on a 4 Mbit/s link


def test_a_playlist_that_states_no_bitrate_still_has_its_jitter_counted():
    # a live media playlist without a master: one rendition whose bitrate is unknown (0)
    unknown = (Rendition(0),)
    abr = Marquee()
    situation = context(6.0, last=0, left=None, ladder=unknown, duration_s=2.0, target_s=30.0)
    assert abr.choose(situation).rendition == 0
    for rate in (2e6, 4e6) * 5:
        abr.on_download(download_at(rate, rendition=0, duration_s=2.0))
    assert abr.choose(situation).rendition == 0
    assert abr.scale() < 0.7  # |log 2| between every pair, no ceiling to clip it at


def test_abandons_a_download_that_would_outlast_the_buffer():
    abr = Marquee()
    ctx = context(3.0, last=5)
    slow = Progress(rendition=5, bytes_done=120_000, bytes_total=2_150_000, elapsed_s=1.2, segment_duration_s=4.0)
    # 100 kB/s: the rest needs 20 s; 750 kbit/s (375 kB) needs 3.75 s, 300 kbit/s (150 kB) 1.5 s
    assert abr.abandon(ctx, slow) == 0
    fine = Progress(rendition=5, bytes_done=1_500_000, bytes_total=2_150_000, elapsed_s=1.0, segment_duration_s=4.0)
    assert abr.abandon(ctx, fine) is None
    assert abr.abandon(ctx, Progress(5, 100_000, None, 1.0, 4.0)) is None
    assert abr.abandon(ctx, Progress(5, 0, 2_150_000, 0.5, 4.0)) is None  # too early to judge
    assert abr.abandon(ctx, Progress(5, 0, 2_150_000, 3.5, 4.0)) == 0  # nothing at all, buffer gone
    # 600 kB/s: the rest (1.55 MB) needs 2.6 s > 1.5 s of buffer; at the same rate a whole segment
    # at 2850 kbit/s (1.43 MB) needs 2.4 s, at 1850 (0.93 MB) 1.54 s, at 1200 (0.6 MB) 1.0 s
    assert abr.abandon(context(1.5, last=5), Progress(5, 600_000, 2_150_000, 1.0, 4.0)) == 2


def test_a_deep_buffer_waits_out_a_fade_before_abandoning():
    abr = Marquee()
    deep = context(30.0, last=5)
    # 2 s into a fade (10 kB/s): the rest would outlast even 30 s of buffer at that rate, but a
    # second-long fade is common on mobile links and 30 s leaves time to see whether it lasts.
    assert abr.abandon(deep, Progress(5, 20_000, 2_150_000, 2.0, 4.0)) is None
    # Still crawling after 11 s, with 19 s left: a collapse, and the download is given up.
    assert abr.abandon(context(19.0, last=5), Progress(5, 110_000, 2_150_000, 11.0, 4.0)) == 0


def test_bad_options_are_refused():
    with pytest.raises(ValueError):
        Marquee(throughput_scale=1.5)
    with pytest.raises(ValueError):
        Marquee(volatility_ceiling=0.0)
    with pytest.raises(ValueError):
        Marquee(spend_reach=0.0)
    with pytest.raises(ValueError):
        Marquee(steady_count=1)
