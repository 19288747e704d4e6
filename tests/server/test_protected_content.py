"""The library's protected titles as built and as the backend serves them: encrypted CMAF with
``pssh`` and ``tenc`` naming the title's own KIDs, manifests that say where the licence comes
from, keys that only the backend's database holds, and catalog entries that say "protected"."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import httpx

from drm.bmff import parse_init
from drm.cipher import decrypt_segment_aes128, hls_sequence_iv
from drm.clearkey import COMMON_SYSTEM_ID
from drm.protection import ProtectionScheme, find_pssh
from drm.sources import dash_protection, parse_hls_key
from server.store import Store

from .conftest import ROOT, ServerProcess

PROTECTED = {"sealed-orders": "cenc", "the-cipher-garden": "cbcs", "vault-seven": "aes-128"}
MPD = "{urn:mpeg:dash:schema:mpd:2011}"


def catalog(library: Path) -> dict:
    return json.loads((library / "catalog.json").read_text())


def title_keys(library: Path, title_id: str) -> dict[str, tuple[bytes, bytes]]:
    doc = json.loads((library / "keys.json").read_text())
    return {k["track"]: (bytes.fromhex(k["kid"]), bytes.fromhex(k["key"])) for k in doc["keys"]
            if k["title_id"] == title_id}


def clip_dir(library: Path, title_id: str) -> Path:
    title = next(t for t in catalog(library)["titles"] if t["id"] == title_id)
    return library / "media" / title["clip"]


def test_catalog_names_each_protected_title_and_its_formats(quick_library: Path) -> None:
    doc = catalog(quick_library)
    titles = {t["id"]: t for t in doc["titles"]}
    assert {t: titles[t]["protection"] for t in PROTECTED} == PROTECTED
    assert all(t["protection"] is None for t in doc["titles"] if t["id"] not in PROTECTED)
    formats = {t: (doc["clips"][titles[t]["clip"]]["dash"] is not None,
                   doc["clips"][titles[t]["clip"]]["hls"] is not None) for t in PROTECTED}
    assert formats == {"sealed-orders": (True, False), "the-cipher-garden": (True, True),
                       "vault-seven": (False, True)}
    assert len({titles[t]["clip"] for t in PROTECTED}) == 3  # each its own encrypted copy


def test_init_segments_carry_tenc_and_a_common_pssh_with_the_titles_kids(quick_library: Path) -> None:
    for title_id, scheme in PROTECTED.items():
        if scheme == "aes-128":
            continue
        keys = title_keys(quick_library, title_id)
        for rendition in (p for p in clip_dir(quick_library, title_id).iterdir() if p.is_dir()):
            kind = "audio" if rendition.name.startswith("audio") else "video"
            init = parse_init((rendition / "init.mp4").read_bytes())
            (track,) = init.tracks
            (entry,) = track.sample_entries
            assert entry.format == ("encv" if kind == "video" else "enca")
            protection = ProtectionScheme.parse(entry.sinf)
            assert protection.scheme == scheme and protection.defaults.kid == keys[kind][0]
            if scheme == "cbcs":
                pattern = (protection.defaults.crypt_byte_block, protection.defaults.skip_byte_block)
                assert pattern == ((1, 9) if kind == "video" else (0, 0))
                assert protection.defaults.per_sample_iv_size == 0 and len(protection.defaults.constant_iv) == 16
            (pssh,) = find_pssh(init.moov)
            assert pssh.system_id == COMMON_SYSTEM_ID and pssh.kids == (keys[kind][0],)


def test_mpd_says_scheme_kid_and_license_url(quick_library: Path, server: ServerProcess, http: httpx.Client) -> None:
    for title_id in ("sealed-orders", "the-cipher-garden"):
        info = http.post(f"/api/v1/titles/{title_id}/playback").json()
        mpd = ET.fromstring(http.get(info["manifests"]["dash"]).content)
        keys = title_keys(quick_library, title_id)
        for adaptation in mpd.iter(f"{MPD}AdaptationSet"):
            found = dash_protection(adaptation.findall(f"{MPD}ContentProtection"))
            assert found is not None and found.clearkey
            kind = adaptation.get("contentType")
            assert found.scheme == PROTECTED[title_id] and found.default_kids == (keys[kind][0],)
            assert found.kids == (keys[kind][0],)  # the cenc:pssh lists the same KID
            # The manifest's relative license URL leads to the endpoint the playback info names.
            assert urljoin(info["manifests"]["dash"], found.license_url) == info["license_url"]
        assert info["license_url"] == f"{server.url}/api/v1/license"


def test_hls_key_tags(quick_library: Path) -> None:
    cbcs = clip_dir(quick_library, "the-cipher-garden")
    keys = title_keys(quick_library, "the-cipher-garden")
    for rendition in (p for p in cbcs.iterdir() if p.is_dir()):
        kind = "audio" if rendition.name.startswith("audio") else "video"
        text = (rendition / "playlist.m3u8").read_text()
        (line,) = [x for x in text.splitlines() if x.startswith("#EXT-X-KEY")]
        key = parse_hls_key(line)
        assert (key.scheme, key.clearkey, key.kid, key.uri) == ("cbcs", True, keys[kind][0], "/api/v1/license")
        assert text.index("#EXT-X-MAP") < text.index("#EXT-X-KEY") < text.index("#EXTINF")
    aes = clip_dir(quick_library, "vault-seven")
    keys = title_keys(quick_library, "vault-seven")
    for rendition in (p for p in aes.iterdir() if p.is_dir()):
        kind = "audio" if rendition.name.startswith("audio") else "video"
        (line,) = [x for x in (rendition / "playlist.m3u8").read_text().splitlines() if x.startswith("#EXT-X-KEY")]
        key = parse_hls_key(line)
        assert (key.scheme, key.uri, key.iv) == ("aes-128", f"/api/v1/license/hls/{keys[kind][0].hex()}", None)


def test_aes128_segments_decrypt_to_the_clear_clip_byte_for_byte(quick_library: Path) -> None:
    """Whole-segment encryption touches no box: what comes out is the clear clip's segment."""
    aes = clip_dir(quick_library, "vault-seven")
    clear = quick_library / "media" / aes.name.removesuffix("-aes-128")
    _, key = title_keys(quick_library, "vault-seven")["video"]
    rendition = next(p for p in aes.iterdir() if p.is_dir() and not p.name.startswith("audio"))
    assert (rendition / "init.mp4").read_bytes() == (clear / rendition.name / "init.mp4").read_bytes()
    segments = sorted(rendition.glob("*.m4s"), key=lambda p: int(p.stem))
    for sequence, path in enumerate(segments):  # IV = media sequence number, from 0
        assert decrypt_segment_aes128(path.read_bytes(), key, hls_sequence_iv(sequence)) == \
            (clear / rendition.name / path.name).read_bytes()


