"""Reading ``keys.json``, the library's server-only list of content keys.

Written by the content builder (``server.content.protect``) beside ``catalog.json``; never served
by the origin. A library without protected titles has no key file, which is not an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "keys.json"
KEY_SIZE = 16


class KeyFileError(ValueError):
    """``keys.json`` exists but cannot be read or is malformed (never quotes a key)."""


@dataclass(frozen=True)
class ContentKey:
    """One content key: its KID, the title it belongs to and the track kind it protects."""

    kid: bytes
    title_id: str
    key: bytes
    track: str

    def __repr__(self) -> str:  # a key must not reach a log through a repr
        return f"ContentKey(kid={self.kid.hex()}, title_id={self.title_id!r}, track={self.track!r})"


def _hex16(value: object, where: str, what: str) -> bytes:
    try:
        data = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        data = b""
    if len(data) != KEY_SIZE:
        raise KeyFileError(f"{where}: {what} is not 32 hexadecimal digits")
    return data


def read_key_file(root: Path) -> tuple[ContentKey, ...]:
    """The keys of the library at ``root`` (none when it has no ``keys.json``)."""
    path = root / KEY_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeyFileError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    entries = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise KeyFileError(f"{path} has no \"keys\" list")
    keys: dict[bytes, ContentKey] = {}
    for i, entry in enumerate(entries):
        where = f"{path}: keys[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("title_id"), str):
            raise KeyFileError(f"{where} is not an object with a title_id")
        kid = _hex16(entry.get("kid"), where, "kid")
        if kid in keys:
            raise KeyFileError(f"{where}: KID {kid.hex()} appears twice")
        keys[kid] = ContentKey(kid, entry["title_id"], _hex16(entry.get("key"), where, "key"),
                               str(entry.get("track", "")))
    return tuple(keys.values())
