"""Playing through a misbehaving origin: every fault class either heals (retries, another
rendition) or stops with a clear error, and nothing hangs or plays corrupt data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.catalog import CatalogClient
from app.report import PlaybackReport
from tests.player.abrs import Faulty
from tests.playing import play_to_end

Faults = Callable[[list[dict[str, Any]]], None]


@pytest.fixture()
def title(backend: str) -> tuple[str, str]:
    """(DASH manifest URL, clip path prefix) of the first title."""
    with CatalogClient(backend) as catalog:
        title_id = next(item.id for row in catalog.home() for item in row.items)
        url = catalog.playback(title_id).manifest("dash")
    return url, "/media/" + url.split("/media/")[1].split("/")[0] + "/"


def play(url: str) -> PlaybackReport:
    return play_to_end(url, speed=2, timeout=90)


@pytest.mark.parametrize("fault", [
    {"kind": "status", "status": 503},
    {"kind": "reset"},
    {"kind": "truncate", "fraction": 0.4},
    {"kind": "wrong-length"},
    {"kind": "stall", "seconds": 1.0, "fraction": 0.5},
    {"kind": "slow-first-byte", "seconds": 0.8},
])
def test_transient_faults_heal_without_damage(title: tuple[str, str], origin_faults: Faults,
                                              fault: dict[str, Any]) -> None:
    url, clip = title
    origin_faults([{"match": f"{clip}*/{n}.m4s", "times": 2, **fault} for n in (1, 2, 3)])
    summary = play(url).as_dict()
    assert summary["ended"] and summary["errors"] == [] and summary["decode_errors"] == 0


def test_a_segment_missing_at_one_rendition_is_taken_from_another(title: tuple[str, str],
                                                                  origin_faults: Faults) -> None:
    url, clip = title
    # Every rendition but the lowest (144p) loses its second segment.
    origin_faults([{"match": f"{clip}2*/2.m4s", "kind": "status", "status": 404},
                   {"match": f"{clip}3*/2.m4s", "kind": "status", "status": 404},
                   {"match": f"{clip}4*/2.m4s", "kind": "status", "status": 404}])
    report = play(url)
    assert report.ended and report.decode_errors == 0
    assert report.errors and all(e.startswith("network:") and "trying rendition" in e for e in report.errors)


def test_audio_that_cannot_be_fetched_stops_with_a_clear_error(title: tuple[str, str], origin_faults: Faults) -> None:
    url, clip = title
    origin_faults([{"match": f"{clip}audio*/2.m4s", "kind": "status", "status": 503}])
    report = play(url)
    assert not report.ended and report.fatal_error
    assert report.errors[-1].startswith("network:") and "audio" in report.errors[-1] and "503" in report.errors[-1]


def test_a_fault_in_the_abr_stops_playback_with_a_clear_error_instead_of_a_hang(title: tuple[str, str]) -> None:
    url, _ = title
    report = play_to_end(url, speed=2, timeout=30, abr=Faulty)
    assert not report.ended and report.fatal_error
    assert report.errors[-1] == "internal: the player failed: ZeroDivisionError: float division by zero"
