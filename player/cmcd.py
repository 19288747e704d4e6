"""Common Media Client Data (CTA-5004) on segment requests.

Each request carries what the CDN would like to know about the player: the object's bitrate and
duration, the buffer, the measured throughput, the next object and the session. Sent as one
``CMCD`` query argument or as the four ``CMCD-*`` headers; off when the user says so.

Encoding per CTA-5004: keys in alphabetical order, ``key=value`` joined by commas, strings quoted,
tokens (``ot``, ``sf``, ``st``) bare, booleans as the bare key when true and omitted when false,
integers bare; ``pr`` and ``v`` are omitted at their defaults of 1 except that ``v`` is always
sent here so collectors need not assume.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

CmcdValue = int | str | bool

_TOKENS = frozenset({"ot", "sf", "st"})
_HEADER_OF = {
    "br": "CMCD-Object", "d": "CMCD-Object", "ot": "CMCD-Object", "tb": "CMCD-Object",
    "bl": "CMCD-Request", "dl": "CMCD-Request", "mtp": "CMCD-Request", "nor": "CMCD-Request",
    "nrr": "CMCD-Request", "su": "CMCD-Request",
    "cid": "CMCD-Session", "pr": "CMCD-Session", "sf": "CMCD-Session", "sid": "CMCD-Session",
    "st": "CMCD-Session", "v": "CMCD-Session",
    "bs": "CMCD-Status", "rtp": "CMCD-Status",
}


@dataclass(frozen=True)
class CmcdConfig:
    """CMCD settings for one playback session; ``session_id`` is shared with the telemetry."""

    mode: Literal["query", "headers", "off"] = "query"
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    content_id: str = ""


def _encode_pair(key: str, value: CmcdValue) -> str | None:
    if isinstance(value, bool):
        return key if value else None
    if isinstance(value, int):
        return f"{key}={value}"
    if key in _TOKENS:
        return f"{key}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}="{escaped}"'


def encode(data: dict[str, CmcdValue]) -> str:
    """The CMCD payload: sorted keys, comma separated."""
    pairs = (_encode_pair(k, data[k]) for k in sorted(data))
    return ",".join(p for p in pairs if p)


def apply(url: str, data: dict[str, CmcdValue], mode: str) -> tuple[str, dict[str, str]]:
    """The URL and extra headers that carry ``data`` in the chosen ``mode``."""
    if mode == "off" or not data:
        return url, {}
    if mode == "query":
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}CMCD={quote(encode(data), safe='')}", {}
    headers: dict[str, dict[str, CmcdValue]] = {}
    for key, value in data.items():
        headers.setdefault(_HEADER_OF[key], {})[key] = value
    return url, {name: text for name, values in headers.items() if (text := encode(values))}


def round_to(value: float, step: int) -> int:
    """CTA-5004 rounds ``bl`` and ``mtp`` to the nearest 100."""
    return int(round(value / step) * step)
