"""The sans-I/O scheduler, driven by hand: no clock, no network, no mpv."""

from __future__ import annotations

from abr.registry import create
from player.events import RenditionSwitched, StallEnded, StallStarted
from player.manifest.model import Manifest, Rendition, SegmentRef, Track
from player.scheduler import Fetch, Scheduler, SchedulerConfig, TrackComplete
from tests.player.abrs import Greedy


def rendition(rid: str, kbps: int, height: int, count: int = 10) -> Rendition:
    segments = tuple(SegmentRef(f"https://o/{rid}/{i}.m4s", i * 4.0, 4.0, i + 1) for i in range(count))
    return Rendition(rid, kbps * 1000, "avc1", segments, SegmentRef(f"https://o/{rid}/init.mp4"), height=height)


def manifest(count: int = 10) -> Manifest:
    video = Track("video", (rendition("lo", 300, 240, count), rendition("mid", 1200, 480, count),
                            rendition("hi", 4300, 1080, count)))
    audio = Track("audio", (rendition("a", 128, 0, count),))
    return Manifest("https://o/m.mpd", "dash", count * 4.0, (video, audio))


def complete(s: Scheduler, fetch: Fetch, mbps: float = 50.0) -> list:
    size = int(s.manifest.first(fetch.kind).renditions[fetch.rendition].bandwidth_bps * 4 / 8)
    return s.on_fetch_complete(fetch.request_id, size, size * 8 / (mbps * 1e6) + 0.01, 0.01)


def fetches(actions: list) -> dict[str, Fetch]:
    return {a.kind: a for a in actions if isinstance(a, Fetch)}


def test_starts_low_with_inits_then_climbs_on_fast_downloads() -> None:
    s = Scheduler(manifest(), create("rate"), SchedulerConfig(buffer_goal_s=12))
    first = fetches(s.start(0.0))
    assert set(first) == {"video", "audio"}
    assert first["video"].rendition == 0 and first["video"].init is not None
    assert first["video"].segment.url == "https://o/lo/0.m4s"
    nxt = fetches(complete(s, first["video"]))["video"]
    assert nxt.index == 1 and nxt.rendition == 2  # 50 Mbit/s: to the top
    assert nxt.init.url == "https://o/hi/init.mp4"


def test_buffer_goal_stops_requests_until_playback_moves() -> None:
    s = Scheduler(manifest(), create("rate"), SchedulerConfig(buffer_goal_s=8))
    pending = fetches(s.start(0.0))
    video = pending["video"]
    complete(s, pending["audio"])
    video = fetches(complete(s, video))["video"]
    assert fetches(complete(s, video)).get("video") is None  # 8 s buffered: goal reached
    actions, _ = s.on_playback(1.0, 0.5, playing=True)
    assert fetches(actions)["video"].index == 2


def test_switch_event_fires_when_the_playhead_reaches_it() -> None:
    s = Scheduler(manifest(), create("rate"), SchedulerConfig(buffer_goal_s=30))
    pending = fetches(s.start(0.0))
    complete(s, pending["audio"])
    second = fetches(complete(s, pending["video"]))["video"]
    complete(s, second)
    s.on_first_frame()
    _, events = s.on_playback(0.0, 0.1, playing=True)
    assert [type(e) for e in events] == [RenditionSwitched] and events[0].to_kbps == 300
    _, events = s.on_playback(3.0, 3.9, playing=True)
    assert events == []
    _, events = s.on_playback(4.1, 4.05, playing=True)
    assert events[0].from_kbps == 300 and events[0].to_kbps == 4300 and events[0].height == 1080


def test_stall_is_counted_from_when_the_picture_stopped_until_it_moves() -> None:
    s = Scheduler(manifest(), create("rate"), SchedulerConfig(buffer_goal_s=4))
    pending = fetches(s.start(0.0))
    complete(s, pending["audio"])
    assert fetches(complete(s, pending["video"])) == {}  # 4 s buffered: goal reached
    s.on_first_frame()
    actions, events = s.on_playback(10.0, 3.92, playing=True)  # mpv stops a frame short of 4 s
    assert [type(e) for e in events] == [RenditionSwitched]
    refill = fetches(actions)
    assert set(refill) == {"video", "audio"}
    assert s.on_playback(10.25, 3.92, playing=True)[1] == []  # still for 0.25 s: not yet a stall
    _, events = s.on_playback(10.5, 3.92, playing=True)
    assert [type(e) for e in events] == [StallStarted]
    complete(s, refill["video"])
    complete(s, refill["audio"])
    assert s.on_playback(12.0, 3.92, playing=True)[1] == []  # refilled, but the picture has not moved
    _, events = s.on_playback(12.5, 4.1, playing=True)
    assert [type(e) for e in events] == [RenditionSwitched, StallEnded]
    assert events[1].duration_s == 2.5  # from 10.0, when it stopped


