import math

import pytest

from abr.qoe import QOE_HD, QOE_LIN, QOE_LOG, hd_utility, session_metrics


def test_qoe_lin_by_hand():
    # 1.2, 2.85, 2.85 Mbit/s after a 0.75 segment; 0.5 s of stall before the second
    score = QOE_LIN.score([1.2e6, 2.85e6, 2.85e6], [0.0, 0.5, 0.0], 300e3, previous_bps=750e3)
    assert score == pytest.approx((1.2 + 2.85 + 2.85) - 4.3 * 0.5 - ((1.2 - 0.75) + (2.85 - 1.2)))


def test_qoe_log_and_hd_by_hand():
    rates = [300e3, 1850e3]
    assert QOE_LOG.score(rates, [1.0, 0.0], 300e3) == pytest.approx(
        math.log(1850 / 300) - 2.66 - math.log(1850 / 300))
    assert QOE_HD.score(rates, [0.0, 0.0], 300e3) == pytest.approx(1 + 12 - 11)
    assert [hd_utility(r) for r in (300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3)] == [1, 2, 3, 12, 15, 20]
    assert hd_utility(1525e3) == pytest.approx(7.5)
    assert hd_utility(8600e3) == pytest.approx(40.0)


def test_session_metrics():
    m = session_metrics([1e6, 2e6, 2e6, 1e6], [0.0, 2.0, 0.0, 0.0], 4.0, 300e3, startup_delay_s=1.5,
                        previous_bps=1e6)
    assert m.switches == 2
    assert m.switches_per_min == pytest.approx(2 / (16 / 60))
    assert m.rebuffer_ratio == pytest.approx(2 / 18)
    assert m.bitrate_kbps_mean == pytest.approx(1500)
    assert m.startup_delay_s == 1.5
    assert m.qoe_lin == pytest.approx(6 - 8.6 - 2)
    with pytest.raises(ValueError):
        session_metrics([], [], 4.0, 300e3, 0.0)
