# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""live_check's pure decisions: playlists, RTMP target, evidence and failure category."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.peertube.plugins.module_utils import _live

# What PeerTube's ffmpeg writes for a live transcoded to two resolutions.
MASTER = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-STREAM-INF:BANDWIDTH=1210000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"
0.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=440000,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2"
1.m3u8
"""

MEDIA = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:4.000000,
0-000003.ts
#EXTINF:4.000000,
0-000004.ts
"""

INCIDENT_LOG = (
    "[peertube.example.org:443] 2021-12-06 16:12:01.123 error: Live transcoding error. "
    "{ err: ffmpeg exited with code 1: v:2,a:2: Invalid argument }\n"
    "[peertube.example.org:443] 2021-12-06 16:12:01.200 info: Live session ended.\n"
)


def test_master_variants():
    assert _live.master_variants(MASTER) == ["0.m3u8", "1.m3u8"]


def test_master_without_stream_inf_has_no_variant():
    # The broken master of #5923: present but without any EXT-X-STREAM-INF.
    assert _live.master_variants("#EXTM3U\n#EXT-X-VERSION:6\n") == []
    assert _live.master_variants("") == []


def test_media_segments_oldest_first():
    assert _live.media_segments(MEDIA) == ["0-000003.ts", "0-000004.ts"]


def test_resolve_relative_to_the_playlist():
    base = "https://peertube.example.org/static/streaming-playlists/hls/u1/master.m3u8"
    assert (
        _live.resolve(base, "0.m3u8")
        == "https://peertube.example.org/static/streaming-playlists/hls/u1/0.m3u8"
    )


@pytest.mark.parametrize(
    "rtmp_url, address, port, expected",
    [
        ("rtmp://peertube.example.org:1935/live", "127.0.0.1", None, "rtmp://127.0.0.1:1935/live/KEY"),
        ("rtmp://peertube.example.org:1935/live", None, None, "rtmp://peertube.example.org:1935/live/KEY"),
        ("rtmp://peertube.example.org/live/", "127.0.0.1", None, "rtmp://127.0.0.1:1935/live/KEY"),
        ("rtmp://peertube.example.org:1935/live", "::1", 19350, "rtmp://[::1]:19350/live/KEY"),
    ],
)
def test_rtmp_target(rtmp_url, address, port, expected):
    assert _live.rtmp_target(rtmp_url, "KEY", address, port) == expected


def test_redact_and_tail():
    assert _live.redact("push to rtmp://x/live/abc-123 with tok", ["abc-123", "tok", None]) == (
        "push to rtmp://x/live/<redacted> with <redacted>"
    )
    assert _live.tail("a\nb\nc\n", 2) == "b\nc"


def test_peertube_ffmpeg_lines_keep_only_ffmpeg_failures():
    lines = _live.peertube_ffmpeg_lines(INCIDENT_LOG)
    assert len(lines) == 1 and "Invalid argument" in lines[0]


def test_session_error():
    assert _live.session_error({"total": 2, "data": [{"error": None}, {"error": 4}]}) == 4
    assert _live.session_error({"total": 1, "data": [{"error": None}]}) is None
    assert _live.session_error(None) is None


# ---------------------------------------------------------------------------- decide()


def ev(**values):
    base = {"states": [4], "published": False, "pusher_rc": None, "pusher_stderr": "", "peertube_errors": []}
    base.update(values)
    return base


def test_success_wins():
    assert _live.decide(ev(segment_ok=True, states=[4, 1], published=True, pusher_rc=0)) is None


def test_still_waiting_is_no_decision():
    assert _live.decide(ev()) is None


def test_incident_log_line_is_muxing_failed_at_once():
    assert _live.decide(ev(peertube_errors=_live.peertube_ffmpeg_lines(INCIDENT_LOG))) == "muxing_failed"


def test_session_error_is_muxing_failed():
    assert _live.decide(ev(session_error=4)) == "muxing_failed"


@pytest.mark.parametrize("states", [[4, 7], [4, 5]])
def test_failed_or_ended_before_publishing_is_muxing_failed(states):
    assert _live.decide(ev(states=states)) == "muxing_failed"


@pytest.mark.parametrize("after", [5, 4])
def test_published_then_ended_or_waiting_is_muxing_failed(after):
    assert _live.decide(ev(states=[4, 1, after], published=True)) == "muxing_failed"


def test_refused_pusher_is_rtmp_refused():
    stderr = "[tcp @ 0x55] Connection to tcp://127.0.0.1:1935 failed: Connection refused\n"
    assert _live.decide(ev(pusher_rc=1, pusher_stderr=stderr)) == "rtmp_refused"


def test_pusher_hung_up_on_is_muxing_failed():
    stderr = "av_interleaved_write_frame(): Broken pipe\nError writing trailer: Broken pipe\n"
    assert _live.decide(ev(pusher_rc=1, pusher_stderr=stderr)) == "muxing_failed"


def test_ffmpeg_log_beats_a_refused_looking_pusher():
    stderr = "Connection refused\n"
    errors = ["ffmpeg exited with code 1: Invalid argument"]
    assert _live.decide(ev(pusher_rc=1, pusher_stderr=stderr, peertube_errors=errors)) == "muxing_failed"


@pytest.mark.parametrize(
    "values, category",
    [
        ({}, "timeout"),
        ({"published": True, "states": [4, 1]}, "playlist_missing"),
        ({"master_without_variants": True, "published": True, "states": [4, 1]}, "playlist_missing"),
        ({"master_ok": True, "published": True, "states": [4, 1]}, "segment_unreachable"),
    ],
)
def test_timeouts_say_how_far_the_live_got(values, category):
    assert _live.decide(ev(timed_out=True, **values)) == category


def test_categories_are_documented():
    assert set(_live.CATEGORIES) >= {
        "live_disabled",
        "auth_failed",
        "rtmp_refused",
        "muxing_failed",
        "playlist_missing",
        "segment_unreachable",
        "timeout",
    }


def test_journal_cursor_is_the_last_cursor_line():
    output = "Live video x is published.\n-- cursor: s=ab12;i=3f;b=cd;m=1;t=2;x=ef\n"
    assert _live.journal_cursor(output) == "s=ab12;i=3f;b=cd;m=1;t=2;x=ef"


@pytest.mark.parametrize("output", ["", None, "Live video x is published.\n"])
def test_journal_cursor_without_entries_is_none(output):
    assert _live.journal_cursor(output) is None
