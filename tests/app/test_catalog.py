"""The catalog client against the real reference backend, and against real sockets that fail."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.backend import EmbeddedBackend
from app.catalog import CatalogClient, CatalogError, PlaybackInfo, Row, TitleDetail, TitleSummary


@pytest.fixture(scope="module")
def catalog_url(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A backend of our own: these tests write progress, which must not leak into other tests."""
    db = tmp_path_factory.mktemp("catalog") / "marquee.db"
    with EmbeddedBackend(library, db=db, log_file=db.with_suffix(".log")) as url:
        yield url


@pytest.fixture
def client(catalog_url: str) -> Iterator[CatalogClient]:
    with CatalogClient(catalog_url) as client:
        yield client


def _all_titles(rows: list[Row]) -> dict[str, TitleSummary]:
    return {item.id: item for row in rows for item in row.items}


def test_home_rows_hold_titles_with_fetchable_artwork(client: CatalogClient) -> None:
    rows = client.home()
    assert [r.title for r in rows][0] == "New releases"
    assert len(rows) >= 3 and all(row.items for row in rows)
    titles = _all_titles(rows)
    assert len(titles) >= 20
    first = rows[0].items[0]
    assert isinstance(first, TitleSummary) and isinstance(first.genres, tuple)
    assert first.duration_s > 0 and first.year > 1900 and first.progress_s == 0.0
    for url in (first.poster_url, first.backdrop_url):
        response = httpx.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"


def test_title_detail_has_synopsis_and_matches_summary(client: CatalogClient) -> None:
    summary = client.home()[0].items[0]
    detail = client.title(summary.id)
    assert isinstance(detail, TitleDetail)
    assert detail.synopsis
    assert (detail.id, detail.title, detail.year, detail.genres) == (
        summary.id, summary.title, summary.year, summary.genres)


def test_unknown_title_is_a_404_catalog_error_with_the_backends_reason(client: CatalogClient) -> None:
    with pytest.raises(CatalogError) as caught:
        client.title("no-such-title")
    assert caught.value.status == 404
    message = str(caught.value)
    assert "404" in message and "no-such-title" in message and "\n" not in message


def test_title_ids_are_path_segments_not_paths(client: CatalogClient) -> None:
    with pytest.raises(CatalogError) as caught:
        client.title("../home")
    assert caught.value.status == 404


def test_search_finds_by_title_and_is_empty_for_nonsense(client: CatalogClient) -> None:
    found = client.search("polar night")
    assert [t.id for t in found] == ["polar-night"]
    assert client.search("zzzzqqqq") == []


def test_playback_gives_reachable_dash_and_hls_manifests(client: CatalogClient) -> None:
    info = client.playback("colony")
    assert isinstance(info, PlaybackInfo)
    assert info.title_id == "colony" and info.resume_s == 0.0
    dash = httpx.get(info.manifest("dash"))
    assert dash.status_code == 200 and "<MPD" in dash.text
    hls = httpx.get(info.manifest("hls"))
    assert hls.status_code == 200 and hls.text.startswith("#EXTM3U")
    with pytest.raises(CatalogError, match="no 'smooth' manifest"):
        info.manifest("smooth")


def test_reported_progress_shows_in_continue_watching_and_resume(client: CatalogClient) -> None:
    client.report_progress("petri", 6.5, 12.0)
    rows = client.home()
    assert rows[0].id == "continue-watching"
    assert [t.id for t in rows[0].items] == ["petri"]
    assert rows[0].items[0].progress_s == pytest.approx(6.5)
    assert rows[0].items[0].progress_fraction == pytest.approx(6.5 / 12.0)
    assert client.title("petri").progress_s == pytest.approx(6.5)
    assert client.playback("petri").resume_s == pytest.approx(6.5)


def test_invalid_progress_is_refused_with_a_clear_error(client: CatalogClient) -> None:
    with pytest.raises(CatalogError) as caught:
        client.report_progress("petri", -3.0, 12.0)
    assert caught.value.status == 422
    assert "position_s" in str(caught.value)


# -- failures on real sockets ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_one_clear_line() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with CatalogClient(url, timeout=2.0) as client, pytest.raises(CatalogError) as caught:
        client.home()
    assert str(caught.value).startswith(f"cannot reach the catalog at {url}")
    assert caught.value.status is None


def test_a_backend_that_never_answers_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with CatalogClient(url, timeout=0.5) as client:
            started = time.monotonic()
            with pytest.raises(CatalogError, match="did not answer in time"):
                client.search("x")
            assert time.monotonic() - started < 3.0


@pytest.fixture
def odd_backend() -> Iterator[Callable[[int, str, bytes], str]]:
    """A real HTTP server on loopback that answers every request with one fixed response."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(status: int, content_type: str, body: bytes) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_body_that_is_not_json_is_a_catalog_error(odd_backend: Callable[[int, str, bytes], str]) -> None:
    url = odd_backend(200, "text/html", b"<html>captive portal</html>")
    with CatalogClient(url) as client, pytest.raises(CatalogError, match="not JSON: GET .*/api/v1/home"):
        client.home()


def test_json_of_the_wrong_shape_is_a_catalog_error(odd_backend: Callable[[int, str, bytes], str]) -> None:
    url = odd_backend(200, "application/json", b'{"rows": [{"id": "r", "title": "R", "items": [{"id": 1}]}]}')
    with CatalogClient(url) as client, pytest.raises(CatalogError, match="unexpected shape for GET /home"):
        client.home()


def test_server_errors_carry_status_and_message(odd_backend: Callable[[int, str, bytes], str]) -> None:
    url = odd_backend(503, "application/json", b'{"error": "maintenance\\nuntil noon"}')
    with CatalogClient(url) as client, pytest.raises(CatalogError) as caught:
        client.playback("colony")
    assert caught.value.status == 503
    assert str(caught.value) == (
        f"catalog answered 503 (maintenance until noon): POST {url}/api/v1/titles/colony/playback")


def test_relative_artwork_and_manifest_urls_are_made_absolute(
        odd_backend: Callable[[int, str, bytes], str]) -> None:
    url = odd_backend(200, "application/json", (
        b'{"title_id": "t", "manifests": {"dash": "/media/t/manifest.mpd", "hls": "/media/t/master.m3u8"},'
        b' "license_url": null, "token": "tok", "collector_url": null, "resume_s": 0}'))
    with CatalogClient(url) as client:
        info = client.playback("t")
    assert info.manifest("dash") == f"{url}/media/t/manifest.mpd"
    assert info.license_url is None and info.token == "tok"


def test_a_catalog_url_without_a_scheme_is_refused() -> None:
    with pytest.raises(CatalogError, match="must start with http"):
        CatalogClient("localhost:8000")
    with CatalogClient("http://127.0.0.1:9") as client, pytest.raises(CatalogError, match="title id is empty"):
        client.title("")
