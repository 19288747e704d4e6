"""HLS playlists into the manifest model (master + media playlists, fMP4 with EXT-X-MAP)."""

from __future__ import annotations

import asyncio

import pytest

from player.manifest import Manifest, ManifestError, load_manifest

BASE = "https://cdn.example/t/"
MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",DEFAULT=YES,URI="audio/en.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Deutsch",LANGUAGE="de",URI="audio/de.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=24,AUDIO="aac"
v720/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=426x240,CODECS="avc1.42c015,mp4a.40.2",AUDIO="aac"
v240/index.m3u8
"""


def media(prefix: str, durations: list[float], *, endlist: bool = True, byterange: bool = False) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:4", "#EXT-X-MEDIA-SEQUENCE:10"]
    lines.append(f'#EXT-X-MAP:URI="{prefix}init.mp4"' + (',BYTERANGE="700@0"' if byterange else ""))
    for i, d in enumerate(durations):
        lines.append(f"#EXTINF:{d},")
        if byterange:
            lines.append("#EXT-X-BYTERANGE:1000" + ("@700" if i == 0 else ""))
            lines.append(f"{prefix}all.mp4")
        else:
            lines.append(f"{prefix}{i + 1}.m4s")
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def load(files: dict[str, str], url: str = BASE + "master.m3u8") -> Manifest:
    async def get_text(requested: str) -> str:
        return files[requested]

    return asyncio.run(load_manifest(get_text, url))


def test_master_with_audio_groups() -> None:
    m = load({
        BASE + "master.m3u8": MASTER,
        BASE + "v720/index.m3u8": media("", [4, 4, 2.5]),
        BASE + "v240/index.m3u8": media("", [4, 4, 2.5]),
        BASE + "audio/en.m3u8": media("", [4.01, 3.99, 2.5]),
        BASE + "audio/de.m3u8": media("", [4.01, 3.99, 2.5]),
    })
    assert m.format == "hls" and m.duration_s == pytest.approx(10.5)
    video = m.first("video")
    assert [(r.bandwidth_bps, r.height) for r in video.renditions] == [(400000, 240), (2000000, 720)]
    top = video.renditions[1]
    assert top.init.url == BASE + "v720/init.mp4"
    assert [s.url for s in top.segments] == [BASE + f"v720/{n}.m4s" for n in (1, 2, 3)]
    assert [s.start_s for s in top.segments] == [0, 4, 8]
    assert top.segments[0].number == 10
    assert [t.language for t in m.tracks if t.kind == "audio"] == ["en", "de"]


def test_byte_ranges_continue_from_the_previous_segment() -> None:
    m = load({BASE + "v.m3u8": media("", [4, 4], byterange=True)}, BASE + "v.m3u8")
    r = m.first("video").renditions[0]
    assert r.init.byte_range.header == "bytes=0-699"
    assert [s.byte_range.header for s in r.segments] == ["bytes=700-1699", "bytes=1700-2699"]


def test_errors_name_the_playlist() -> None:
    bad = MASTER.replace("BANDWIDTH=2000000,", "")
    with pytest.raises(ManifestError, match="missing attribute BANDWIDTH"):
        load({BASE + "master.m3u8": bad, **{BASE + p: media("", [4]) for p in
              ("v720/index.m3u8", "v240/index.m3u8", "audio/en.m3u8", "audio/de.m3u8")}})
    with pytest.raises(ManifestError, match="missing or negative EXTINF"):
        load({BASE + "v.m3u8": "#EXTM3U\n#EXTINF:-1,\na.ts\n#EXT-X-ENDLIST\n"}, BASE + "v.m3u8")


def test_keys_become_segment_keys_or_sample_protection() -> None:
    kid = "0x" + "ab" * 16
    aes = media("", [4, 4]).replace("#EXTINF", f'#EXT-X-KEY:METHOD=AES-128,URI="k.bin",IV=0x{"01" * 16}\n#EXTINF', 1)
    r = load({BASE + "v.m3u8": aes}, BASE + "v.m3u8").first("video").renditions[0]
    assert [s.key.uri for s in r.segments] == [BASE + "k.bin"] * 2 and r.segments[0].key.iv == b"\x01" * 16
    assert r.protection is None
    sample = media("", [4]).replace(
        "#EXTINF", f'#EXT-X-KEY:METHOD=SAMPLE-AES,URI="https://lic.example/ck",KEYFORMAT="org.w3.clearkey",KEYID={kid}\n#EXTINF', 1)
    r = load({BASE + "v.m3u8": sample}, BASE + "v.m3u8").first("video").renditions[0]
    assert r.protection.scheme == "cbcs" and r.protection.license_url == "https://lic.example/ck"
    assert r.protection.kids == (bytes.fromhex("ab" * 16),) and r.segments[0].key is None
    identity = media("", [4]).replace("#EXTINF", '#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="key"\n#EXTINF', 1)
    r = load({BASE + "v.m3u8": identity}, BASE + "v.m3u8").first("video").renditions[0]
    assert r.protection.scheme == "cenc" and r.protection.key_uri == BASE + "key"


def test_unsupported_key_method_is_named() -> None:
    bad = media("", [4]).replace("#EXTINF", '#EXT-X-KEY:METHOD=FAIRPLAY,URI="skd://x"\n#EXTINF', 1)
    with pytest.raises(ManifestError, match="v.m3u8 segment 0.*METHOD"):
        load({BASE + "v.m3u8": bad}, BASE + "v.m3u8")


def test_a_live_window_keeps_segment_times_across_reloads() -> None:
    def window(first: int, count: int, endlist: bool = False) -> str:
        text = media("", [4.0] * count, endlist=endlist).replace("MEDIA-SEQUENCE:10", f"MEDIA-SEQUENCE:{first}")
        return text.replace(".m4s", "-x.m4s")

    first = load({BASE + "v.m3u8": window(100, 3)}, BASE + "v.m3u8")
    assert first.live and first.refresh_s == 4.0
    assert [(s.number, s.start_s) for s in first.first("video").renditions[0].segments] == [(100, 0), (101, 4), (102, 8)]

    async def get_text(url: str) -> str:
        return window(102, 3)

    later = asyncio.run(load_manifest(get_text, BASE + "v.m3u8", previous=first))
    assert [(s.number, s.start_s) for s in later.first("video").renditions[0].segments] == [(102, 8), (103, 12), (104, 16)]

    async def get_text_after_a_gap(url: str) -> str:
        return window(110, 2, endlist=True)

    ended = asyncio.run(load_manifest(get_text_after_a_gap, BASE + "v.m3u8", previous=later))
    assert not ended.live
    assert [s.start_s for s in ended.first("video").renditions[0].segments] == [40, 44]
