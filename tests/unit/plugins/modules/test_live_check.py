# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""live_check up to the point where a real PeerTube and RTMP are needed (molecule does the rest).

The HTTP side talks to a local stub server; what matters here is that the probe stops at the
right step, with the right category, and never creates anything it does not clean up.
"""

from __future__ import annotations

import shutil
import socket
import time

import pytest
from ansible.module_utils.testing import patch_module_args
from module_harness import ExitJson, FailJson
from peertube_stub import Stub

from ansible_collections.fedops.peertube.plugins.modules import live_check

HOST = "peertube.example.org"
FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="the pusher tests run the host's real ffmpeg")


def run(stub, check=False, **extra):
    args = {
        "hostname": HOST,
        "address": "127.0.0.1",
        "port": stub.port,
        "scheme": "http",
        "username": "fedops-probe",
        "password": "probe-secret",
        "timeout": 5,
    }
    args.update(extra)
    if check:
        args["_ansible_check_mode"] = True
    with patch_module_args(args), pytest.raises((ExitJson, FailJson)) as info:
        live_check.main()
    return info.type is FailJson, info.value.args[0]


def config(enabled):
    return (200, {"serverVersion": "3.4.0", "live": {"enabled": enabled, "rtmp": {"port": 1935}}})


OAUTH = {
    ("GET", "/api/v1/oauth-clients/local"): (200, {"client_id": "cid", "client_secret": "csecret"}),
    ("POST", "/api/v1/users/token"): (200, {"access_token": "atoken", "token_type": "Bearer"}),
    ("POST", "/api/v1/users/revoke-token"): (200, b""),
}


def test_live_disabled_fails_at_once_without_login():
    with Stub({("GET", "/api/v1/config"): config(False)}) as stub:
        failed, result = run(stub)
    assert failed and result["category"] == "live_disabled"
    assert result["changed"] is False
    assert [r["path"] for r in stub.requests] == ["/api/v1/config"]


def test_check_mode_only_reads():
    with Stub({**OAUTH, ("GET", "/api/v1/config"): config(True)}) as stub:
        failed, result = run(stub, check=True)
    assert not failed and result["ok"] and result["changed"] is False
    assert [(r["method"], r["path"]) for r in stub.requests] == [
        ("GET", "/api/v1/config"),
        ("GET", "/api/v1/oauth-clients/local"),
    ]


def test_check_mode_with_wrong_host_header_is_auth_failed():
    routes = {("GET", "/api/v1/config"): config(True), ("GET", "/api/v1/oauth-clients/local"): (403, {})}
    with Stub(routes) as stub:
        failed, result = run(stub, check=True)
    assert failed and result["category"] == "auth_failed"
    assert "Host header" in result["msg"]


@needs_ffmpeg
def test_bad_password_is_auth_failed_and_password_never_shows():
    routes = {**OAUTH, ("GET", "/api/v1/config"): config(True)}
    routes[("POST", "/api/v1/users/token")] = (
        400,
        {"code": "invalid_grant", "detail": "Invalid credentials"},
    )
    with Stub(routes) as stub:
        failed, result = run(stub, ffmpeg=FFMPEG)
    assert failed and result["category"] == "auth_failed"
    assert "probe-secret" not in repr(result)
    assert not any(r["method"] == "POST" and r["path"] == "/api/v1/videos/live" for r in stub.requests)


def test_missing_ffmpeg_is_probe_error_before_anything_is_created(tmp_path):
    with Stub({**OAUTH, ("GET", "/api/v1/config"): config(True)}) as stub:
        failed, result = run(stub, ffmpeg=str(tmp_path / "no-ffmpeg"))
    assert failed and result["category"] == "probe_error"
    assert [r["path"] for r in stub.requests] == ["/api/v1/config"]


def test_unreachable_instance_is_api_error():
    with Stub({}) as stub:
        port = stub.port
    # The server is gone: nothing listens on that port any more.
    failed, result = run(type("S", (), {"port": port})())
    assert failed and result["category"] == "api_error"
    assert result["timings"]["total_s"] is not None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@needs_ffmpeg
def test_rtmp_refused_with_a_real_pusher_and_the_live_is_deleted():
    """Everything up to the push works; nothing listens for RTMP: rtmp_refused within seconds."""
    rtmp_port = _free_port()
    routes = {
        **OAUTH,
        ("GET", "/api/v1/config"): config(True),
        ("GET", "/api/v1/users/me/videos?search=fedops-live-check-&count=100&sort=-createdAt"): (
            200,
            {"total": 1, "data": [{"id": 7, "name": "fedops-live-check-20261204T000000Z", "isLive": True}]},
        ),
        ("DELETE", "/api/v1/videos/7"): (204, b""),
        ("GET", "/api/v1/users/me"): (200, {"videoChannels": [{"id": 3}]}),
        ("POST", "/api/v1/videos/live"): (200, {"video": {"id": 12, "uuid": "u-12", "shortUUID": "s12"}}),
        ("GET", "/api/v1/videos/live/12"): (
            200,
            {"rtmpUrl": "rtmp://%s:%d/live" % (HOST, rtmp_port), "streamKey": "key-abc"},
        ),
        ("GET", "/api/v1/videos/12"): (200, {"id": 12, "state": {"id": 4}, "streamingPlaylists": []}),
        ("DELETE", "/api/v1/videos/12"): (204, b""),
    }
    with Stub(routes) as stub:
        started = time.monotonic()
        failed, result = run(stub, ffmpeg=FFMPEG, timeout=30)
        elapsed = time.monotonic() - started
    assert failed and result["category"] == "rtmp_refused", result
    assert elapsed < 15
    assert "refused" in result["evidence"]["pusher_stderr"].lower()
    assert result["swept"] == [7]
    assert result["rtmp_url"] == "rtmp://127.0.0.1:%d/live/<redacted>" % rtmp_port
    assert "key-abc" not in repr(result)
    calls = [(r["method"], r["path"]) for r in stub.requests]
    assert ("DELETE", "/api/v1/videos/12") in calls
    assert calls[-1] == ("POST", "/api/v1/users/revoke-token")
    create = next(r for r in stub.requests if r["path"] == "/api/v1/videos/live")
    assert b'"privacy": 2' in create["body"] and b'"saveReplay": false' in create["body"]
    assert b'"permanentLive": false' in create["body"] and b'"channelId": 3' in create["body"]
