"""W3C EME ClearKey license messages, server side (written from the EME specification, 9.1.3/9.1.4).

Request: ``{"kids": ["<base64url KID>", ...], "type": "temporary"}``. Response: a JWK set,
``{"keys": [{"kty": "oct", "kid": "<base64url>", "k": "<base64url>"}], "type": "temporary"}``,
base64url without padding. Errors describe the request, never a key.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping

KID_SIZE = 16
MAX_BODY = 16 * 1024
"""A license request lists a few KIDs; anything this large is not one."""
MAX_KIDS = 64
SESSION_TYPES = ("temporary", "persistent-license")
_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class LicenseRequestError(ValueError):
    """A request body that is not a ClearKey license request (HTTP 400)."""


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _kid(value: object, index: int) -> bytes:
    if not isinstance(value, str) or not _B64URL.fullmatch(value):
        raise LicenseRequestError(f"kids[{index}] is not a base64url string")
    body = value.rstrip("=")
    try:
        kid = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise LicenseRequestError(f"kids[{index}] is not valid base64url") from None
    if len(kid) != KID_SIZE:
        raise LicenseRequestError(f"kids[{index}] decodes to {len(kid)} bytes, a KID has {KID_SIZE}")
    return kid


def parse_request(body: bytes) -> tuple[list[bytes], str]:
    """(KIDs without repeats, in request order; session type) of a license request body."""
    if len(body) > MAX_BODY:
        raise LicenseRequestError(f"request body of {len(body)} bytes is over the {MAX_BODY}-byte limit")
    try:
        message = json.loads(body)
    except UnicodeDecodeError:
        raise LicenseRequestError("request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise LicenseRequestError(f"request body is not JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(message, dict):
        raise LicenseRequestError("request body is not a JSON object")
    kids = message.get("kids")
    if not isinstance(kids, list) or not kids:
        raise LicenseRequestError('request has no "kids" list of KIDs')
    if len(kids) > MAX_KIDS:
        raise LicenseRequestError(f"request lists {len(kids)} KIDs, at most {MAX_KIDS} are accepted")
    session_type = message.get("type", "temporary")
    if session_type not in SESSION_TYPES:
        raise LicenseRequestError(f"unknown session type {session_type!r}; known: {', '.join(SESSION_TYPES)}")
    return list(dict.fromkeys(_kid(k, i) for i, k in enumerate(kids))), session_type


def response(keys: Mapping[bytes, bytes], session_type: str) -> bytes:
    """The JWK set answering a request, one symmetric key per KID."""
    jwks = [{"kty": "oct", "kid": b64url(kid), "k": b64url(key)} for kid, key in keys.items()]
    return json.dumps({"keys": jwks, "type": session_type}, separators=(",", ":")).encode()
