# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parts of the live-streaming probe: playlists, evidence, the failure category (pure) and
the background RTMP pusher."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urljoin, urlsplit

# Video states (GET /api/v1/videos/{id}: state.id).
STATE_PUBLISHED = 1
STATE_WAITING_FOR_LIVE = 4
STATE_LIVE_ENDED = 5
STATE_TRANSCODING_FAILED = 7  # from 4.0

CATEGORIES = (
    "live_disabled",
    "auth_failed",
    "rtmp_refused",
    "muxing_failed",
    "playlist_missing",
    "segment_unreachable",
    "timeout",
    "api_error",
    "probe_error",
)

# What the pusher prints when nothing accepts its RTMP connection.
_REFUSED_RE = re.compile(
    r"Connection refused|Cannot open connection|Connection timed out|No route to host|"
    r"Failed to resolve hostname|Network is unreachable",
    re.IGNORECASE,
)
# PeerTube's own report of its ffmpeg dying ("Live transcoding error", "ffmpeg exited with
# code 1: v:2,a:2: Invalid argument" on fediverse.tv).
_PEERTUBE_FFMPEG_RE = re.compile(
    r"ffmpeg exited|Live transcoding error|Error in (live )?transcoding|Live muxing error|"
    r"ffmpeg was killed",
    re.IGNORECASE,
)


def master_variants(text):
    """Variant URIs of an HLS master playlist (the line after each EXT-X-STREAM-INF)."""
    variants = []
    expect_uri = False
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXT-X-STREAM-INF"):
            expect_uri = True
            continue
        if expect_uri and not line.startswith("#"):
            variants.append(line)
            expect_uri = False
    return variants


def media_segments(text):
    """Segment URIs of an HLS media playlist, oldest first (tags and comments skipped)."""
    return [
        line.strip()
        for line in (text or "").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def resolve(base_url, uri):
    return urljoin(base_url, uri)


def rtmp_target(rtmp_url, stream_key, address=None, port=None):
    """Where to push: PeerTube's rtmpUrl carries the public hostname; we push to ``address``.

    ``rtmp://peertube.example.org:1935/live`` + key -> ``rtmp://127.0.0.1:1935/live/<key>``.
    """
    parts = urlsplit(rtmp_url)
    host = address or parts.hostname
    target_port = port or parts.port or 1935
    path = (parts.path or "/live").rstrip("/")
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    return "%s://%s:%d%s/%s" % (parts.scheme or "rtmp", host, target_port, path, stream_key)


def redact(text, secrets):
    """Replace stream keys and tokens before text becomes evidence."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def tail(text, lines=20):
    return "\n".join((text or "").rstrip().splitlines()[-lines:])


def peertube_ffmpeg_lines(log_text, limit=20):
    """PeerTube log lines about its own ffmpeg failing."""
    found = [line.strip() for line in (log_text or "").splitlines() if _PEERTUBE_FFMPEG_RE.search(line)]
    return found[-limit:]


def journal_cursor(output):
    """Cursor printed by ``journalctl --show-cursor``, None when the journal showed no entry."""
    for line in reversed((output or "").splitlines()):
        if line.startswith("-- cursor: "):
            return line[len("-- cursor: "):].strip() or None
    return None


def pusher_refused(stderr):
    return bool(_REFUSED_RE.search(stderr or ""))


def session_error(sessions):
    """Error code of the newest live session (4.2+), None when there is none."""
    data = (sessions or {}).get("data") or []
    errors = [s.get("error") for s in data if isinstance(s, dict) and s.get("error") not in (None, 0)]
    return errors[-1] if errors else None


def decide(ev):
    """Failure category from what the probe saw, or None when the probe passed.

    ``ev`` keys: ``segment_ok``, ``master_ok``, ``master_without_variants``, ``published``,
    ``states`` (video states seen, in order), ``pusher_rc`` (None while running),
    ``pusher_stderr``, ``peertube_errors`` (log lines), ``session_error``, ``timed_out``.
    Order matters: PeerTube's own ffmpeg error explains a dying pusher or a missing playlist,
    so it wins over them.
    """
    if ev.get("segment_ok"):
        return None
    states = ev.get("states") or []
    if ev.get("peertube_errors") or ev.get("session_error"):
        return "muxing_failed"
    if STATE_TRANSCODING_FAILED in states or STATE_LIVE_ENDED in states:
        # Ended while we were still pushing (3.4 goes 4 -> 5 when its ffmpeg dies unpublished).
        return "muxing_failed"
    if STATE_PUBLISHED in states:
        after = states[states.index(STATE_PUBLISHED) + 1 :]
        if STATE_LIVE_ENDED in after or STATE_WAITING_FOR_LIVE in after:
            # Published, then ended or back to waiting while we were still pushing.
            return "muxing_failed"
    if ev.get("pusher_rc") is not None:
        if not ev.get("published") and pusher_refused(ev.get("pusher_stderr")):
            return "rtmp_refused"
        # PeerTube hung up on a healthy pusher: its side of the stream died.
        return "muxing_failed"
    if not ev.get("timed_out"):
        return None
    if ev.get("master_ok"):
        return "segment_unreachable"
    if ev.get("published") or ev.get("master_without_variants"):
        return "playlist_missing"
    return "timeout"


def pusher_command(ffmpeg, url, seconds):
    """ffmpeg arguments for the synthetic stream: test pattern + tone, H.264/AAC in FLV.

    ``-t`` bounds the pusher even if the probe is killed before its cleanup runs.
    """
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
        "-f", "lavfi", "-i", "testsrc=size=640x360:rate=15",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-g", "30", "-c:a", "aac", "-b:a", "64k", "-t", str(int(seconds)),
        "-f", "flv", url,
    ]  # fmt: skip


class Pusher:
    """The pusher runs in the background while the probe polls PeerTube, which
    ``AnsibleModule.run_command`` (blocking) cannot do; this is the probe's only process."""

    def __init__(self, command, log_path):
        self.command = command
        self.log_path = log_path
        self.process = None
        self._log = None

    def start(self):
        self._log = open(self.log_path, "w+b")  # noqa: SIM115 - ffmpeg writes to it until stop()
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log
        )

    def poll(self):
        return self.process.poll() if self.process is not None else None

    def stderr(self):
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def close(self):
        self.stop()
        if self._log is not None:
            self._log.close()
