"""DASH MPD parsing into the manifest model."""

from __future__ import annotations

import pytest

import asyncio

from player.manifest import Manifest, ManifestError, load_manifest
from player.manifest.dash import expand_template, parse_duration

URL = "https://cdn.example/content/title/manifest.mpd"


def parse(text: str, url: str) -> Manifest:
    async def get_text(requested: str) -> str:
        assert requested == url
        return text

    return asyncio.run(load_manifest(get_text, url))


def mpd(body: str, *, attrs: str = 'mediaPresentationDuration="PT12S"', base: str = "") -> str:
    return (
        f'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" {attrs}>'
        f"{base}<Period>{body}</Period></MPD>"
    )


VIDEO_TIMELINE = """
<AdaptationSet contentType="video" mimeType="video/mp4">
  <SegmentTemplate timescale="1000" initialization="$RepresentationID$/init.mp4"
                   media="$RepresentationID$/$Number%05d$.m4s" startNumber="7">
    <SegmentTimeline><S t="0" d="4000" r="1"/><S d="4000"/></SegmentTimeline>
  </SegmentTemplate>
  <Representation id="hi" bandwidth="2000000" codecs="avc1.64001f" width="1280" height="720" frameRate="24"/>
  <Representation id="lo" bandwidth="300000" codecs="avc1.42c00d" width="426" height="240"/>
</AdaptationSet>
<AdaptationSet contentType="audio" lang="en">
  <Representation id="a" bandwidth="128000" codecs="mp4a.40.2" mimeType="audio/mp4">
    <SegmentTemplate timescale="48000" initialization="a/init.mp4" media="a/t$Time$.m4s" duration="192000"/>
  </Representation>
</AdaptationSet>
"""


def test_timeline_template_resolves_urls_times_and_order() -> None:
    m = parse(mpd(VIDEO_TIMELINE), URL)
    assert m.format == "dash" and m.duration_s == 12.0
    video, audio = m.first("video"), m.first("audio")
    assert [r.id for r in video.renditions] == ["lo", "hi"]  # ascending bandwidth
    hi = video.renditions[1]
    assert hi.init.url == "https://cdn.example/content/title/hi/init.mp4"
    assert [s.url.rsplit("/", 2)[-2:] for s in hi.segments] == [["hi", "00007.m4s"], ["hi", "00008.m4s"], ["hi", "00009.m4s"]]
    assert [(s.start_s, s.duration_s) for s in hi.segments] == [(0, 4), (4, 4), (8, 4)]
    assert (hi.width, hi.height, hi.frame_rate, hi.label) == (1280, 720, 24.0, "720p 2000k")
    assert audio.language == "en"
    assert [s.url.rsplit("/", 1)[-1] for s in audio.renditions[0].segments] == ["t0.m4s", "t192000.m4s", "t384000.m4s"]
    assert hi.index_at(5.0) == 1 and hi.index_at(0) == 0 and hi.index_at(99) == 2


def test_repeat_to_end_and_presentation_time_offset() -> None:
    body = """<AdaptationSet contentType="video"><SegmentTemplate timescale="10" presentationTimeOffset="100"
      media="v_$Time$.mp4" initialization="i.mp4"><SegmentTimeline><S t="100" d="40" r="-1"/></SegmentTimeline>
      </SegmentTemplate><Representation id="v" bandwidth="1"/></AdaptationSet>"""
    m = parse(mpd(body, attrs='mediaPresentationDuration="PT10S"'), URL)
    segs = m.first("video").renditions[0].segments
    assert [s.start_s for s in segs] == [0, 4, 8]
    assert segs[-1].url.endswith("v_180.mp4")


def test_base_urls_nest() -> None:
    body = """<BaseURL>p/</BaseURL><AdaptationSet contentType="audio"><BaseURL>a/</BaseURL>
      <Representation id="x" bandwidth="1"><BaseURL>x/</BaseURL>
      <SegmentTemplate media="$Number$.m4s" initialization="init.mp4" duration="2" timescale="1"/>
      </Representation></AdaptationSet>"""
    m = parse(mpd(body, base="<BaseURL>https://other.example/root/</BaseURL>"), URL)
    r = m.first("audio").renditions[0]
    assert r.init.url == "https://other.example/root/p/a/x/init.mp4"
    assert len(r.segments) == 6 and r.segments[0].url.endswith("/x/1.m4s")