def test_the_end_of_the_presentation_is_not_a_stall() -> None:
    s = Scheduler(manifest(count=1), create("rate"))
    pending = fetches(s.start(0.0))
    actions = complete(s, pending["video"]) + complete(s, pending["audio"])
    assert {a.kind for a in actions if isinstance(a, TrackComplete)} == {"video", "audio"}
    s.on_first_frame()
    _, events = s.on_playback(1.0, 3.95, playing=True)
    assert [type(e) for e in events] == [RenditionSwitched]
    assert s.on_playback(5.0, 3.95, playing=True)[1] == []  # the last frame stays: that is the end


def test_a_paused_viewer_is_not_stalled() -> None:
    s = Scheduler(manifest(), create("rate"), SchedulerConfig(buffer_goal_s=4))
    pending = fetches(s.start(0.0))
    complete(s, pending["audio"])
    complete(s, pending["video"])
    s.on_first_frame()
    s.on_playback(1.0, 2.0, playing=True)
    for now in (2.0, 3.0, 4.0):
        _, events = s.on_playback(now, 2.0, playing=False)
        assert not any(isinstance(e, StallStarted) for e in events)


def test_seek_restarts_at_the_segment_holding_the_target() -> None:
    s = Scheduler(manifest(), create("rate"))
    pending = fetches(s.start(0.0))
    complete(s, pending["video"])
    after = fetches(s.seek(21.0))
    assert after["video"].index == 5 and after["video"].init is not None
    assert after["audio"].index == 5
    assert s.on_fetch_complete(pending["audio"].request_id, 100, 0.1, 0.01) == []  # stale: ignored


def test_a_failed_segment_is_tried_at_other_renditions_then_given_up() -> None:
    s = Scheduler(manifest(), create("rate"))
    video = fetches(s.start(0.0))["video"]
    assert video.rendition == 0
    retry = s.on_fetch_failed(video.request_id)
    assert retry is not None and retry.index == 0 and retry.rendition == 1 and retry.reason == "failover"
    assert retry.init.url == "https://o/mid/init.mp4"
    again = s.on_fetch_failed(retry.request_id)
    assert again is not None and again.rendition == 2
    assert s.on_fetch_failed(again.request_id) is None
    assert s.on_fetch_failed(999) is None


def test_abandonment_replaces_the_download_with_the_advised_rendition() -> None:
    s = Scheduler(manifest(), Greedy())
    video = fetches(s.start(0.0))["video"]
    assert video.rendition == 2
    assert s.on_fetch_progress(video.request_id, 1_000_000, 2_150_000, 1.0) is None  # on time
    replacement = s.on_fetch_progress(video.request_id, 100_000, 2_150_000, 3.0)
    assert replacement is not None and replacement.rendition == 0 and replacement.reason == "abandon"
    assert replacement.index == video.index and replacement.init.url == "https://o/lo/init.mp4"
    assert s.on_fetch_complete(video.request_id, 2_150_000, 5.0, 0.1) == []  # the abandoned one is ignored
    assert s.on_fetch_progress(replacement.request_id, 10, 150_000, 9.0) is None  # nothing lower to go to


def test_a_live_presentation_waits_for_its_playlist_to_grow() -> None:
    def live(first: int, count: int, ended: bool = False) -> Manifest:
        def rendition(rid: str, kbps: int) -> Rendition:
            segs = tuple(SegmentRef(f"https://o/{rid}/{n}.m4s", n * 4.0, 4.0, n) for n in range(first, first + count))
            return Rendition(rid, kbps * 1000, "avc1", segs, SegmentRef(f"https://o/{rid}/init.mp4"))
        return Manifest("https://o/live.m3u8", "hls", (first + count) * 4.0,
                        (Track("video", (rendition("lo", 300), rendition("hi", 4300))),), live=not ended, refresh_s=4.0)

    s = Scheduler(live(10, 2), create("rate"))
    video = fetches(s.start(40.0))["video"]
    assert video.segment.number == 10
    video = fetches(complete(s, video))["video"]
    assert video.segment.number == 11
    assert complete(s, video) == [] and not s.complete  # the edge: wait, do not end
    refreshed = fetches(s.update_manifest(live(11, 3)))
    assert refreshed["video"].segment.number == 12
    last = fetches(complete(s, refreshed["video"]))["video"]
    assert last.segment.number == 13
    assert fetches(s.update_manifest(live(12, 2, ended=True))) == {}  # 13 is on its way
    assert [a for a in complete(s, last) if isinstance(a, TrackComplete)]
    assert s.complete
