"""The stand-in behaves like PeerTube where our roles touch it (docs/standin.md).

Tests run in file order and build on each other: 3.4.0 live (RTMP in, HLS out), the
incident's ffmpeg fault, then legacy VODs renamed by the 4.0 script after an upgrade.
"""

import json
import shlex
import time

import pytest

HOME = "/var/www/peertube"
API = "http://127.0.0.1:9000/api/v1"
HOST_HEADER = "peertube.standin.test"
ROOT_PASSWORD = "standin-root-pw"
LOG = f"{HOME}/storage/logs/peertube.log"
HLS = f"{HOME}/storage/streaming-playlists/hls"
FAULT = "/etc/peertube-standin/fault-live-var-stream-map"
PSQL = "runuser -u postgres -- psql -d peertube_prod -XAtq -c "
RESOLUTIONS = [240, 360, 480, 720]
SQL_LEGACY_COUNT = """SELECT count(*) FROM "videoStreamingPlaylist" p JOIN video v ON v.id = p."videoId"
WHERE NOT v."isLive" AND p."playlistFilename" = 'master.m3u8'"""
SQL_VOD_FILES = """SELECT v.uuid, p."playlistFilename", p."segmentsSha256Filename",
string_agg(f.filename, ',')
FROM video v JOIN "videoStreamingPlaylist" p ON p."videoId" = v.id
JOIN "videoFile" f ON f."videoStreamingPlaylistId" = p.id WHERE NOT v."isLive" GROUP BY 1, 2, 3"""
SEEDED = 40


def curl(host, path, method="GET", token=None, data=None, form=None, expect=200, raw=False):
    cmd = [
        "curl",
        "-sS",
        "-o",
        "/tmp/standin-body",
        "-w",
        "%{http_code}",
        "-X",
        method,
        "-H",
        f"Host: {HOST_HEADER}",
    ]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if data is not None:
        cmd += ["-H", "Content-Type: application/json", "--data", json.dumps(data)]
    for key, value in (form or {}).items():
        cmd += ["--data-urlencode", f"{key}={value}"]
    url = path if path.startswith("http") else API + path
    res = host.run(shlex.join(cmd + [url]))
    body = host.file("/tmp/standin-body").content_string
    assert res.stdout.strip() == str(expect), f"{method} {url}: {res.stdout} {body}"
    return body if raw else (json.loads(body) if body else None)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def push(host, unit, key, seconds):
    """A real RTMP publisher: H.264 + AAC in FLV, from ffmpeg's test sources."""
    cmd = (
        f"systemd-run --unit={unit} --collect ffmpeg -nostdin -loglevel error -re "
        "-f lavfi -i testsrc=size=640x360:rate=15 -f lavfi -i sine=frequency=440:sample_rate=44100 "
        f"-t {seconds} -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 30 -c:a aac -b:a 64k "
        f"-f flv rtmp://127.0.0.1:1935/live/{key}"
    )
    assert host.run(cmd).rc == 0


@pytest.fixture(scope="module")
def token(host):
    client = curl(host, "/oauth-clients/local")
    tok = curl(
        host,
        "/users/token",
        method="POST",
        form={
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "grant_type": "password",
            "username": "root",
            "password": ROOT_PASSWORD,
        },
    )
    return tok["access_token"]


def create_live(host, token, name):
    me = curl(host, "/users/me", token=token)
    body = {"channelId": me["videoChannels"][0]["id"], "name": name, "privacy": 1}
    video = curl(host, "/videos/live", method="POST", token=token, data=body)["video"]
    live = curl(host, f"/videos/live/{video['id']}", token=token)
    assert live["rtmpUrl"] == "rtmp://peertube.standin.test:1935/live"
    return video, live["streamKey"]


def state(host, video_id):
    return curl(host, f"/videos/{video_id}")["state"]["id"]


def test_ping_and_version(host):
    assert curl(host, "/ping", raw=True) == "pong"
    config = curl(host, "/config")
    assert config["serverVersion"] == "3.4.0"
    assert config["live"]["rtmp"]["port"] == 1935
    assert "webserver" not in config


def test_oauth_client_needs_the_webserver_host(host):
    res = host.run(f"curl -s -o /dev/null -w '%{{http_code}}' {API}/oauth-clients/local")
    assert res.stdout == "403"


def test_live_push_is_published_as_hls(host, token):
    video, key = create_live(host, token, "standin live probe")
    assert state(host, video["id"]) == 4
    push(host, "standin-push-ok", key, 40)
    wait_for(lambda: state(host, video["id"]) == 1, 60, "state 1 (published)")
    pl = curl(host, f"/videos/{video['uuid']}")["streamingPlaylists"][0]["playlistUrl"]
    assert pl == f"http://peertube.standin.test/static/streaming-playlists/hls/{video['uuid']}/master.m3u8"
    master = curl(host, pl.replace("http://peertube.standin.test", "http://127.0.0.1:9000"), raw=True)
    assert master.count("#EXT-X-STREAM-INF") == 2, master
    assert "RESOLUTION=426x240" in master and "RESOLUTION=640x360" in master
    wait_for(lambda: host.file(f"{HLS}/{video['uuid']}/0-000000.ts").exists, 30, "a first segment")
    # The publisher leaves: ffmpeg ends, a normal live ends in state 5.
    host.run("systemctl stop standin-push-ok")
    wait_for(lambda: state(host, video["id"]) == 5, 40, "state 5 (ended)")
    assert "Live transcoding error" not in host.file(LOG).content_string


