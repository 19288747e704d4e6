import pytest

from abr.bba import Bba
from tests.abr.situations import context, download_at


@pytest.mark.parametrize(
    ("buffer_s", "expected"),
    [(0.0, 0), (4.99, 0), (5.0, 0), (7.0, 1), (10.0, 2), (14.99, 4), (15.0, 5), (59.0, 5)],
)
def test_rendition_follows_buffer_linearly_between_reservoir_and_cushion(buffer_s, expected):
    assert Bba().choose(context(buffer_s)).rendition == expected


def test_throughput_is_ignored():
    abr = Bba()
    abr.on_download(download_at(100e6))
    assert abr.choose(context(2.0)).rendition == 0


def test_custom_reservoir_and_cushion():
    abr = Bba(reservoir_s=10.0, cushion_s=20.0)
    assert abr.choose(context(9.0)).rendition == 0
    assert abr.choose(context(20.0)).rendition == 2  # 5 * 10/20 = 2.5 -> 2
    with pytest.raises(ValueError):
        Bba(cushion_s=0.0)
