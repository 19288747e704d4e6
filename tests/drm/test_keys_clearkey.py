"""drm.keys and drm.clearkey: the forms KIDs and keys come in, and the EME ClearKey messages."""

from __future__ import annotations

import json

import pytest

from drm.clearkey import (
    LicenseFormatError,
    license_request,
    license_response,
    parse_license_request,
    parse_license_response,
)
from drm.keys import (
    KeyFormatError,
    b64url_decode,
    b64url_encode,
    format_kid,
    parse_key,
    parse_key_pair,
    parse_key_pairs,
    parse_kid,
)

KID = bytes.fromhex("00112233445566778899aabbccddeeff")
KEY = bytes.fromhex("0f0e0d0c0b0a09080706050403020100")


@pytest.mark.parametrize(
    "text",
    ["00112233445566778899aabbccddeeff", "00112233-4455-6677-8899-AABBCCDDEEFF",
     "{00112233-4455-6677-8899-aabbccddeeff}", "0x00112233445566778899aabbccddeeff", "ABEiM0RVZneImaq7zN3u_w",
     "ABEiM0RVZneImaq7zN3u_w=="],
)
def test_kid_forms(text: str) -> None:
    assert parse_kid(text) == KID


def test_key_pairs() -> None:
    assert parse_key_pair(f"{KID.hex()}:{KEY.hex()}") == (KID, KEY)
    assert parse_key_pair(f"{format_kid(KID)}:{KEY.hex()}") == (KID, KEY)
    zero = "0" * 32
    assert parse_key_pairs([f"{zero}:{KEY.hex()}", f"{KID.hex()}:{KEY.hex()}"]) == {bytes(16): KEY, KID: KEY}
    assert format_kid(KID) == "00112233-4455-6677-8899-aabbccddeeff"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("nocolon", "expected KID:KEY"),
        (f"{KID.hex()}:{'zz' * 16}", "not hexadecimal"),
        (f"{KID.hex()}:{KEY.hex()[:30]}", "has 15 bytes"),
        (f"1234:{KEY.hex()}", "not a 16-byte key ID"),
    ],
)
def test_bad_key_pairs_never_echo_the_key(text: str, needle: str) -> None:
    with pytest.raises(KeyFormatError, match=needle) as info:
        parse_key_pair(text)
    assert KEY.hex()[:30] not in str(info.value)


def test_conflicting_keys_for_one_kid() -> None:
    with pytest.raises(KeyFormatError, match="two different keys"):
        parse_key_pairs([f"{KID.hex()}:{KEY.hex()}", f"{KID.hex()}:{'11' * 16}"])
    with pytest.raises(KeyFormatError):
        parse_key("12")


def test_base64url_without_padding() -> None:
    assert b64url_encode(b"\xfb\xff") == "-_8"
    assert b64url_decode("-_8") == b"\xfb\xff"
    assert b64url_decode("-_8=") == b"\xfb\xff"
    for bad in ("+/8", "a b", "abc==="):
        with pytest.raises(KeyFormatError):
            b64url_decode(bad)


def test_request_and_response_round_trip() -> None:
    body = license_request([KID, bytes(16)])
    message = json.loads(body)
    assert message == {"kids": ["ABEiM0RVZneImaq7zN3u_w", "AAAAAAAAAAAAAAAAAAAAAA"], "type": "temporary"}
    assert parse_license_request(body) == ([KID, bytes(16)], "temporary")
    response = license_response({KID: KEY})
    jwk = json.loads(response)["keys"][0]
    assert jwk == {"kty": "oct", "kid": "ABEiM0RVZneImaq7zN3u_w", "k": "Dw4NDAsKCQgHBgUEAwIBAA"}
    assert parse_license_response(response, [KID]) == {KID: KEY}


def test_padded_response_from_other_servers_is_read() -> None:
    body = json.dumps({"keys": [{"kty": "oct", "kid": "ABEiM0RVZneImaq7zN3u_w==", "k": "Dw4NDAsKCQgHBgUEAwIBAA=="}]})
    assert parse_license_response(body) == {KID: KEY}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"not json", "not JSON"),
        (b"{\"keys\": \"\xff\"}", "not UTF-8"),
        (b"[]", "not a JSON object"),
        (b"{}", "no \"keys\" list"),
        (json.dumps({"keys": ["x"]}).encode(), r"keys\[0\] is not a JSON object"),
        (json.dumps({"keys": [{"kty": "RSA", "kid": "a", "k": "b"}]}).encode(), "kty is 'RSA'"),
        (json.dumps({"keys": [{"kty": "oct", "kid": "short", "k": "Dw4NDAsKCQgHBgUEAwIBAA"}]}).encode(), "kid is not"),
        (json.dumps({"keys": [{"kty": "oct", "kid": "ABEiM0RVZneImaq7zN3u_w", "k": "AAAA"}]}).encode(),
         "00112233-4455-6677-8899-aabbccddeeff.*k is not"),
        (json.dumps({"keys": []}).encode(), "lacks KID"),
    ],
)
def test_bad_responses(body: bytes, needle: str) -> None:
    with pytest.raises(LicenseFormatError, match=needle):
        parse_license_response(body, [KID])


def test_bad_requests() -> None:
    with pytest.raises(LicenseFormatError, match="at least one KID"):
        license_request([])
    with pytest.raises(LicenseFormatError, match="not 16 bytes"):
        license_request([b"short"])
    with pytest.raises(LicenseFormatError, match="session type"):
        license_request([KID], "forever")
    with pytest.raises(LicenseFormatError, match="kids"):
        parse_license_request(b'{"type": "temporary"}')
    with pytest.raises(LicenseFormatError, match=r"kids\[1\]"):
        parse_license_request(json.dumps({"kids": ["ABEiM0RVZneImaq7zN3u_w", "+++"]}))
