import math

import pytest

from abr.estimators import DualEwma, Ewma, SlidingHarmonicMean, harmonic_mean
from tests.abr.situations import download_at


def test_ewma_first_sample_is_returned_unbiased():
    ewma = Ewma(half_life=2.0)
    assert ewma.estimate() is None
    ewma.add(5e6, weight=0.1)
    assert ewma.estimate() == pytest.approx(5e6)


def test_ewma_half_life_halves_the_old_value_weight():
    ewma = Ewma(half_life=2.0)
    ewma.add(0.0, weight=1000.0)  # fully converged on 0
    ewma.add(8e6, weight=2.0)  # one half-life of the new value
    assert ewma.estimate() == pytest.approx(4e6, rel=1e-6)


def test_dual_ewma_follows_drops_fast_and_rises_slowly():
    est = DualEwma.dashjs()
    for _ in range(200):
        est.add(download_at(10e6, seconds=2.0))
    assert est.estimate() == pytest.approx(10e6)
    est.add(download_at(1e6, seconds=2.0))
    after_drop = est.estimate()
    # fast average (3 s half-life) weighs the 2 s drop by 1 - 0.5**(2/3) = 37 %
    assert after_drop == pytest.approx(10e6 - 9e6 * (1 - 0.5 ** (2 / 3)), rel=1e-6)
    rising = DualEwma.dashjs()
    for _ in range(200):
        rising.add(download_at(1e6, seconds=2.0))
    rising.add(download_at(10e6, seconds=2.0))
    # the slow average (8 s half-life) now rules: 1 - 0.5**(2/8) = 16 % of the way up
    assert rising.estimate() == pytest.approx(1e6 + 9e6 * (1 - 0.5 ** (2 / 8)), rel=1e-6)


def test_shaka_settings_ignore_tiny_samples_and_wait_for_enough_bytes():
    est = DualEwma.shaka()
    est.add(download_at(100e6, seconds=0.001))  # 12.5 kB: below 16 kB, ignored
    assert est.estimate() is None
    est.add(download_at(1e6, seconds=0.5))  # 62.5 kB: counted, but under 128 kB total
    assert est.estimate() is None
    est.add(download_at(1e6, seconds=0.6))
    assert est.estimate() == pytest.approx(1e6)


def test_harmonic_mean_window_keeps_last_five():
    est = SlidingHarmonicMean(window=5)
    assert est.estimate() is None
    for bps in (100e6, 1e6, 2e6, 4e6, 4e6, 4e6):
        est.add_sample(bps)
    assert est.samples == (1e6, 2e6, 4e6, 4e6, 4e6)
    assert est.estimate() == pytest.approx(5 / (1 / 1e6 + 1 / 2e6 + 3 / 4e6))


def test_harmonic_mean_rejects_empty_and_non_positive():
    with pytest.raises(ValueError):
        harmonic_mean([])
    with pytest.raises(ValueError):
        harmonic_mean([1.0, 0.0])
    assert math.isclose(harmonic_mean([2.0, 2.0]), 2.0)
