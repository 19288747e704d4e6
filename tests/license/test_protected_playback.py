"""Each encrypted demo title played headless from the catalog: the real player asks the real
license server (or, for AES-128, the key endpoint) with the playback token, decrypts every
segment and plays to the end in libmpv. A backend that refuses licences stops playback with a
clear error naming the refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.backend import EmbeddedBackend
from app.catalog import CatalogClient
from app.headless import play_headless
from tests.license.conftest import PROTECTED, keys_of

PLAYS = [(title, fmt) for title, (_, formats) in PROTECTED.items() for fmt in formats]


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    """These runs are about keys; the QoE queue is another test's business."""
    monkeypatch.setenv("MARQUEE_TELEMETRY", "off")


@pytest.mark.parametrize(("title_id", "fmt"), PLAYS)
def test_each_protected_title_plays_to_the_end_with_keys_from_the_license_server(
        backend: str, title_id: str, fmt: str) -> None:
    with CatalogClient(backend) as catalog:
        assert catalog.playback(title_id).license_url == f"{backend}/api/v1/license"
        duration_s = catalog.title(title_id).duration_s
        report = play_headless(catalog, title_id, fmt=fmt, progress=False)
    summary = report.as_dict()
    assert summary["errors"] == [], summary["errors"]
    assert summary["ended"] and summary["decode_errors"] == 0
    assert len(summary["renditions"]) >= 2
    assert summary["played_s"] >= duration_s - 0.5



def refusing_backend(library: Path, tmp_path: Path) -> EmbeddedBackend:
    """A backend of its own that refuses every licence (``--no-license``)."""
    return EmbeddedBackend(library, db=tmp_path / "marquee.db", log_file=tmp_path / "marquee.log",
                           options=["--no-license"])

def test_keys_given_on_the_command_line_need_no_license(library: Path, tmp_path: Path, key_file: list) -> None:
    """``--key`` keys suffice: the backend refuses every licence, playback still succeeds."""
    keys = dict(keys_of(key_file, "the-cipher-garden").values())
    with refusing_backend(library, tmp_path) as url, CatalogClient(url) as catalog:
        report = play_headless(catalog, "the-cipher-garden", keys=keys, progress=False, duration_s=3.0)
    assert report.errors == [] and report.played_s >= 3.0


@pytest.mark.parametrize(("title_id", "fmt", "code"), [
    ("sealed-orders", "dash", "drm-license-refused"),
    ("the-cipher-garden", "hls", "drm-license-refused"),
    ("vault-seven", "hls", "drm-key-fetch"),
])
def test_a_refused_license_stops_playback_with_a_clear_error(
        library: Path, tmp_path: Path, key_file: list, title_id: str, fmt: str, code: str) -> None:
    with refusing_backend(library, tmp_path) as url, CatalogClient(url) as catalog:
        report = play_headless(catalog, title_id, fmt=fmt, progress=False)
    assert report.startup_ms is None and not report.ended and report.fatal_error
    error = report.errors[0]  # the cause comes first; mpv may add its own words after it
    assert all(e.startswith("mpv") for e in report.errors[1:]), report.errors
    assert error.startswith(f"{code}: ") and "403" in error
    if code == "drm-license-refused":
        assert f"{url}/api/v1/license" in error and "--no-license" in error
    for entry in key_file:  # no key material in what the viewer sees
        assert entry["key"] not in error
