import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abr.mpc import RobustMpc, sequence_rebuffers, sequence_values, sequences
from tests.abr.situations import PENSIEVE_LADDER, context, download_at


def feed(abr, *rates_bps):
    for rate in rates_bps:
        abr.on_download(download_at(rate))
        abr.predict_bps()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.floats(0.0, 20.0), min_size=3, max_size=3), min_size=1, max_size=4),
    st.floats(0.0, 30.0),
)
def test_tree_rebuffers_match_sequence_by_sequence_simulation(times, buffer_s):
    download_s = np.array(times)
    got = sequence_rebuffers(download_s, buffer_s, 4.0)
    for index, seq in enumerate(itertools.product(range(3), repeat=len(times))):
        buffer, stalled = buffer_s, 0.0
        for k, r in enumerate(seq):
            stalled += max(download_s[k, r] - buffer, 0.0)
            buffer = max(buffer - download_s[k, r], 0.0) + 4.0
        assert got[index] == pytest.approx(stalled)


def test_sequence_values_count_bitrate_and_every_switch():
    values = sequence_values((0.3, 1.0, 2.0), last=2, horizon=2)
    seqs = sequences(3, 2)
    index = next(i for i, s in enumerate(seqs) if tuple(s) == (0, 1))
    assert values[index] == pytest.approx(0.3 + 1.0 - (2.0 - 0.3) - (1.0 - 0.3))


def test_prediction_is_harmonic_mean_discounted_by_largest_recent_error():
    abr = RobustMpc()
    assert abr.predict_bps() is None
    abr.on_download(download_at(2e6))
    assert abr.predict_bps() == pytest.approx(2e6)  # no error measured yet
    abr.on_download(download_at(1e6))  # predicted 2, got 1: error 100 %
    assert abr.predict_bps() == pytest.approx((2 / (1 / 2e6 + 1 / 1e6)) / 2)


def test_error_memory_is_five_predictions_long():
    abr = RobustMpc()
    feed(abr, 2e6, 1e6)  # one 100 % error
    feed(abr, *(1e6,) * 10)  # once the window holds only 1e6, predictions are exact again
    assert abr.predict_bps() == pytest.approx(1e6)


def test_fast_steady_network_and_big_buffer_give_top_rendition():
    abr = RobustMpc()
    feed(abr, *(20e6,) * 5)
    assert abr.choose(context(30.0, last=5)).rendition == 5


def test_slow_network_and_empty_buffer_give_lowest_rendition():
    abr = RobustMpc()
    feed(abr, *(0.4e6,) * 5)
    assert abr.choose(context(1.0, last=3)).rendition == 0


def test_short_buffer_forces_a_rendition_that_arrives_in_time():
    abr = RobustMpc()
    feed(abr, *(3.3e6,) * 5)
    # 2850 kbit/s x 4 s at 3.3 Mbit/s takes 3.5 s: with 2 s of buffer it would stall
    assert abr.choose(context(2.0, last=4)).rendition <= 3
    assert abr.choose(context(20.0, last=4)).rendition == 5


def test_last_segment_plans_only_itself():
    abr = RobustMpc()
    feed(abr, *(2e6,) * 5)
    # 4300 kbit/s x 4 s over 2 Mbit/s = 8.6 s < 10 s of buffer: no stall and nothing after it
    assert abr.choose(context(10.0, last=5, left=0)).rendition == 5
    # with segments to follow, the same situation asks for less
    assert abr.choose(context(10.0, last=5, left=20)).rendition < 5


def test_real_segment_sizes_override_nominal_bitrates():
    abr = RobustMpc()
    feed(abr, *(2e6,) * 5)
    tiny = tuple((1000,) * len(PENSIEVE_LADDER) for _ in range(5))
    assert abr.choose(context(1.0, last=5, next_sizes=tiny)).rendition == 5
