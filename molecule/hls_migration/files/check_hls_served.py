#!/usr/bin/env python3
"""Check every local VOD's HLS files are served, the way a player reaches them (test tool).

For each local non-live video with an HLS playlist (from the database): ask PeerTube's API for
the video (playlistUrl), fetch that master through nginx (https://127.0.0.1, Host header of the
instance), every variant it lists, the fragmented MP4 each variant maps (a byte range: 206) and
the segments file. With --manifest, also fetch every name the 4.0 rename gave (the federated
ones), which must stay served after a reversal. Prints one JSON object.
"""

import argparse
import json
import re
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

MAP_RE = re.compile(r'#EXT-X-MAP:URI="([^"]+)"')
SQL = (
    'SELECT v.uuid, p."playlistFilename", p."segmentsSha256Filename" FROM video v '
    'JOIN "videoStreamingPlaylist" p ON p."videoId" = v.id AND p.type = 1 '
    'WHERE v.remote = false AND v."isLive" = false ORDER BY v.id'
)


class Checker:
    def __init__(self, host, api):
        self.host = host
        self.api = api
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.fetched = 0
        self.failures = []

    def get(self, url, headers=None, expect=(200,)):
        request = urllib.request.Request(url, headers=dict(headers or {}, Host=self.host))
        try:
            with urllib.request.urlopen(request, context=self.ctx, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, b""
        self.fetched += 1
        if status not in expect:
            self.failures.append("%s -> %s" % (url, status))
            return None
        return body

    def static(self, uuid, name, **kw):
        return self.get("https://127.0.0.1/static/streaming-playlists/hls/%s/%s" % (uuid, name), **kw)

    def video(self, uuid, playlist, sha):
        info = self.get("%s/api/v1/videos/%s" % (self.api, uuid))
        if info is None:
            return
        url = json.loads(info)["streamingPlaylists"][0]["playlistUrl"]
        path = urllib.parse.urlparse(url).path
        if not path.endswith("/%s/%s" % (uuid, playlist)):
            self.failures.append("%s: API playlistUrl %s, database %s" % (uuid, path, playlist))
        self.playlist(uuid, playlist)
        self.static(uuid, sha)

    def playlist(self, uuid, master):
        body = self.static(uuid, master)
        if body is None:
            return
        variants = [line for line in body.decode().splitlines() if line and not line.startswith("#")]
        if not variants:
            self.failures.append("%s/%s lists no variant" % (uuid, master))
        for variant in variants:
            text = self.static(uuid, variant)
            if text is None:
                continue
            for mp4 in MAP_RE.findall(text.decode()):
                self.static(uuid, mp4, headers={"Range": "bytes=0-99"}, expect=(206,))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="peertube.test")
    parser.add_argument("--api", default="http://127.0.0.1:9000")
    parser.add_argument("--db", default="peertube_prod")
    parser.add_argument("--manifest", help="also check the names the 4.0 rename gave")
    args = parser.parse_args()
    out = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-X", "-tA", "-F", "|", "-d", args.db, "-c", SQL],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    checker = Checker(args.host, args.api)
    videos = legacy = 0
    for line in out.splitlines():
        uuid, playlist, sha = line.split("|")
        videos += 1
        legacy += playlist == "master.m3u8"
        checker.video(uuid, playlist, sha)
    renamed_checked = 0
    if args.manifest:
        with open(args.manifest, encoding="utf-8") as handle:
            handle.readline()
            for line in handle:
                record = json.loads(line)
                new = record.get("new")
                if not new:
                    continue
                renamed_checked += 1
                checker.playlist(record["uuid"], new["master"])
                checker.static(record["uuid"], new["sha"])
    json.dump(
        {
            "videos": videos,
            "legacy_named": legacy,
            "renamed_names_checked": renamed_checked,
            "fetched": checker.fetched,
            "failures": len(checker.failures),
            "failure_sample": checker.failures[:10],
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
