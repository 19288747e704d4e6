"""The origin: content types, byte ranges, ETags, caching and CORS headers, confinement."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .conftest import start_server

SEGMENT = "/media/colony/240p-400k/1.m4s"


@pytest.mark.parametrize(("path", "content_type"), [
    ("/media/colony/manifest.mpd", "application/dash+xml"),
    ("/media/colony/master.m3u8", "application/vnd.apple.mpegurl"),
    ("/media/colony/240p-400k/playlist.m3u8", "application/vnd.apple.mpegurl"),
    ("/media/colony/240p-400k/init.mp4", "video/mp4"),
    (SEGMENT, "video/mp4"),
    ("/media/colony/audio-aac-128k/init.mp4", "audio/mp4"),
    ("/media/colony/audio-aac-128k/2.m4s", "audio/mp4"),
    ("/art/colony/poster.jpg", "image/jpeg"),
])
def test_content_types_and_whole_files(http: httpx.Client, quick_library: Path, path: str,
                                       content_type: str) -> None:
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == content_type
    assert response.content == (quick_library / path.lstrip("/")).read_bytes()
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.headers["access-control-allow-origin"] == "*"


def test_head_has_headers_and_no_body(http: httpx.Client, quick_library: Path) -> None:
    response = http.head(SEGMENT)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == (quick_library / SEGMENT[1:]).stat().st_size
    assert response.headers["etag"] == http.get(SEGMENT).headers["etag"]


def test_byte_ranges(http: httpx.Client, quick_library: Path) -> None:
    data = (quick_library / SEGMENT[1:]).read_bytes()
    size = len(data)
    for header, start, end in (("bytes=0-99", 0, 99), ("bytes=100-", 100, size - 1),
                               ("bytes=-50", size - 50, size - 1), (f"bytes=10-{size + 500}", 10, size - 1)):
        response = http.get(SEGMENT, headers={"Range": header})
        assert response.status_code == 206, header
        assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert response.content == data[start:end + 1]
    head = http.head(SEGMENT, headers={"Range": "bytes=0-9"})
    assert head.status_code == 206 and head.headers["content-length"] == "10"


def test_unsatisfiable_range_is_416(http: httpx.Client, quick_library: Path) -> None:
    size = (quick_library / SEGMENT[1:]).stat().st_size
    response = http.get(SEGMENT, headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"


def test_if_range_with_a_stale_etag_sends_the_whole_file(http: httpx.Client) -> None:
    response = http.get(SEGMENT, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert response.status_code == 200 and len(response.content) > 10
    etag = response.headers["etag"]
    response = http.get(SEGMENT, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert response.status_code == 206 and len(response.content) == 10


def test_etag_and_if_none_match(http: httpx.Client) -> None:
    first = http.get("/media/colony/manifest.mpd")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = http.get("/media/colony/manifest.mpd", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    weak = http.get("/media/colony/manifest.mpd", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = http.get("/media/colony/manifest.mpd", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content
    assert http.get(SEGMENT).headers["etag"] != etag


@pytest.mark.parametrize("path", [
    "/media/colony/%2e%2e/%2e%2e/catalog.json",
    "/media/colony/..%2f..%2fcatalog.json",
    "/media/%2e%2e/catalog.json",
    "/media/%2fetc%2fpasswd",
    "/media//etc/passwd",
    "/art/..%2f.complete",
    "/media/colony",                      # a directory
    "/media/colony/240p-400k/99.m4s",     # no such segment
    "/media/colony/.hidden",
    "/media/",
])
def test_no_traversal_and_no_directories(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404, path
    assert "error" in response.json()


def test_symlink_out_of_the_library_is_refused(quick_library: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    (root / "art" / "colony").mkdir(parents=True)
    for name in (".complete", "catalog.json"):
        (root / name).write_bytes((quick_library / name).read_bytes())
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"not for the origin")
    (root / "art" / "colony" / "poster.jpg").symlink_to(outside)
    (root / "art" / "colony" / "backdrop.jpg").write_bytes(b"inside")
    running = start_server(root, tmp_path / "marquee.db")
    try:
        with running.client() as http:
            assert http.get("/art/colony/poster.jpg").status_code == 404
            assert http.get("/art/colony/backdrop.jpg").content == b"inside"
    finally:
        running.stop()
