"""The origin's fault injection and bandwidth shaping, seen by a plain HTTP client."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest


@pytest.fixture()
def segment(backend: str) -> str:
    manifest = httpx.get(f"{backend}/api/v1/home").json()["rows"][0]["items"][0]
    clip = httpx.get(f"{backend}/api/v1/titles/{manifest['id']}").json()["clip"]
    return f"/media/{clip}/" + "{rendition}/{n}.m4s"


def rendition_dirs(backend: str, clip_path: str) -> list[str]:
    text = httpx.get(backend + clip_path.split("{")[0] + "manifest.mpd").text
    return sorted(set(part.split('"')[1] for part in text.split("<Representation id=")[1:]))


def test_each_fault_kind(backend: str, segment: str, origin_faults: Callable[[list[dict[str, Any]]], None]) -> None:
    rendition = rendition_dirs(backend, segment)[0]
    paths = [segment.format(rendition=rendition, n=n) for n in range(1, 4)]
    full = len(httpx.get(backend + paths[0]).content)
    origin_faults([
        {"match": paths[0], "kind": "status", "status": 503, "times": 1},
        {"match": paths[1], "kind": "truncate", "fraction": 0.25},
        {"match": paths[2], "kind": "slow-first-byte", "seconds": 0.5},
    ])
    with httpx.Client(base_url=backend) as client:
        assert client.get(paths[0]).status_code == 503
        assert len(client.get(paths[0]).content) == full  # times=1: healed
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(paths[1])
        started = time.monotonic()
        assert client.get(paths[2]).status_code == 200
        assert time.monotonic() - started >= 0.5
        origin_faults([{"match": paths[0], "kind": "reset"}])
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(paths[0])
        origin_faults([{"match": paths[0], "kind": "wrong-length"}])
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(paths[0])
        origin_faults([{"match": paths[0], "kind": "stall", "seconds": 0.6}])
        started = time.monotonic()
        assert len(client.get(paths[0]).content) == full
        assert time.monotonic() - started >= 0.6


def test_bad_rules_are_refused_with_the_reason(backend: str, origin_faults: Callable[[list[dict[str, Any]]], None]) -> None:
    response = httpx.put(f"{backend}/api/v1/faults", json=[{"match": "/x", "kind": "explode"}])
    assert response.status_code == 400 and "kind" in response.json()["error"]
    response = httpx.put(f"{backend}/api/v1/faults", json={"match": "/x"})
    assert response.status_code == 400 and "list" in response.json()["error"]


def test_shaping_follows_the_trace_rate(backend: str, segment: str,
                                        origin_faults: Callable[[list[dict[str, Any]]], None]) -> None:
    rendition = rendition_dirs(backend, segment)[-1]
    path = segment.format(rendition=rendition, n=1)
    response = httpx.put(f"{backend}/api/v1/shaping", json={"times_s": [0, 10], "mbps": [1, 1], "latency_ms": 100})
    assert response.status_code == 200
    started = time.monotonic()
    size = len(httpx.get(backend + path).content)
    elapsed = time.monotonic() - started
    expected = 0.1 + size * 8 / 1e6
    assert elapsed == pytest.approx(expected, rel=0.15)
    assert httpx.put(f"{backend}/api/v1/shaping", json={"times_s": [0], "mbps": [1]}).status_code == 400
