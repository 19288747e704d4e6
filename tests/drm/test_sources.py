"""drm.sources: DASH ContentProtection and HLS EXT-X-KEY as packagers write them."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest

from drm.clearkey import CLEARKEY_SYSTEM_ID, COMMON_SYSTEM_ID
from drm.protection import Pssh
from drm.sources import HlsKey, KeySourceError, dash_protection, parse_hls_key

KID = bytes.fromhex("00112233445566778899aabbccddeeff")
KID2 = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
WIDEVINE = bytes.fromhex("edef8ba979d64acea3c827dcd51d21ed")
MPD_NS = "{urn:mpeg:dash:schema:mpd:2011}"


def _protections(body: str) -> list[ET.Element]:
    root = ET.fromstring(
        '<AdaptationSet xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" '
        'xmlns:dashif="https://dashif.org/CPS" xmlns:clearkey="http://dashif.org/guidelines/clearKey">'
        f"{body}</AdaptationSet>")
    return root.findall(f"{MPD_NS}ContentProtection")


def test_dash_clearkey_with_dashif_laurl_and_common_pssh() -> None:
    pssh = base64.b64encode(Pssh(COMMON_SYSTEM_ID, (KID, KID2)).to_box()).decode()
    info = dash_protection(_protections(f"""
        <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs"
                           cenc:default_KID="00112233-4455-6677-8899-AABBCCDDEEFF"/>
        <ContentProtection schemeIdUri="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"><cenc:pssh>AAAA</cenc:pssh>
        </ContentProtection>
        <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e">
          <dashif:laurl>https://license.example/clearkey</dashif:laurl></ContentProtection>
        <ContentProtection schemeIdUri="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b">
          <cenc:pssh>{pssh}</cenc:pssh></ContentProtection>"""))
    assert info is not None
    assert info.scheme == "cbcs" and info.clearkey
    assert info.license_url == "https://license.example/clearkey"
    assert info.systems == (WIDEVINE, CLEARKEY_SYSTEM_ID, COMMON_SYSTEM_ID)
    assert info.kids == (KID, KID2)


def test_dash_clearkey_laurl_namespace_and_no_clearkey() -> None:
    info = dash_protection(_protections("""
        <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">
          <clearkey:Laurl Lic_type="EME-1.0">https://lic/x</clearkey:Laurl></ContentProtection>"""))
    assert info is not None and info.license_url == "https://lic/x" and info.scheme is None
    widevine_only = dash_protection(_protections(
        '<ContentProtection schemeIdUri="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"/>'))
    assert widevine_only is not None and not widevine_only.clearkey
    assert dash_protection([]) is None


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" cenc:default_KID="xyz"/>',
         "not a 16-byte key ID"),
        ('<ContentProtection schemeIdUri="urn:uuid:nope"/>', "not a UUID URN"),
        ('<ContentProtection schemeIdUri="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b"><cenc:pssh>!!</cenc:pssh>'
         "</ContentProtection>", "not a base64 pssh box"),
    ],
)
def test_dash_errors(body: str, needle: str) -> None:
    with pytest.raises(KeySourceError, match=needle):
        dash_protection(_protections(body))


def test_hls_sample_aes_ctr_clearkey_with_data_uri() -> None:
    pssh = Pssh(COMMON_SYSTEM_ID, (KID,)).to_box()
    line = (f'#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:text/plain;base64,{base64.b64encode(pssh).decode()}",'
            f'KEYID=0x{KID.hex().upper()},KEYFORMATVERSIONS="1",KEYFORMAT="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b"')
    key = parse_hls_key(line)
    assert (key.scheme, key.kid, key.clearkey, key.identity) == ("cenc", KID, True, False)
    assert key.data() == pssh


def test_hls_identity_and_aes128() -> None:
    key = parse_hls_key('#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="https://k/key.bin",KEYFORMAT="identity"')
    assert (key.scheme, key.uri, key.identity, key.data()) == ("cbcs", "https://k/key.bin", True, None)
    aes = parse_hls_key('METHOD=AES-128,URI="key?id=1,2",IV=0x000000000000000000000000000000FF')
    assert aes == HlsKey("AES-128", "key?id=1,2", bytes(15) + b"\xff")
    assert aes.scheme == "aes-128"
    assert parse_hls_key("#EXT-X-KEY:METHOD=NONE").scheme is None
    assert parse_hls_key('METHOD=AES-128,URI="data:,%00%01"').data() == b"\x00\x01"


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("#EXT-X-KEY:METHOD=SAMPLE-AES-CENC,URI=\"x\"", "unsupported key METHOD"),
        ("#EXT-X-KEY:METHOD=AES-128", "needs a URI"),
        ("#EXT-X-KEY:METHOD=AES-128,URI=\"x\",IV=0x1234", "IV has 2 bytes"),
        ("#EXT-X-KEY:METHOD=AES-128,URI=\"x\",KEYID=zz", "KEYID is not hexadecimal"),
        ("#EXT-X-MAP:URI=\"init.mp4\"", "not a key tag"),
        ("#EXT-X-KEY:METHOD=AES-128,URI=\"x", "malformed attribute list"),
    ],
)
def test_hls_errors(line: str, needle: str) -> None:
    with pytest.raises(KeySourceError, match=needle):
        parse_hls_key(line)
