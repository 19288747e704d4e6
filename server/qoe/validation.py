"""Reading a batch off the wire: size limits, gzip, JSON, and the event schema the client follows
(``assets/schema/qoe-events-v1.json``, the one file both ends share).

Every failure is a :class:`BatchError` whose message says what is wrong and where, for the 400
(or 413) the collector answers with.

Validation is exactly the schema's, done faster: the schema's local ``$ref``s are inlined once,
and each event is checked against its own type's definition (what the schema's if/then chain
selects) instead of through the chain; resolving references was most of the cost.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Validators:
    envelope: Draft202012Validator
    """The batch without looking inside its events."""
    any_event: Draft202012Validator
    """An event of unknown or missing type (for the error message)."""
    by_type: dict[str, Draft202012Validator]


@lru_cache(maxsize=1)
def _validators() -> _Validators:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    defs = schema["$defs"]
    flat = _inline(schema, defs)
    events = dict(flat["properties"]["events"])
    events.pop("items")
    envelope = {**flat, "properties": {**flat["properties"], "events": events}}
    types = defs["event"]["properties"]["type"]["enum"]
    return _Validators(
        envelope=Draft202012Validator(envelope),
        any_event=Draft202012Validator(_inline(defs["event"], defs)),
        by_type={name: Draft202012Validator(_inline(defs[name], defs)) for name in types},
    )


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``#/$defs/NAME`` reference replaced by its target (the schema has no
    recursion); keywords beside a ``$ref`` apply too, as in draft 2020-12."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _inline(value, defs) for key, value in node.items() if key not in ("$ref", "$defs")}
    if "$ref" not in node:
        return out
    prefix = "#/$defs/"
    ref = node["$ref"]
    if not ref.startswith(prefix) or ref[len(prefix):] not in defs:
        raise ValueError(f"{SCHEMA_PATH.name}: unsupported reference {ref!r}")
    target = _inline(defs[ref[len(prefix):]], defs)
    if out.keys() & target.keys():
        return {"allOf": [target], **out}
    return {**target, **out}


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
    validators = _validators()
    _raise_first(validators.envelope, document, "batch")
    for index, event in enumerate(document["events"]):
        kind = event.get("type") if isinstance(event, dict) else None
        check = validators.by_type.get(kind) if isinstance(kind, str) else None
        _raise_first(check or validators.any_event, event, f"batch.events[{index}]")
    return document


def _raise_first(validator: Draft202012Validator, instance: Any, where: str) -> None:
    if validator.is_valid(instance):  # the common case, and much cheaper than collecting errors
        return
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise BatchError(f"schema: {_where(where, error.absolute_path)}: {error.message}")


def _where(out: str, path: Any) -> str:
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
