"""HLS ``EXT-X-GAP``: parsed into ``SegmentRef.gap``, never requested, filled from another rendition
or skipped, and played through to the end by the real player (libmpv, real HTTP on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from abr.registry import create
from app.report import PlaybackReport
from player import Player
from player.events import Position, StallStarted
from player.manifest.hls import parse_hls
from player.manifest.model import Manifest, ManifestError, Rendition, SegmentRef, Track
from player.scheduler import Fetch, Scheduler, SchedulerConfig, TrackComplete
from player.simulator import LinkTrace, Simulation
from tests.player.abrs import Greedy
from tests.player.origin import serve
from tests.player.test_scheduler import complete, fetches
from tests.player.test_shapes import SOURCE, ffmpeg
from tests.playing import play_to_end

URL = "https://cdn.example/t/v.m3u8"


def playlist(*body: str, endlist: bool = True) -> str:
    head = ["#EXTM3U", "#EXT-X-VERSION:8", "#EXT-X-TARGETDURATION:4", '#EXT-X-MAP:URI="init.mp4"']
    return "\n".join([*head, *body, *(["#EXT-X-ENDLIST"] if endlist else [])]) + "\n"


# -- parser ----------------------------------------------------------------------------------------


def test_gap_marks_only_the_segment_it_precedes() -> None:
    text = playlist("#EXTINF:4,", "1.m4s", "#EXT-X-GAP", "#EXTINF:4,", "2.m4s", "#EXTINF:4,", "#EXT-X-GAP", "3.m4s",
                    "#EXTINF:2,", "4.m4s")
    segments = parse_hls(text, URL, {}).first("video").renditions[0].segments
    assert [s.gap for s in segments] == [False, True, True, False]
    assert [s.start_s for s in segments] == [0, 4, 8, 12]  # a gap still takes its time on the timeline
    assert segments[1].url == "https://cdn.example/t/2.m4s"


def test_playlist_whose_every_segment_is_a_gap_is_an_error() -> None:
    text = playlist("#EXT-X-GAP", "#EXTINF:4,", "1.m4s", "#EXT-X-GAP", "#EXTINF:4,", "2.m4s")
    with pytest.raises(ManifestError, match=r"v\.m3u8: every segment .* EXT-X-GAP"):
        parse_hls(text, URL, {})


def test_live_window_of_gaps_cannot_be_joined_but_a_playing_stream_waits_it_out() -> None:
    """An encoder outage can turn a whole live window into gaps: joining then has nothing to start
    from (a clear error), while a reload of a stream already playing is no failure."""
    live = playlist("#EXT-X-MEDIA-SEQUENCE:7", "#EXT-X-GAP", "#EXTINF:4,", "7.m4s", "#EXT-X-GAP", "#EXTINF:4,", "8.m4s",
                    endlist=False)
    with pytest.raises(ManifestError, match=r"v\.m3u8: the live stream has no media right now"):
        parse_hls(live, URL, {})
    joined = parse_hls(playlist("#EXT-X-MEDIA-SEQUENCE:6", "#EXTINF:4,", "6.m4s", endlist=False), URL, {})
    reloaded = parse_hls(live, URL, {}, joined)
    assert reloaded.live and [(s.number, s.gap) for s in reloaded.first("video").renditions[0].segments] == [
        (7, True), (8, True)]


def test_gap_tag_with_a_value_is_an_error() -> None:
    text = playlist("#EXTINF:4,", "1.m4s", "#EXT-X-GAP:YES", "#EXTINF:4,", "2.m4s")
    with pytest.raises(ManifestError, match=r"v\.m3u8 line 7: EXT-X-GAP takes no value"):
        parse_hls(text, URL, {})


def test_gap_tag_that_no_segment_follows_is_an_error() -> None:
    text = playlist("#EXTINF:4,", "1.m4s", "#EXT-X-GAP")
    with pytest.raises(ManifestError, match=r"v\.m3u8 line 7: EXT-X-GAP is followed by no segment URI"):
        parse_hls(text, URL, {})


# -- scheduler -------------------------------------------------------------------------------------


def rendition(rid: str, kbps: int, gaps: set[int], count: int = 5) -> Rendition:
    segments = tuple(SegmentRef(f"https://o/{rid}/{i}.m4s", i * 4.0, 4.0, i, gap=i in gaps) for i in range(count))
    return Rendition(rid, kbps * 1000, "avc1", segments, SegmentRef(f"https://o/{rid}/init.mp4"), height=kbps // 4)


def ladder(*gaps: set[int], audio_gaps: frozenset[int] = frozenset()) -> Manifest:
    """Video renditions of 300, 1200, 2400 and 4300 kbit/s with the given gap indexes, and audio."""
    video = Track("video", tuple(rendition(f"v{k}", k, g) for k, g in zip((300, 1200, 2400, 4300), gaps, strict=True)))
    audio = Track("audio", (rendition("a", 128, set(audio_gaps)),))
    return Manifest("https://o/m.m3u8", "hls", 20.0, (video, audio))


def drive(s: Scheduler, actions: list) -> tuple[list[Fetch], list[TrackComplete]]:
    """Complete every fetch as it comes (fast link) until nothing is left to do."""
    done: list[Fetch] = []
    ends: list[TrackComplete] = []
    pending = list(actions)
    while pending:
        action = pending.pop(0)
        if isinstance(action, TrackComplete):
            ends.append(action)
            continue
        done.append(action)
        pending += complete(s, action)
    return done, ends


def test_gap_in_the_chosen_rendition_is_fetched_from_the_nearest_bitrate_with_media() -> None:
    s = Scheduler(ladder(set(), {2}, {2}, {2}), create("rate"), SchedulerConfig(buffer_goal_s=60))
    video = [f for f in drive(s, s.start(0.0))[0] if f.kind == "video"]
    assert [f.rendition for f in video[:2]] == [0, 3]  # 50 Mbit/s: the rate rule climbs to the top
    assert (video[2].rendition, video[2].reason) == (0, "gap")  # only the lowest has media at index 2
    assert [f.rendition for f in video[3:]] == [3, 3]  # and back to the ABR's choice after it
    assert not any(f.segment.gap for f in video)


def test_gap_fill_prefers_the_nearest_bitrate_not_simply_the_lowest() -> None:
    s = Scheduler(ladder(set(), set(), {1}, {1}), create("rate"), SchedulerConfig(buffer_goal_s=60))
    video = [f for f in drive(s, s.start(0.0))[0] if f.kind == "video"]
    assert (video[1].rendition, video[1].reason) == (1, "gap")  # 1200k is nearer 4300k than 300k


def test_span_that_no_rendition_has_is_skipped_and_the_track_still_completes() -> None:
    s = Scheduler(ladder({2, 4}, {2, 4}, {2, 4}, {2, 4}, audio_gaps=frozenset({2, 4})), create("rate"),
                  SchedulerConfig(buffer_goal_s=60))
    done, ends = drive(s, s.start(0.0))
    assert sorted((f.kind, f.index) for f in done) == [(k, i) for k in ("audio", "video") for i in (0, 1, 3)]
    assert {e.kind for e in ends} == {"video", "audio"} and s.complete
    assert s.buffered_end_s() == 20.0  # the skipped spans count as covered, the trailing one too
    assert s.rendition_at("video", 9.0) is None and s.rendition_at("video", 13.0) == 3


def test_skipped_gap_counts_toward_the_buffer_goal_but_not_toward_bytes() -> None:
    s = Scheduler(ladder({1, 2}, {1, 2}, {1, 2}, {1, 2}, audio_gaps=frozenset({1, 2})), create("rate"),
                  SchedulerConfig(buffer_goal_s=10))
    first = fetches(s.start(0.0))
    complete(s, first["audio"])
    after_video = fetches(complete(s, first["video"]))
    assert after_video == {}  # 0-4 s of media plus the 4-12 s gap: 12 s ahead, over the 10 s goal
    assert s.buffer_s() == 12.0
    assert s.bytes_ahead() == (300_000 + 128_000) * 4 // 8  # the first segments' bytes, nothing for the gap


def test_start_inside_a_gap_begins_with_the_next_real_segment() -> None:
    s = Scheduler(ladder({0}, {0}, {0}, {0}, audio_gaps=frozenset({0})), create("rate"))
    first = fetches(s.start(0.0))
    assert (first["video"].index, first["audio"].index) == (1, 1)
    assert not s.every_track_started()  # a skipped gap alone shows no picture


def test_live_outage_is_waited_out_and_play_resumes_with_the_media_after_it() -> None:
    def window(first: int, count: int, gaps: set[int]) -> Manifest:
        segments = tuple(SegmentRef(f"https://o/v/{n}.m4s", n * 4.0, 4.0, n, gap=n in gaps)
                         for n in range(first, first + count))
        video = Rendition("v", 1_000_000, "avc1", segments, SegmentRef("https://o/v/init.mp4"))
        return Manifest("https://o/live.m3u8", "hls", (first + count) * 4.0, (Track("video", (video,)),),
                        live=True, refresh_s=4.0)

    s = Scheduler(window(10, 2, set()), create("rate"))
    first = fetches(s.start(40.0))["video"]
    eleven = fetches(complete(s, first))["video"]
    assert eleven.segment.number == 11 and complete(s, eleven) == []  # the edge: wait
    # The encoder goes down: the next windows hold only gaps. Nothing is fetched, nothing ends.
    assert fetches(s.update_manifest(window(11, 3, {12, 13}))) == {}
    assert fetches(s.update_manifest(window(12, 3, {12, 13, 14}))) == {} and not s.complete
    # It comes back: the first segment with media after the outage is next.
    back = fetches(s.update_manifest(window(13, 3, {13, 14})))["video"]
    assert back.segment.number == 15 and not back.segment.gap


def test_failover_never_lands_on_a_gap() -> None:
    s = Scheduler(ladder(set(), {0}, set(), set()), create("rate"))
    video = fetches(s.start(0.0))["video"]
    assert video.rendition == 0
    retry = s.on_fetch_failed(video.request_id)
    assert retry is not None and retry.rendition == 2  # 1200k has a gap there; 2400k is next


def test_abandonment_onto_a_gap_takes_the_nearest_lower_rendition_with_media() -> None:
    s = Scheduler(ladder({0}, set(), {0}, set()), Greedy())
    video = fetches(s.start(0.0))["video"]
    assert video.rendition == 3
    replacement = s.on_fetch_progress(video.request_id, 100_000, 2_150_000, 3.0)  # Greedy advises 300k: a gap
    assert replacement is not None and replacement.rendition == 1 and not replacement.segment.gap


def test_no_abandonment_when_every_lower_rendition_is_a_gap() -> None:
    s = Scheduler(ladder({0}, {0}, {0}, set()), Greedy())
    video = fetches(s.start(0.0))["video"]
    assert s.on_fetch_progress(video.request_id, 100_000, 2_150_000, 3.0) is None


def test_picture_held_over_a_gap_is_no_stall_but_waiting_beyond_it_is() -> None:
    s = Scheduler(ladder({1, 2}, {1, 2}, {1, 2}, {1, 2}), create("rate"), SchedulerConfig(buffer_goal_s=12))
    first = fetches(s.start(0.0))
    complete(s, first["audio"])
    complete(s, first["video"])  # 0-4 s of video, then the 4-12 s gap; the segment at 12 s not yet asked
    s.on_first_frame()
    events = [e for t in range(0, 80) for e in s.on_playback(t / 10, 3.96, playing=True)[1]]
    assert not any(isinstance(e, StallStarted) for e in events)  # 8 s on the last frame before the gap
    stalled = s.on_playback(8.5, 3.96, playing=True)[1]
    assert [type(e) for e in stalled] == [StallStarted]  # past the gap with nothing new: a stall


def test_simulated_session_plays_through_gaps_without_stalls() -> None:
    m = ladder({1}, {1, 3}, {1, 3}, {1, 3}, audio_gaps=frozenset({1}))  # 4-8 s in no rendition; 12-16 s only in 300k
    sizes = {kind: [[r.bandwidth_bps * 4 // 8] * 5 for r in m.first(kind).renditions] for kind in ("video", "audio")}
    result = Simulation(m, sizes, create("rate"), LinkTrace((0.0, 1.0), (20.0, 20.0))).run()
    assert result.stalls == 0 and result.played_s == pytest.approx(20.0)
    loaded = {(e.index, e.rendition) for _, e in result.segments}
    assert {index for index, _ in loaded} == {0, 2, 3, 4} and (3, 0) in loaded


# -- end to end: libmpv playing from a real origin on loopback -------------------------------------


@pytest.fixture()
def ladder_on_disk(tmp_path: Path) -> Path:
    """8 s of ffmpeg's HLS fMP4 in 2 s segments: two video renditions (v0 1000k, v1 300k), audio v2."""
    ffmpeg(*SOURCE, "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
           "-master_pl_name", "master.m3u8", "-var_stream_map", "v:0,agroup:aud v:1,agroup:aud a:0,agroup:aud",
           "-hls_segment_filename", str(tmp_path / "v%v_%03d.m4s"), str(tmp_path / "v%v.m3u8"))
    return tmp_path


