import pytest

from abr.api import Abr
from abr.registry import NAMES, create


def test_every_name_creates_a_fresh_abr_with_that_name():
    for name in NAMES:
        first, second = create(name), create(name)
        assert isinstance(first, Abr)
        assert first.name == name
        assert first is not second


def test_options_reach_the_constructor():
    assert create("rate", safety=0.5).safety == 0.5


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError) as excinfo:
        create("nope")
    assert "nope" in str(excinfo.value)
    for name in NAMES:
        assert name in str(excinfo.value)
