#!/usr/bin/env python3
"""Snapshot of a PeerTube test host: what must be equal before an upgrade and after a rollback.

Runs on the host as root (stdlib, psql as postgres, curl). Writes JSON:
  version         serverVersion of /api/v1/config, through nginx
  schema          application.migrationVersion
  tables          {table: {rows, md5}} of the durable tables (lives and tokens, which the live
                  probe creates and deletes, are left out; for users, the identity columns)
  vods            {video uuid: {file name: sha256}} of every local VOD's master playlist, the
                  variant playlists it lists, the media files they reference and the segments
                  file, each fetched through nginx with the public hostname (what viewers get)
"""

import argparse
import hashlib
import json
import re
import subprocess
import sys

DB = "peertube_prod"
HOST = "peertube.test"
CA = f"/etc/ssl/peertube/{HOST}.crt"
NON_LIVE = 'SELECT id FROM video WHERE NOT "isLive"'
TABLES = {
    "application": 'SELECT "migrationVersion" FROM application',
    "user": 'SELECT id, username, email, password FROM "user"',
    "account": "SELECT * FROM account",
    "videoChannel": 'SELECT * FROM "videoChannel"',
    "video": f"SELECT * FROM video WHERE id IN ({NON_LIVE})",
    "videoStreamingPlaylist": f'SELECT * FROM "videoStreamingPlaylist" WHERE "videoId" IN ({NON_LIVE})',
    "videoFile": (
        'SELECT * FROM "videoFile" WHERE "videoStreamingPlaylistId" IN '
        f'(SELECT id FROM "videoStreamingPlaylist" WHERE "videoId" IN ({NON_LIVE}))'
    ),
    "oAuthClient": 'SELECT * FROM "oAuthClient"',
}


def psql(sql):
    cmd = ["runuser", "-u", "postgres", "--", "psql", "-XqtA", "-v", "ON_ERROR_STOP=1", "-d", DB, "-c", sql]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def fetch(path):
    url = f"https://{HOST}{path}"
    res = subprocess.run(
        [
            "curl",
            "-sS",
            "--fail",
            "--max-time",
            "10",
            "--resolve",
            f"{HOST}:443:127.0.0.1",
            "--cacert",
            CA,
            url,
        ],
        capture_output=True,
        check=False,
    )
    return res.returncode, res.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = {"tables": {}, "vods": {}, "unreachable": []}
    rc, body = fetch("/api/v1/config")
    out["version"] = json.loads(body)["serverVersion"] if rc == 0 else None
    out["schema"] = int(psql('SELECT "migrationVersion" FROM application LIMIT 1'))
    for name, sql in TABLES.items():
        row = psql(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM ({sql}) t"
        )
        rows, digest = row.split("|")
        out["tables"][name] = {"rows": int(rows), "md5": digest}
    playlists = psql(
        'SELECT v.uuid, p."playlistFilename", p."segmentsSha256Filename" FROM video v '
        'JOIN "videoStreamingPlaylist" p ON p."videoId" = v.id '
        'WHERE NOT v."isLive" AND NOT v.remote ORDER BY v.id'
    )
    for line in filter(None, playlists.splitlines()):
        uuid, master, sha = line.split("|")
        base = f"/static/streaming-playlists/hls/{uuid}/"
        files = {}
        todo = [master, sha]
        while todo:
            name = todo.pop(0)
            if name in files:
                continue
            rc, body = fetch(base + name)
            if rc != 0:
                out["unreachable"].append(f"{uuid}/{name}")
                files[name] = None
                continue
            files[name] = hashlib.sha256(body).hexdigest()
            if name.endswith(".m3u8"):
                text = body.decode()
                todo += [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
                todo += re.findall(r'URI="([^"]+)"', text)
        out["vods"][uuid] = files
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)
    print(
        json.dumps({"vods": len(out["vods"]), "unreachable": out["unreachable"], "version": out["version"]})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