def mark_gap(folder: Path, variant: int, index: int) -> str:
    """Turn segment ``index`` of playlist ``v<variant>`` into an ``EXT-X-GAP`` and delete its file, so
    loading it anyway fails; returns the segment's name."""
    path = folder / f"v{variant}.m3u8"
    lines = path.read_text().splitlines()
    uris = [i for i, line in enumerate(lines) if line.endswith(".m4s")]
    name = lines[uris[index]]
    lines.insert(uris[index], "#EXT-X-GAP")
    path.write_text("\n".join(lines) + "\n")
    (folder / name).unlink()
    return name


def play_recorded(folder: Path, speed: float = 4) -> tuple[dict, set[str]]:
    """Play the ladder's master playlist to its end: the summary, and the file names requested."""
    requests: list[tuple[str, dict[str, str]]] = []
    with serve(folder, requests) as base:
        summary = play_to_end(base + "master.m3u8", speed=speed).as_dict()
    return summary, {path.partition("?")[0].rsplit("/", 1)[-1] for path, _ in requests}


def test_gaps_in_either_rendition_play_from_the_other(ladder_on_disk: Path) -> None:
    """Whatever the ABR picks, segment 0 can only come from v0 and segments 1-2 only from v1."""
    gaps = {mark_gap(ladder_on_disk, 1, 0), mark_gap(ladder_on_disk, 0, 1), mark_gap(ladder_on_disk, 0, 2)}
    summary, requested = play_recorded(ladder_on_disk)
    assert summary["errors"] == [] and summary["ended"], summary
    assert summary["rebuffer_count"] == 0
    assert not gaps & requested and {"v0_000.m4s", "v1_001.m4s", "v1_002.m4s"} <= requested


