#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: live_check
short_description: Prove that live streaming works end to end on a PeerTube instance
version_added: 0.1.0
description:
  - Runs on the PeerTube host. Creates a temporary, unlisted, non-permanent live as a dedicated
    probe user, pushes a synthetic RTMP stream with the host's ffmpeg, waits for PeerTube to
    publish it and fetches the HLS master playlist, a variant playlist and a segment through
    nginx with the public hostname (Host header and TLS SNI).
  - Always stops the pusher, deletes the live and revokes the token, also on failure. Lives
    left behind by an interrupted earlier probe (named O(name_prefix)...) are deleted first.
  - A failure is classified (RV(category)) and explained with evidence (the pusher's stderr,
    PeerTube's own C(ffmpeg exited ...) log lines, the live session error of PeerTube 4.2+).
    A muxing failure is reported as soon as it shows (video state, pusher hang-up or log line),
    not at the timeout.
  - Reports C(changed=false) because the temporary live is gone when the module returns.
author:
  - fedops.peertube contributors (@fedops)
extends_documentation_fragment:
  - fedops.peertube.attributes
  - fedops.peertube.attributes.platform
attributes:
  check_mode:
    support: full
    details: Only reads C(/api/v1/config) and C(/api/v1/oauth-clients/local); no login, no live, no stream.
  diff_mode:
    support: none
requirements:
  - ffmpeg with libx264, aac and the lavfi C(testsrc)/C(sine) sources on the host.
options:
  hostname:
    description: Public hostname of the instance (C(webserver.hostname)); sent as Host header and TLS SNI.
    type: str
    required: true
  address:
    description: Address to connect to for HTTP (normally the local nginx).
    type: str
    default: 127.0.0.1
  port:
    description: HTTP port; defaults to 443 for O(scheme=https), 80 for O(scheme=http).
    type: int
  scheme:
    description: Scheme of the public URL.
    type: str
    choices: [https, http]
    default: https
  ca_file:
    description: CA bundle to verify the instance's certificate with (e.g. a self-signed test CA).
    type: path
  validate_certs:
    description: Verify the TLS certificate and its name.
    type: bool
    default: true
  username:
    description: Dedicated probe user (needs the right to create lives).
    type: str
    required: true
  password:
    description: Password of O(username).
    type: str
    required: true
  channel_id:
    description: Channel to create the live in; defaults to the probe user's first channel.
    type: int
  rtmp_address:
    description:
      - Address to push RTMP to; defaults to O(address). The host in PeerTube's C(rtmpUrl) is the
        public hostname.
    type: str
  rtmp_port:
    description: RTMP port; defaults to the port in PeerTube's C(rtmpUrl) (C(live.rtmp.port)).
    type: int
  ffmpeg:
    description: ffmpeg executable used to push the synthetic stream.
    type: str
    default: ffmpeg
  timeout:
    description: Seconds from the start of the push until a segment must be readable.
    type: int
    default: 60
  http_timeout:
    description: Seconds for one HTTP request.
    type: int
    default: 10
  name_prefix:
    description: Name prefix of the probe's lives; leftovers with it are deleted before probing.
    type: str
    default: fedops-live-check-
  service_unit:
    description:
      - systemd unit whose journal holds PeerTube's log (bare metal C(peertube), or the
        container's unit).
    type: str
    default: peertube
  log_file:
    description:
      - Read PeerTube's log from this file (e.g. C(storage/logs/peertube.log)) instead of the journal.
    type: path
notes:
  - The probe user should be a dedicated account; its password is never logged.
seealso:
  - module: fedops.peertube.nginx_check
  - module: fedops.peertube.instance_info
"""

EXAMPLES = r"""
- name: Prove lives work after the upgrade
  fedops.peertube.live_check:
    hostname: peertube.example.org
    username: fedops_probe
    password: "{{ peertube_probe_password }}"
  register: pt_live

- name: Expect the incident's failure on a host with the broken ffmpeg
  fedops.peertube.live_check:
    hostname: peertube.example.org
    ca_file: /etc/ssl/peertube/test-ca.pem
    username: fedops_probe
    password: "{{ peertube_probe_password }}"
    log_file: /var/www/peertube/storage/logs/peertube.log
    timeout: 45
  register: pt_live
  failed_when: pt_live.category != 'muxing_failed'
"""

RETURN = r"""
ok:
  description: A segment of the synthetic live was readable through nginx.
  returned: always
  type: bool
category:
  description:
    - Why the probe failed, null on success. One of C(live_disabled), C(auth_failed),
      C(rtmp_refused), C(muxing_failed), C(playlist_missing), C(segment_unreachable),
      C(timeout), C(api_error) (an unexpected API answer), C(probe_error) (the probe itself
      could not run, e.g. ffmpeg missing).
  returned: always
  type: str
  sample: muxing_failed
timings:
  description: Seconds, from the start of the push (C(total_s) from the start of the module).
  returned: always
  type: dict
  contains:
    to_published_s:
      description: Until the video state became 1 (published).
      type: float
    to_master_playlist_s:
      description: Until the master playlist had C(EXT-X-STREAM-INF) entries.
      type: float
    to_first_segment_s:
      description: Until a non-empty segment was read.
      type: float
    total_s:
      description: The whole probe, cleanup included.
      type: float
  sample: {to_published_s: 4.1, to_master_playlist_s: 4.6, to_first_segment_s: 5.0, total_s: 7.9}
evidence:
  description: What the probe saw; stream keys and tokens are redacted.
  returned: always
  type: dict
  contains:
    pusher_stderr:
      description: Last lines of the pusher's stderr.
      type: str
    peertube_log:
      description: PeerTube log lines about its ffmpeg failing since the probe started.
      type: list
      elements: str
    session_error:
      description: Error code of the live session (PeerTube 4.2+; null otherwise).
      type: int
    states:
      description: Video states seen, in order.
      type: list
      elements: int
    master_playlist:
      description: The master playlist read (first lines).
      type: str
    errors:
      description: HTTP or process errors met on the way.
      type: list
      elements: str
    cleanup:
      description: Problems while deleting the live or revoking the token.
      type: list
      elements: str
  sample:
    peertube_log: ["error: Live transcoding error ... ffmpeg exited with code 1: v:2,a:2: Invalid argument"]
    states: [4]
video:
  description: The temporary live (already deleted).
  returned: when it was created
  type: dict
  sample: {id: 12, uuid: 0a1b..., name: fedops-live-check-20261204T161900Z}
swept:
  description: Ids of leftover probe lives deleted before probing.
  returned: always
  type: list
  elements: int
rtmp_url:
  description: Where the stream was pushed, key redacted.
  returned: when a live was created
  type: str
  sample: rtmp://127.0.0.1:1935/live/<redacted>
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fedops.peertube.plugins.module_utils import _live
from ansible_collections.fedops.peertube.plugins.module_utils._api import ApiError, PeerTubeApi

POLL_S = 0.5
LOG_POLL_S = 1.5
LOG_SETTLE_S = 6


class ProbeFailed(Exception):
    def __init__(self, category, message):
        super().__init__(message)
        self.category = category


class LogReader:
    """New PeerTube log text since the probe started, from a file or the journal.

    The journal is read after the cursor of its last entry at the start: a time bound would let
    in the lines another probe's PeerTube logged in the same second (a fault probe's ffmpeg error
    then failed the healthy probe run right after it).
    """

    def __init__(self, module, log_file, unit):
        self.module = module
        self.log_file = log_file
        self.unit = unit
        self.offset = 0
        self.journalctl = None
        self.cursor = None
        if log_file:
            try:
                self.offset = os.path.getsize(log_file)
            except OSError:
                self.offset = 0
            return
        self.journalctl = module.get_bin_path("journalctl")
        if self.journalctl:
            rc, out, _err = module.run_command(
                [self.journalctl, "-u", unit, "-n", "1", "--show-cursor", "-o", "cat", "--no-pager", "-q"]
            )
            # No cursor: the unit has no entry yet, so every entry is new.
            self.cursor = _live.journal_cursor(out) if rc == 0 else None

    def read(self):
        if self.log_file:
            try:
                if os.path.getsize(self.log_file) < self.offset:
                    self.offset = 0  # rotated
                with open(self.log_file, "rb") as handle:
                    handle.seek(self.offset)
                    return handle.read().decode("utf-8", "replace")
            except OSError:
                return ""
        if not self.journalctl:
            return ""
        command = [self.journalctl, "-u", self.unit, "-o", "cat", "--no-pager", "-q"]
        if self.cursor:
            command.append("--after-cursor=%s" % self.cursor)
        rc, out, _err = self.module.run_command(command)
        return out if rc == 0 else ""


class LiveProbe:
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.api = PeerTubeApi(
            self.p["hostname"],
            self.p["address"],
            self.p["port"],
            self.p["scheme"],
            self.p["ca_file"],
            self.p["validate_certs"],
            self.p["http_timeout"],
        )
        self.started = time.monotonic()
        self.push_started = None
        self.timings = {
            "to_published_s": None,
            "to_master_playlist_s": None,
            "to_first_segment_s": None,
            "total_s": None,
        }
        self.evidence = {
            "pusher_stderr": "",
            "peertube_log": [],
            "session_error": None,
            "states": [],
            "master_playlist": "",
            "errors": [],
            "cleanup": [],
        }
        self.result = {"changed": False, "ok": False, "category": None, "swept": []}
        # Redacted from every piece of evidence: password, bearer token, stream key.
        self.secrets = [self.p["password"]]
        self.video = None
        self.pusher = None
        self.ffmpeg = None

    # ------------------------------------------------------------------ steps

    def read_config(self):
        try:
            config = self.api.call("GET", "/api/v1/config", auth=False)
        except ApiError as exc:
            raise ProbeFailed("api_error", "cannot read /api/v1/config: %s" % exc) from exc
        live = config.get("live") or {}
        self.result["server_version"] = config.get("serverVersion")
        if not live.get("enabled"):
            raise ProbeFailed(
                "live_disabled", "live streaming is disabled on %s (live.enabled: false)" % self.p["hostname"]
            )
        return config

    def login(self):
        try:
            self.api.login(self.p["username"], self.p["password"])
        except ApiError as exc:
            raise ProbeFailed("auth_failed", self._auth_message(exc)) from exc
        self.secrets.append(self.api.token)

    def _auth_message(self, exc):
        hint = ""
        if exc.path and "oauth-clients" in exc.path and exc.status == 403:
            hint = " (PeerTube only answers when the Host header equals webserver.hostname[:port])"
        return "login as %s failed: %s" % (self.p["username"], _live.redact(str(exc), self.secrets)) + hint

    def sweep(self):
        prefix = self.p["name_prefix"]
        answer = self.api.call(
            "GET", "/api/v1/users/me/videos", query={"search": prefix, "count": 100, "sort": "-createdAt"}
        )
        for item in (answer or {}).get("data", []):
            if str(item.get("name", "")).startswith(prefix) and item.get("isLive"):
                self.api.call("DELETE", "/api/v1/videos/%s" % item["id"], expect=(200, 204))
                self.result["swept"].append(item["id"])

    def create_live(self):
        channel = self.p["channel_id"]
        if channel is None:
            me = self.api.call("GET", "/api/v1/users/me")
            channels = me.get("videoChannels") or []
            if not channels:
                raise ProbeFailed("api_error", "user %s has no channel" % self.p["username"])
            channel = channels[0]["id"]
        name = "%s%s" % (self.p["name_prefix"], time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
        try:
            created = self.api.call(
                "POST",
                "/api/v1/videos/live",
                json_body={
                    "channelId": channel,
                    "name": name,
                    "privacy": 2,
                    "saveReplay": False,
                    "permanentLive": False,
                },
            )
        except ApiError as exc:
            if exc.status == 403 and "live" in str(exc.code() or exc.body or ""):
                raise ProbeFailed("live_disabled", "PeerTube refuses lives: %s" % exc) from exc
            raise
        self.video = dict(created["video"], name=name)
        self.result["video"] = self.video
        live = self.api.call("GET", "/api/v1/videos/live/%s" % self.video["id"])
        self.secrets.append(live["streamKey"])
        return _live.rtmp_target(
            live["rtmpUrl"],
            live["streamKey"],
            self.p["rtmp_address"] or self.p["address"],
            self.p["rtmp_port"],
        )

    def start_pusher(self, url):
        command = _live.pusher_command(self.ffmpeg, url, self.p["timeout"] + 30)
        self.pusher = _live.Pusher(command, os.path.join(self.module.tmpdir, "pusher.log"))
        self.push_started = time.monotonic()
        self.pusher.start()

    def pusher_stderr(self):
        if self.pusher is None:
            return ""
        return _live.redact(self.pusher.stderr(), self.secrets)

    def _since_push(self):
        return round(time.monotonic() - self.push_started, 2)

    def watch(self, logs):
        """Poll until a segment is readable or a failure shows; returns the category or None."""
        ev = {"states": self.evidence["states"], "peertube_errors": [], "published": False}
        deadline = self.push_started + self.p["timeout"]
        master_url = None
        variant_url = None
        next_log = 0.0
        while True:
            now = time.monotonic()
            ev["pusher_rc"] = self.pusher.poll()
            try:
                video = self.api.call("GET", "/api/v1/videos/%s" % self.video["id"])
                state = (video.get("state") or {}).get("id")
                if not ev["states"] or ev["states"][-1] != state:
                    ev["states"].append(state)
                if state == _live.STATE_PUBLISHED and not ev["published"]:
                    ev["published"] = True
                    self.timings["to_published_s"] = self._since_push()
                playlists = video.get("streamingPlaylists") or []
                if playlists and playlists[0].get("playlistUrl"):
                    master_url = playlists[0]["playlistUrl"]
            except ApiError as exc:
                self._note(str(exc))
            if ev["published"] and not ev.get("master_ok"):
                url = master_url or "/static/streaming-playlists/hls/%s/master.m3u8" % self.video["uuid"]
                text = self._get_text(url)
                if text is not None:
                    self.evidence["master_playlist"] = _live.tail(text, 12)
                    variants = _live.master_variants(text)
                    if variants:
                        ev["master_ok"] = True
                        self.timings["to_master_playlist_s"] = self._since_push()
                        variant_url = _live.resolve(self._absolute(url), variants[0])
                    else:
                        ev["master_without_variants"] = True
            if ev.get("master_ok"):
                text = self._get_text(variant_url)
                segments = _live.media_segments(text) if text is not None else []
                if segments:
                    segment = _live.resolve(variant_url, segments[0])
                    answer = self._get(segment)
                    if answer is not None and answer.status == 200 and answer.body:
                        ev["segment_ok"] = True
                        self.timings["to_first_segment_s"] = self._since_push()
                        self.result["segment_bytes"] = len(answer.body)
                        return None
            if now >= next_log:
                ev["peertube_errors"] = _live.peertube_ffmpeg_lines(logs.read())
                next_log = now + LOG_POLL_S
            ev["pusher_stderr"] = self.pusher_stderr() if ev["pusher_rc"] is not None else ""
            ev["timed_out"] = now >= deadline
            category = _live.decide(ev)
            if category:
                return category
            time.sleep(POLL_S)

    def _absolute(self, url):
        if url.startswith("/"):
            return "%s://%s%s" % (self.p["scheme"], self.api.host_header, url)
        return url

    def _get(self, url):
        try:
            return self.api.request("GET", url, auth=False)
        except ApiError as exc:
            self._note(str(exc))
            return None

    def _get_text(self, url):
        answer = self._get(url)
        if answer is None:
            return None
        if answer.status != 200:
            self._note("GET %s answered %d" % (self.api.path_of(url), answer.status))
            return None
        return answer.text()

    def _note(self, message):
        errors = self.evidence["errors"]
        if message not in errors[-5:]:
            errors.append(_live.redact(message, self.secrets))
        del errors[:-20]

    # ------------------------------------------------------------------ cleanup

    def cleanup(self, failed, logs):
        if self.pusher is not None:
            self.pusher.stop()
            self.evidence["pusher_stderr"] = _live.tail(self.pusher_stderr(), 20)
        if failed and logs is not None:
            self.evidence["peertube_log"] = [
                _live.redact(line, self.secrets) for line in self._settled_ffmpeg_lines(logs)
            ]
        if self.video is not None:
            if failed:
                answer = self._get_sessions()
                self.evidence["session_error"] = _live.session_error(answer)
            try:
                self.api.call("DELETE", "/api/v1/videos/%s" % self.video["id"], expect=(200, 204))
            except ApiError as exc:
                self.evidence["cleanup"].append("live %s not deleted: %s" % (self.video["id"], exc))
        try:
            self.api.revoke()
        except ApiError as exc:
            self.evidence["cleanup"].append("token not revoked: %s" % exc)
        if self.pusher is not None:
            self.pusher.close()

    @staticmethod
    def _settled_ffmpeg_lines(logs):
        # PeerTube logs its ffmpeg's exit just after the hang-up, and a busy journal delivers
        # it later still: wait a moment, then up to LOG_SETTLE_S for the first line.
        deadline = time.monotonic() + LOG_SETTLE_S
        time.sleep(1)
        while True:
            lines = _live.peertube_ffmpeg_lines(logs.read())
            if lines or time.monotonic() >= deadline:
                return lines
            time.sleep(POLL_S)

    def _get_sessions(self):
        # The sessions endpoint exists from 4.2; 3.4/4.0 answer 400.
        try:
            answer = self.api.request("GET", "/api/v1/videos/live/%s/sessions" % self.video["id"])
        except ApiError:
            return None
        if answer.status != 200:
            return None
        try:
            return answer.json()
        except ValueError:
            return None

    # ------------------------------------------------------------------ run

    def preflight(self):
        self.ffmpeg = self.p["ffmpeg"]
        if os.sep not in self.ffmpeg:
            self.ffmpeg = self.module.get_bin_path(self.ffmpeg)
        if not self.ffmpeg or not os.access(self.ffmpeg, os.X_OK):
            raise ProbeFailed("probe_error", "ffmpeg (%s) not found on the host" % self.p["ffmpeg"])
        rc, out, err = self.module.run_command([self.ffmpeg, "-hide_banner", "-encoders"])
        missing = [enc for enc in ("libx264", "aac") if (" %s " % enc) not in out]
        if rc != 0 or missing:
            raise ProbeFailed(
                "probe_error",
                "%s cannot encode the test stream (missing: %s) %s"
                % (self.ffmpeg, ", ".join(missing) or "-", err.strip()),
            )

    def run(self):
        logs = None
        failed = True
        try:
            self.read_config()
            if self.module.check_mode:
                try:
                    self.api.call("GET", "/api/v1/oauth-clients/local", auth=False)
                except ApiError as exc:
                    raise ProbeFailed("auth_failed", self._auth_message(exc)) from exc
                self.result.update(
                    ok=True, msg="check mode: config and OAuth client readable; no live was created"
                )
                failed = False
                return self.finish()
            self.preflight()
            self.login()
            self.sweep()
            logs = LogReader(self.module, self.p["log_file"], self.p["service_unit"])
            url = self.create_live()
            self.result["rtmp_url"] = _live.redact(url, self.secrets)
            self.start_pusher(url)
            category = self.watch(logs)
            failed = category is not None
            self.result["category"] = category
            self.result["ok"] = not failed
        except ProbeFailed as exc:
            self.result.update(category=exc.category, msg=str(exc))
        except ApiError as exc:
            self.result.update(category="api_error", msg=_live.redact(str(exc), self.secrets))
        finally:
            self.cleanup(failed, logs)
        return self.finish()

    def finish(self):
        self.timings["total_s"] = round(time.monotonic() - self.started, 2)
        self.result["timings"] = self.timings
        self.result["evidence"] = self.evidence
        if not self.result.get("msg"):
            if self.result["ok"]:
                self.result["msg"] = "live streaming works: segment readable %.1fs after the push started" % (
                    self.timings["to_first_segment_s"] or 0
                )
            else:
                self.result["msg"] = "live check failed: %s" % self.result["category"]
        return self.result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            hostname=dict(type="str", required=True),
            address=dict(type="str", default="127.0.0.1"),
            port=dict(type="int"),
            scheme=dict(type="str", choices=["https", "http"], default="https"),
            ca_file=dict(type="path"),
            validate_certs=dict(type="bool", default=True),
            username=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            channel_id=dict(type="int"),
            rtmp_address=dict(type="str"),
            rtmp_port=dict(type="int"),
            ffmpeg=dict(type="str", default="ffmpeg"),
            timeout=dict(type="int", default=60),
            http_timeout=dict(type="int", default=10),
            name_prefix=dict(type="str", default="fedops-live-check-"),
            service_unit=dict(type="str", default="peertube"),
            log_file=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    result = LiveProbe(module).run()
    if result["ok"]:
        module.exit_json(**result)
    module.fail_json(**result)


if __name__ == "__main__":
    main()
