"""Content keys and key IDs: parsing the forms people type and the forms manifests carry.

A KID is 16 bytes. It appears as 32 hex digits (``--key KID:KEY``, ``EXT-X-KEY`` KEYID), as a
UUID (``cenc:default_KID``) or as unpadded base64url (ClearKey license messages). KIDs are not
secret and may appear in messages; keys are, so no message here ever includes one.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Iterable

KEY_SIZE = 16

ZERO_KID = bytes(KEY_SIZE)
"""The all-zero KID: legal, used by packagers that protect with a single unnamed key."""

_B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class KeyFormatError(ValueError):
    """A KID or key that is not 16 bytes in any accepted spelling."""


def parse_kid(text: str) -> bytes:
    """A KID from 32 hex digits, a UUID (dashes, braces, ``0x`` prefix allowed) or base64url."""
    cleaned = text.strip().strip("{}")
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    if len(cleaned.replace("-", "")) == 32:
        try:
            return uuid.UUID(hex=cleaned).bytes
        except ValueError:
            pass
    try:
        kid = b64url_decode(cleaned)
    except ValueError:
        kid = b""
    if len(kid) != KEY_SIZE:
        raise KeyFormatError(f"not a 16-byte key ID: {text!r}")
    return kid


def parse_key(text: str) -> bytes:
    """A content key from 32 hex digits. The message on error never repeats the text."""
    cleaned = text.strip()
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    try:
        key = binascii.unhexlify(cleaned)
    except (binascii.Error, ValueError):
        raise KeyFormatError("content key is not hexadecimal") from None
    if len(key) != KEY_SIZE:
        raise KeyFormatError(f"content key has {len(key)} bytes, expected {KEY_SIZE}")
    return key


def parse_key_pair(text: str) -> tuple[bytes, bytes]:
    """``KID:KEY`` (both hex; the KID may be a UUID) as on ``marquee decrypt --key``."""
    kid_text, sep, key_text = text.rpartition(":")
    if not sep or not kid_text:
        raise KeyFormatError("expected KID:KEY")
    return parse_kid(kid_text), parse_key(key_text)


def parse_key_pairs(texts: Iterable[str]) -> dict[bytes, bytes]:
    """Several ``KID:KEY`` strings; the same KID twice with different keys is an error."""
    keys: dict[bytes, bytes] = {}
    for text in texts:
        kid, key = parse_key_pair(text)
        if keys.get(kid, key) != key:
            raise KeyFormatError(f"two different keys given for KID {format_kid(kid)}")
        keys[kid] = key
    return keys


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as EME messages carry KIDs and keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding; standard-alphabet characters are refused."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise KeyFormatError("not base64url")
    body = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise KeyFormatError("not base64url") from None


def format_kid(kid: bytes) -> str:
    """A KID as a UUID string, the form manifests use and messages show."""
    return str(uuid.UUID(bytes=bytes(kid))) if len(kid) == KEY_SIZE else kid.hex()
