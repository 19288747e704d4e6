"""Fixtures for the license service and protected playback: the quick library's content keys
(the library itself is the shared ``library`` fixture, rebuilt when stale)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

#: The library's protected titles and the manifest each plays from.
PROTECTED = {"sealed-orders": ("cenc", ("dash",)), "the-cipher-garden": ("cbcs", ("dash", "hls")),
             "vault-seven": ("aes-128", ("hls",))}


@pytest.fixture(scope="session")
def key_file(library: Path) -> list[dict[str, Any]]:
    """``keys.json`` as the builder wrote it (the test reads it as the backend does: from disk)."""
    return json.loads((library / "keys.json").read_text())["keys"]


def keys_of(key_file: list[dict[str, Any]], title_id: str) -> dict[str, tuple[bytes, bytes]]:
    """Track kind -> (KID, key) of one title."""
    return {k["track"]: (bytes.fromhex(k["kid"]), bytes.fromhex(k["key"])) for k in key_file
            if k["title_id"] == title_id}
