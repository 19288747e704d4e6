from abr.rate import RateBased
from tests.abr.situations import context, download_at


def test_starts_at_lowest_without_history():
    abr = RateBased()
    assert abr.choose(context(0.0, last=None, startup=True)).rendition == 0


def test_initial_estimate_is_used_before_any_download():
    abr = RateBased(initial_bps=2.1e6)
    assert abr.choose(context(0.0, last=None)).rendition == 3  # 1850 <= 0.9 * 2100


def test_picks_highest_rendition_under_safety_scaled_harmonic_mean():
    abr = RateBased(safety=0.9)
    for bps in (3e6, 3e6, 3e6, 3e6, 3e6):
        abr.on_download(download_at(bps))
    assert abr.choose(context(10.0)).rendition == 3  # 2.7 Mbit/s: 1850 fits, 2850 does not
    abr.on_download(download_at(0.5e6))  # one slow download drags the harmonic mean down
    # harmonic mean of (3, 3, 3, 3, 0.5) = 1.875; x0.9 = 1.69 -> 1200
    assert abr.choose(context(10.0)).rendition == 2


def test_only_last_five_downloads_count():
    abr = RateBased(safety=1.0)
    abr.on_download(download_at(0.1e6))
    for _ in range(5):
        abr.on_download(download_at(5e6))
    assert abr.choose(context(10.0)).rendition == 5
