"""Reading a batch off the wire: size limits, gzip, JSON, and the event schema the client follows
(``assets/schema/qoe-events-v1.json``, the one file both ends share).

Every failure is a :class:`BatchError` whose message says what is wrong and where, for the 400
(or 413) the collector answers with.
"""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "assets" / "schema" / "qoe-events-v1.json"

#: Largest body accepted on the wire and once decompressed.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_DECODED_BYTES = 16 * 1024 * 1024


class BatchError(Exception):
    """The body is not a valid batch; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def decode_body(body: bytes, content_encoding: str | None) -> Any:
    """The JSON document in ``body`` (gzip or identity encoded)."""
    if len(body) > MAX_BODY_BYTES:
        raise BatchError(f"body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}", status=413)
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, MAX_DECODED_BYTES)
        except zlib.error as exc:
            raise BatchError(f"body is not valid gzip: {exc}") from None
        if inflater.unconsumed_tail:
            raise BatchError(f"body inflates past {MAX_DECODED_BYTES} bytes", status=413)
        if not inflater.eof:
            raise BatchError("body is truncated gzip")
    elif encoding != "identity":
        raise BatchError(f"unsupported Content-Encoding {content_encoding!r} (gzip or identity)", status=415)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BatchError(f"body is not JSON: {exc}") from None


def check_batch(document: Any) -> dict[str, Any]:
    """``document`` if it follows the schema, else BatchError naming the first problem."""
    error = best_match(validator().iter_errors(document))
    if error is not None:
        raise BatchError(f"schema: {_where(error.absolute_path)}: {error.message}")
    return document


def _where(path: Any) -> str:
    out = "batch"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