def test_span_no_rendition_has_is_played_over_to_the_end(ladder_on_disk: Path) -> None:
    gaps = {mark_gap(ladder_on_disk, variant, 1) for variant in (0, 1, 2)}
    summary, requested = play_recorded(ladder_on_disk)
    assert summary["errors"] == [] and summary["ended"], summary
    assert summary["rebuffer_count"] == 0
    assert not gaps & requested and {"v0_002.m4s", "v1_002.m4s"} & requested


def test_video_gap_under_running_audio_holds_the_picture_without_a_stall(ladder_on_disk: Path) -> None:
    for variant in (0, 1):
        mark_gap(ladder_on_disk, variant, 1)
    summary, _ = play_recorded(ladder_on_disk, speed=2)  # the 2 s gap: 1 s of a still picture
    assert summary["errors"] == [] and summary["ended"], summary
    assert summary["rebuffer_count"] == 0


def test_leading_gap_starts_the_clock_at_the_first_real_segment(ladder_on_disk: Path) -> None:
    for variant in (0, 1, 2):
        mark_gap(ladder_on_disk, variant, 0)
    report = PlaybackReport()
    positions: list[float] = []
    player = Player(audio_output="null", mpv_options={"speed": 2})
    player.add_listener(report)
    player.add_listener(lambda e: positions.append(e.position_s) if isinstance(e, Position) else None)
    with serve(ladder_on_disk) as base:
        try:
            player.open(base + "master.m3u8")
            assert report.finished.wait(60), "playback neither ended nor failed"
        finally:
            player.close()
    assert report.ended and report.errors == []
    assert positions and min(positions) >= 2.0 - 0.1  # the first picture is the one at 2 s
    assert max(positions) >= 6.5  # and runs on from there: 2 s behind, it could not pass 6 s
