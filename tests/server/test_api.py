"""The catalog and playback API, over HTTP against a real backend process."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import httpx
from PIL import Image

from .conftest import ServerProcess

SUMMARY_KEYS = {"id", "title", "year", "duration_s", "genres", "rating", "poster_url",
                "backdrop_url", "progress_s", "protected"}


def _catalog(library: Path) -> dict:
    return json.loads((library / "catalog.json").read_text())


def test_health(http: httpx.Client) -> None:
    response = http.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_lists_the_api(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/health", "/api/v1/home", "/api/v1/titles/{title_id}", "/api/v1/search",
                 "/api/v1/titles/{title_id}/playback", "/api/v1/titles/{title_id}/progress",
                 "/media/{path}", "/art/{path}"):
        assert path in paths


def test_home_rows_without_progress(http: httpx.Client, server: ServerProcess,
                                    quick_library: Path) -> None:
    rows = http.get("/api/v1/home").json()["rows"]
    ids = [row["id"] for row in rows]
    assert "continue-watching" not in ids
    assert ids[0] == "new-releases"
    new = rows[0]["items"]
    years = [item["year"] for item in new]
    assert years == sorted(years, reverse=True) and len(new) >= 5
    titles = _catalog(quick_library)["titles"]
    genres = sorted({g for t in titles for g in t["genres"]})
    assert [row["title"] for row in rows[1:-1]] == genres
    assert rows[-1]["title"] == "Protected"  # the encrypted titles (tests/server/test_protected_content.py)
    for row in rows[1:-1]:
        assert {i["id"] for i in row["items"]} == {t["id"] for t in titles if row["title"] in t["genres"]}
    for row in rows:
        for item in row["items"]:
            assert set(item) == SUMMARY_KEYS
            assert item["poster_url"].startswith(server.url + "/art/")
            assert item["progress_s"] == 0


def test_catalog_has_twenty_titles_with_art(http: httpx.Client, quick_library: Path) -> None:
    titles = _catalog(quick_library)["titles"]
    assert len(titles) >= 20
    seen = set()
    for title in titles:
        detail = http.get(f"/api/v1/titles/{title['id']}").json()
        poster = http.get(detail["poster_url"])
        backdrop = http.get(detail["backdrop_url"])
        assert poster.headers["content-type"] == backdrop.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(poster.content)).size == (400, 600)
        assert Image.open(io.BytesIO(backdrop.content)).size == (1280, 720)
        seen.add(poster.content)
    assert len(seen) == len(titles)  # every title has its own poster


def test_title_detail(http: httpx.Client, quick_library: Path) -> None:
    expected = _catalog(quick_library)["titles"][3]
    detail = http.get(f"/api/v1/titles/{expected['id']}").json()
    assert set(detail) == SUMMARY_KEYS | {"synopsis", "clip"}
    for key in ("id", "title", "year", "genres", "rating", "synopsis", "clip", "duration_s"):
        assert detail[key] == expected[key]


def test_unknown_title_is_a_json_404(http: httpx.Client) -> None:
    for method, path in (("GET", "/api/v1/titles/no-such-title"),
                         ("POST", "/api/v1/titles/no-such-title/playback")):
        response = http.request(method, path)
        assert response.status_code == 404
        assert "no-such-title" in response.json()["error"]
    response = http.put("/api/v1/titles/no-such-title/progress",
                        json={"position_s": 1.0, "duration_s": 10.0})
    assert response.status_code == 404
    assert http.get("/api/v1/nothing-here").json() == {"error": "Not Found"}


def test_search_is_case_insensitive_over_title_genre_and_synopsis(http: httpx.Client) -> None:
    def ids(q: str) -> set[str]:
        response = http.get("/api/v1/search", params={"q": q})
        assert response.status_code == 200
        return {item["id"] for item in response.json()["results"]}

    assert "northern-lights" in ids("NORTHERN")          # title
    assert ids("documentary") >= {"colony", "small-worlds"}  # genre
    assert "petri" in ids("sealed laboratory")          # synopsis only
    assert ids("zzz-nothing") == set()
    assert ids("   ") == set()


def test_playback_info(http: httpx.Client, server: ServerProcess) -> None:
    first = http.post("/api/v1/titles/colony/playback")
    assert first.status_code == 200
    info = first.json()
    assert set(info) == {"title_id", "manifests", "license_url", "token", "collector_url", "resume_s"}
    assert info["title_id"] == "colony"
    assert info["manifests"] == {"dash": f"{server.url}/media/colony/manifest.mpd",
                                 "hls": f"{server.url}/media/colony/master.m3u8"}
    assert info["license_url"] is None  # clear content
    collector = info["collector_url"]  # the QoE collector (server/qoe) on this backend
    assert collector is None or collector.startswith(f"{server.url}/api/v1/")
    assert info["resume_s"] == 0
    for url in info["manifests"].values():
        assert http.get(url).status_code == 200
    second = http.post("/api/v1/titles/colony/playback").json()
    assert len(info["token"]) >= 24 and second["token"] != info["token"]
    with sqlite3.connect(server.db) as db:
        stored = db.execute("SELECT token, title_id FROM playback_session").fetchall()
    assert {(info["token"], "colony"), (second["token"], "colony")} <= set(stored)


def test_progress_drives_continue_watching_and_resume(fresh_server: ServerProcess) -> None:
    with fresh_server.client() as http:
        def put(title: str, position: float, duration: float) -> None:
            response = http.put(f"/api/v1/titles/{title}/progress",
                                json={"position_s": position, "duration_s": duration})
            assert response.status_code == 204 and response.content == b""

        def continuing() -> list[tuple[str, float]]:
            rows = http.get("/api/v1/home").json()["rows"]
            row = next((r for r in rows if r["id"] == "continue-watching"), None)
            return [] if row is None else [(i["id"], i["progress_s"]) for i in row["items"]]

        put("colony", 5.5, 12.0)
        put("recursion", 3.0, 14.0)
        assert continuing() == [("recursion", 3.0), ("colony", 5.5)]
        rows = http.get("/api/v1/home").json()["rows"]
        assert rows[0]["title"] == "Continue watching"
        put("colony", 6.25, 12.0)  # most recent first
        assert continuing() == [("colony", 6.25), ("recursion", 3.0)]
        assert http.post("/api/v1/titles/colony/playback").json()["resume_s"] == 6.25
        assert http.get("/api/v1/titles/colony").json()["progress_s"] == 6.25
        search = http.get("/api/v1/search", params={"q": "colony"}).json()["results"]
        assert next(i for i in search if i["id"] == "colony")["progress_s"] == 6.25

        put("colony", 7.5, 12.0)  # within 5 s of the end: finished
        assert continuing() == [("recursion", 3.0)]
        assert http.post("/api/v1/titles/colony/playback").json()["resume_s"] == 0
        assert http.get("/api/v1/titles/colony").json()["progress_s"] == 0
        put("recursion", 14.0, 14.0)
        assert continuing() == []
        assert "continue-watching" not in [r["id"] for r in http.get("/api/v1/home").json()["rows"]]


def test_progress_survives_a_restart(fresh_server: ServerProcess, quick_library: Path) -> None:
    from .conftest import start_server

    with fresh_server.client() as http:
        assert http.put("/api/v1/titles/petri/progress",
                        json={"position_s": 2.0, "duration_s": 12.0}).status_code == 204
    assert fresh_server.stop() == 0
    again = start_server(quick_library, fresh_server.db)
    try:
        with again.client() as http:
            assert http.post("/api/v1/titles/petri/playback").json()["resume_s"] == 2.0
    finally:
        again.stop()


def test_bad_progress_bodies_are_rejected(http: httpx.Client) -> None:
    for body in ({"position_s": -1, "duration_s": 10}, {"position_s": 1, "duration_s": 0},
                 {"position_s": 1}, {"position_s": "soon", "duration_s": 10}):
        response = http.put("/api/v1/titles/colony/progress", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"].startswith("invalid request")
    response = http.put("/api/v1/titles/colony/progress", content=b'{"position_s": NaN, "duration_s": 10}',
                        headers={"content-type": "application/json"})
    assert response.status_code == 422
