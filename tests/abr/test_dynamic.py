from abr.dynamic import Dynamic
from tests.abr.situations import context, download_at


def test_throughput_rule_below_stable_buffer_then_bola_with_hysteresis():
    abr = Dynamic(stable_buffer_s=12.0)
    for _ in range(10):
        abr.on_download(download_at(1.5e6, seconds=3.0))
    low = abr.choose(context(8.0, last=2))
    assert (low.rendition, low.reason) == (2, "throughput")  # 1200 <= 0.9 * 1500
    high = abr.choose(context(13.0, last=2))
    assert high.reason != "throughput"  # BOLA in charge above the stable buffer
    assert abr.choose(context(7.0, last=high.rendition)).reason != "throughput"  # still above half
    assert abr.choose(context(5.0, last=high.rendition)).reason == "throughput"


def test_starts_low_without_any_measurement():
    assert Dynamic().choose(context(0.0, last=None, startup=True)).rendition == 0