def test_segment_list_with_byte_ranges() -> None:
    body = """<AdaptationSet mimeType="video/mp4"><Representation id="v" bandwidth="5">
      <SegmentList timescale="1" duration="6"><Initialization sourceURL="v.mp4" range="0-799"/>
      <SegmentURL media="v.mp4" mediaRange="800-1999"/><SegmentURL media="v.mp4" mediaRange="2000-2999"/>
      </SegmentList></Representation></AdaptationSet>"""
    r = parse(mpd(body), URL).first("video").renditions[0]
    assert r.init.byte_range.header == "bytes=0-799"
    assert [s.byte_range.length for s in r.segments] == [1200, 1000]
    assert [s.start_s for s in r.segments] == [0, 6]


def test_template_identifiers() -> None:
    assert expand_template("$RepresentationID$-$Bandwidth$-$Number%03d$-$Time$$$", rep_id="r", bandwidth=9,
                           number=4, time=77) == "r-9-004-77$"
    assert parse_duration("PT1H2M3.5S", "x") == 3723.5
    assert parse_duration("P1DT1S", "x") == 86401


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<MPD", "not a well-formed MPD"),
        (mpd(""), "no audio or video"),
        (mpd(VIDEO_TIMELINE, attrs='mediaPresentationDuration="1 minute"'), "bad ISO 8601 duration"),
        (mpd('<AdaptationSet contentType="video"><Representation bandwidth="1"/></AdaptationSet>'),
         r"AdaptationSet\[0\]/Representation\[0\]: Representation needs id"),
        (mpd('<AdaptationSet contentType="video"><Representation id="v" bandwidth="1"/></AdaptationSet>'),
         "no SegmentTemplate, SegmentList or SegmentBase"),
        (mpd('<AdaptationSet contentType="video"><SegmentTemplate media="$Number$"><SegmentTimeline><S t="0"/>'
             '</SegmentTimeline></SegmentTemplate><Representation id="v" bandwidth="1"/></AdaptationSet>'),
         r"S\[0\] has no positive d"),
        ("hello", "neither a DASH MPD nor an HLS playlist"),
        (mpd('<AdaptationSet contentType="video"><Representation id="v" bandwidth="fast"/></AdaptationSet>'),
         "Representation@bandwidth is 'fast', not a whole number"),
        (mpd('<AdaptationSet contentType="video"><Representation id="v" bandwidth="0"/></AdaptationSet>'),
         r"Representation\[0\]: Representation@bandwidth is 0, not a positive number"),
        (mpd('<AdaptationSet contentType="video" width="wide"><Representation id="v" bandwidth="1"/></AdaptationSet>'),
         "AdaptationSet@width is 'wide', not a whole number"),
        (mpd('<AdaptationSet contentType="video"><SegmentTemplate media="$Number$" duration="soon"/>'
             '<Representation id="v" bandwidth="1"/></AdaptationSet>'), "SegmentTemplate@duration is 'soon'"),
        (mpd('<AdaptationSet contentType="video"><SegmentTemplate media="$Number$"><SegmentTimeline><S d="x"/>'
             '</SegmentTimeline></SegmentTemplate><Representation id="v" bandwidth="1"/></AdaptationSet>'),
         "S@d is 'x', not a whole number"),
        (mpd('<AdaptationSet contentType="video"><SegmentTemplate media="$Number$"><SegmentTimeline><S d="4" r="x"/>'
             '</SegmentTimeline></SegmentTemplate><Representation id="v" bandwidth="1"/></AdaptationSet>'),
         "S@r is 'x', not a whole number"),
        (mpd('<AdaptationSet contentType="video"><SegmentList duration="4"><SegmentURL mediaRange="100-10"/>'
             '</SegmentList><Representation id="v" bandwidth="1"/></AdaptationSet>'), "bad byte range '100-10'"),
    ],
)
def test_malformed_input_names_what_and_where(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        parse(text, URL)


def test_content_protection_gives_kids_scheme_and_license_url() -> None:
    body = """<AdaptationSet contentType="video" xmlns:cenc="urn:mpeg:cenc:2013" xmlns:dashif="https://dashif.org/CPS">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs"
                         cenc:default_KID="11111111-2222-3333-4444-555555555555"/>
      <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e">
        <dashif:laurl>/license</dashif:laurl></ContentProtection>
      <SegmentTemplate media="$Number$.m4s" initialization="i.mp4" duration="4" timescale="1"/>
      <Representation id="v" bandwidth="1"/></AdaptationSet>"""
    protection = parse(mpd(body), URL).first("video").renditions[0].protection
    assert protection.kids == (bytes.fromhex("11111111222233334444555555555555"),)
    assert protection.scheme == "cbcs"
    assert protection.license_url == "https://cdn.example/license"


def test_bad_default_kid_is_named() -> None:
    body = """<AdaptationSet contentType="video" xmlns:cenc="urn:mpeg:cenc:2013">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="nope"/>
      <SegmentTemplate media="$Number$.m4s" duration="4" timescale="1"/><Representation id="v" bandwidth="1"/>
      </AdaptationSet>"""
    with pytest.raises(ManifestError, match=r"AdaptationSet\[0\]/Representation\[0\].*nope"):
        parse(mpd(body), URL)


def test_dynamic_mpd_lists_only_what_is_available_now() -> None:
    from player.manifest.dash import parse_mpd, to_manifest

    text = mpd('<AdaptationSet contentType="video"><SegmentTemplate media="$Number$.m4s" initialization="i.mp4" '
               'duration="4" timescale="1" startNumber="1"/><Representation id="v" bandwidth="1"/></AdaptationSet>',
               attrs='availabilityStartTime="2026-01-01T00:00:00Z" timeShiftBufferDepth="PT10S" '
                     'minimumUpdatePeriod="PT2S" suggestedPresentationDelay="PT6S"').replace('"static"', '"dynamic"')
    ast = 1767225600.0  # 2026-01-01T00:00:00Z
    m = to_manifest(parse_mpd(text, URL, now=ast + 21.0))
    segments = m.first("video").renditions[0].segments
    assert [s.number for s in segments] == [3, 4, 5]  # 5 complete by 21 s; the window keeps 10 s
    assert [s.start_s for s in segments] == [8, 12, 16]
    assert m.live and m.refresh_s == 2 and m.hold_back_s == 6 and m.duration_s == 20
    with pytest.raises(ManifestError, match="availabilityStartTime"):
        parse_mpd(text.replace('availabilityStartTime="2026-01-01T00:00:00Z"', ""), URL, now=ast)


TITLE_LADDER = [("t300", 300_000), ("t750", 750_000), ("t1200", 1_200_000), ("t2000", 2_000_000)]
AD_LADDER = [("ad400", 400_000), ("ad1000", 1_000_000)]


def periods_mpd(duration: str, *periods: tuple[str, list[tuple[str, int]]], live: bool = False) -> str:
    """An MPD of video-only periods, each (start, [(representation id, bandwidth)]): static, or
    with ``live`` a dynamic one from 2026-01-01 with a 30 s time-shift window."""

    def period(start: str, ids_and_rates: list[tuple[str, int]]) -> str:
        reps = "".join(f'<Representation id="{i}" bandwidth="{b}" codecs="avc1.4d401f"/>' for i, b in ids_and_rates)
        return (f'<Period start="{start}"><AdaptationSet contentType="video" mimeType="video/mp4">'
                '<SegmentTemplate timescale="1" duration="4" initialization="$RepresentationID$/init.mp4"'
                f' media="$RepresentationID$/$Number$.m4s"/>{reps}</AdaptationSet></Period>')

    kind = ('type="dynamic" availabilityStartTime="2026-01-01T00:00:00Z" timeShiftBufferDepth="PT30S" '
            'minimumUpdatePeriod="PT2S"') if live else f'type="static" mediaPresentationDuration="{duration}"'
    return (f'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" {kind}>'
            + "".join(period(*p) for p in periods) + "</MPD>")


def test_a_later_period_with_another_ladder_continues_each_rung_at_no_higher_bitrate() -> None:
    """An ad break with its own two-rung ladder between chapters of a four-rung title: every rung
    the ABR picks continues in the break's rendition that costs no more (the lowest when none)."""
    text = periods_mpd("PT24S", ("PT0S", TITLE_LADDER), ("PT8S", AD_LADDER), ("PT16S", TITLE_LADDER))
    video = parse(text, URL).first("video")
    assert [r.bandwidth_bps for r in video.renditions] == [b for _, b in TITLE_LADDER]
    by_rung = {r.id: [s.url.rsplit("/", 2)[-2] for s in r.segments] for r in video.renditions}
    assert by_rung == {
        "t300": ["t300"] * 2 + ["ad400"] * 2 + ["t300"] * 2,  # nothing in the break is as cheap
        "t750": ["t750"] * 2 + ["ad400"] * 2 + ["t750"] * 2,
        "t1200": ["t1200"] * 2 + ["ad1000"] * 2 + ["t1200"] * 2,
        "t2000": ["t2000"] * 2 + ["ad1000"] * 2 + ["t2000"] * 2,
    }
    break_starts = [s.start_s for s in video.renditions[1].segments]
    assert break_starts == [0, 4, 8, 12, 16, 20]


def test_a_short_pre_roll_does_not_cap_the_title_after_it() -> None:
    """The ABR's ladder is the longest period's: a two-rung pre-roll ad must not keep the viewer
    below the title's top rung; in the ad each rung plays at no higher bitrate."""
    text = periods_mpd("PT24S", ("PT0S", AD_LADDER), ("PT8S", TITLE_LADDER))
    video = parse(text, URL).first("video")
    assert [r.bandwidth_bps for r in video.renditions] == [b for _, b in TITLE_LADDER]
    by_rung = {r.id: [s.url.rsplit("/", 2)[-2] for s in r.segments] for r in video.renditions}
    assert by_rung == {
        "t300": ["ad400"] * 2 + ["t300"] * 4,
        "t750": ["ad400"] * 2 + ["t750"] * 4,
        "t1200": ["ad1000"] * 2 + ["t1200"] * 4,
        "t2000": ["ad1000"] * 2 + ["t2000"] * 4,
    }
    assert [s.start_s for s in video.renditions[3].segments] == [0, 4, 8, 12, 16, 20]


def test_a_live_window_plays_on_across_periods_whose_numbers_start_afresh() -> None:
    """Live with an ad break: a period announced ahead of time holds nothing yet, the ad's segment
    numbers restart at 1 (so a reload finds the next segment by time, not number), and the
    ladder the ABR chose from at the join stays put while periods slide through the window."""
    from abr.registry import create
    from player.manifest.dash import parse_mpd, to_manifest
    from player.scheduler import Fetch, Scheduler

    text = periods_mpd("", ("PT0S", TITLE_LADDER), ("PT20S", AD_LADDER), ("PT28S", TITLE_LADDER), live=True)
    start = 1767225600.0  # the MPD's availabilityStartTime

    def load(at_s: float, previous: Manifest | None) -> Manifest:
        return to_manifest(parse_mpd(text, URL, now=start + at_s), previous)

    def fetched(actions: list) -> Fetch | None:
        return next((a for a in actions if isinstance(a, Fetch)), None)

    def deliver(s: Scheduler, fetch: Fetch) -> Fetch | None:
        size = s.manifest.first("video").renditions[fetch.rendition].bandwidth_bps // 2
        return fetched(s.on_fetch_complete(fetch.request_id, size, 0.05, 0.01))

    joined = load(22.0, None)  # the ad began 2 s ago: none of it is complete
    assert [r.bandwidth_bps for r in joined.first("video").renditions] == [b for _, b in TITLE_LADDER]
    s = Scheduler(joined, create("rate"))
    fetch = fetched(s.start(0.0))
    urls = []
    while fetch is not None:
        urls.append(fetch.segment.url.rsplit("/", 2)[-2:])
        fetch = deliver(s, fetch)
    assert [u[1] for u in urls] == ["1.m4s", "2.m4s", "3.m4s", "4.m4s", "5.m4s"]  # the title, to the edge

    reloaded = load(30.0, joined)
    fetch = fetched(s.update_manifest(reloaded))
    assert fetch is not None, "the ad's segment 1 follows the title's segment 5"
    assert fetch.segment.url.endswith("/ad1000/1.m4s") and fetch.segment.start_s == 20.0
    assert fetch.init is not None and fetch.init.url.endswith("/ad1000/init.mp4")
    fetch = deliver(s, fetch)
    assert fetch is not None and fetch.segment.url.endswith("/ad1000/2.m4s")
    assert deliver(s, fetch) is None  # the second title period has no complete segment yet

    later = load(58.0, reloaded)  # the first title and the ad have slid out of the window
    assert [r.bandwidth_bps for r in later.first("video").renditions] == [b for _, b in TITLE_LADDER]
    fetch = fetched(s.update_manifest(later))
    assert fetch is not None and fetch.segment.start_s == 28.0 and fetch.segment.url.endswith("/t2000/1.m4s")
