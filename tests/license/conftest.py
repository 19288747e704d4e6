"""Fixtures for the license service and protected playback: the quick library (rebuilt here when
stale, so its protected titles and ``keys.json`` are current) and its content keys."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from server.content import build

ROOT = Path(__file__).resolve().parents[2]

#: The library's protected titles and the manifest each plays from.
PROTECTED = {"sealed-orders": ("cenc", ("dash",)), "the-cipher-garden": ("cbcs", ("dash", "hls")),
             "vault-seven": ("aes-128", ("hls",))}


@pytest.fixture(scope="session")
def library() -> Path:
    """The quick library, current (a library built before protected titles existed is stale)."""
    path = Path(os.environ.get("MARQUEE_TEST_DATA") or ROOT / ".data" / "quick")
    build(path, quick=True, progress=print)
    return path


@pytest.fixture(scope="session")
def key_file(library: Path) -> list[dict[str, Any]]:
    """``keys.json`` as the builder wrote it (the test reads it as the backend does: from disk)."""
    return json.loads((library / "keys.json").read_text())["keys"]


def keys_of(key_file: list[dict[str, Any]], title_id: str) -> dict[str, tuple[bytes, bytes]]:
    """Track kind -> (KID, key) of one title."""
    return {k["track"]: (bytes.fromhex(k["kid"]), bytes.fromhex(k["key"])) for k in key_file
            if k["title_id"] == title_id}