def test_home_has_a_protected_row_and_summaries_say_protected(http: httpx.Client) -> None:
    rows = http.get("/api/v1/home").json()["rows"]
    assert rows[-1]["id"] == "protected" and rows[-1]["title"] == "Protected"
    assert {i["id"] for i in rows[-1]["items"]} == set(PROTECTED)
    for row in rows:
        for item in row["items"]:
            assert item["protected"] is (item["id"] in PROTECTED)
    clear = http.post("/api/v1/titles/colony/playback").json()
    assert clear["license_url"] is None


def test_store_keeps_only_the_latest_librarys_keys(tmp_path: Path) -> None:
    store = Store(tmp_path / "marquee.db")
    try:
        old, new = bytes(range(16)), bytes(range(1, 17))
        store.replace_content_keys([(old, "a", b"k" * 16)])
        store.replace_content_keys([(new, "b", b"n" * 16)])
        assert store.content_keys([old, new]) == {new: ("b", b"n" * 16)}
        assert store.content_keys([]) == {}
        for path in tmp_path.glob("marquee.db*"):  # the database and its WAL files
            assert path.stat().st_mode & 0o077 == 0, path
    finally:
        store.close()


def test_a_malformed_key_file_stops_the_backend_with_one_line(quick_library: Path, tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    for name in (".complete", "catalog.json"):
        shutil.copy(quick_library / name, library / name)
    secret = "5e" * 16
    (library / "keys.json").write_text(json.dumps({"format": 1, "keys": [
        {"title_id": "vault-seven", "track": "video", "kid": "0123", "key": secret}]}))
    result = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--data", str(library),
                             "--db", str(tmp_path / "m.db")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"marquee server: error: {library / 'keys.json'}: keys[0]: kid is not 32 hexadecimal digits"]
    assert secret not in result.stderr
