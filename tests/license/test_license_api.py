"""The ClearKey license endpoint and the HLS AES-128 key endpoint, over HTTP against a real backend
process serving the quick library, with the keys the content builder wrote."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import keys_of

LICENSE = "/api/v1/license"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    assert "=" not in text  # EME: base64url without padding
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def http(backend: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend, timeout=10) as client:
        yield client


def token_for(http: httpx.Client, title_id: str) -> str:
    response = http.post(f"/api/v1/titles/{title_id}/playback")
    assert response.status_code == 200
    return response.json()["token"]


def ask(http: httpx.Client, kids: list[bytes], token: str | None, **body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return http.post(LICENSE, json={"kids": [b64url(k) for k in kids], "type": "temporary", **body},
                     headers=headers)


def test_a_token_for_the_title_gets_its_keys_as_a_jwk_set(http: httpx.Client, key_file: list) -> None:
    keys = keys_of(key_file, "the-cipher-garden")
    kids = [keys["video"][0], keys["audio"][0]]
    response = ask(http, kids, token_for(http, "the-cipher-garden"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["type"] == "temporary"
    assert [unb64url(k["kid"]) for k in body["keys"]] == kids
    assert all(k["kty"] == "oct" for k in body["keys"])
    assert {unb64url(k["kid"]): unb64url(k["k"]) for k in body["keys"]} == {
        keys["video"][0]: keys["video"][1], keys["audio"][0]: keys["audio"][1]}


def test_every_protected_title_has_its_own_keys(key_file: list) -> None:
    titles = {k["title_id"] for k in key_file}
    assert titles == {"sealed-orders", "the-cipher-garden", "vault-seven"}
    assert len({k["kid"] for k in key_file}) == len({k["key"] for k in key_file}) == len(key_file) == 6


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_no_or_a_wrong_token_is_403(http: httpx.Client, key_file: list, header: str | None) -> None:
    kid = keys_of(key_file, "sealed-orders")["video"][0]
    headers = {"Authorization": header} if header is not None else {}
    response = http.post(LICENSE, json={"kids": [b64url(kid)]}, headers=headers)
    assert response.status_code == 403
    assert "token" in response.json()["error"]


def test_a_token_for_another_title_is_403(http: httpx.Client, key_file: list) -> None:
    kid = keys_of(key_file, "sealed-orders")["video"][0]
    for other in ("vault-seven", "colony"):  # another protected title, and a clear one
        response = ask(http, [kid], token_for(http, other))
        assert response.status_code == 403
        assert kid.hex() in response.json()["error"] and other in response.json()["error"]
    # Mixing one's own KID with another title's gets nothing at all.
    own = keys_of(key_file, "vault-seven")["video"][0]
    response = ask(http, [own, kid], token_for(http, "vault-seven"))
    assert response.status_code == 403 and "keys" not in response.json()
    assert b64url(keys_of(key_file, "vault-seven")["video"][1]) not in response.text


def test_an_unknown_kid_is_404_with_a_json_error(http: httpx.Client, key_file: list) -> None:
    own = keys_of(key_file, "sealed-orders")["video"][0]
    unknown = bytes(range(16))
    response = ask(http, [own, unknown], token_for(http, "sealed-orders"))
    assert response.status_code == 404
    assert response.json() == {"error": f"unknown KID {unknown.hex()}"}


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[1, 2]", b'{"type": "temporary"}', b'{"kids": []}', b'{"kids": "AAAA"}',
    b'{"kids": [42]}', b'{"kids": ["AAECAwQFBgcICQoLDA0ODw"], "type": "forever"}',
    b'{"kids": ["AAECAwQFBgcICQoLDA0O"]}',               # 15 bytes
    b'{"kids": ["AAECAwQFBgcICQoLDA0ODw+/"]}',           # standard alphabet, not base64url
    b'\xff\xfe{"kids": []}',
    json.dumps({"kids": ["AAECAwQFBgcICQoLDA0ODw"] * 65}).encode(),
    b'{"kids": ["' + b"A" * 20000 + b'"]}',
])
def test_a_malformed_request_is_400(http: httpx.Client, body: bytes) -> None:
    token = token_for(http, "sealed-orders")
    response = http.post(LICENSE, content=body, headers={"Authorization": f"Bearer {token}",
                                                         "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed license request: ")


def test_padded_kids_and_persistent_sessions_are_accepted(http: httpx.Client, key_file: list) -> None:
    kid, key = keys_of(key_file, "sealed-orders")["audio"]
    padded = base64.urlsafe_b64encode(kid).decode()
    token = token_for(http, "sealed-orders")
    response = http.post(LICENSE, json={"kids": [padded, padded], "type": "persistent-license"},
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"keys": [{"kty": "oct", "kid": b64url(kid), "k": b64url(key)}],
                               "type": "persistent-license"}


def test_hls_key_endpoint_wants_the_token_too(http: httpx.Client, key_file: list) -> None:
    kid, key = keys_of(key_file, "vault-seven")["video"]
    path = f"{LICENSE}/hls/{kid.hex()}"
    token = token_for(http, "vault-seven")
    by_query = http.get(path, params={"token": token})
    assert by_query.status_code == 200 and by_query.content == key
    assert by_query.headers["cache-control"] == "no-store"
    assert http.get(path, headers={"Authorization": f"Bearer {token}"}).content == key
    assert http.get(path).status_code == 403
    assert http.get(path, params={"token": "forged"}).status_code == 403
    assert http.get(path, params={"token": token_for(http, "sealed-orders")}).status_code == 403
    unknown = http.get(f"{LICENSE}/hls/{'ab' * 16}", params={"token": token})
    assert unknown.status_code == 404 and "error" in unknown.json()
    assert http.get(f"{LICENSE}/hls/xyz", params={"token": token}).status_code == 400


def test_the_token_reaches_the_aes128_key_uris_through_the_playlists(http: httpx.Client, key_file: list) -> None:
    info = http.post("/api/v1/titles/vault-seven/playback").json()
    master_url = info["manifests"]["hls"]
    assert info["manifests"]["dash"] is None and master_url.endswith(f"?token={info['token']}")
    master = http.get(master_url)
    assert master.headers["cache-control"] == "private, no-store"
    variants = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    assert variants and all(v.endswith(f".m3u8?token={info['token']}") for v in variants)
    media = http.get(httpx.URL(master_url).join(variants[0])).text
    (key_line,) = [line for line in media.splitlines() if line.startswith("#EXT-X-KEY")]
    key_uri = key_line.split('URI="')[1].split('"')[0]
    assert key_uri.endswith(f"?token={info['token']}")
    assert http.get(key_uri).content == keys_of(key_file, "vault-seven")["video"][1]
    segments = [line for line in media.splitlines() if line.endswith(".m4s")]
    assert segments and "token" not in "".join(segments)  # segments stay plain and cacheable
    # Without the token the playlist is the file as built, and its key URI is refused.
    plain = http.get(httpx.URL(master_url).copy_remove_param("token").join(variants[0].split("?")[0])).text
    plain_uri = [line for line in plain.splitlines() if line.startswith("#EXT-X-KEY")][0].split('URI="')[1][:-1]
    assert "token" not in plain_uri and http.get(plain_uri).status_code == 403


def test_key_file_is_never_served_and_keys_never_logged(http: httpx.Client, backend: str, library: Path,
                                                       key_file: list, tmp_path_factory: pytest.TempPathFactory
                                                       ) -> None:
    for path in ("/keys.json", "/media/../keys.json", "/media/%2e%2e/keys.json", "/art/../keys.json"):
        assert http.get(path).status_code == 404
    assert (library / "keys.json").stat().st_mode & 0o077 == 0  # owner only
    token = token_for(http, "the-cipher-garden")
    keys = keys_of(key_file, "the-cipher-garden")
    assert ask(http, [keys["video"][0]], token).status_code == 200
    assert ask(http, [bytes(16)], token).status_code == 404
    logs = [p.read_text() for p in tmp_path_factory.getbasetemp().rglob("backend*/marquee.log")]
    assert logs  # the shared backend's log (tests/conftest.py)
    for entry in key_file:
        assert all(entry["key"] not in log and b64url(bytes.fromhex(entry["key"])) not in log for log in logs)
