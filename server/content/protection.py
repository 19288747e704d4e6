"""How a protected clip says so in its manifests: DASH ``ContentProtection`` and HLS ``EXT-X-KEY``.

Three kinds of protection, as real services use them:

- ``cenc`` (AES-CTR Common Encryption): DASH only.
- ``cbcs`` (AES-CBC with a 1:9 pattern on video, whole blocks on audio): DASH and HLS over the
  same CMAF segments; HLS says ``METHOD=SAMPLE-AES`` with ``KEYFORMAT="org.w3.clearkey"``, so an
  HLS player asks the same ClearKey license server a DASH player does (an ``identity`` key URI
  would hand out raw keys without a licence request).
- ``aes-128`` (whole segments, AES-CBC with PKCS#7 padding): HLS only, the key fetched raw from
  a key URI. A key URI cannot carry an ``Authorization`` header, so the backend accepts the
  playback token as a ``token`` query argument there, and the origin passes the token on from a
  master playlist to its media playlists' key URIs (see ``server.license.playlists``).

Manifests name the backend's license endpoints by root-relative URLs (resolved against the
manifest's own URL), so a library does not depend on the host it is served from.
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

from drm.clearkey import CLEARKEY_SYSTEM_ID, COMMON_SYSTEM_ID
from drm.protection import Pssh

#: The ClearKey license endpoint (``POST``, W3C EME JSON) and the HLS AES-128 key endpoint.
LICENSE_PATH = "/api/v1/license"
HLS_KEY_PATH = "/api/v1/license/hls/{kid}"

SCHEMES = ("cenc", "cbcs", "aes-128")
CENC_NS = "urn:mpeg:cenc:2013"
DASHIF_NS = "https://dashif.org/CPS"
MP4_PROTECTION_URN = "urn:mpeg:dash:mp4protection:2011"


def kid_uuid(kid: bytes) -> str:
    return str(uuid.UUID(bytes=kid))


def common_pssh(kids: tuple[bytes, ...]) -> Pssh:
    """The W3C common system ``pssh`` (version 1) listing ``kids``: ClearKey's init data."""
    return Pssh(COMMON_SYSTEM_ID, kids=kids)


@dataclass(frozen=True)
class Protection:
    """A protected clip's scheme and its KID per kind of track (``video``, ``audio``)."""

    scheme: str
    kids: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown protection {self.scheme!r}; known: {', '.join(SCHEMES)}")

    @property
    def has_dash(self) -> bool:
        """DASH has no whole-segment encryption: an ``aes-128`` clip is HLS only."""
        return self.scheme != "aes-128"

    @property
    def has_hls(self) -> bool:
        """HLS plays ``cbcs`` (SAMPLE-AES) and ``aes-128``; ``cenc`` is the DASH title."""
        return self.scheme != "cenc"

    @property
    def key_uri_needs_token(self) -> bool:
        """Whether the HLS playlists name a raw key URI that wants the playback token."""
        return self.scheme == "aes-128"

    def dash_namespaces(self) -> dict[str, str]:
        return {"xmlns:cenc": CENC_NS, "xmlns:dashif": DASHIF_NS}

    def content_protection(self, kind: str) -> list[ET.Element]:
        """The ``ContentProtection`` descriptors of one adaptation set: the scheme with
        ``cenc:default_KID``, ClearKey with its license URL, and the W3C common system with
        the ``pssh`` the init segments carry."""
        kid = self.kids[kind]
        scheme = ET.Element("ContentProtection", {
            "schemeIdUri": MP4_PROTECTION_URN, "value": self.scheme, "cenc:default_KID": kid_uuid(kid)})
        clearkey = ET.Element("ContentProtection", {
            "schemeIdUri": f"urn:uuid:{kid_uuid(CLEARKEY_SYSTEM_ID)}", "value": "ClearKey1.0"})
        ET.SubElement(clearkey, "dashif:laurl").text = LICENSE_PATH
        common = ET.Element("ContentProtection", {
            "schemeIdUri": f"urn:uuid:{kid_uuid(COMMON_SYSTEM_ID)}", "value": "cenc"})
        box = common_pssh((kid,)).to_box()
        ET.SubElement(common, "cenc:pssh").text = base64.b64encode(box).decode("ascii")
        return [scheme, clearkey, common]

    def hls_key_tag(self, kind: str) -> str:
        """The ``EXT-X-KEY`` line of a media playlist of this kind of track."""
        kid = self.kids[kind]
        if self.scheme == "aes-128":
            # No IV attribute: each segment's IV is its media sequence number (RFC 8216 5.2).
            return f'#EXT-X-KEY:METHOD=AES-128,URI="{HLS_KEY_PATH.format(kid=kid.hex())}"'
        if self.scheme == "cbcs":
            return (f'#EXT-X-KEY:METHOD=SAMPLE-AES,URI="{LICENSE_PATH}",KEYFORMAT="org.w3.clearkey",'
                    f'KEYFORMATVERSIONS="1",KEYID=0x{kid.hex()}')
        raise ValueError(f"{self.scheme} is not offered over HLS")
