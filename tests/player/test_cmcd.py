"""CMCD (CTA-5004) on segment requests: encoding, and what a real origin receives."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from player import Player
from player.cmcd import CmcdConfig, apply, encode
from player.events import Ended, PlayerEvent
from tests.player.origin import serve


def test_encoding_follows_cta_5004() -> None:
    data = {"sid": 'a"b', "br": 3200, "ot": "v", "su": True, "bs": False, "nor": "../x/2.m4s", "v": 1}
    assert encode(data) == 'br=3200,nor="../x/2.m4s",ot=v,sid="a\\"b",su,v=1'


def test_query_and_header_modes() -> None:
    data = {"br": 800, "bl": 2100, "sid": "s", "bs": True, "ot": "a"}
    url, headers = apply("https://o/a.m4s?tok=1", data, "query")
    assert headers == {} and url.startswith("https://o/a.m4s?tok=1&CMCD=")
    assert parse_qs(urlsplit(url).query)["CMCD"] == ['bl=2100,br=800,bs,ot=a,sid="s"']
    url, headers = apply("https://o/a.m4s", data, "headers")
    assert url == "https://o/a.m4s"
    assert headers == {"CMCD-Object": "br=800,ot=a", "CMCD-Request": "bl=2100", "CMCD-Session": 'sid="s"',
                       "CMCD-Status": "bs"}
    assert apply("https://o/a.m4s", data, "off") == ("https://o/a.m4s", {})


def _play(library: Path, tmp_path: Path, config: CmcdConfig) -> list[tuple[str, dict[str, str]]]:
    source = next(p for p in sorted((library / "media").iterdir()) if (p / "manifest.mpd").exists())
    shutil.copytree(source, tmp_path / "clip")
    requests: list[tuple[str, dict[str, str]]] = []
    done = threading.Event()

    def on(event: PlayerEvent) -> None:
        if isinstance(event, Ended):
            done.set()

    player = Player(audio_output="null", mpv_options={"speed": 4})
    player.add_listener(on)
    try:
        with serve(tmp_path / "clip", requests) as base:
            player.open(base + "manifest.mpd", cmcd=config)
            assert done.wait(40)
    finally:
        player.close()
    return requests


def _fields(payload: str) -> dict[str, str]:
    return dict(item.partition("=")[::2] for item in payload.split(","))


def test_segment_requests_carry_cmcd_with_the_session_id(library: Path, tmp_path: Path) -> None:
    config = CmcdConfig(mode="query", session_id="sess-1", content_id="title-7")
    requests = _play(library, tmp_path, config)
    media = [(path, _fields(parse_qs(urlsplit(path).query)["CMCD"][0])) for path, _ in requests
             if urlsplit(path).path.endswith(".m4s")]
    assert media, "no segment requests"
    for path, fields in media:
        assert fields["sid"] == '"sess-1"' and fields["cid"] == '"title-7"'
        assert fields["sf"] == "d" and fields["st"] == "v" and fields["v"] == "1"
        assert fields["ot"] in ("v", "a") and int(fields["br"]) > 0 and int(fields["tb"]) >= int(fields["br"])
        assert int(fields["d"]) == pytest.approx(4000, abs=50) and int(fields["bl"]) % 100 == 0
    first_video = next(f for p, f in media if f["ot"] == "v")
    assert "su" in first_video  # the startup request is urgent
    with_next = [f for _, f in media if "nor" in f]
    assert with_next and all(f["nor"].strip('"').endswith(".m4s") and "/" not in f["nor"] for f in with_next)
    inits = [p for p, _ in requests if urlsplit(p).path.endswith("init.mp4")]
    assert inits and all("ot%3Di" in p for p in inits)
    assert any("mtp" in f for _, f in media)


def test_cmcd_off_sends_nothing(library: Path, tmp_path: Path) -> None:
    requests = _play(library, tmp_path, CmcdConfig(mode="off"))
    assert requests and not any("CMCD" in path or any(h.startswith("CMCD") for h in headers)
                                for path, headers in requests)