def test_fault_switch_breaks_var_stream_map(host, token):
    host.run(f"mkdir -p /etc/peertube-standin && touch {FAULT}")
    try:
        video, key = create_live(host, token, "standin fault probe")
        push(host, "standin-push-fault", key, 20)
        log = wait_for(
            lambda: "Invalid argument" in (c := host.file(LOG).content_string) and c, 60, "the ffmpeg error"
        )
        line = next(
            ln for ln in log.splitlines() if "Live transcoding error" in ln and "Invalid argument" in ln
        )
        assert "ffmpeg exited with code 1" in line
        wait_for(lambda: state(host, video["id"]) == 5, 30, "state 5 after the failure")
        assert not host.file(f"{HLS}/{video['uuid']}/master.m3u8").exists
    finally:
        host.run(f"rm -f {FAULT}; systemctl stop standin-push-fault")


def test_seed_legacy_vods(host):
    res = host.run(f"standin-seed-vods --count {SEEDED} --naming legacy --resolutions 240,360,480,720")
    assert res.rc == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["videos"] == SEEDED and summary["video_files"] == SEEDED * len(RESOLUTIONS)
    legacy = host.run(PSQL + shlex.quote(SQL_LEGACY_COUNT)).stdout
    assert int(legacy) == SEEDED


def test_upgrade_without_new_default_yaml_refuses_to_start(host):
    res = host.run(
        f"cd {HOME}/versions/peertube-v4.0.0 && runuser -u peertube -- env NODE_ENV=production "
        f"NODE_CONFIG_DIR={HOME}/config timeout 20 node dist/server"
    )
    assert res.rc == 1
    assert "Your configuration files miss keys" in res.stdout and "live.rtmp.enabled" in res.stdout


def test_upgrade_to_4_0_and_rename_hls(host):
    cmds = [
        "systemctl stop peertube",
        f"ln -sfn versions/peertube-v4.0.0 {HOME}/peertube-latest",
        f"install -o peertube -g peertube -m 0640 {HOME}/peertube-latest/config/default.yaml {HOME}/config/",
        "systemctl start peertube",
    ]
    for cmd in cmds:
        assert host.run(cmd).rc == 0, cmd
    wait_for(lambda: host.run(f"curl -sf {API}/ping").stdout == "pong", 60, "4.0.0 ping")
    assert curl(host, "/config")["serverVersion"] == "4.0.0"
    res = host.run(
        f"cd {HOME}/peertube-latest && runuser -u peertube -- env NODE_ENV=production "
        f"NODE_CONFIG_DIR={HOME}/config node dist/scripts/migrations/peertube-4.0.js"
    )
    assert res.rc == 0, res.stderr
    assert res.stdout.count("Successfully moved HLS files") == SEEDED
    assert "Cannot" not in res.stdout + res.stderr


def test_every_renamed_file_is_referenced_and_present(host):
    rows = host.run(PSQL + shlex.quote(SQL_VOD_FILES)).stdout.splitlines()
    assert len(rows) == SEEDED
    for row in rows:
        uuid, master, sha, files = row.split("|")
        assert master.endswith("-master.m3u8") and master != "master.m3u8"
        assert sha.endswith("-segments-sha256.json") and sha != "segments-sha256.json"
        listing = set(host.run(f"ls {HLS}/{uuid}").stdout.split())
        expected = {master, sha}
        for mp4 in files.split(","):
            expected |= {mp4, mp4.replace("-fragmented.mp4", ".m3u8")}
        assert listing == expected, uuid
        content = host.file(f"{HLS}/{uuid}/{master}").content_string
        for res in RESOLUTIONS:
            assert f"\n{uuid}-{res}.m3u8\n" in content
        assert host.file(f"{HLS}/{uuid}/{uuid}-240.m3u8").user == "peertube"
    # Lives keep master.m3u8, and a second run changes nothing.
    again = host.run(
        f"cd {HOME}/peertube-latest && runuser -u peertube -- env NODE_ENV=production "
        f"NODE_CONFIG_DIR={HOME}/config node dist/scripts/migrations/peertube-4.0.js"
    )
    assert again.rc == 0 and "Successfully moved" not in again.stdout


def test_renamed_master_is_served(host):
    vid = host.run(PSQL + shlex.quote('SELECT uuid FROM video WHERE NOT "isLive" LIMIT 1')).stdout.strip()
    video = curl(host, f"/videos/{vid}")
    url = video["streamingPlaylists"][0]["playlistUrl"]
    assert url.endswith("-master.m3u8")
    body = curl(host, url.replace("http://peertube.standin.test", "http://127.0.0.1:9000"), raw=True)
    assert body.count("#EXT-X-STREAM-INF") == len(RESOLUTIONS)
