"""The W3C EME ClearKey license messages: the JSON request and the JWK set response.

Request: ``{"kids": ["<base64url KID>", ...], "type": "temporary"}``. Response: a JWK set,
``{"keys": [{"kty": "oct", "kid": "<base64url>", "k": "<base64url>"}], "type": "temporary"}``.
Base64url is written without padding (as EME requires) and read with or without it. Only the
message format lives here; sending it is the player's business. ``b64url_encode`` and
``b64url_decode`` are re-exported from :mod:`drm.keys` for the server-side reader's convenience.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from drm.keys import KEY_SIZE, KeyFormatError, b64url_decode, b64url_encode, format_kid

__all__ = [
    "CLEARKEY_SYSTEM_ID", "COMMON_SYSTEM_ID", "LicenseFormatError", "b64url_decode", "b64url_encode",
    "license_request", "license_response", "parse_license_request", "parse_license_response",
]

CLEARKEY_SYSTEM_ID = bytes.fromhex("e2719d58a985b3c9781ab030af78d30e")
"""The ClearKey DRM system ID (``urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e``)."""
COMMON_SYSTEM_ID = bytes.fromhex("1077efecc0b24d02ace33c1e52e2fb4b")
"""The W3C common PSSH system ID, whose ``pssh`` lists KIDs."""

SESSION_TYPES = ("temporary", "persistent-license")


class LicenseFormatError(ValueError):
    """A license request or response that is not valid ClearKey JSON."""


def _decode16(value: object, where: str, what: str) -> bytes:
    try:
        data = b64url_decode(value) if isinstance(value, str) else b""
    except KeyFormatError:
        data = b""
    if len(data) != KEY_SIZE:
        raise LicenseFormatError(f"{where}: {what} is not a base64url 16-byte value")
    return data


def license_request(kids: Iterable[bytes], session_type: str = "temporary") -> bytes:
    """The JSON body a ClearKey CDM sends to a license server."""
    if session_type not in SESSION_TYPES:
        raise LicenseFormatError(f"unknown session type {session_type!r}")
    kid_list = [bytes(k) for k in kids]
    if not kid_list:
        raise LicenseFormatError("a license request needs at least one KID")
    for kid in kid_list:
        if len(kid) != KEY_SIZE:
            raise LicenseFormatError(f"KID {kid.hex()} is not 16 bytes")
    return json.dumps({"kids": [b64url_encode(k) for k in kid_list], "type": session_type}).encode()


def _json_object(body: bytes | str, what: str) -> dict:
    try:
        message = json.loads(body)
    except json.JSONDecodeError as exc:
        raise LicenseFormatError(f"{what} is not JSON: {exc.msg} at position {exc.pos}") from None
    except UnicodeDecodeError:
        raise LicenseFormatError(f"{what} is not UTF-8 text") from None
    if not isinstance(message, dict):
        raise LicenseFormatError(f"{what} is not a JSON object")
    return message


def parse_license_request(body: bytes | str) -> tuple[list[bytes], str]:
    """(KIDs, session type) of a request, as a license server reads it."""
    message = _json_object(body, "license request")
    kids = message.get("kids")
    if not isinstance(kids, list) or not kids:
        raise LicenseFormatError("license request has no \"kids\" list")
    session_type = message.get("type", "temporary")
    if session_type not in SESSION_TYPES:
        raise LicenseFormatError(f"unknown session type {session_type!r}")
    return [_decode16(k, f"kids[{i}]", "kid") for i, k in enumerate(kids)], session_type


def license_response(keys: Mapping[bytes, bytes], session_type: str = "temporary") -> bytes:
    """A JWK set carrying ``keys`` (KID -> key)."""
    jwks = [{"kty": "oct", "kid": b64url_encode(kid), "k": b64url_encode(key)} for kid, key in keys.items()]
    return json.dumps({"keys": jwks, "type": session_type}).encode()


def parse_license_response(body: bytes | str, requested: Iterable[bytes] = ()) -> dict[bytes, bytes]:
    """KID -> key from a JWK set. Every KID in ``requested`` must be present.

    Errors name the offending entry and KID, never key material.
    """
    message = _json_object(body, "license response")
    entries = message.get("keys")
    if not isinstance(entries, list):
        raise LicenseFormatError("license response has no \"keys\" list")
    keys: dict[bytes, bytes] = {}
    for i, entry in enumerate(entries):
        where = f"keys[{i}]"
        if not isinstance(entry, dict):
            raise LicenseFormatError(f"{where} is not a JSON object")
        if entry.get("kty") != "oct":
            raise LicenseFormatError(f"{where}: kty is {entry.get('kty')!r}, expected 'oct'")
        kid = _decode16(entry.get("kid"), where, "kid")
        keys[kid] = _decode16(entry.get("k"), f"{where} (KID {format_kid(kid)})", "k")
    missing = [format_kid(k) for k in requested if k not in keys]
    if missing:
        raise LicenseFormatError(f"license response lacks KID(s) {', '.join(missing)}")
    return keys
