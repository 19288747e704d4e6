"""Where a stream says its keys come from: DASH ``ContentProtection`` and HLS ``EXT-X-KEY``.

Pure parsing of what the manifest parsers hand over; fetching keys is the player's business.

DASH: :func:`dash_protection` reads the ``ContentProtection`` elements of one adaptation set or
representation (``xml.etree`` elements, so any DOM can pass them on): the scheme from
``urn:mpeg:dash:mp4protection:2011`` (``value="cenc"``/``"cbcs"``...), ``cenc:default_KID``,
the ClearKey (``e2719d58-...``) and W3C common (``1077efec-...``) systems with their license URL
(``dashif:laurl``/``dashif:Laurl`` or ``clearkey:Laurl``, any namespace) and ``cenc:pssh`` boxes.

HLS: :func:`parse_hls_key` reads an ``EXT-X-KEY``/``EXT-X-SESSION-KEY`` attribute list:
``METHOD`` (``AES-128`` whole segments, ``SAMPLE-AES`` = ``cbcs`` and ``SAMPLE-AES-CTR`` = ``cenc``
on fMP4), ``URI`` (key URL, license URL or a ``data:`` URI), ``IV``, ``KEYFORMAT`` (``identity``
or ClearKey) and ``KEYID``.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes
from xml.etree.ElementTree import Element

from drm.bmff import BoxError, iter_boxes
from drm.clearkey import CLEARKEY_SYSTEM_ID, COMMON_SYSTEM_ID
from drm.keys import KeyFormatError, parse_kid
from drm.protection import Pssh

MP4_PROTECTION_URN = "urn:mpeg:dash:mp4protection:2011"
CLEARKEY_URN = f"urn:uuid:{uuid.UUID(bytes=CLEARKEY_SYSTEM_ID)}"
COMMON_URN = f"urn:uuid:{uuid.UUID(bytes=COMMON_SYSTEM_ID)}"
_CLEARKEY_SYSTEMS = frozenset({CLEARKEY_SYSTEM_ID, COMMON_SYSTEM_ID})


class KeySourceError(ValueError):
    """A protection description that cannot be used: malformed, or only for other key systems."""


@dataclass(frozen=True, slots=True)
class DashProtection:
    """What the ``ContentProtection`` elements of one adaptation set or representation say."""

    scheme: str | None
    """``cenc``, ``cbcs``... from the mp4protection descriptor, or None if it gives none."""
    default_kids: tuple[bytes, ...]
    license_url: str | None
    """The ClearKey license server, if the manifest names one."""
    pssh: tuple[Pssh, ...]
    """The ClearKey and common system ``cenc:pssh`` boxes (other systems' are not read)."""
    systems: tuple[bytes, ...]
    """Every key system ID offered (ClearKey or not), in document order."""

    @property
    def clearkey(self) -> bool:
        """Whether ClearKey (or the W3C common system) is among the offered systems."""
        return any(s in _CLEARKEY_SYSTEMS for s in self.systems)

    @property
    def kids(self) -> tuple[bytes, ...]:
        """Default KIDs, then those the ClearKey/common ``pssh`` boxes list, without repeats."""
        found = dict.fromkeys(self.default_kids)
        for box in self.pssh:
            found.update(dict.fromkeys(box.kids))
        return tuple(found)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _attribute(element: Element, local_name: str) -> str | None:
    for name, value in element.attrib.items():
        if _local(name).lower() == local_name.lower():
            return value
    return None


def _kid_list(text: str, where: str) -> list[bytes]:
    try:
        return [parse_kid(part) for part in text.split()]
    except KeyFormatError as exc:
        raise KeySourceError(f"{where}: {exc}") from None


def _pssh_boxes(text: str, where: str) -> list[Pssh]:
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
        return [Pssh.parse(box) for box in iter_boxes(data) if box.type == "pssh"]
    except (binascii.Error, BoxError) as exc:
        raise KeySourceError(f"{where}: cenc:pssh is not a base64 pssh box ({exc})") from None


def _system_id(scheme_uri: str) -> bytes | None:
    if not scheme_uri.lower().startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(scheme_uri[9:]).bytes
    except ValueError:
        raise KeySourceError(f"ContentProtection schemeIdUri {scheme_uri!r} is not a UUID URN") from None


def dash_protection(elements: Iterable[Element]) -> DashProtection | None:
    """The protection described by these ``ContentProtection`` elements, or None if there are none."""
    scheme = None
    kids: list[bytes] = []
    license_url = None
    boxes: list[Pssh] = []
    systems: list[bytes] = []
    seen = False
    for element in elements:
        seen = True
        scheme_uri = (_attribute(element, "schemeIdUri") or "").strip()
        where = f"ContentProtection {scheme_uri or '(no schemeIdUri)'}"
        kid_text = _attribute(element, "default_KID")
        if kid_text:
            kids.extend(_kid_list(kid_text, where))
        if scheme_uri.lower() == MP4_PROTECTION_URN:
            scheme = (_attribute(element, "value") or "").strip() or scheme
            continue
        system = _system_id(scheme_uri)
        if system is None:
            continue
        systems.append(system)
        if system not in _CLEARKEY_SYSTEMS:
            continue  # another key system: only its presence matters here
        for child in element:
            name = _local(child.tag).lower()
            if name == "pssh" and child.text:
                boxes.extend(_pssh_boxes(child.text, where))
            elif name == "laurl" and child.text and child.text.strip():
                license_url = license_url or child.text.strip()
    if not seen:
        return None
    return DashProtection(scheme, tuple(dict.fromkeys(kids)), license_url, tuple(boxes), tuple(systems))


# --- HLS -----------------------------------------------------------------------------------------

HLS_METHODS = {"NONE": None, "AES-128": "aes-128", "SAMPLE-AES": "cbcs", "SAMPLE-AES-CTR": "cenc"}
CLEARKEY_KEYFORMATS = frozenset({"org.w3.clearkey", CLEARKEY_URN, COMMON_URN})
_ATTRIBUTE = re.compile(r'\s*([A-Z0-9-]+)=("[^"]*"|[^,"]*)\s*(?:,|$)')


@dataclass(frozen=True, slots=True)
class HlsKey:
    """One ``EXT-X-KEY`` or ``EXT-X-SESSION-KEY``."""

    method: str
    uri: str | None = None
    iv: bytes | None = None
    keyformat: str = "identity"
    kid: bytes | None = None

    @property
    def scheme(self) -> str | None:
        """``aes-128`` (whole segments), ``cbcs``, ``cenc``, or None for ``METHOD=NONE``."""
        return HLS_METHODS[self.method]

    @property
    def clearkey(self) -> bool:
        return self.keyformat in CLEARKEY_KEYFORMATS

    @property
    def identity(self) -> bool:
        """The URI gives the 16-byte key itself (``KEYFORMAT`` absent or ``identity``)."""
        return self.keyformat == "identity"

    def data(self) -> bytes | None:
        """The payload of a ``data:`` URI (base64 or percent-encoded), else None."""
        if not self.uri or not self.uri.startswith("data:"):
            return None
        header, sep, payload = self.uri[5:].partition(",")
        if not sep:
            raise KeySourceError("data: URI without a comma")
        if header.endswith(";base64"):
            try:
                return base64.b64decode(payload, validate=True)
            except binascii.Error:
                raise KeySourceError("data: URI is not valid base64") from None
        return unquote_to_bytes(payload)


def _attribute_list(text: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _ATTRIBUTE.match(text, pos)
        if match is None or match.end() == pos:
            raise KeySourceError(f"malformed attribute list at {text[pos:pos + 20]!r}")
        name, value = match.group(1), match.group(2)
        attributes[name] = value[1:-1] if value.startswith('"') else value.strip()
        pos = match.end()
    return attributes


def _hex16(value: str, name: str) -> bytes:
    digits = value[2:] if value[:2].lower() == "0x" else value
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        raise KeySourceError(f"{name} is not hexadecimal") from None
    if len(data) != 16:
        raise KeySourceError(f"{name} has {len(data)} bytes, expected 16")
    return data


def parse_hls_key(line: str) -> HlsKey:
    """An ``#EXT-X-KEY:``/``#EXT-X-SESSION-KEY:`` line, or just its attribute list."""
    text = line.strip()
    if text.startswith("#"):
        tag, sep, text = text.partition(":")
        if tag not in ("#EXT-X-KEY", "#EXT-X-SESSION-KEY") or not sep:
            raise KeySourceError(f"not a key tag: {tag}")
    attributes = _attribute_list(text)
    method = attributes.get("METHOD")
    if method not in HLS_METHODS:
        raise KeySourceError(f"unsupported key METHOD {method!r}; supported: {', '.join(HLS_METHODS)}")
    uri = attributes.get("URI")
    if method != "NONE" and not uri:
        raise KeySourceError(f"METHOD={method} needs a URI")
    iv = _hex16(attributes["IV"], "IV") if "IV" in attributes else None
    kid = _hex16(attributes["KEYID"], "KEYID") if "KEYID" in attributes else None
    return HlsKey(method, uri, iv, attributes.get("KEYFORMAT", "identity"), kid)
